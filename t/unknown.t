#!/usr/bin/perl
# Unknown commands answer "ERROR\r\n" and leave the connection usable.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my @bad = ("foo\r\n", "foo bar baz\r\n", "\r\n", "GET foo\r\n",
           "bogus\n", "sett foo 0 0 1\r\n");
plan tests => 2 * @bad + 2;

my $srv = new_memcached();
my $s = $srv->sock;

for my $cmd (@bad) {
    (my $name = $cmd) =~ s/\r?\n$//;
    send_cmd($s, $cmd);
    is(read_line($s), "ERROR\r\n", "unknown command '$name' -> ERROR");
    send_cmd($s, "version\r\n");
    like(read_line($s), qr/^VERSION /, "connection usable after '$name'");
}

# Several unknown commands pipelined with a good one in the middle.
send_cmd($s, "nope\r\nversion\r\nnope2\r\n");
my $r = join '', map { read_line($s) // '' } 1 .. 3;
like($r, qr/^ERROR\r\nVERSION [^\r]+\r\nERROR\r\n$/, 'pipelined mix');

send_cmd($s, "set k 0 0 1\r\nx\r\n");
is(read_line($s), "STORED\r\n", 'storage still works after errors');
