#!/usr/bin/perl
# udp: -U serves the text protocol over UDP.  Each datagram starts with an
# 8-byte frame header (request id, sequence number, datagram count,
# reserved); replies echo the request id and are split into datagrams of
# at most 1400 bytes.  As the reference does it, each command is its own
# reply message, and so is each key after the first of a multi-get.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use IO::Select;
use lib 't/lib';
use MemcachedTest;

plan skip_all => 'external daemon: UDP port unknown' if using_daemon();

my $port = free_port();
my $srv = new_memcached("-U $port");
my $u = IO::Socket::INET->new(Proto => 'udp', PeerAddr => '127.0.0.1',
                              PeerPort => $port) or die "udp socket: $!";

sub udp_send {
    my ($rid, $payload, $total) = @_;
    $u->send(pack('nnnn', $rid, 0, $total // 1, 0) . $payload);
}

# All datagrams that arrive until the line is quiet for $quiet seconds.
sub udp_recv_all {
    my ($quiet) = @_;
    my $sel = IO::Select->new($u);
    my @got;
    while ($sel->can_read($quiet // 0.5)) {
        my $d;
        last unless defined $u->recv($d, 65536);
        my ($rid, $seq, $tot, $res) = unpack('nnnn', $d);
        push @got, { rid => $rid, seq => $seq, total => $tot,
                     len => length($d), data => substr($d, 8) };
        last if @got > 100;
    }
    return @got;
}

udp_send(11, "set a 0 0 1\r\nx\r\n");
my @g = udp_recv_all();
is(scalar @g, 1, 'set: one datagram');
is_deeply([@{$g[0]}{qw(rid seq total data)}], [11, 0, 1, "STORED\r\n"],
          'set: request id echoed, 0 of 1, STORED');

udp_send(12, "get a\r\n");
@g = udp_recv_all();
is_deeply([map { $_->{data} } @g], ["VALUE a 0 1\r\nx\r\nEND\r\n"], 'get hit');

udp_send(13, "get a nokey\r\n");
@g = udp_recv_all();
is_deeply([map { [$_->{seq}, $_->{total}, $_->{data}] } @g],
          [[0, 1, "VALUE a 0 1\r\nx\r\n"], [0, 1, "END\r\n"]],
          'multi-get: a message per key, END with the last');

# A value too big for one datagram: 1400-byte datagrams, numbered.
my $big = join('', map { chr(65 + $_ % 26) } 0 .. 4999);
my $t = $srv->sock;
send_cmd($t, "set big 0 0 5000\r\n$big\r\n");
is(read_line($t), "STORED\r\n", 'big value stored over TCP');
udp_send(14, "get big\r\n");
@g = udp_recv_all();
is_deeply([map { [$_->{seq}, $_->{total}] } @g],
          [[0, 4], [1, 4], [2, 4], [3, 4]], 'four datagrams, 0..3 of 4');
is_deeply([map { $_->{len} } @g[0 .. 2]], [1400, 1400, 1400],
          'full datagrams are 1400 bytes');
is(join('', map { $_->{data} } @g), "VALUE big 0 5000\r\n$big\r\nEND\r\n",
   'reassembled reply is the whole value');

udp_send(15, "set q 0 0 1 noreply\r\ny\r\nget q\r\n");
@g = udp_recv_all();
is_deeply([map { $_->{data} } @g], ["VALUE q 0 1\r\ny\r\nEND\r\n"],
          'noreply sends nothing; the get is answered');
mem_get_is($t, 'q', 'y', 'a UDP set is seen over TCP');

udp_send(16, "version\r\nversion\r\n");
@g = udp_recv_all();
is(scalar @g, 2, 'two commands in a datagram: two messages');
like($g[1]{data}, qr/^VERSION \S+\r\n$/, 'each a VERSION');

udp_send(17, "version\r\n", 2);
@g = udp_recv_all();
is(scalar @g, 0, 'a request announcing two datagrams is dropped');
udp_send(18, "incr nope 1\r\n");
@g = udp_recv_all();
is_deeply([map { [$_->{rid}, $_->{data}] } @g], [[18, "NOT_FOUND\r\n"]],
          'still serving after the dropped request');

# memcaslap (libmemcached-tools) drives sets and gets over UDP and
# verifies a fifth of the values it reads back.
SKIP: {
    my $slap = '/usr/bin/memcaslap';
    skip "no $slap", 3 unless -x $slap;
    my $cmd = "timeout 60 $slap -s 127.0.0.1:$port -U -t 2s -T 1 -c 4 "
        . '--verify=0.2 2>&1';
    my $out = `$cmd`;
    is($? >> 8, 0, 'memcaslap -U ran') or diag($out);
    my ($gets) = $out =~ /^cmd_get: (\d+)$/m;
    ok(($gets // 0) > 100,
       'memcaslap got answers to its gets (' . ($gets // 0) . ')');
    like($out, qr/^verify_failed: 0$/m, 'no value read back wrong');
}

# -o idle_timeout must not close a worker's share of the UDP socket:
# UDP still answers after several idle sweeps (found by review: ours
# closed it as an idle client and stopped serving UDP).
{
    my $p2 = free_port();
    my $idle = new_memcached("-U $p2 -t 1 -o idle_timeout=1");
    my $v = IO::Socket::INET->new(Proto => 'udp', PeerAddr => '127.0.0.1',
                                  PeerPort => $p2) or die "udp socket: $!";
    my $ask = sub {
        $v->send(pack('nnnn', 21, 0, 1, 0) . "version\r\n");
        my $d = '';
        return IO::Select->new($v)->can_read(2) && defined $v->recv($d, 2048)
            ? substr($d, 8) : '<none>';
    };
    like($ask->(), qr/^VERSION /, 'idle_timeout: UDP answers');
    sleep 3;
    like($ask->(), qr/^VERSION /, 'idle_timeout: UDP still answers 3 s later');
}

done_testing();
