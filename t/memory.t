#!/usr/bin/perl
# memory: with -m 64 filled with 100-byte values well past the first
# eviction, the item bytes stay under the limit and the process's resident
# memory stays within the limit plus a bounded overhead (hash table, locks,
# connection buffers, libevent): README.md states the figure.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

plan skip_all => 'external daemon: no /proc access' if using_daemon();
plan skip_all => 'no /proc' unless -d '/proc/self';
plan tests => 6;

my $limit_mb = 64;
my $overhead_mb = 16;
my $srv = new_memcached("-m $limit_mb");
my $s = $srv->sock;

# Fill until evictions start, then as much again so the LRU has churned.
my $val = 'v' x 100;
my ($i, $evicted_at) = (0, 0);
while ($i < 3_000_000) {
    my $batch = '';
    $batch .= "set key:$_ 0 0 100 noreply\r\n$val\r\n" for $i .. $i + 999;
    $i += 1000;
    send_cmd($s, $batch);
    next if $i % 20_000;
    my $st = mem_stats($s);
    $evicted_at ||= $i if $st->{evictions} > 0;
    last if $evicted_at && $i >= 2 * $evicted_at;
}
ok($evicted_at, "evictions started after $evicted_at sets");

my $st = mem_stats($s);
cmp_ok($st->{bytes}, '<=', $st->{limit_maxbytes}, 'bytes <= limit_maxbytes');
cmp_ok($st->{curr_items}, '>', 300_000,
       "holds $st->{curr_items} 100-byte items in $limit_mb MB");
mem_get_is($s, 'key:' . ($i - 1), $val, 'the newest key survives');
mem_get_is($s, 'key:0', undef, 'the oldest key was evicted');

# Sanitizer runtimes keep shadow memory (TSan: several times the heap),
# so the process size says nothing about ours there.
my $instrumented = instrumented_build();
my $rss_kb = 0;
if (open(my $fh, '<', '/proc/' . $srv->pid . '/status')) {
    while (<$fh>) {
        $rss_kb = $1 if /^VmRSS:\s+(\d+) kB/;
    }
}
SKIP: {
    skip "sanitizer or valgrind build: RSS $rss_kb kB not meaningful", 1
        if $instrumented;
    cmp_ok($rss_kb, '<=', ($limit_mb + $overhead_mb) * 1024,
           "RSS $rss_kb kB within -m $limit_mb + $overhead_mb MB");
}
