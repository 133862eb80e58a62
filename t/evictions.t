#!/usr/bin/perl
# With a small memory limit (-m 8; the reference refuses -m 1 at the default
# -I 1m because the item limit may be at most half the memory), writing far
# more than fits evicts the least recently used items.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my $server = new_memcached('-m 8');
my $sock = $server->sock;
my $size = 100 * 1024;
my $n = 300;                      # ~30 MB into 8 MB

my $stored = 0;
for my $i (0 .. $n - 1) {
    my $v = sprintf('%06d', $i) x ($size / 6 + 1);
    $v = substr($v, 0, $size);
    send_cmd($sock, "set key$i 0 0 $size\r\n$v\r\n");
    my $l = read_line($sock) // '';
    $stored++ if $l eq "STORED\r\n";
}
is($stored, $n, "all $n sets answered STORED (eviction, not errors)");

my $st = mem_stats($sock);
is($st->{limit_maxbytes}, 8 * 1024 * 1024, 'limit_maxbytes is 8 MiB');
cmp_ok($st->{evictions}, '>', 0, 'evictions counted');
cmp_ok($st->{bytes}, '<=', $st->{limit_maxbytes}, 'bytes within the limit');
cmp_ok($st->{curr_items}, '<', $n, 'fewer items than written');
is($st->{total_items}, $n, 'total_items counts every store');

# The most recent writes must survive.
my $last = 20;
for my $i ($n - $last .. $n - 1) {
    my $v = substr(sprintf('%06d', $i) x ($size / 6 + 1), 0, $size);
    mem_get_is($sock, "key$i", $v, "recent key$i present");
}
mem_get_is($sock, 'key0', undef, 'oldest key evicted');

done_testing();
