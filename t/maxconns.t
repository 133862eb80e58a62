#!/usr/bin/perl
# -c N: once the server runs out of connection slots it answers a new
# connection with "ERROR Too many open connections\r\n", closes it and
# counts it in rejected_connections.  The reference reserves some file
# descriptors for itself (it rejects after about N - 14 clients with -c 64),
# so the test does not pin the exact count: it opens connections until one
# is rejected, bounded by N + 50.
use strict;
use warnings;
use Test::More tests => 6;
use lib 't/lib';
use MemcachedTest;

my $max = 64;
my $srv = new_memcached("-c $max");
my (@open, $rejected, $reply, $after);
for my $i (1 .. $max + 50) {
    my $s = $srv->new_sock;
    last unless $s;
    send_cmd($s, "version\r\n");
    my $l = read_line($s, 5);
    if (defined $l && $l =~ /^VERSION /) {
        push @open, $s;
        next;
    }
    ($rejected, $reply) = ($i, $l);
    $after = read_line($s, 5);
    last;
}
ok($rejected, 'a connection was rejected' . ($rejected ? " (#$rejected)" : ''));
ok(@open >= $max / 2 && @open <= $max, scalar(@open) . " connections accepted");
is($reply, "ERROR Too many open connections\r\n", 'rejection message');
is($after, undef, 'rejected connection is closed');

my $st = mem_stats($open[0]);
ok($st->{rejected_connections} >= 1, 'rejected_connections counted');

# Freeing a slot lets a new client in again.
close pop @open;
my $ok = wait_for(sub {
    my $s = $srv->new_sock or return 0;
    send_cmd($s, "version\r\n");
    my $l = read_line($s, 2) // '';
    return $l =~ /^VERSION / ? $s : 0;
});
ok($ok, 'a freed slot can be used again');
