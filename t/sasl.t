#!/usr/bin/perl
# sasl: -S requires SASL PLAIN over the binary protocol, configured the
# Cyrus way: $SASL_CONF_PATH/memcached.conf names the mechanism and a
# sasldb made with saslpasswd2.  Before the login every request is
# answered "Auth failure." (0x20) and the connection closed.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use lib 't/lib';
use MemcachedTest;

plan skip_all => 'external daemon: needs -S' if using_daemon();
my $saslpasswd = '/usr/sbin/saslpasswd2';
plan skip_all => "no $saslpasswd (bootstrap.sh installs sasl2-bin)"
    unless -x $saslpasswd;

my $dir = tempdir(CLEANUP => 1);
open(my $fh, '>', "$dir/memcached.conf") or die $!;
print $fh "mech_list: plain\nsasldb_path: $dir/sasldb2\n";
close $fh;
system("echo -n secretpw | $saslpasswd -p -a memcached -f $dir/sasldb2 -c alice") == 0
    or die 'saslpasswd2 failed';
$ENV{SASL_CONF_PATH} = $dir;

my $srv = new_memcached('-S');

sub req {
    my (%a) = @_;
    my ($key, $ext, $val) = map { $_ // '' } @a{qw(key ext val)};
    return pack('CCnCCnNNNN', 0x80, $a{op}, length($key), length($ext), 0, 0,
                length($key) + length($ext) + length($val), 0, 0, 0)
           . $ext . $key . $val;
}

sub resp {
    my ($s) = @_;
    my $h = read_bytes($s, 24, 3);
    return {} unless defined $h && length($h) == 24;
    my (undef, $op, $kl, $el, undef, $st, $bl) = unpack('CCnCCnN', $h);
    my $body = $bl ? read_bytes($s, $bl, 3) : '';
    return { op => $op, status => $st, val => substr($body, $el + $kl) };
}

sub closed {
    my $b = read_bytes($_[0], 1, 2);
    return !defined $b || $b eq '';
}

my $s = $srv->new_sock;
send_cmd($s, req(op => 0x0a));
is_deeply([@{resp($s)}{qw(status val)}], [0x20, 'Auth failure.'],
          'noop before login: Auth failure.');
ok(closed($s), 'and the connection is closed');

$s = $srv->new_sock;
send_cmd($s, req(op => 0x20));
is_deeply([@{resp($s)}{qw(status val)}], [0, 'PLAIN'], 'mechanisms: PLAIN');
send_cmd($s, req(op => 0x21, key => 'PLAIN', val => "\0alice\0wrong"));
is_deeply([@{resp($s)}{qw(status val)}], [0x20, 'Auth failure.'],
          'wrong password refused');
send_cmd($s, req(op => 0x21, key => 'PLAIN', val => "\0alice\0secretpw"));
is_deeply([@{resp($s)}{qw(status val)}], [0, 'Authenticated'],
          'right password: Authenticated');
send_cmd($s, req(op => 0x01, key => 'k', ext => pack('NN', 0, 0), val => 'v')
           . req(op => 0x00, key => 'k'));
is(resp($s)->{status}, 0, 'set after login');
is(resp($s)->{val}, 'v', 'get after login');

$s = $srv->new_sock;
send_cmd($s, req(op => 0x21, key => 'NOSUCHMECH', val => 'x'));
is(resp($s)->{status}, 0x20, 'unknown mechanism: Auth failure.');
send_cmd($s, req(op => 0x20));
is(resp($s)->{status}, 0, 'connection kept after a failed exchange');

# stats: auth_cmds counts SASL exchanges, auth_errors the failed ones
my $t = $srv->new_sock;
send_cmd($t, req(op => 0x21, key => 'PLAIN', val => "\0alice\0secretpw")
           . req(op => 0x10));
resp($t);
my %st;
while (1) {
    my $h = read_bytes($t, 24, 3);
    last unless defined $h && length($h) == 24;
    my (undef, undef, $kl, $el, undef, undef, $bl) = unpack('CCnCCnN', $h);
    last if $bl == 0;
    my $body = read_bytes($t, $bl, 3);
    $st{substr($body, $el, $kl)} = substr($body, $el + $kl);
}
cmp_ok($st{auth_cmds}, '>=', 4, "auth_cmds $st{auth_cmds}");
cmp_ok($st{auth_errors}, '>=', 2, "auth_errors $st{auth_errors}");

SKIP: {
    my $py = '/usr/bin/python3';
    skip 'no pylibmc', 2
        unless system("$py -c 'import pylibmc' 2>/dev/null") == 0;
    my $port = $srv->port;
    my $out = `$py -c "
import pylibmc
c = pylibmc.Client(['127.0.0.1:$port'], binary=True, username='alice', password='secretpw')
c.set('p', 'libmc'); print(c.get('p'))
bad = pylibmc.Client(['127.0.0.1:$port'], binary=True, username='alice', password='nope')
try:
    bad.set('q', 'x'); print('no error')
except Exception as e:
    print('refused')
" 2>&1`;
    like($out, qr/^libmc$/m, 'pylibmc logs in with the right password');
    like($out, qr/^refused$/m, 'pylibmc with a wrong password is refused');
}

done_testing();
