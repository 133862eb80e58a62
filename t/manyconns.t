#!/usr/bin/perl
# 1000 concurrent connections (with -c 2048) each get an answer.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;
use POSIX qw(sysconf _SC_OPEN_MAX);

my $n = 1000;
my $limit = sysconf(_SC_OPEN_MAX) // 0;
plan skip_all => "this process may open only $limit files; need " . ($n + 50)
    if $limit < $n + 50;
plan tests => 3;

my $srv = new_memcached('-c 2048', ulimit_n => 4096);
my @socks;
for (1 .. $n) {
    my $s = $srv->new_sock or last;
    push @socks, $s;
}
is(scalar @socks, $n, "$n connections opened");

send_cmd($_, "version\r\n") for @socks;
my $answered = grep { (read_line($_, 10) // '') =~ /^VERSION / } @socks;
is($answered, $n, "$n connections answered version");

my $st = mem_stats($socks[0]);
ok($st->{curr_connections} >= $n, "curr_connections $st->{curr_connections}");
close $_ for @socks;
