#!/usr/bin/perl
# Meta set (ms): modes, compare-and-swap, invalidation (I), return flags,
# quiet mode, errors (with and without the data swallowed), large values
# and stats.  Every expected byte string was read off the reference daemon
# (Debian memcached 1.6.18).
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;
use MetaTest;

my $server = new_memcached();
my $sock = $server->sock;

# --- plain stores and return flags -----------------------------------------
mq($sock, "ms foo 3\r\nbar\r\n", "HD\r\n", 'ms: HD');
mem_get_is($sock, 'foo', 'bar', 'classic get sees it');
mq($sock, "ms foo 3 T0 F7\r\nbaz\r\n", "HD\r\n", 'ms with T and F');
mq($sock, "mg foo v f t\r\n", "VA 3 f7 t-1\r\nbaz\r\n", 'flags and TTL set');
mq($sock, "ms foo 3 F4294967296\r\nbaz\r\n", "HD\r\n", 'F wraps at 2^32');
mq($sock, "mg foo f\r\n", "HD f0\r\n", 'F 2^32 is 0');
mq($sock, "ms foo 3 T100\r\nbaz\r\n", "HD\r\n", 'ms T100');
mlike($sock, "mg foo t\r\n", qr/^HD t(99|100)\r\n\z/, 'TTL set');
my ($c) = mlike($sock, "ms foo 3 c\r\nabc\r\n", qr/^HD c(\d+)\r\n\z/,
                'c returns the new CAS');
is(cas_of($sock, 'foo'), $c, 'the CAS mg sees');
mq($sock, "ms foo 3 k O9\r\nabc\r\n", "HD kfoo O9\r\n", 'k and O');
mq($sock, "ms foo 3 O9 k\r\nabc\r\n", "HD O9 kfoo\r\n", 'in the order asked');
mq($sock, "ms foo 3 s t f v h l u P L\r\nabc\r\n", "HD\r\n",
   'flags without meaning for ms are accepted');
mq($sock, "ms foo 0\r\n\r\n", "HD\r\n", 'empty value');
mq($sock, "mg foo s v\r\n", "VA 0 s0\r\n\r\n", 'empty value back');
mq($sock, "ms foo 4294967297\r\nx\r\n", "HD\r\n",
   'length wraps at 2^32 as in the reference');
mq($sock, "ms foo 1 T-1\r\nx\r\n", "HD\r\n", 'negative TTL');
mq($sock, "mg foo v\r\n", "EN\r\n", 'negative TTL: gone at once');

# --- quiet -----------------------------------------------------------------
mq($sock, "ms foo 1 q\r\nx\r\n", "", 'q hides HD');
mq($sock, "ms foo 1 q ME\r\nx\r\n", "NS\r\n", 'q shows NS');
mq($sock, "ms foo 1 q C1\r\nx\r\n", "EX\r\n", 'q shows EX');
mq($sock, "ms nokey 1 q C1\r\nx\r\n", "NF\r\n", 'q shows NF');

# --- modes -----------------------------------------------------------------
mq($sock, "ms m1 2 ME\r\nab\r\n", "HD\r\n", 'ME (add) on a miss');
mq($sock, "ms m1 2 ME\r\nxx\r\n", "NS\r\n", 'ME (add) on a hit: NS');
mq($sock, "ms m1 2 MA\r\ncd\r\n", "HD\r\n", 'MA (append)');
mq($sock, "ms m1 2 MP\r\n__\r\n", "HD\r\n", 'MP (prepend)');
mq($sock, "mg m1 v\r\n", "VA 6\r\n__abcd\r\n", 'appended and prepended');
mq($sock, "ms m1 2 MA T50 F3\r\nef\r\n", "HD\r\n", 'append with T and F');
mq($sock, "mg m1 v t f\r\n", "VA 8 t-1 f0\r\n__abcdef\r\n",
   'append keeps the old TTL and flags');
mq($sock, "ms m2 2 MA\r\nab\r\n", "NS\r\n", 'MA on a miss: NS');
mq($sock, "ms m2 2 MA N30\r\nab\r\n", "NS\r\n",
   'N does not vivify an append (1.6.18)');
mq($sock, "ms m2 2 MR\r\nab\r\n", "NS\r\n", 'MR (replace) on a miss: NS');
mq($sock, "ms m1 2 MR\r\nzz\r\n", "HD\r\n", 'MR on a hit');
mq($sock, "ms m1 2 MS\r\nyy\r\n", "HD\r\n", 'MS (set)');
mq($sock, "mg m1 v\r\n", "VA 2\r\nyy\r\n", 'set');
for my $m (qw(MX Ma Ms Me Mp Mr M5)) {
    mq($sock, "ms m1 2 $m\r\nab\r\n",
       "CLIENT_ERROR invalid mode for ms M token\r\n", "bad mode $m");
}
mq($sock, "ms m1 2 M\r\nab\r\n",
   "CLIENT_ERROR incorrect length for M token\r\n", 'M alone');
