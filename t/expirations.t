#!/usr/bin/perl
# exptime rules: 0 never, negative at once, <= 30 days relative, above that an
# absolute unix time.  The reference keeps a one-second clock, so a relative
# exptime of N seconds ends between N-1 and N seconds after the set; the waits
# below poll in bounded loops rather than sleeping a fixed time.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use lib 't/lib';
use MemcachedTest;

my $server = new_memcached();
my $sock = $server->sock;
my $now = time;

reply_is($sock, "set neg 0 -1 1\r\nx\r\n", "STORED\r\n", 'set with exptime -1');
mem_get_is($sock, 'neg', undef, 'negative exptime: gone at once');
reply_is($sock, "set neg 0 -1000000 1\r\nx\r\n", "STORED\r\n",
         'set with a large negative exptime');
mem_get_is($sock, 'neg', undef, 'gone at once');
reply_is($sock, "set neg 0 0 1\r\nx\r\nadd neg 0 -1 1\r\ny\r\n",
         "STORED\r\nNOT_STORED\r\n", 'add over a live item fails');
reply_is($sock, "replace neg 0 -1 1\r\ny\r\nget neg\r\n", "STORED\r\nEND\r\n",
         'replace with negative exptime removes it');

reply_is($sock, "set never 0 0 1\r\nn\r\n", "STORED\r\n", 'exptime 0');

my $past = int($now) - 10;
reply_is($sock, "set past 0 $past 1\r\np\r\n", "STORED\r\n",
         'absolute exptime 10 s in the past');
mem_get_is($sock, 'past', undef, 'absolute past: gone');
reply_is($sock, "set old 0 2592001 1\r\no\r\n", "STORED\r\n",
         'exptime 2592001 (1970 as absolute time)');
mem_get_is($sock, 'old', undef, 'just past 30 days is absolute: gone');
reply_is($sock, "set month 0 2592000 1\r\nm\r\n", "STORED\r\n",
         'exptime 2592000 (30 days, relative)');
mem_get_is($sock, 'month', 'm', '30 days is relative: present');
my $future = int($now) + 100;
reply_is($sock, "set fut 0 $future 1\r\nf\r\n", "STORED\r\n",
         'absolute exptime 100 s ahead');
mem_get_is($sock, 'fut', 'f', 'absolute future: present');

# The reference reads exptime into a 32-bit int: the low 32 bits count.
reply_is($sock, "set w 0 4294967296 1\r\nw\r\n", "STORED\r\n",
         'exptime 2^32 accepted');
mem_get_is($sock, 'w', 'w', 'exptime 2^32 acts as 0 (never)');
reply_is($sock, "set w 0 4294967295 1\r\nw\r\n", "STORED\r\n",
         'exptime 2^32-1 accepted');
mem_get_is($sock, 'w', undef, 'exptime 2^32-1 acts as -1 (gone)');
reply_is($sock, "set w 0 2147483648 1\r\nw\r\n", "STORED\r\n",
         'exptime 2^31 accepted');
mem_get_is($sock, 'w', undef, 'exptime 2^31 acts as negative (gone)');
reply_is($sock, "set w 0 99999999999999999999 1\r\nw\r\n",
         "CLIENT_ERROR bad command line format\r\nERROR\r\n",
         'exptime beyond 64 bits refused');

# Short relative expiry, and touch extending another short-lived item.
reply_is($sock, "set e2 0 2 2\r\ne2\r\nset ext 0 2 3\r\next\r\n",
         "STORED\r\nSTORED\r\n", 'two items with exptime 2');
my $t0 = time;
mem_get_is($sock, 'e2', 'e2', 'present right after set');
reply_is($sock, "touch ext 100\r\n", "TOUCHED\r\n", 'touch ext to 100 s');
my $gone = wait_for(sub { absent($sock, 'e2') }, 5);
my $took = time - $t0;
ok($gone, 'exptime 2: gone within 5 s');
cmp_ok($took, '>', 0.9, 'but not before about one second');
mem_get_is($sock, 'ext', 'ext', 'touched item survives');
mem_get_is($sock, 'never', 'n', 'exptime 0 item survives');
mem_get_is($sock, 'fut', 'f', 'absolute-future item survives');
reply_is($sock, "add e2 0 0 3\r\nnew\r\n", "STORED\r\n",
         'add succeeds on an expired key');
mem_get_is($sock, 'e2', 'new', 'new value');

done_testing();
