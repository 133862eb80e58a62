#!/usr/bin/perl
# Slab rebalancing: "slabs reassign" answers each status as the reference
# does; a page moves; a workload whose value sizes change midway ends
# with pages moved and fewer evictions than with slab_reassign off.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

plan tests => 17;

sub fill {
    my ($s, $prefix, $n, $size) = @_;
    my $v = 'v' x $size;
    for my $i (1 .. $n) {
        send_cmd($s, "set $prefix$i 0 0 $size noreply\r\n$v\r\n");
    }
    cmd_line($s, "version\r\n");
}

my $srv = new_memcached('-m 8');
my $s = $srv->sock;
my $st = mem_stats($s, 'settings');
is($st->{slab_reassign}, 'yes', 'slab_reassign on by default');
is($st->{slab_automove}, '1', 'slab_automove 1 by default');
cmd_line($s, "slabs automove 0\r\n");

is(cmd_line($s, "slabs reassign 1 1\r\n"),
   "SAME src and dst class are identical\r\n", 'SAME');
is(cmd_line($s, "slabs reassign -1 1\r\n"),
   "BADCLASS invalid src or dst class id\r\n", 'BADCLASS');
is(cmd_line($s, "slabs reassign 1 2\r\n"),
   "NOSPARE source class has no spare pages\r\n", 'NOSPARE');
is(cmd_line($s, "slabs reassign x 1\r\n"),
   "CLIENT_ERROR bad command line format\r\n", 'bad number');
is(cmd_line($s, "slabs reassign 1\r\n"), "ERROR\r\n", 'missing dst');
is(cmd_line($s, "slabs automove 3\r\n"), "ERROR\r\n", 'automove 3');
is(cmd_line($s, "slabs automove x\r\n"),
   "CLIENT_ERROR bad command line format\r\n", 'automove junk');

fill($s, 'a', 40000, 10);     # class 1, several pages
is(cmd_line($s, "slabs reassign 1 2\r\nslabs reassign 1 2\r\n"), "OK\r\n",
   'OK');
is(read_line($s), "BUSY currently processing reassign request\r\n", 'BUSY');
ok(wait_for(sub { mem_stats($s)->{slabs_moved} >= 1 }, 10), 'page moved');
$st = mem_stats($s);
ok($st->{slab_reassign_rescues} + $st->{slab_reassign_evictions_nomem} > 0,
   'items on the page rescued or evicted');

my $off = new_memcached('-m 8 -o no_slab_reassign');
is(cmd_line($off->sock, "slabs reassign 1 2\r\n"),
   "CLIENT_ERROR slab reassignment disabled\r\n", 'disabled');

# Value sizes change midway: small values fill all memory, then a
# working set of 800 values of 3000 bytes (2.4 MB) is written round after
# round.  Without slab_reassign its class keeps the little memory it got
# and every round evicts; with automove pages follow the new mix until
# the working set fits and the rounds stop evicting.  Rounds go on until
# that happens or a generous deadline passes: no assumption about how
# fast the machine or the mover is.
sub big_round {
    my ($c, $v) = @_;
    my $before = mem_stats($c)->{evictions};
    send_cmd($c, "set big$_ 0 0 3000 noreply\r\n$v\r\n") for 1 .. 800;
    cmd_line($c, "version\r\n");
    return mem_stats($c)->{evictions} - $before;
}

sub workload {
    my ($args, $rounds_max, $secs) = @_;
    my $m = new_memcached("-m 8 $args");
    my $c = $m->sock;
    my $v = 'v' x 3000;
    fill($c, 's', 60000, 100);
    my @ev = (big_round($c, $v));
    my $end = time + $secs;
    while (@ev < $rounds_max && time < $end) {
        push @ev, big_round($c, $v);
        last if $ev[-1] == 0 && $args =~ /automove/;
    }
    return (mem_stats($c), \@ev);
}

my ($with, $ev_with) = workload('-o slab_automove=2', 1000, 60);
my ($without, $ev_without) = workload('-o no_slab_reassign', 5, 60);
note("evictions per round with automove: @$ev_with");
note("evictions per round without: @$ev_without");
ok($with->{slabs_moved} > 0, "automove moved pages ($with->{slabs_moved})");
ok($ev_with->[-1] < $ev_with->[0] && $ev_with->[-1] < $ev_without->[-1],
   "memory followed the new size: evictions per round fell from "
   . "$ev_with->[0] to $ev_with->[-1] (without reassign: "
   . "$ev_without->[-1])");
is($without->{slabs_moved} // 0, 0, 'no moves without slab_reassign');