mq($sock, "ms m1 2 MSS\r\nab\r\n",
   "CLIENT_ERROR incorrect length for M token\r\n", 'M with two letters');

# --- compare and swap ------------------------------------------------------
mq($sock, "ms x1 2\r\nab\r\n", "HD\r\n", 'ms x1');
my $xc = cas_of($sock, 'x1');
mq($sock, "ms x1 2 C$xc MA\r\ncd\r\n", "HD\r\n", 'append with matching C');
mq($sock, "ms x1 2 C1 MA\r\ncd\r\n", "EX\r\n", 'append with other C: EX');
mq($sock, "ms x1 2 C1 MP\r\ncd\r\n", "EX\r\n", 'prepend with other C: EX');
mq($sock, "ms x1 2 C1 ME\r\ncd\r\n", "NS\r\n", 'add ignores C: NS');
mq($sock, "ms x2 2 C1 ME\r\ncd\r\n", "HD\r\n", 'add ignores C: HD');
mq($sock, "ms x1 2 C1 MR\r\ncd\r\n", "EX\r\n", 'replace with other C: EX');
mq($sock, "ms x1 2 C1\r\ncd\r\n", "EX\r\n", 'set with other C: EX');
mq($sock, "ms x1 2 C0\r\ncd\r\n", "EX\r\n", 'C0 compares too');
mq($sock, "ms x3 2 C1 MA\r\ncd\r\n", "NS\r\n", 'append C on a miss: NS');
mq($sock, "ms x3 2 C1 MR\r\ncd\r\n", "NF\r\n", 'replace C on a miss: NF');
mq($sock, "ms x3 2 C1\r\ncd\r\n", "NF\r\n", 'set C on a miss: NF');
$xc = cas_of($sock, 'x1');
mq($sock, "ms x1 2 C$xc\r\nok\r\n", "HD\r\n", 'set with matching C');
mq($sock, "ms x1 2 C$xc k c\r\nok\r\n", "EX kx1 c0\r\n",
   'EX still answers k, and c0');
mq($sock, "ms x9 1 C5 c\r\n1\r\n", "NF c0\r\n", 'NF c0');
mq($sock, "ms x1 1 ME c k O1\r\nx\r\n", "NS c0 kx1 O1\r\n", 'NS c0');
mq($sock, "ms x1 2 E555\r\nab\r\n", "CLIENT_ERROR invalid flag\r\n",
   'E is not an ms flag in the reference');
mq($sock, "ms x1 2 S2\r\nab\r\n", "CLIENT_ERROR invalid flag\r\n",
   'S is not an ms flag in the reference');

