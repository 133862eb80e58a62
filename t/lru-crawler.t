#!/usr/bin/perl
# LRU crawler: reclaims expired items without fetches; metadump lists
# exactly the live keys; the lru_crawler replies are the reference's.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

plan tests => 25;

sub dump_keys {
    my ($s, $what) = @_;
    send_cmd($s, "lru_crawler metadump $what\r\n");
    my %k;
    while (defined(my $l = read_line($s))) {
        last if $l eq "END\r\n";
        $k{$1} = $l if $l =~ /^key=(\S+) exp=\S+ la=\d+ cas=\d+ fetch=(yes|no) cls=\d+ size=\d+\n$/;
    }
    return \%k;
}

# No maintainer: it would reclaim expired tails itself.
my $srv = new_memcached('-o no_lru_maintainer');
my $s = $srv->sock;
my $st = mem_stats($s, 'settings');
is($st->{lru_crawler}, 'yes', 'crawler on by default');

for my $i (1 .. 50) {
    cmd_line($s, "set ttl$i 0 2 2\r\nab\r\n");
}
for my $i (1 .. 20) {
    cmd_line($s, "set live$i 0 0 2\r\nab\r\n");
}
cmd_line($s, "set gone 0 0 2\r\nab\r\n");
cmd_line($s, "delete gone\r\n");
my $k = dump_keys($s, 'all');
is(scalar(keys %$k), 70, 'metadump lists every live key');
ok(!exists $k->{gone}, 'deleted key not listed');
like($k->{live1}, qr/exp=-1 /, 'no expiry is exp=-1');
like($k->{live1}, qr/fetch=no /, 'unfetched');

sleep 3.2;
is(cmd_line($s, "lru_crawler crawl all\r\n"), "OK\r\n", 'crawl all');
my $done = wait_for(sub {
    my $t = mem_stats($s);
    return $t->{crawler_reclaimed} >= 50 && !$t->{lru_crawler_running};
}, 10);
ok($done, 'crawler reclaimed the 50 expired items');
$st = mem_stats($s);
is($st->{curr_items}, 20, 'only live items remain');
is($st->{get_expired}, 0, 'without fetching them');
ok($st->{crawler_items_checked} >= 70, 'crawler_items_checked counted');
$k = dump_keys($s, '1');
is(join(',', sort keys %$k), join(',', sort map { "live$_" } 1 .. 20),
   'metadump after the crawl: exactly the live keys');

is(cmd_line($s, "lru_crawler metadump\r\n"), "ERROR\r\n", 'metadump no arg');
is(cmd_line($s, "lru_crawler metadump 99\r\n"), "BADCLASS invalid class id\r\n",
   'metadump bad class');
is(cmd_line($s, "lru_crawler crawl 0\r\n"), "BADCLASS invalid class id\r\n",
   'crawl class 0');
is(cmd_line($s, "lru_crawler crawl 1,x\r\n"), "BADCLASS invalid class id\r\n",
   'crawl bad list');
is(cmd_line($s, "lru_crawler sleep 1000001\r\n"),
   "CLIENT_ERROR sleep must be one second or less\r\n", 'sleep bound');
is(cmd_line($s, "lru_crawler sleep x\r\n"),
   "CLIENT_ERROR bad command line format\r\n", 'sleep junk');
is(cmd_line($s, "lru_crawler tocrawl 0\r\n"), "OK\r\n", 'tocrawl');
is(cmd_line($s, "lru_crawler foo\r\n"), "ERROR\r\n", 'unknown subcommand');
is(cmd_line($s, "lru_crawler enable\r\n"),
   "ERROR failed to start lru crawler thread\r\n", 'enable twice');
is(cmd_line($s, "lru_crawler disable\r\n"), "OK\r\n", 'disable');
is(cmd_line($s, "lru_crawler crawl all\r\n"),
   "CLIENT_ERROR lru crawler disabled\r\n", 'crawl while disabled');
is(cmd_line($s, "lru_crawler enable\r\n"), "OK\r\n", 'enable');

my $x = new_memcached('-X');
is(cmd_line($x->sock, "lru_crawler metadump all\r\n"),
   "ERROR metadump not allowed\r\n", '-X refuses metadump');

SKIP: {
    skip 'ours: mgdump (not in 1.6.18)', 1 unless supports_ours('mgdump');
    send_cmd($s, "lru_crawler mgdump 1\r\n");
    my @l;
    while (defined(my $l = read_line($s))) {
        push @l, $l;
        last if $l eq "EN\r\n";
    }
    is(scalar(grep { /^mg live\d+\r\n$/ } @l), 20, 'mgdump: mg lines');
}
