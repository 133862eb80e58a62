#!/usr/bin/perl
# -t N: stats reports N worker threads, and 20 concurrent connections are
# all served (connections are spread over the workers).
use strict;
use warnings;
use Test::More tests => 6;
use lib 't/lib';
use MemcachedTest;

for my $n (1, 2, 8) {
    my $srv = new_memcached("-t $n");
    is(mem_stats($srv->sock)->{threads}, $n, "-t $n: threads $n");
    my @socks = map { $srv->new_sock } 1 .. 20;
    for my $i (0 .. $#socks) {
        send_cmd($socks[$i], "set k$i 0 0 " . length($i) . "\r\n$i\r\n"
                 . "get k$i\r\n");
    }
    my $good = 0;
    for my $i (0 .. $#socks) {
        my $s = $socks[$i];
        my $r = join '', map { read_line($s) // '' } 1 .. 4;
        $good++ if $r eq "STORED\r\nVALUE k$i 0 " . length($i)
            . "\r\n$i\r\nEND\r\n";
    }
    is($good, 20, "-t $n: 20 concurrent connections served");
    $srv->stop;
}
