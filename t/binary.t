#!/usr/bin/perl
# binary: the binary protocol (magic 0x80) over a real socket, answer by
# answer as the reference gives it: status codes, error bodies, opaque
# echo, CAS on every response, quiet variants, key/extras checks that
# close the connection, a quiet-get pipeline ended by a NoOp, stats.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my $srv = new_memcached('');

sub req {
    my (%a) = @_;
    my $key = $a{key} // '';
    my $ext = $a{ext} // '';
    my $val = $a{val} // '';
    my $bl = $a{bodylen} // length($key) + length($ext) + length($val);
    return pack('CCnCCnNNNN', $a{magic} // 0x80, $a{op}, length($key),
                length($ext), 0, 0, $bl, $a{opaque} // 0,
                ($a{cas} // 0) >> 32, ($a{cas} // 0) & 0xffffffff)
           . $ext . $key . $val;
}

# Read one response; undef on EOF/timeout.
sub resp {
    my ($s) = @_;
    my $h = read_bytes($s, 24, 3);
    return undef unless defined $h && length($h) == 24;
    my ($magic, $op, $kl, $el, $dt, $st, $bl, $opq, $ch, $cl) =
        unpack('CCnCCnNNNN', $h);
    my $body = $bl ? read_bytes($s, $bl, 3) : '';
    return { magic => $magic, op => $op, status => $st, opaque => $opq,
             cas => $ch * 2**32 + $cl, ext => substr($body, 0, $el),
             key => substr($body, $el, $kl), val => substr($body, $el + $kl) };
}

sub closed {
    my ($s) = @_;
    my $b = read_bytes($s, 1, 2);
    return !defined $b || $b eq '';
}

my $flags5 = pack('NN', 5, 0);
my $s = $srv->new_sock;

# set, get, getk, opaque echo, cas
send_cmd($s, req(op => 0x01, key => 'bk', ext => $flags5, val => 'hello',
                 opaque => 0xdeadbeef));
my $r = resp($s);
is($r->{magic}, 0x81, 'response magic 0x81');
is($r->{status}, 0, 'set: success');
is($r->{opaque}, 0xdeadbeef, 'opaque echoed');
ok($r->{cas} > 0, 'set returns a CAS');
my $cas = $r->{cas};

send_cmd($s, req(op => 0x00, key => 'bk'));
$r = resp($s);
is_deeply([@$r{qw(status ext key val cas)}],
          [0, pack('N', 5), '', 'hello', $cas], 'get: flags, value, cas');
send_cmd($s, req(op => 0x0c, key => 'bk'));
$r = resp($s);
is_deeply([@$r{qw(status key val)}], [0, 'bk', 'hello'], 'getk has key');

# the text protocol sees the same item
my $t = $srv->new_sock;
mem_get_is($t, 'bk', 'hello', 'text get sees the binary set');

# misses and errors with their bodies
send_cmd($s, req(op => 0x00, key => 'nokey', opaque => 7));
$r = resp($s);
is_deeply([@$r{qw(status val opaque)}], [1, 'Not found', 7], 'get miss');
send_cmd($s, req(op => 0x0c, key => 'nokey'));
$r = resp($s);
is_deeply([@$r{qw(status key val)}], [1, 'nokey', ''], 'getk miss: key, no text');
send_cmd($s, req(op => 0x02, key => 'bk', ext => $flags5, val => 'x'));
is_deeply([@{resp($s)}{qw(status val)}], [2, 'Data exists for key.'],
          'add on existing');
send_cmd($s, req(op => 0x03, key => 'zz', ext => $flags5, val => 'x'));
is_deeply([@{resp($s)}{qw(status val)}], [1, 'Not found'], 'replace miss');
send_cmd($s, req(op => 0x01, key => 'bk', ext => $flags5, val => 'x',
                 cas => $cas + 1000));
is_deeply([@{resp($s)}{qw(status val)}], [2, 'Data exists for key.'],
          'set with wrong cas');
send_cmd($s, req(op => 0x01, key => 'zz', ext => $flags5, val => 'x',
                 cas => 12345));
is_deeply([@{resp($s)}{qw(status val)}], [1, 'Not found'],
          'set with cas on missing key');
send_cmd($s, req(op => 0x0e, key => 'zz', val => 'x'));
is_deeply([@{resp($s)}{qw(status val)}], [5, 'Not stored.'], 'append miss');
send_cmd($s, req(op => 0x0e, key => 'bk', val => '!'));
is(resp($s)->{status}, 0, 'append hit');
send_cmd($s, req(op => 0x0f, key => 'bk', val => '<'));
is(resp($s)->{status}, 0, 'prepend hit');
send_cmd($s, req(op => 0x00, key => 'bk'));
is(resp($s)->{val}, '<hello!', 'append and prepend applied');

# incr/decr: create with initial value, hit, floor, non-numeric, no-create
send_cmd($s, req(op => 0x05, key => 'ctr', ext => pack('NNNNN', 0, 1, 0, 10, 0)));
$r = resp($s);
is_deeply([@$r{qw(status val)}], [0, pack('NN', 0, 10)], 'incr creates with initial');
send_cmd($s, req(op => 0x05, key => 'ctr', ext => pack('NNNNN', 0, 5, 0, 10, 0)));
is(resp($s)->{val}, pack('NN', 0, 15), 'incr by 5');
send_cmd($s, req(op => 0x06, key => 'ctr', ext => pack('NNNNN', 0, 100, 0, 0, 0)));
is(resp($s)->{val}, pack('NN', 0, 0), 'decr floors at 0');
send_cmd($s, req(op => 0x05, key => 'nope', ext => pack('NNNNN', 0, 1, 0, 0, 0xffffffff)));
is_deeply([@{resp($s)}{qw(status val)}], [1, 'Not found'],
          'incr miss with expiration ~0 does not create');
send_cmd($s, req(op => 0x05, key => 'bk', ext => pack('NNNNN', 0, 1, 0, 0, 0)));
is_deeply([@{resp($s)}{qw(status val)}],
          [6, 'Non-numeric server-side value for incr or decr'],
          'incr non-numeric');

# touch, gat, gatk
send_cmd($s, req(op => 0x1c, key => 'bk', ext => pack('N', 100)));
$r = resp($s);
is_deeply([@$r{qw(status ext val)}], [0, pack('N', 5), ''], 'touch: flags only');
send_cmd($s, req(op => 0x23, key => 'bk', ext => pack('N', 100)));
$r = resp($s);
is_deeply([@$r{qw(status key val)}], [0, 'bk', '<hello!'], 'gatk');

# quiet pipeline: only hits, in order, then the NoOp
send_cmd($s, req(op => 0x11, key => 'q1', ext => $flags5, val => 'a')
           . req(op => 0x11, key => 'q2', ext => $flags5, val => 'b')
           . req(op => 0x0d, key => 'q1') . req(op => 0x0d, key => 'none')
           . req(op => 0x0d, key => 'q2') . req(op => 0x0a, opaque => 42));
my @got = map { resp($s) } 1 .. 3;
is_deeply([map { [$_->{op}, $_->{key}, $_->{val}] } @got],
          [[0x0d, 'q1', 'a'], [0x0d, 'q2', 'b'], [0x0a, '', '']],
          'quiet sets and gets: hits only, then noop');
is($got[2]{opaque}, 42, 'noop echoes opaque');

# version, unknown opcode (connection kept), stats stream
send_cmd($s, req(op => 0x0b));
like(resp($s)->{val}, qr/^\d+\.\d+\.\d+/, 'version');
send_cmd($s, req(op => 0x50) . req(op => 0x0a));
is_deeply([@{resp($s)}{qw(status val)}], [0x81, 'Unknown command'],
          'unknown opcode');
is(resp($s)->{op}, 0x0a, 'connection kept after unknown opcode');
send_cmd($s, req(op => 0x10));
my %st;
while (my $x = resp($s)) {
    last if $x->{key} eq '';
    $st{$x->{key}} = $x->{val};
}
ok(exists $st{pid} && exists $st{curr_items}, 'stat stream has pid, curr_items');
send_cmd($s, req(op => 0x10, key => 'nosuchgroup'));
is_deeply([@{resp($s)}{qw(status val)}], [1, 'Not found'], 'unknown stat group');

# too large: error, value swallowed, connection usable
send_cmd($s, req(op => 0x01, key => 'big', ext => $flags5,
                 val => 'x' x (2 * 1024 * 1024)) . req(op => 0x0a));
is_deeply([@{resp($s)}{qw(status val)}], [3, 'Too large.'], 'too large');
is(resp($s)->{op}, 0x0a, 'value swallowed, next request served');

# flush, then the item is gone
send_cmd($s, req(op => 0x08) . req(op => 0x00, key => 'bk'));
is(resp($s)->{status}, 0, 'flush');
is(resp($s)->{status}, 1, 'item gone after flush');

# malformed requests: Invalid arguments, then closed
for my $bad ([get_with_extras => req(op => 0x00, key => 'k', ext => 'abcd')],
             [get_without_key => req(op => 0x00)],
             [set_without_extras => req(op => 0x01, key => 'k', val => 'v')],
             [key_251_bytes => req(op => 0x00, key => 'k' x 251)]) {
    my $c = $srv->new_sock;
    send_cmd($c, $bad->[1]);
    is_deeply([@{resp($c) // {}}{qw(status val)}], [4, 'Invalid arguments'],
              "$bad->[0]: Invalid arguments");
    ok(closed($c), "$bad->[0]: connection closed");
}
my $c = $srv->new_sock;
send_cmd($c, req(op => 0x00, key => 'abc', bodylen => 2));
is(resp($c)->{status}, 0x81, 'body shorter than key: Unknown command');
ok(closed($c), 'and closed');

# quit answers then closes; quitq just closes
$c = $srv->new_sock;
send_cmd($c, req(op => 0x07));
is(resp($c)->{op}, 0x07, 'quit answers');
ok(closed($c), 'quit closes');
$c = $srv->new_sock;
send_cmd($c, req(op => 0x17));
ok(closed($c), 'quitq closes silently');

done_testing();
