#!/usr/bin/perl
# Command-line handling at start-up: bad options fail with a message on
# stderr and a non-zero exit before listening; -h and -V succeed; root
# without -u is refused.  Messages and exit codes are the reference's.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;
use IO::Socket::INET;

plan skip_all => 'T_MEMD_USE_DAEMON: no binary to start' if using_daemon();

# [args, exit code (undef: any non-zero), stderr regex, ours-only]
my @bad = (
    ['-t 0', 1, qr/^Number of threads must be greater than 0$/m],
    ['-t abc', 1, qr/^Number of threads must be greater than 0$/m],
    ['-t -1', 1, qr/^Number of threads must be greater than 0$/m],
    ['-c 0', 1, qr/^Maximum connections must be greater than 0$/m],
    ['-p 70000', 64, qr/^ERROR: Invalid port number 70000\.$/m],
    ['-o foo', 1, qr/^Illegal suboption "foo"$/m],
    ['-Q', 1, qr/invalid option -- 'Q'/],
    ['-m 0', 64,
     qr/^Cannot set item size limit higher than 1\/2 of memory max\.$/m],
    # The reference takes these (atoi); we refuse them.
    ['-m -5', undef, qr/\S/, 'ours'],
    ['-p abc', undef, qr/\S/, 'ours'],
    ['-p -1', undef, qr/\S/, 'ours'],
);

plan tests => 4 * @bad + 8;

for my $case (@bad) {
    my ($args, $code, $re, $ours) = @$case;
    SKIP: {
        skip "ours: the reference accepts '$args'", 4
            if $ours && !supports_ours('strict-options');
        my $port = free_port();
        my $extra = $args =~ /-p / ? '-l 127.0.0.1' : "-p $port -l 127.0.0.1";
        my $r = run_memcached("$extra $args", timeout => 5);
        ok(!$r->{timed_out} && $r->{exit} != 0, "'$args' exits non-zero")
            or diag("timed_out=$r->{timed_out} exit=$r->{exit}");
        if (defined $code) {
            is($r->{exit}, $code, "'$args' exit code $code");
        } else {
            pass("'$args' exit code (any)");
        }
        like($r->{stderr}, $re, "'$args' message on stderr");
        my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Timeout => 1);
        ok(!$c, "'$args' left nothing listening");
    }
}

my $h = run_memcached('-h');
is($h->{exit}, 0, '-h exits 0');
like($h->{stdout}, qr/-p, --port=/, '-h prints usage on stdout');

my $v = run_memcached('-V');
is($v->{exit}, 0, '-V exits 0');
like($v->{stdout}, qr/^memcached \d+\.\d+\.\d+\S*\n$/, '-V prints the version');

SKIP: {
    skip 'not running as root', 2 unless $> == 0;
    my $port = free_port();
    my $r = run_memcached("-p $port -l 127.0.0.1", no_user => 1);
    is($r->{exit}, 64, 'root without -u: exit 64');
    like($r->{stderr}, qr/^can't run as root without the -u switch$/m,
         'root without -u: message');
}

# -p 0: the kernel picks the port; ours can write it to --port-file.
SKIP: {
    skip 'ours: --port-file', 2 unless supports_ours('port-file');
    my $file = "/tmp/memcached-test-port-$$";
    unlink $file;
    my $srv = new_memcached("-p 0 --port-file=$file");
    my $port = wait_for(sub {
        open(my $fh, '<', $file) or return 0;
        my $l = <$fh> // '';
        return $l =~ /^TCP INET6?: (\d+)\n$/ ? $1 : 0;
    });
    ok($port, "--port-file names port " . ($port || 'none'));
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Timeout => 2);
    send_cmd($c, "version\r\n") if $c;
    like($c ? read_line($c) // '' : '', qr/^VERSION /, 'serves on that port');
    $srv->stop;
    unlink $file;
}
