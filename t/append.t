#!/usr/bin/perl
# append / prepend: data is glued on, flags and exptime of the stored item are
# kept (the command's own flags are ignored), missing keys give NOT_STORED.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my $server = new_memcached();
my $sock = $server->sock;

reply_is($sock, "set k 19 0 5\r\nhello\r\n", "STORED\r\n", 'set k flags 19');
reply_is($sock, "append k 7 0 6\r\n world\r\n", "STORED\r\n", 'append');
reply_is($sock, "get k\r\n", "VALUE k 19 11\r\nhello world\r\nEND\r\n",
         'appended, flags of the item kept');
reply_is($sock, "prepend k 8 0 3\r\n>> \r\n", "STORED\r\n", 'prepend');
reply_is($sock, "get k\r\n", "VALUE k 19 14\r\n>> hello world\r\nEND\r\n",
         'prepended, flags still 19');
reply_is($sock, "append k 0 0 0\r\n\r\n", "STORED\r\n", 'append nothing');
reply_is($sock, "prepend k 0 0 0\r\n\r\n", "STORED\r\n", 'prepend nothing');
mem_get_is($sock, 'k', '>> hello world', 'empty append/prepend change nothing');

my $bin = "\r\n\0\xff";
reply_is($sock, "append k 0 0 4\r\n$bin\r\n", "STORED\r\n", 'append binary');
mem_get_is($sock, 'k', ">> hello world$bin", 'binary append byte-exact');

reply_is($sock, "append nx 0 0 1\r\nx\r\n", "NOT_STORED\r\n",
         'append on missing key');
reply_is($sock, "prepend nx 0 0 1\r\nx\r\n", "NOT_STORED\r\n",
         'prepend on missing key');
mem_get_is($sock, 'nx', undef, 'append/prepend did not create the key');

# cas changes on append
my ($c1) = mem_gets($sock, 'k');
reply_is($sock, "append k 0 0 1\r\n!\r\n", "STORED\r\n", 'append again');
my ($c2, $v) = mem_gets($sock, 'k');
ok(defined $c1 && defined $c2 && $c1 != $c2, 'append gives a new cas');
is($v, ">> hello world$bin!", 'value after second append');

# malformed append lines
reply_is($sock, "append k abc 0 1\r\nx\r\n",
         "CLIENT_ERROR bad command line format\r\nERROR\r\n",
         'append with bad flags: error, data line is an unknown command');
reply_is($sock, "append k 0 0 -1\r\nx\r\n",
         "CLIENT_ERROR bad command line format\r\nERROR\r\n",
         'append with negative length');
reply_is($sock, "append k 0 0 1\r\nxy\r\n",
         "CLIENT_ERROR bad data chunk\r\nERROR\r\n",
         'append with long data block: bad data chunk');
mem_get_is($sock, 'k', ">> hello world$bin!", 'failed appends changed nothing');

# append that would exceed the item size limit (default -I 1m)
my $n = 600_000;
reply_is($sock, "set big 0 0 $n\r\n" . ('a' x $n) . "\r\n", "STORED\r\n",
         'set 600 KB');
# Each part fits, the sum does not: the reference answers NOT_STORED.
reply_is($sock, "append big 0 0 $n\r\n" . ('b' x $n) . "\r\n",
         "NOT_STORED\r\n", 'append making the item too large: NOT_STORED');
send_cmd($sock, "get big\r\n");
is(read_line($sock), "VALUE big 0 $n\r\n",
   'item kept its old length after the refused append');
is(read_bytes($sock, $n + 7), ('a' x $n) . "\r\nEND\r\n", 'old data intact');

# An appended block that alone exceeds the limit is swallowed; unlike set,
# the existing item survives.
my $m = 2_000_000;
reply_is($sock, "append big 0 0 $m\r\n" . ('c' x $m) . "\r\n",
         "SERVER_ERROR object too large for cache\r\n",
         'append of a block over the limit');
reply_is($sock, "prepend big 0 0 $m\r\n" . ('c' x $m) . "\r\n",
         "SERVER_ERROR object too large for cache\r\n",
         'prepend of a block over the limit');
send_cmd($sock, "get big\r\n");
is(read_line($sock), "VALUE big 0 $n\r\n", 'item still there after both');
is(read_bytes($sock, $n + 7), ('a' x $n) . "\r\nEND\r\n", 'data intact');

# noreply
reply_is($sock, "append k 0 0 1 noreply\r\n?\r\nprepend nx 0 0 1 noreply\r\n"
         . "x\r\nget k\r\n",
         "VALUE k 19 20\r\n>> hello world$bin!?\r\nEND\r\n",
         'append/prepend noreply: silent, and applied');

done_testing();
