#!/usr/bin/perl
# Meta delete (md): delete, quiet mode, compare (C), invalidation (I, T),
# base64 keys, errors and stats.  Every expected byte string was read off
# the reference daemon (Debian memcached 1.6.18).
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;
use MetaTest;

my $server = new_memcached();
my $sock = $server->sock;

mq($sock, "ms foo 1\r\nx\r\n", "HD\r\n", 'ms foo');
mq($sock, "md foo\r\n", "HD\r\n", 'md: HD');
mq($sock, "mg foo\r\n", "EN\r\n", 'gone');
mq($sock, "md foo\r\n", "NF\r\n", 'md on a miss: NF');
mq($sock, "md foo q\r\n", "NF\r\n", 'q does not hide NF');
mq($sock, "md foo k O1\r\n", "NF kfoo O1\r\n", 'NF with k and O');
mq($sock, "set foo 0 0 1\r\nx\r\n", "STORED\r\n", 'classic set');
mq($sock, "md foo q\r\n", "", 'q hides HD');
mem_get_is($sock, 'foo', undef, 'deleted by the quiet md');
mq($sock, "ms foo 1\r\nx\r\n", "HD\r\n", 'ms foo');
mq($sock, "md foo O9 k\r\n", "HD O9 kfoo\r\n", 'HD with O and k in order');
mq($sock, "ms foo 1\r\nx\r\n", "HD\r\n", 'ms foo');
mq($sock, "md foo s t c f v h l u P L\r\n", "HD\r\n",
   'flags without meaning for md are accepted');

# --- compare and swap ------------------------------------------------------
mq($sock, "ms foo 1\r\nx\r\n", "HD\r\n", 'ms foo');
mq($sock, "md foo C1 k O1\r\n", "EX kfoo O1\r\n", 'other C: EX');
mq($sock, "md foo C0\r\n", "EX\r\n", 'C0 compares too');
mq($sock, "md foo C1 q\r\n", "EX\r\n", 'q does not hide EX');
my $c = cas_of($sock, 'foo');
mq($sock, "md foo C$c\r\n", "HD\r\n", 'matching C deletes');
mq($sock, "md foo C$c\r\n", "NF\r\n", 'then NF');

# --- invalidate ------------------------------------------------------------
mq($sock, "ms foo 3\r\nold\r\n", "HD\r\n", 'ms foo');
$c = cas_of($sock, 'foo');
mq($sock, "md foo I T30\r\n", "HD\r\n", 'md I T30');
my ($c2) = mlike($sock, "mg foo c t v\r\n",
                 qr/^VA 3 c(\d+) t(?:29|30) X W\r\nold\r\n\z/,
                 'stale, win once');
ok($c2 > $c, 'md I gives a new CAS');
mq($sock, "md foo I\r\n", "HD\r\n", 'md I without T');
mlike($sock, "mg foo t\r\n", qr/^HD t(29|30) X W\r\n\z/,
      'TTL kept, token handed out again');
mq($sock, "md foo T5\r\n", "HD\r\n", 'T without I: just a delete');
mq($sock, "mg foo\r\n", "EN\r\n", 'deleted');
mq($sock, "md foo I\r\n", "NF\r\n", 'md I on a miss: NF');

# --- base64 keys -----------------------------------------------------------
mq($sock, "ms p1 1\r\nx\r\n", "HD\r\n", 'ms p1');
mq($sock, "md cDE= b k C1\r\n", "EX kcDE= b\r\n",
   'b: decoded key, k returns it encoded');
mq($sock, "md cDE= b k\r\n", "HD kcDE= b\r\n", 'deleted by base64 key');
mq($sock, "md foo b\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n",
   'a key that is not base64');

# --- errors ----------------------------------------------------------------
mq($sock, "md\r\n", "ERROR\r\n", 'md alone');
for my $f (qw(x a z E S N M C T Dx Jx)) {
    mq($sock, "md foo $f\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n",
       "bad flag $f");
}
mq($sock, "md foo q q\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n",
   'duplicate');
mq($sock, "md foo O" . ('x' x 32) . "\r\n",
   "CLIENT_ERROR opaque token too long\r\n", 'O too long');
mq($sock, "md " . ('k' x 251) . "\r\n",
   "CLIENT_ERROR bad command line format\r\n", 'key too long');
mq($sock, "md foo s t c f k v h l u q F1 I J1 L D1 C1 P R1\r\n",
   "CLIENT_ERROR options flags too long\r\n", '18 flags: too many');
mq($sock, "md foo s t c f k v h l u F1 J1 L D1 N1 P M1\r\n", "NF kfoo\r\n",
   '17 flags are fine');

# --- stats -----------------------------------------------------------------
my $st = mem_stats($sock);
mq($sock, "ms s1 1\r\nx\r\n", "HD\r\n", 'ms s1');
mq($sock, "md s1 C1\r\n", "EX\r\n", 'EX');
mq($sock, "md s1 I\r\n", "HD\r\n", 'invalidate');
mq($sock, "md s1\r\n", "HD\r\n", 'delete');
mq($sock, "md s1\r\n", "NF\r\n", 'miss');
is_deeply(stats_delta($sock, $st, qw(delete_hits delete_misses cmd_meta)),
          { delete_hits => 1, delete_misses => 2, cmd_meta => 0 },
          'md counts as delete; EX is a miss, I is not counted');

done_testing();
