#!/usr/bin/perl
# Meta protocol, the rest: mn, me, quiet pipelines ending in mn, base64
# keys (b) and how k returns them, classic and meta sharing items, CAS,
# TTLs and stats, malformed lines.  Every expected byte string was read
# off the reference daemon (Debian memcached 1.6.18).
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;
use MetaTest;

my $server = new_memcached();
my $sock = $server->sock;

# --- mn --------------------------------------------------------------------
send_cmd($sock, "mn\r\n");
is(read_line($sock, 5), "MN\r\n", 'mn: MN');
send_cmd($sock, "mn with tokens\r\n");
is(read_line($sock, 5), "MN\r\n", 'mn ignores tokens');

# --- quiet pipelines -------------------------------------------------------
my $pipe = join('', map { sprintf("ms k%d 2 q T0\r\n%02d\r\n", $_, $_) }
                      0 .. 99);
mq($sock, $pipe, '', '100 quiet sets: nothing until MN');
$pipe = join('', map { "mg k$_ v q k\r\n" } 95 .. 104);
mq($sock, $pipe, join('', map { "VA 2 kk$_\r\n$_\r\n" } 95 .. 99),
   'quiet gets: values only, misses hidden');
$pipe = "md k1 q\r\nmd k1 q\r\nma k2 q\r\nms k3 2 q ME\r\nxx\r\n" .
        "ms k4 2 q C1\r\nxx\r\nmg k1 q\r\nmd k5 q\r\n";
mq($sock, $pipe,
   "NF\r\nNS\r\nEX\r\n", 'quiet pipeline: only failures come back');
mq($sock, "mg k5 v\r\nmg k6 s v\r\n", "EN\r\nVA 2 s2\r\n06\r\n",
   'the pipeline ran');

# --- me --------------------------------------------------------------------
mq($sock, "ms foo 3 T0\r\nbar\r\n", "HD\r\n", 'ms foo');
my ($c) = mlike($sock, "me foo\r\n",
    qr/^ME foo exp=-1 la=[01] cas=(\d+) fetch=no cls=1 size=65\r\n\z/,
    'me: never fetched');
is(cas_of($sock, 'foo'), $c, 'me shows the CAS');
mlike($sock, "me foo\r\n",
      qr/^ME foo exp=-1 la=[01] cas=$c fetch=yes cls=1 size=65\r\n\z/,
      'me after a fetch');
mq($sock, "set fl 5 0 3\r\nbar\r\n", "STORED\r\n", 'set with flags');
mlike($sock, "me fl\r\n",
      qr/^ME fl exp=-1 la=[01] cas=\d+ fetch=no cls=1 size=68\r\n\z/,
      'flags add 4 bytes to size, as in the reference');
mq($sock, "mg fl T30\r\n", "HD\r\n", 'touch');
mlike($sock, "me fl\r\n", qr/^ME fl exp=-(29|30) la=[01] /,
      'exp is negative seconds left');
mq($sock, "me nokey\r\n", "EN\r\n", 'me on a miss');
mq($sock, "me\r\n", "CLIENT_ERROR bad command line format\r\n", 'me alone');
mq($sock, "me a b\r\n", "CLIENT_ERROR bad command line format\r\n",
   'me with two keys');
mq($sock, "ms cDE= 1 b\r\nx\r\n", "HD\r\n", 'binary key p1');
mlike($sock, "me p1\r\n", qr/^ME cDE= exp=-1 /,
      'me shows a binary key in base64');

# --- base64 keys -----------------------------------------------------------
mq($sock, "ms a 1\r\nx\r\n", "HD\r\n", 'ms a');
mq($sock, "mg YQ== b k v\r\n", "VA 1 ka\r\nx\r\n",
   'b finds a text key; k shows the stored key as text');
mq($sock, "mg YR== b k\r\n", "HD ka\r\n", 'unused low bits are ignored');
mq($sock, "mg Y!Q== b k\r\n", "HD ka\r\n",
   'characters outside the alphabet are skipped');
mq($sock, "mg YQ b\r\n", "CLIENT_ERROR error decoding key\r\n",
   'missing padding');
