#!/usr/bin/perl
# stats: the general group carries the fields clients and tools read, with
# sane values, and ends with END.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my @fields = qw(pid uptime time version libevent pointer_size rusage_user
                rusage_system max_connections curr_connections
                total_connections rejected_connections
                connection_structures threads bytes_read bytes_written);
plan tests => @fields + 18;

my $srv = new_memcached('-t 3 -c 200');
my $s = $srv->sock;

send_cmd($s, "stats\r\n");
my @lines;
while (defined(my $l = read_line($s))) {
    push @lines, $l;
    last if $l !~ /^STAT /;
}
is($lines[-1], "END\r\n", 'stats ends with END');
is(scalar(grep { !/^STAT \S+ \S.*\r\n$/ } @lines[0 .. $#lines - 1]), 0,
   'every line before END is STAT name value');

my $st = mem_stats($s);
ok($st, 'mem_stats parses');
ok(exists $st->{$_}, "has $_") for @fields;

SKIP: {
    skip 'external daemon: pid unknown', 1 if using_daemon();
    is($st->{pid}, $srv->pid, 'pid is the server pid');
}
like($st->{uptime}, qr/^\d+$/, 'uptime is a number');
ok(abs($st->{time} - time) <= 5, 'time is close to now');
send_cmd($s, "version\r\n");
my ($ver) = (read_line($s) // '') =~ /^VERSION (\S+)\r\n/;
is($st->{version}, $ver, 'version matches the version command');
like($st->{libevent}, qr/^\d+\.\d+/, 'libevent version');
like($st->{pointer_size}, qr/^(32|64)$/, 'pointer_size');
like($st->{rusage_user}, qr/^\d+\.\d{6}$/, 'rusage_user seconds.micros');
like($st->{rusage_system}, qr/^\d+\.\d{6}$/, 'rusage_system seconds.micros');
is($st->{threads}, 3, 'threads equals -t');
is($st->{max_connections}, 200, 'max_connections equals -c');

# curr_connections follows open connections; closes are noticed
# asynchronously, so poll.
my $base = $st->{curr_connections};
my @extra = map { $srv->new_sock } 1 .. 3;
send_cmd($_, "version\r\n") && read_line($_) for @extra;
my $now = wait_for(sub {
    my $c = mem_stats($s)->{curr_connections};
    $c == $base + 3 ? $c : 0 });
is($now, $base + 3, 'curr_connections counts 3 new connections');
close $_ for @extra;
$now = wait_for(sub {
    my $c = mem_stats($s)->{curr_connections};
    $c == $base ? "$c" : 0 });
is($now, $base, 'curr_connections drops when they close');
ok(mem_stats($s)->{total_connections} >= $base + 3, 'total_connections');

my $r1 = mem_stats($s)->{bytes_read};
send_cmd($s, "version\r\n" x 10);
read_line($s) for 1 .. 10;
my $r2 = mem_stats($s)->{bytes_read};
ok($r2 >= $r1 + 90, "bytes_read grows ($r1 -> $r2)");
ok(mem_stats($s)->{bytes_written} > 0, 'bytes_written');
