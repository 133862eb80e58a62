#!/usr/bin/perl
# Segmented LRU: defaults as the reference, a hot key survives a scan of
# cold keys that evicts it under the plain LRU, and the lru commands.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

plan tests => 21;

# The scan: 30000 keys of ~100 bytes through -m 2, fetching the hot key
# every 100 sets.  Returns whether the hot key survived, and evictions.
sub scan {
    my ($args) = @_;
    my $srv = new_memcached("-m 2 $args");
    my $s = $srv->sock;
    my $v = 'x' x 100;
    cmd_line($s, "set hot 0 0 100\r\n$v\r\n");    # same class as the scan
    my $alive = 1;
    for my $i (0 .. 29999) {
        send_cmd($s, "set cold$i 0 0 100 noreply\r\n$v\r\n");
        next if $i % 100;
        send_cmd($s, "get hot\r\n");
        my $l = read_line($s) // '';
        if ($l =~ /^VALUE/) {
            read_line($s); read_line($s);
        } else {
            $alive = 0;
            last;
        }
    }
    my $st = mem_stats($s);
    return ($alive, $st->{evictions});
}

my ($alive, $ev) = scan('');
ok($alive, 'hot key survives the scan with the segmented LRU');
ok($ev > 0, 'the scan did evict');
SKIP: {
    skip 'ours: flat LRU timing', 1 unless supports_ours('flat-lru');
    my ($alive2) = scan('-o no_lru_maintainer');
    ok(!$alive2, 'under the plain LRU the hot key is evicted');
}

my $srv = new_memcached('');
my $s = $srv->sock;
my $st = mem_stats($s, 'settings');
is($st->{lru_maintainer_thread}, 'yes', 'maintainer on by default');
is($st->{lru_segmented}, 'yes', 'segmented by default');
is($st->{hot_lru_pct}, '20', 'hot_lru_pct 20');
is($st->{warm_lru_pct}, '40', 'warm_lru_pct 40');
is($st->{temp_lru}, 'no', 'temp_lru off');
is($st->{temporary_ttl}, '61', 'temporary_ttl 61');

cmd_line($s, "set a 0 0 1\r\nx\r\n");
$st = mem_stats($s, 'items');
ok(exists $st->{"items:1:$_"}, "stats items has $_")
    for qw(number_hot number_warm number_cold age_hot age_warm
           moves_to_cold moves_to_warm moves_within_lru direct_reclaims);
is(cmd_line($s, "lru tune 60 60 0.1 2\r\n"),
   "ERROR hot and warm pcts must not exceed 80\r\n", 'lru tune bound');
is(cmd_line($s, "lru tune 10 30 0.1 2.0\r\n"), "OK\r\n", 'lru tune');
is(cmd_line($s, "lru temp_ttl 100\r\n"), "OK\r\n", 'lru temp_ttl');
