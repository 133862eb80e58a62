#!/usr/bin/perl
# Meta arithmetic (ma): modes, deltas, wrap and floor, vivify (N, J), TTL
# (T, t), compare (C), quiet mode, errors and stats.  Every expected byte
# string was read off the reference daemon (Debian memcached 1.6.18).
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;
use MetaTest;

my $server = new_memcached();
my $sock = $server->sock;

mq($sock, "ms n 1\r\n5\r\n", "HD\r\n", 'ms n 5');
mq($sock, "ma n\r\n", "HD\r\n", 'ma: HD');
mq($sock, "ma n v\r\n", "VA 1\r\n7\r\n", 'incr by 1 by default');
mq($sock, "ma n D10 v\r\n", "VA 2\r\n17\r\n", 'D: delta');
mq($sock, "ma n MI v\r\n", "VA 2\r\n18\r\n", 'MI');
mq($sock, "ma n M+ v\r\n", "VA 2\r\n19\r\n", 'M+');
mq($sock, "ma n MD D9 v\r\n", "VA 2\r\n10\r\n", 'MD');
mq($sock, "ma n M- D100 v\r\n", "VA 1\r\n0\r\n", 'M- stops at 0');
mq($sock, "ma n M+ D18446744073709551615 v\r\n",
   "VA 20\r\n18446744073709551615\r\n", 'up to 2^64-1');
mq($sock, "ma n v\r\n", "VA 1\r\n0\r\n", 'incr wraps at 2^64');
mem_get_is($sock, 'n', '0' . (' ' x 19), 'in place, padded with spaces');
my ($c) = mlike($sock, "ma n t c k O5 v\r\n",
                qr/^VA 1 t-1 c(\d+) kn O5\r\n1\r\n\z/, 'flags in order');
is(cas_of($sock, 'n'), $c, 'c is the new CAS');
mq($sock, "ma n s f h l u P L I F1 R1\r\n", "HD\r\n",
   'flags without meaning for ma are accepted');
mq($sock, "ms c8 3\r\n 12\r\n", "HD\r\n", 'value with a leading space');
mq($sock, "ma c8 v\r\n", "VA 2\r\n13\r\n", 'VA shows the number only');

# --- quiet -----------------------------------------------------------------
mq($sock, "ma n q\r\n", "", 'q hides HD');
mq($sock, "ma n q v\r\n", "", 'and VA');
mq($sock, "ma nokey q\r\n", "NF\r\n", 'not NF');
mq($sock, "ma n q C1\r\n", "EX\r\n", 'not EX');
mq($sock, "ma q1 N0 J7 q\r\n", "HD\r\n", 'not a vivify');

# --- misses, vivify, CAS ---------------------------------------------------
mq($sock, "ma nokey k O1 c t v\r\n", "NF knokey O1\r\n", 'NF with k and O');
mq($sock, "ma nokey J5 v\r\n", "NF\r\n", 'J without N: NF');
mq($sock, "ma v1 N0 J10 v t\r\n", "VA 2 t-1\r\n10\r\n", 'N: created with J');
mq($sock, "ma v1 N0 J10 v\r\n", "VA 2\r\n11\r\n", 'then incremented');
mlike($sock, "ma v2 N60 v t\r\n", qr/^VA 1 t(59|60)\r\n0\r\n\z/,
      'N: TTL, J default 0');
mq($sock, "ma v3 t T10 N30 v\r\n", "VA 1 t-1\r\n0\r\n",
   't before N: no TTL yet');
mlike($sock, "mg v3 t\r\n", qr/^HD t(29|30)\r\n\z/, 'N after T wins');
mlike($sock, "ma v3 T100 t v\r\n", qr/^VA 1 t(99|100)\r\n1\r\n\z/,
      'T on a hit');
