#!/usr/bin/perl
# Large items spanning chunks: -I 16m -m 128, a 10 MB value round trips.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my $server = new_memcached('-I 16m -m 128');
my $sock = $server->sock;

my $n = 10 * 1000 * 1000;
my $pat = join '', map { chr } 0 .. 255;
my $val = substr($pat x (int($n / 256) + 1), 0, $n);
substr($val, 5_000_000, 4) = "\r\n\r\n";

ok(send_cmd($sock, "set big 42 0 $n\r\n$val\r\n", 30), 'sent 10 MB');
is(read_line($sock, 30), "STORED\r\n", '10 MB value stored');
send_cmd($sock, "get big\r\n");
is(read_line($sock, 30), "VALUE big 42 $n\r\n", 'VALUE line');
my $got = read_bytes($sock, $n + 7, 30) // '';
ok($got eq "$val\r\nEND\r\n", '10 MB value byte-exact');

my ($cas, $v) = mem_gets($sock, 'big');
ok(defined $v && $v eq $val, 'gets returns it too');
send_cmd($sock, "append big 0 0 3\r\nEND\r\n");
is(read_line($sock, 10), "STORED\r\n", 'append to a 10 MB item');
send_cmd($sock, "get big\r\n");
my $m = $n + 3;
is(read_line($sock, 30), "VALUE big 42 $m\r\n", 'grown length');
$got = read_bytes($sock, $m + 7, 30) // '';
ok($got eq "${val}END\r\nEND\r\n", 'appended value byte-exact');

# 16 MiB (plus overhead) is past -I 16m.
my $over = 16 * 1024 * 1024;
send_cmd($sock, "set huge 0 0 $over\r\n" . ('h' x $over) . "\r\n", 30);
is(read_line($sock, 30), "SERVER_ERROR object too large for cache\r\n",
   '16 MiB value refused at -I 16m');
send_cmd($sock, "delete big\r\n");
is(read_line($sock), "DELETED\r\n", 'delete the big item');
done_testing();
