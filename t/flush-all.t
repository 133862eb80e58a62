#!/usr/bin/perl
# flush_all [delay] [noreply], and -F which disables it.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use lib 't/lib';
use MemcachedTest;

my $server = new_memcached();
my $sock = $server->sock;

reply_is($sock, "set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\n", "STORED\r\nSTORED\r\n",
         'set a, b');
reply_is($sock, "flush_all\r\n", "OK\r\n", 'flush_all');
reply_is($sock, "get a b\r\n", "END\r\n", 'all gone');
reply_is($sock, "set c 0 0 1\r\n3\r\nget c\r\n",
         "STORED\r\nVALUE c 0 1\r\n3\r\nEND\r\n",
         'item set in the same second after flush_all is visible');
reply_is($sock, "add a 0 0 1\r\n4\r\n", "STORED\r\n", 'add works on flushed key');

reply_is($sock, "flush_all noreply\r\nget a c\r\n", "END\r\n",
         'flush_all noreply: silent, and flushed');
reply_is($sock, "set a 0 0 1\r\n5\r\nflush_all 0\r\nget a\r\n",
         "STORED\r\nOK\r\nEND\r\n", 'flush_all 0 is immediate');
reply_is($sock, "set a 0 0 1\r\n6\r\nflush_all 0 noreply\r\nget a\r\n",
         "STORED\r\nEND\r\n", 'flush_all 0 noreply');

# Bad arguments.
reply_is($sock, "set keep 0 0 1\r\nk\r\n", "STORED\r\n", 'set keep');
for my $bad ('abc', '1x', '1.5', '99999999999999999999') {
    reply_is($sock, "flush_all $bad\r\n",
             "CLIENT_ERROR invalid exptime argument\r\n", "flush_all $bad");
}
reply_is($sock, "flush_all abc noreply\r\nflush_all 1 2 3\r\n", "ERROR\r\n",
         'bad delay with noreply is silent; 3 args is ERROR');
mem_get_is($sock, 'keep', 'k', 'bad flush_all commands flushed nothing');

# Delayed flush.
reply_is($sock, "set d1 0 0 2\r\nd1\r\nset d2 0 0 2\r\nd2\r\n",
         "STORED\r\nSTORED\r\n", 'set d1, d2');
# The server's own clock (stats "time", one-second resolution) says when
# the flush lands: "flush_all 2" kills what was stored up to the next
# second, so the items must still be there while the server's second is
# the one of the flush, and be gone once it has moved on.
my $t0 = mem_stats($sock)->{time};
reply_is($sock, "flush_all 2\r\n", "OK\r\n", 'flush_all 2');
mem_get_is($sock, 'd1', 'd1', 'still there right after a delayed flush');
my $seen_at;
my $gone = wait_for(sub {
    return 0 unless absent($sock, 'd1');
    $seen_at = mem_stats($sock)->{time};
    return 1;
}, 5);
ok($gone, 'gone once the delay passed (within 5 s)');
cmp_ok($seen_at // 0, '>=', $t0 + 1,
       'not gone before the server clock moved past the flush second');
ok(absent($sock, 'd2') && absent($sock, 'keep'), 'the other items too');
# Items stored in the very second the delayed flush lands may still count as
# flushed (one-second clock); within two seconds new items must stick.
my $stuck = wait_for(sub {
    send_cmd($sock, "set after 0 0 1\r\nA\r\n");
    read_line($sock);
    return !absent($sock, 'after');
}, 3);
ok($stuck, 'items set after the delayed flush are kept');
my $s2 = $server->new_sock;
mem_get_is($s2, 'after', 'A', 'and seen from another connection');

$server->stop;

# -F: flush_all refused.
my $nf = new_memcached('-F');
my $ns = $nf->sock;
reply_is($ns, "set a 0 0 1\r\n1\r\n", "STORED\r\n", '-F: set');
for my $c ('flush_all', 'flush_all 0', 'flush_all 10', 'flush_all abc') {
    reply_is($ns, "$c\r\n", "CLIENT_ERROR flush_all not allowed\r\n",
             "-F: $c refused");
}
reply_is($ns, "flush_all noreply\r\nflush_all 1 2 3\r\n", "ERROR\r\n",
         '-F: flush_all noreply silent; too many args still ERROR');
mem_get_is($ns, 'a', '1', '-F: nothing was flushed');

done_testing();
