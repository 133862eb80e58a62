#!/usr/bin/perl
# incr / decr on unsigned 64-bit decimal values.
# Rules (reference 1.6.18): incr wraps at 2^64 (max + 1 = 0); decr stops at 0.
# When the result is shorter than the stored value the item is rewritten in
# place and padded with spaces to the old length ("100" - 1 -> "99 "); when it
# is longer a new item is made ("99" + 1 -> "100").
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my $server = new_memcached();
my $sock = $server->sock;
my $max = '18446744073709551615';

reply_is($sock, "set n 5 0 1\r\n1\r\n", "STORED\r\n", 'set n = 1');
reply_is($sock, "incr n 1\r\n", "2\r\n", 'incr 1 -> 2');
reply_is($sock, "incr n 8\r\n", "10\r\n", 'incr 8 -> 10');
reply_is($sock, "get n\r\n", "VALUE n 5 2\r\n10\r\nEND\r\n",
         'grown value, flags kept');
reply_is($sock, "decr n 1\r\n", "9\r\n", 'decr 10 -> 9');
reply_is($sock, "get n\r\n", "VALUE n 5 2\r\n9 \r\nEND\r\n",
         'shrunk value padded with a space to the old length');
reply_is($sock, "decr n 100\r\n", "0\r\n", 'decr below zero stops at 0');
reply_is($sock, "decr n 1\r\n", "0\r\n", 'decr at 0 stays 0');
reply_is($sock, "incr n 0\r\n", "0\r\n", 'incr by 0');

reply_is($sock, "set n 0 0 2\r\n99\r\nincr n 1\r\nget n\r\n",
         "STORED\r\n100\r\nVALUE n 0 3\r\n100\r\nEND\r\n", '99 + 1 = "100"');
reply_is($sock, "decr n 1\r\nget n\r\n", "99\r\nVALUE n 0 3\r\n99 \r\nEND\r\n",
         '100 - 1 = "99 " (length stays 3)');
reply_is($sock, "incr n 1\r\nget n\r\n", "100\r\nVALUE n 0 3\r\n100\r\nEND\r\n",
         '"99 " + 1 = "100"');

# 64-bit edge
reply_is($sock, "set m 0 0 20\r\n$max\r\nincr m 1\r\nget m\r\n",
         "STORED\r\n0\r\nVALUE m 0 20\r\n0" . (' ' x 19) . "\r\nEND\r\n",
         '2^64-1 + 1 wraps to 0, padded to 20 bytes');
reply_is($sock, "set m 0 0 20\r\n$max\r\nincr m 2\r\n", "STORED\r\n1\r\n",
         '2^64-1 + 2 = 1');
reply_is($sock, "set m 0 0 1\r\n5\r\nincr m $max\r\n", "STORED\r\n4\r\n",
         '5 + (2^64-1) = 4');
reply_is($sock, "set m 0 0 1\r\n0\r\nincr m $max\r\n", "STORED\r\n$max\r\n",
         '0 + (2^64-1) = 2^64-1');
reply_is($sock, "decr m $max\r\n", "0\r\n", 'decr by 2^64-1 = 0');

# Leniency of the number parser on the stored value (strtoull rules).
reply_is($sock, "set m 0 0 2\r\n 1\r\nincr m 1\r\nget m\r\n",
         "STORED\r\n2\r\nVALUE m 0 2\r\n2 \r\nEND\r\n",
         'leading space in the value accepted');
reply_is($sock, "set m 0 0 3\r\n1 2\r\nincr m 1\r\n", "STORED\r\n2\r\n",
         'value "1 2" counts as 1');
reply_is($sock, "set m 0 0 23\r\n00000000000000000000001\r\nincr m 1\r\n"
         . "get m\r\n", "STORED\r\n2\r\nVALUE m 0 23\r\n2" . (' ' x 22)
         . "\r\nEND\r\n", 'leading zeros accepted, result padded');

# Non-numeric stored values.
my $nonnum = "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n";
for my $val ('abc', '1a', '-1', '18446744073709551616', '') {
    my $len = length $val;
    reply_is($sock, "set s 0 0 $len\r\n$val\r\n", "STORED\r\n",
             "set s = '$val'");
    reply_is($sock, "incr s 1\r\n", $nonnum, "incr on '$val' refused");
    reply_is($sock, "decr s 1\r\n", $nonnum, "decr on '$val' refused");
    mem_get_is($sock, 's', $val, "'$val' unchanged");
}

# Bad deltas.
my $baddelta = "CLIENT_ERROR invalid numeric delta argument\r\n";
reply_is($sock, "set d 0 0 2\r\n10\r\n", "STORED\r\n", 'set d = 10');
for my $delta ('abc', '-1', '18446744073709551616', '1x', '0x10', '1.5') {
    reply_is($sock, "incr d $delta\r\n", $baddelta, "incr delta '$delta'");
    reply_is($sock, "decr d $delta\r\n", $baddelta, "decr delta '$delta'");
}
reply_is($sock, "incr d +1\r\n", "11\r\n", 'delta "+1" accepted');
reply_is($sock, "incr d 00001\r\n", "12\r\n", 'delta with leading zeros');
reply_is($sock, "incr d\r\n", "ERROR\r\n", 'incr without delta');
reply_is($sock, "incr d 1 2 3\r\n", "ERROR\r\n", 'incr with too many tokens');
reply_is($sock, "decr\r\n", "ERROR\r\n", 'bare decr');
mem_get_is($sock, 'd', '12', 'd = 12 after the bad commands');

# Missing keys and long keys.
reply_is($sock, "incr nx 1\r\n", "NOT_FOUND\r\n", 'incr on missing key');
reply_is($sock, "decr nx 1\r\n", "NOT_FOUND\r\n", 'decr on missing key');
mem_get_is($sock, 'nx', undef, 'incr did not create the key');
my $k251 = 'k' x 251;
reply_is($sock, "incr $k251 1\r\n", "CLIENT_ERROR bad command line format\r\n",
         'incr with 251-byte key');
reply_is($sock, "decr $k251 1\r\n", "CLIENT_ERROR bad command line format\r\n",
         'decr with 251-byte key');

# incr changes the cas unique; the value stays a normal item for append.
my ($c1) = mem_gets($sock, 'd');
reply_is($sock, "incr d 1\r\n", "13\r\n", 'incr d');
my ($c2) = mem_gets($sock, 'd');
ok(defined $c1 && defined $c2 && $c1 != $c2, 'incr changed the unique');
reply_is($sock, "append d 0 0 1\r\n0\r\nincr d 1\r\n", "STORED\r\n131\r\n",
         'append then incr');

# noreply: results and errors suppressed.
reply_is($sock, "set r 0 0 1\r\n5\r\nincr r 10 noreply\r\ndecr r 3 noreply\r\n"
         . "incr nx 1 noreply\r\nincr r abc noreply\r\nincr s 1 noreply\r\n"
         . "get r\r\n", "STORED\r\nVALUE r 0 2\r\n12\r\nEND\r\n",
         'incr/decr noreply silent, errors too');

done_testing();
