#!/usr/bin/perl
# Meta commands over UDP (-U): each command is its own reply message, a
# quiet command sends no datagram at all, and ms takes its value from the
# same datagram.  Expected datagrams were read off the reference daemon
# (Debian memcached 1.6.18).
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

# Send one request, return the payloads of the datagrams that come back.
sub udp_ask {
    my ($rid, $payload) = @_;
    $u->send(pack('nnnn', $rid, 0, 1, 0) . $payload);
    my $sel = IO::Select->new($u);
    my @got;
    while ($sel->can_read(0.5)) {
        my $d;
        last unless defined $u->recv($d, 65536);
        my ($r) = unpack('n', $d);
        push @got, substr($d, 8) if $r == $rid;
        last if @got > 10;
    }
    return \@got;
}

is_deeply(udp_ask(1, "ms u1 2 k\r\nhi\r\n"), ["HD ku1\r\n"], 'ms');
is_deeply(udp_ask(2, "mg u1 v k\r\n"), ["VA 2 ku1\r\nhi\r\n"], 'mg');
is_deeply(udp_ask(3, "ms u1 2 q\r\nhi\r\nmn\r\n"), ["MN\r\n"],
          'quiet ms: no datagram for it');
is_deeply(udp_ask(4, "mg nokey v\r\nmg u1 s\r\n"), ["EN\r\n", "HD s2\r\n"],
          'two commands, two messages');
is_deeply(udp_ask(5, "md u1 q\r\nmg nokey q\r\nma x q\r\nmn\r\n"),
          ["NF\r\n", "MN\r\n"], 'quiet pipeline: only the miss of ma');
is_deeply(udp_ask(6, "ms u2 5\r\nhi\r\n"), [],
          'a value cut short by the datagram: dropped');

done_testing();