mlike($sock, "ma v3 N0 T5 t\r\n", qr/^HD t[45]\r\n\z/, 'N ignored on a hit');
# T reaches the stored item only when the number was rewritten in place;
# a longer number is a new item that keeps the old TTL (as the reference)
mq($sock, "ms g1 2\r\n10\r\n", "HD\r\n", 'ms g1 10');
mq($sock, "ma g1 T100 v\r\n", "VA 2\r\n11\r\n", 'T100, 10 -> 11 in place');
mlike($sock, "mg g1 t\r\n", qr/^HD t(99|100)\r\n\z/, 'in place: TTL set');
mq($sock, "ma g1 T200 D89 v\r\n", "VA 3\r\n100\r\n", '11 -> 100: new item');
mlike($sock, "mg g1 t\r\n", qr/^HD t(99|100)\r\n\z/, 'new item: TTL kept');
mq($sock, "ms g2 1\r\n9\r\n", "HD\r\n", 'ms g2 9');
mq($sock, "ma g2 T-1 v\r\n", "VA 2\r\n10\r\n", 'T-1 on a longer number');
mq($sock, "mg g2 v\r\n", "VA 2\r\n10\r\n", 'still there');
mq($sock, "ma n C1\r\n", "EX\r\n", 'other C: EX');
mq($sock, "ma n C1 k O1 v\r\n", "EX kn O1\r\n", 'EX with k and O');
mq($sock, "ma n C0 v\r\n", "VA 1\r\n5\r\n", 'C0: no compare');
$c = cas_of($sock, 'n');
mq($sock, "ma n C$c v\r\n", "VA 1\r\n6\r\n", 'matching C');
mq($sock, "ma Yzk= b k v N0\r\n", "VA 1 kYzk= b\r\n0\r\n",
   'base64 key, returned encoded');
mq($sock, "mg c9 k\r\n", "HD kc9\r\n", 'a vivified item is not binary');

# --- classic and meta share counters ---------------------------------------
mq($sock, "incr n 10\r\n", "16\r\n", 'classic incr');
mq($sock, "ma n v\r\n", "VA 2\r\n17\r\n", 'ma after incr');
mq($sock, "decr n 4\r\n", "13\r\n", 'classic decr after ma');

# --- errors ----------------------------------------------------------------
mq($sock, "ms s 3\r\nabc\r\n", "HD\r\n", 'non-numeric value');
mq($sock, "ma s\r\n",
   "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
   'non-numeric');
mq($sock, "ma s q\r\n",
   "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
   'errors are not quiet');
mq($sock, "ms e 0\r\n\r\n", "HD\r\n", 'empty value');
mq($sock, "ma e\r\n",
   "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
   'empty is non-numeric');
mq($sock, "ms l 22\r\n1234567890123456789012\r\n", "HD\r\n", 'too long');
mq($sock, "ma l\r\n",
   "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
   'over 2^64 is non-numeric');
mq($sock, "ma\r\n", "ERROR\r\n", 'ma alone');
for my $f (qw(Mx Mi Md M5)) {
    mq($sock, "ma n $f\r\n", "CLIENT_ERROR invalid mode for ma M token\r\n",
       "bad mode $f");
}
for my $f (qw(MII M D Dabc D18446744073709551616 J Jx N Nx T Tx C Cx
              x a E S b)) {
    mq($sock, "ma n $f\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n",
       "bad flag $f");
}
mq($sock, "ma n q q\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n",
   'duplicate');
mq($sock, "ma nokey O" . ('x' x 32) . "\r\n",
   "CLIENT_ERROR opaque token too long\r\n", 'O too long');
mq($sock, "ma " . ('k' x 251) . "\r\n",
   "CLIENT_ERROR bad command line format\r\n", 'key too long');
mq($sock, "ma n s t c f k v h l u q F1 I J1 L D1 C1 P M1\r\n",
   "CLIENT_ERROR options flags too long\r\n", '18 flags: too many');

# --- stats -----------------------------------------------------------------
my $st = mem_stats($sock);
mq($sock, "ma n\r\n", "HD\r\n", 'incr');
mq($sock, "ma n MD\r\n", "HD\r\n", 'decr');
mq($sock, "ma nn\r\n", "NF\r\n", 'incr miss');
mq($sock, "ma nn MD\r\n", "NF\r\n", 'decr miss');
mq($sock, "ma nv N0\r\n", "HD\r\n", 'vivify');
mq($sock, "ma n C1\r\n", "EX\r\n", 'EX');
is_deeply(stats_delta($sock, $st, qw(incr_hits decr_hits incr_misses
                                     decr_misses cmd_meta)),
          { incr_hits => 1, decr_hits => 1, incr_misses => 1,
            decr_misses => 1, cmd_meta => 0 },
          'ma counts as incr/decr; vivify and EX are not counted');

done_testing();
