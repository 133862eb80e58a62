#!/usr/bin/perl
# Meta get (mg): every flag, quiet mode, vivify (N), recache (R), the
# stale-while-revalidate flow (W/X/Z), errors and stats.  Every expected
# byte string was read off the reference daemon (Debian memcached 1.6.18).
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;
use MetaTest;

my $server = new_memcached();
my $sock = $server->sock;

# --- hits, misses, return flags --------------------------------------------
mq($sock, "set foo 5 0 3\r\nbar\r\n", "STORED\r\n", 'classic set');
mq($sock, "mg foo v\r\n", "VA 3\r\nbar\r\n", 'mg v: value');
mq($sock, "mg foo\r\n", "HD\r\n", 'mg without flags: HD');
mq($sock, "mg miss v\r\n", "EN\r\n", 'miss: EN');
mq($sock, "mg foo s f k O123 v\r\n", "VA 3 s3 f5 kfoo O123\r\nbar\r\n",
   'flags answered in the order asked');
mq($sock, "mg foo O k f s\r\n", "HD O kfoo f5 s3\r\n", 'other order, bare O');
mq($sock, "mg foo t\r\n", "HD t-1\r\n", 't: -1 without expiry');
my ($c) = mlike($sock, "mg foo c\r\n", qr/^HD c(\d+)\r\n\z/, 'c: the CAS');
my ($gc) = do {
    send_cmd($sock, "gets foo\r\n");
    (read_line($sock, 5) // '') =~ /^VALUE foo 5 3 (\d+)\r\n/;
};
is($gc, $c, 'mg c is the CAS gets shows');
read_bytes($sock, 10, 5);   # "bar\r\nEND\r\n"
mq($sock, "mg foo s5\r\n", "HD s3\r\n", 'a return flag ignores its token');
mq($sock, "mg foo P L Pxyz\r\n", "CLIENT_ERROR duplicate flag\r\n",
   'P twice is a duplicate');
mq($sock, "mg foo P L\r\n", "HD\r\n", 'P and L are accepted, print nothing');

# --- quiet mode ------------------------------------------------------------
mq($sock, "mg miss v q\r\n", "", 'q hides EN');
mq($sock, "mg miss k O7 v q\r\n", "", 'q hides EN with k and O');
mq($sock, "mg foo q\r\n", "HD\r\n", 'q does not hide a hit');
mq($sock, "mg foo v q\r\n", "VA 3\r\nbar\r\n", 'q does not hide a value');
mq($sock, "mg miss k O1 s v\r\n", "EN kmiss O1\r\n",
   'EN carries k and O only');

# --- h, l, u ---------------------------------------------------------------
mq($sock, "ms h1 1\r\nx\r\n", "HD\r\n", 'ms h1');
mlike($sock, "mg h1 h l\r\n", qr/^HD h0 l[01]\r\n\z/, 'h0: not fetched yet');
mlike($sock, "mg h1 h l\r\n", qr/^HD h1 l[01]\r\n\z/, 'h1 after a fetch');
mq($sock, "ms h2 1\r\nx\r\n", "HD\r\n", 'ms h2');
mq($sock, "mg h2 u v\r\n", "VA 1\r\nx\r\n", 'u: fetch without bump');
mq($sock, "mg h2 u h\r\n", "HD h0\r\n", 'u does not mark fetched');
mq($sock, "mg h2 h\r\n", "HD h0\r\n", 'still h0, now fetched');
mq($sock, "mg h2 h\r\n", "HD h1\r\n", 'h1');

# --- T (touch) and t order -------------------------------------------------
mlike($sock, "mg foo T30 t\r\n", qr/^HD t(29|30)\r\n\z/,
      'T then t: new TTL');
mq($sock, "ms t1 1\r\nx\r\n", "HD\r\n", 'ms t1');
mq($sock, "mg t1 t T30\r\n", "HD t-1\r\n", 't then T: TTL before touch');
mlike($sock, "mg t1 t\r\n", qr/^HD t(29|30)\r\n\z/, 'touch applied');
mq($sock, "mg t1 T-1\r\n", "HD\r\n", 'negative T');
mq($sock, "mg t1 v\r\n", "EN\r\n", 'negative T expires the item');

# --- N: vivify on miss (lease) ---------------------------------------------
mlike($sock, "mg v1 N30 s v t f h l k O5\r\n",
      qr/^VA 0 s0 t(29|30) f0 h0 l[01] kv1 O5 W\r\n\r\n\z/,
      'N on a miss: empty item, W');
mlike($sock, "mg v1 N30 s v t\r\n", qr/^VA 0 s0 t(29|30) Z\r\n\r\n\z/,
      'second N: Z, no W');
mq($sock, "mg v1 v\r\n", "VA 0 Z\r\n\r\n", 'plain mg sees Z');
mq($sock, "ms v1 3 T60\r\nnew\r\n", "HD\r\n", 'the winner stores');
mq($sock, "mg v1 v\r\n", "VA 3\r\nnew\r\n", 'no more Z after the set');
mlike($sock, "mg v2 T10 N30 t\r\n", qr/^HD t(29|30) W\r\n\z/,
      'N after T wins the TTL');
mlike($sock, "mg v3 N30 T10 t\r\n", qr/^HD t(9|10) W\r\n\z/,
      'T after N wins the TTL');
mq($sock, "mg v4 N30 q\r\n", "HD W\r\n", 'q does not hide a vivify');

# --- R: recache ------------------------------------------------------------
mq($sock, "ms r1 1 T100\r\nx\r\n", "HD\r\n", 'ms r1 T100');
mq($sock, "mg r1 R30 v\r\n", "VA 1\r\nx\r\n", 'TTL above R: no win');
mq($sock, "mg r1 R200 v\r\n", "VA 1 W\r\nx\r\n", 'TTL below R: W');
mq($sock, "mg r1 R200 v\r\n", "VA 1 Z\r\nx\r\n", 'then Z');
mq($sock, "ms r2 1\r\nx\r\n", "HD\r\n", 'ms r2, no TTL');
mq($sock, "mg r2 R200\r\n", "HD\r\n", 'no TTL: R never wins');
mq($sock, "mg r2 T10 R20\r\n", "HD W\r\n", 'R sees an earlier T');

# --- stale-while-revalidate ------------------------------------------------
mq($sock, "ms s1 3 T0\r\nold\r\n", "HD\r\n", 'ms s1');
my ($c1) = mlike($sock, "mg s1 c\r\n", qr/^HD c(\d+)\r\n\z/, 'CAS of s1');
mq($sock, "md s1 I T30\r\n", "HD\r\n", 'md I: invalidate');
my ($c2) = mlike($sock, "mg s1 c t v\r\n",
                 qr/^VA 3 c(\d+) t(?:29|30) X W\r\nold\r\n\z/,
                 'first fetch: X and W');
ok($c2 > $c1, 'invalidation gave a new CAS');
mq($sock, "mg s1 c v\r\n", "VA 3 c$c2 Z X\r\nold\r\n",
   'later fetches: Z and X');
mq($sock, "ms s1 3 I C$c1\r\nmid\r\n", "HD\r\n",
   'ms I with an older CAS stores');
mlike($sock, "mg s1 t v\r\n", qr/^VA 3 t(29|30) Z X\r\nmid\r\n\z/,
      'still stale, token still out, TTL kept');
mq($sock, "ms s1 3\r\nnew\r\n", "HD\r\n", 'a plain set');
mq($sock, "mg s1 t v\r\n", "VA 3 t-1\r\nnew\r\n", 'fresh again');
mq($sock, "md s1 I\r\n", "HD\r\n", 'invalidate again');
mq($sock, "mg s1\r\n", "HD X W\r\n", 'W again');
mq($sock, "md s1 I q\r\n", "", 'md I q');
mq($sock, "mg s1\r\n", "HD X W\r\n", 'a new invalidation resets the token');

# --- errors ----------------------------------------------------------------
mq($sock, "mg\r\n", "ERROR\r\n", 'no key: ERROR');
mq($sock, "mg foo z\r\n", "CLIENT_ERROR invalid flag\r\n", 'unknown flag');
mq($sock, "mg foo E5\r\n", "CLIENT_ERROR invalid flag\r\n",
   'E is not a mg flag in the reference');
mq($sock, "mg foo v v\r\n", "CLIENT_ERROR duplicate flag\r\n", 'duplicate');
mq($sock, "mg foo t T30 t\r\n", "CLIENT_ERROR duplicate flag\r\n",
   'duplicate around a token flag');
for my $f (qw(T Tabc N Nx R R1x C)) {
    mq($sock, "mg foo $f\r\n",
       "CLIENT_ERROR bad token in command line format\r\n", "bad token $f");
}
mq($sock, "mg foo F\r\n", "CLIENT_ERROR bad command line format\r\n",
   'bad F');
mq($sock, "mg foo M\r\n", "CLIENT_ERROR incorrect length for M token\r\n",
   'bad M');
mq($sock, "mg foo J\r\n", "CLIENT_ERROR invalid numeric initial value\r\n",
   'bad J');
mq($sock, "mg foo D\r\n", "CLIENT_ERROR invalid numeric delta value\r\n",
   'bad D');
mq($sock, "mg foo b\r\n", "CLIENT_ERROR error decoding key\r\n",
   'b with a key that is not base64');
mq($sock, "mg foo O" . ('x' x 31) . "\r\n", "HD O" . ('x' x 31) . "\r\n",
   'O token of 32 bytes');
mq($sock, "mg foo O" . ('x' x 32) . "\r\n",
   "CLIENT_ERROR opaque token too long\r\n", 'O token of 33 bytes');
mq($sock, "mg " . ('k' x 251) . " v\r\n",
   "CLIENT_ERROR bad command line format\r\n", 'key of 251 bytes');
mq($sock, "mg " . ('k' x 250) . " v\r\n", "EN\r\n", 'key of 250 bytes');
mq($sock, "mg foo " . join(' ', 's', 't', 'c', 'f', 'k', 'v', 'h', 'l',
   'u', 'q', 'F1', 'I', 'J1', 'L', 'D1', 'C1', 'O1', 'P') . "\r\n",
   "CLIENT_ERROR options flags are too long\r\n", '18 flags: too many');
mlike($sock, "mg foo t s f k h R1 u q F1 I J1 L D1 C1 P M1 O1\r\n",
      qr/^HD t\d+ s3 f5 kfoo h1 O1\r\n\z/, '17 flags are fine');
mq($sock, "MG foo\r\n", "ERROR\r\n", 'commands are case sensitive');

# --- stats -----------------------------------------------------------------
my $st = mem_stats($sock);
mq($sock, "mg foo\r\n", "HD\r\n", 'hit');
mq($sock, "mg nokey\r\n", "EN\r\n", 'miss');
mq($sock, "mg foo T0\r\n", "HD\r\n", 'hit with touch');
mq($sock, "mg nokey T0\r\n", "EN\r\n", 'miss with touch');
mq($sock, "mg newkey N0\r\n", "HD W\r\n", 'vivify');
is_deeply(stats_delta($sock, $st, qw(cmd_get get_hits get_misses cmd_touch
                                     touch_hits touch_misses cmd_meta)),
          { cmd_get => 4, get_hits => 2, get_misses => 2, cmd_touch => 1,
            touch_hits => 1, touch_misses => 0, cmd_meta => 0 },
          'mg counts as get, T hits as touch, vivify as a hit');

done_testing();
