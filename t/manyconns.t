#!/usr/bin/perl
# 1000 concurrent connections (with -c 2048) each get an answer, and
# connections with nothing in flight hold no buffers: the daemon's RSS
# grows by less than 5 KB per connection (ours lends read buffers and
# reply blocks from a per-worker pool; it grew ~10 KB each before).
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
plan tests => 5;

my $srv = new_memcached('-c 2048', ulimit_n => 4096);
my $rss0 = rss_kb($srv->pid);
my @socks;
for (1 .. $n) {
    my $s = $srv->new_sock or last;
    push @socks, $s;
}
is(scalar @socks, $n, "$n connections opened");

send_cmd($_, "version\r\n") for @socks;
my $answered = grep { (read_line($_, 10) // '') =~ /^VERSION / } @socks;
is($answered, $n, "$n connections answered version");

# A set and a get on each, so every connection has read a command and
# written a reply with a value.
for my $i (0 .. $#socks) {
    send_cmd($socks[$i], "set k$i 0 0 5\r\nhello\r\nget k$i\r\n");
}
my $replied = 0;
for my $s (@socks) {
    my @l = map { read_line($s, 10) // '' } 1 .. 4;
    $replied++ if $l[0] eq "STORED\r\n" && $l[2] eq "hello\r\n" &&
                  $l[3] eq "END\r\n";
}
is($replied, $n, "$n connections each stored and read back a value");
SKIP: {
    skip 'no /proc/PID/status', 1 unless defined $rss0;
    skip 'sanitizer or valgrind build: RSS not meaningful', 1
        if instrumented_build();
    my $rss = rss_kb($srv->pid) // 0;
    my $per = ($rss - $rss0) / $n;
    ok($per < 5, sprintf("RSS %d -> %d kB, %.1f kB per connection (< 5)",
                         $rss0, $rss, $per));
}

my $st = mem_stats($socks[0]);
ok($st->{curr_connections} >= $n, "curr_connections $st->{curr_connections}");
close $_ for @socks;