# classic gets/cas and ms share CAS values
send_cmd($sock, "gets x1\r\n");
my ($gc) = (read_line($sock, 5) // '') =~ /^VALUE x1 0 2 (\d+)\r\n/;
read_bytes($sock, 9, 5);
mq($sock, "cas x1 0 0 2 $gc\r\nzz\r\n", "STORED\r\n", 'classic cas with it');
mq($sock, "ms x1 2 C$gc\r\nab\r\n", "EX\r\n", 'the old CAS is stale now');

# --- invalidation (I) ------------------------------------------------------
mq($sock, "ms i1 3\r\nold\r\n", "HD\r\n", 'ms i1');
my $ic = cas_of($sock, 'i1');
mq($sock, "md i1 I T30\r\n", "HD\r\n", 'invalidate');
mq($sock, "ms i1 3 I C$ic MA\r\nxyz\r\n", "EX\r\n", 'I does not apply to MA');
mq($sock, "ms i1 3 I C$ic T0\r\nmid\r\n", "HD\r\n",
   'I with an older C stores');
mlike($sock, "mg i1 t v\r\n", qr/^VA 3 t(29|30) X W\r\nmid\r\n\z/,
      'stored stale with the old TTL');
mq($sock, "ms i1 3 C$ic\r\nnew\r\n", "EX\r\n", 'without I: EX');
mq($sock, "ms i1 3 I\r\nnew\r\n", "HD\r\n", 'I without C: a plain set');
mq($sock, "mg i1 t v\r\n", "VA 3 t-1\r\nnew\r\n", 'fresh again');

# --- errors ----------------------------------------------------------------
mq($sock, "ms\r\n", "ERROR\r\n", 'ms alone');
mq($sock, "ms foo\r\n", "CLIENT_ERROR bad command line format\r\n",
   'no length');
mq($sock, "ms foo abc\r\nabc\r\n",
   "CLIENT_ERROR bad command line format\r\nERROR\r\n",
   'bad length: the data line is read as a command');
mq($sock, "ms foo -1\r\n", "CLIENT_ERROR bad command line format\r\n",
   'negative length');
mq($sock, "ms " . ('k' x 251) . " 1\r\nx\r\n",
   "CLIENT_ERROR bad command line format\r\nERROR\r\n", 'key too long');
mq($sock, "ms foo 1 z\r\nx\r\n", "CLIENT_ERROR invalid flag\r\n",
   'bad flag: the data is swallowed');
mq($sock, "ms foo 1 q q\r\nx\r\n", "CLIENT_ERROR duplicate flag\r\n",
   'duplicate flag, data swallowed');
mq($sock, "ms foo 1 T\r\nx\r\n",
   "CLIENT_ERROR bad token in command line format\r\n", 'bad T');
mq($sock, "ms foo 1 F-1\r\nx\r\n", "CLIENT_ERROR bad command line format\r\n",
   'bad F');
mq($sock, "ms foo 1 C\r\nx\r\n",
   "CLIENT_ERROR bad token in command line format\r\n", 'bad C');
mq($sock, "ms foo 1 O" . ('x' x 32) . "\r\nx\r\n",
   "CLIENT_ERROR opaque token too long\r\n", 'O too long');
mq($sock, "ms foo 1 b\r\nx\r\n", "CLIENT_ERROR error decoding key\r\n",
   'b with a bad key');
mq($sock, "ms foo 3\r\nabcd\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\n",
   'data longer than announced');
mq($sock, "ms foo 1 s t c f k v h l u q F1 I J1 L D1 C1 P\r\nx\r\n",
   "CLIENT_ERROR options flags too long\r\nERROR\r\n",
   'too many flags: refused before the data, which is then a command');
mq($sock, "ms foo 1 s t f k v h l u F1 I J1 L D1 P O1\r\nx\r\n",
   "HD kfoo O1\r\n",
   '16 flags are fine');
mq($sock, "ms big 1\r\nx\r\n", "HD\r\n", 'ms big, small');
mq($sock, "ms big 2000000 MA\r\n" . ('x' x 2000000) . "\r\n",
   "SERVER_ERROR object too large for cache\r\n", 'too large, swallowed');
mq($sock, "mg big v\r\n", "EN\r\n", 'a refused ms drops the old value');

# a value bigger than the read buffer, sent in pieces
my $v = join('', map { chr(65 + $_ % 26) } 0 .. 99999);
send_cmd($sock, "ms large 100000 k\r\n" . substr($v, 0, 50000));
select(undef, undef, undef, 0.1);
mq($sock, substr($v, 50000) . "\r\n", "HD klarge\r\n", 'large value in pieces');
mem_get_is($sock, 'large', $v, 'large value intact');

# --- stats -----------------------------------------------------------------
my $st = mem_stats($sock);
mq($sock, "ms s1 1\r\nx\r\n", "HD\r\n", 'set');
mq($sock, "ms s1 1 C1\r\nx\r\n", "EX\r\n", 'cas bad value');
mq($sock, "ms s9 1 C1\r\nx\r\n", "NF\r\n", 'cas miss');
$xc = cas_of($sock, 's1');
mq($sock, "ms s1 1 C$xc\r\ny\r\n", "HD\r\n", 'cas hit');
mq($sock, "ms s1 1 ME\r\nx\r\n", "NS\r\n", 'add fails');
is_deeply(stats_delta($sock, $st, qw(cmd_set cas_hits cas_badval cas_misses
                                     cmd_meta)),
          { cmd_set => 5, cas_hits => 1, cas_badval => 1, cas_misses => 1,
            cmd_meta => 0 }, 'ms counts as set, C as cas');

# --- without CAS (-C) ------------------------------------------------------
my $nocas = new_memcached('-C');
my $s2 = $nocas->sock;
mq($s2, "ms a 1 c\r\nx\r\n", "HD c0\r\n", '-C: c is 0');
mq($s2, "ms a 1 C0\r\nx\r\n", "EX\r\n", '-C: C0 still never matches');
mq($s2, "md a I\r\n", "HD\r\n", '-C: md I');
mq($s2, "mg a c\r\n", "HD c0 X W\r\n", '-C: stale, CAS 0');
mq($s2, "ms a 1 I C5\r\ny\r\n", "EX\r\n", '-C: I cannot store');

done_testing();
