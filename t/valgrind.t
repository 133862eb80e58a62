#!/usr/bin/perl
# valgrind: one protocol session that exercises every command family
# (text storage, retrieval, arithmetic, admin, stats groups, errors,
# binary) against the server under valgrind memcheck; then SIGTERM.  The
# run must show no invalid access and no definite leak at the clean exit.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

plan skip_all => 'no valgrind' unless -x '/usr/bin/valgrind';
plan skip_all => 'external daemon' if using_daemon();
plan skip_all => 'the reference cannot start under valgrind (rlimit)'
    if is_reference();
plan skip_all => 'sanitizer build: valgrind cannot run it'
    if ($ENV{MEMCACHED_SANITIZERS} // '') =~ /sanitize/;

# valgrind 3.19 cannot read clang 14's DWARF 5 debug info and refuses to
# run such a build at all: that says nothing about the daemon.
my $probe = `valgrind -q ${\ memcached_binary()} -V 2>&1`;
plan skip_all => 'valgrind cannot run this build (clang debug info?): '
    . (split /\n/, $probe)[0] if $? != 0;

local $ENV{VALGRIND_TEST} = 1;
my $srv = new_memcached('-t 2 -m 8', timeout => 60);
my $s = $srv->sock;

sub cmd {
    my ($bytes, $want) = @_;
    send_cmd($s, $bytes);
    my $got = '';
    while (defined(my $l = read_line($s, 20))) {
        $got .= $l;
        last if $got =~ $want;
    }
    return $got;
}

like(cmd("set a 0 0 1\r\nx\r\n", qr/STORED\r\n/), qr/^STORED/, 'set');
like(cmd("add b 5 100 2\r\nyy\r\n", qr/\r\n/), qr/^STORED/, 'add');
like(cmd("replace a 0 0 2\r\nzz\r\n", qr/\r\n/), qr/^STORED/, 'replace');
like(cmd("append a 0 0 1\r\n!\r\n", qr/\r\n/), qr/^STORED/, 'append');
like(cmd("prepend a 0 0 1\r\n<\r\n", qr/\r\n/), qr/^STORED/, 'prepend');
my $g = cmd("gets a\r\n", qr/END\r\n/);
my ($cas) = $g =~ /^VALUE a 0 4 (\d+)/;
like(cmd("cas a 0 0 1 $cas\r\nq\r\n", qr/\r\n/), qr/^STORED/, 'cas');
like(cmd("get a b nokey\r\n", qr/END\r\n/), qr/VALUE a 0 1\r\nq\r\n/, 'get');
like(cmd("gat 100 a\r\ngats 100 b\r\n", qr/END\r\n.*END\r\n/s), qr/VALUE b/,
     'gat, gats');
like(cmd("touch a 10\r\n", qr/\r\n/), qr/^TOUCHED/, 'touch');
like(cmd("set n 0 0 2\r\n99\r\nincr n 1\r\ndecr n 5\r\n", qr/95\r\n/),
     qr/100\r\n95/, 'incr, decr');
like(cmd("delete b\r\ndelete b\r\n", qr/NOT_FOUND\r\n/), qr/DELETED/, 'delete');
like(cmd("set big 0 0 300000\r\n" . ('v' x 300000) . "\r\n", qr/\r\n/),
     qr/^STORED/, 'a value of several chunks');
like(cmd("get big\r\n", qr/END\r\n/), qr/^VALUE big 0 300000/, 'its get');
like(cmd("set huge 0 0 2000000\r\n" . ('h' x 2000000) . "\r\n", qr/\r\n/),
     qr/too large/, 'too large, swallowed');
like(cmd("set e 0 0 1\r\nxyz\r\n", qr/ERROR\r\n/), qr/bad data chunk/,
     'bad data chunk');
like(cmd("bogus\r\nget " . ('k' x 251) . "\r\n", qr/format\r\n/),
     qr/CLIENT_ERROR/, 'errors');
like(cmd("set q 0 0 1 noreply\r\nq\r\nversion\r\n", qr/VERSION/), qr/^VERSION/,
     'noreply');
for my $g ('', 'settings', 'items', 'slabs', 'sizes', 'conns') {
    like(cmd("stats $g\r\n", qr/END\r\n/), qr/END\r\n$/, "stats $g");
}
like(cmd("stats detail on\r\nget a\r\nstats detail dump\r\nstats detail off\r\n",
         qr/OK\r\n.*OK\r\n/s), qr/END\r\n/, 'stats detail');
like(cmd("stats cachedump 1 10\r\n", qr/END\r\n/), qr/END\r\n$/,
     'stats cachedump');
like(cmd("lru_crawler metadump all\r\n", qr/END\r\n/), qr/key=/, 'metadump');
like(cmd("lru_crawler crawl all\r\n", qr/\r\n/), qr/OK|BUSY/, 'crawl');
like(cmd("slabs reassign 1 2\r\n", qr/\r\n/), qr/^\S+/, 'slabs reassign');
like(cmd("verbosity 1\r\nverbosity 0\r\n", qr/OK\r\nOK\r\n/), qr/OK/,
     'verbosity');
like(cmd("flush_all\r\nget a\r\n", qr/END\r\n/), qr/^OK\r\nEND/, 'flush_all');

# binary protocol on a second connection: set, get, incr, stat, quit
my $b = $srv->new_sock;
my $req = sub {
    my ($op, $key, $ext, $val) = @_;
    pack('CCnCCnNNNN', 0x80, $op, length($key), length($ext), 0, 0,
         length($key) + length($ext) + length($val), 0, 0, 0)
        . $ext . $key . $val;
};
send_cmd($b, $req->(0x01, 'bk', pack('NN', 1, 0), 'bin')
           . $req->(0x00, 'bk', '', '')
           . $req->(0x05, 'bc', pack('NNNNN', 0, 1, 0, 5, 0), '')
           . $req->(0x07, '', '', ''));
my $got = '';
while (defined(my $chunk = read_bytes($b, 1, 20))) {
    last if $chunk eq '';
    $got .= $chunk;
}
ok(length($got) >= 4 * 24, 'binary requests answered, then quit');

# a client that vanishes in the middle of a value
my $v = $srv->new_sock;
send_cmd($v, "set gone 0 0 100\r\nonly part");
close $v;
like(cmd("get gone\r\n", qr/END\r\n/), qr/^END/, 'no partial item');

$srv->stop;
is($srv->exit_status >> 8, 0, 'clean exit, no valgrind errors');
my $log = '';
if ($srv->{vglog} && open(my $fh, '<', $srv->{vglog})) {
    local $/;
    $log = <$fh> // '';
}
is($log, '', 'valgrind log is empty (no invalid access, no definite leak)');

done_testing();