mq($sock, "mg a== b\r\n", "CLIENT_ERROR error decoding key\r\n",
   'three characters');
mq($sock, "mg ==== b\r\n", "CLIENT_ERROR error decoding key\r\n",
   'only padding');
mq($sock, "mg ab=c b k\r\n", "EN kabA= b\r\n",
   'stops at the first group with padding');
mq($sock, "mg YWI= b k\r\n", "EN kYWI= b\r\n", 'EN: k in base64');
mq($sock, "ms AAEC 1 b k\r\nx\r\n", "HD kAAEC b\r\n", 'binary key');
mq($sock, "mg AAEC b k v\r\n", "VA 1 kAAEC b\r\nx\r\n", 'read back');
mq($sock, "ms cDI= 1 b\r\n5\r\n", "HD\r\n", 'p2 stored with b');
mq($sock, "mg p2 k v\r\n", "VA 1 kcDI= b\r\n5\r\n",
   'a key stored with b is returned encoded');
mq($sock, "ma p2 k v\r\n", "VA 1 kp2\r\n6\r\n",
   'ma returns the key as the request gave it');
mq($sock, "mg p2 k\r\n", "HD kcDI= b\r\n", 'incr in place keeps it');
mq($sock, "ms p2 1 MA\r\n6\r\n", "HD\r\n", 'append');
mq($sock, "mg p2 k\r\n", "HD kp2\r\n", 'an appended item is not binary');
mq($sock, "mg cDM= b N0 k\r\n", "HD kp3 W\r\n",
   'a vivified item is not binary');

# --- classic and meta share items, CAS, TTL and stats ----------------------
mq($sock, "set sh 3 100 2\r\nhi\r\n", "STORED\r\n", 'classic set');
mlike($sock, "mg sh v f t\r\n", qr/^VA 2 f3 t(99|100)\r\nhi\r\n\z/,
      'mg sees value, flags and TTL');
mq($sock, "ms sh 3 T0 F9\r\nabc\r\n", "HD\r\n", 'ms over it');
my $cas = cas_of($sock, 'sh');
send_cmd($sock, "gets sh\r\n");
is(read_bytes($sock, length("VALUE sh 9 3 $cas\r\nabc\r\nEND\r\n"), 5),
   "VALUE sh 9 3 $cas\r\nabc\r\nEND\r\n", 'gets sees ms value and CAS');
mq($sock, "touch sh 50\r\n", "TOUCHED\r\n", 'classic touch');
mlike($sock, "mg sh t\r\n", qr/^HD t(49|50)\r\n\z/, 'mg sees it');
mq($sock, "delete sh\r\n", "DELETED\r\n", 'classic delete');
mq($sock, "md sh\r\n", "NF\r\n", 'md agrees');
my $st = mem_stats($sock);
mq($sock, "me foo\r\nme nokey\r\nmn\r\n", "ME" x 0 . '', 'x') if 0;
send_cmd($sock, "me foo\r\nme nokey\r\n");
read_line($sock, 5);
read_line($sock, 5);
is_deeply(stats_delta($sock, $st, qw(cmd_meta cmd_get)),
          { cmd_meta => 2, cmd_get => 0 }, 'me counts in cmd_meta');

# --- unknown and malformed -------------------------------------------------
mq($sock, "mz foo\r\n", "ERROR\r\n", 'unknown m command');
mq($sock, "mg \r\n", "ERROR\r\n", 'mg with only a space');
mq($sock, "mg foo s  t \r\n", "HD s3 t-1\r\n", 'repeated spaces');
# as the reference reads lines as C strings, a NUL byte ends the line
mq($sock, "mg foo v\0 k\r\n", "VA 3\r\nbar\r\n", 'NUL: flags after it ignored');
mq($sock, "mg foo v \0k\r\n", "VA 3\r\nbar\r\n", 'NUL starting a flag');
mq($sock, "mg fo\0o v\r\n", "EN\r\n", 'NUL inside the key cuts it');
mq($sock, "mg \0foo\r\n", "ERROR\r\n", 'NUL before the key: no key');

done_testing();
