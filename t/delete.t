#!/usr/bin/perl
# delete <key> [0] [noreply]: the legacy "0" hold time is tolerated, any other
# extra token is a usage error.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my $usage = "CLIENT_ERROR bad command line format.  "
    . "Usage: delete <key> [noreply]\r\n";
my $server = new_memcached();
my $sock = $server->sock;

reply_is($sock, "set d 0 0 1\r\nx\r\nset keep 0 0 1\r\nk\r\n",
         "STORED\r\nSTORED\r\n", 'set d, keep');
reply_is($sock, "delete d\r\n", "DELETED\r\n", 'delete hit');
mem_get_is($sock, 'd', undef, 'gone');
reply_is($sock, "delete d\r\n", "NOT_FOUND\r\n", 'delete miss');

reply_is($sock, "set d 0 0 1\r\nx\r\ndelete d 0\r\n", "STORED\r\nDELETED\r\n",
         'delete key 0 (legacy hold time) works');
reply_is($sock, "set d 0 0 1\r\nx\r\n", "STORED\r\n", 'set d again');
for my $bad ('delete d 1', 'delete d 00', 'delete d x', 'delete d 0 0',
             'delete d noreply junk') {
    reply_is($sock, "$bad\r\n", $usage, "'$bad': usage error");
}
mem_get_is($sock, 'd', 'x', 'usage errors deleted nothing');
reply_is($sock, "delete\r\n", "ERROR\r\n", 'bare delete');
reply_is($sock, "delete a b c d\r\n", "ERROR\r\n", 'delete with 4 args');
reply_is($sock, "delete " . ('k' x 251) . "\r\n",
         "CLIENT_ERROR bad command line format\r\n", 'delete 251-byte key');
reply_is($sock, "delete " . ('k' x 250) . "\r\n", "NOT_FOUND\r\n",
         'delete 250-byte key (absent)');

# noreply: hit, miss and even the usage error are silent.
reply_is($sock, "delete d noreply\r\ndelete d noreply\r\n"
         . "delete keep junk noreply\r\ndelete keep 1 noreply\r\n"
         . "delete " . ('k' x 251) . " noreply\r\nget d keep\r\n",
         "VALUE keep 0 1\r\nk\r\nEND\r\n",
         'noreply: DELETED, NOT_FOUND and errors all suppressed');
reply_is($sock, "delete keep 0 noreply\r\nget keep\r\n", "END\r\n",
         'delete key 0 noreply deletes silently');

# Deleted key can be re-added; delete from another connection is seen.
reply_is($sock, "add d 0 0 1\r\ny\r\n", "STORED\r\n", 'add after delete');
my $s2 = $server->new_sock;
reply_is($s2, "delete d\r\n", "DELETED\r\n", 'delete from 2nd connection');
mem_get_is($sock, 'd', undef, 'first connection sees it gone');

done_testing();
