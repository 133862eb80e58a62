#!/usr/bin/perl
# touch / gat / gats: change the exptime of an item (and fetch it).
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use lib 't/lib';
use MemcachedTest;

my $server = new_memcached();
my $sock = $server->sock;
my $k251 = 'k' x 251;

reply_is($sock, "set t 3 0 2\r\nhi\r\n", "STORED\r\n", 'set t');
reply_is($sock, "touch t 100\r\n", "TOUCHED\r\n", 'touch hit');
reply_is($sock, "touch nx 100\r\n", "NOT_FOUND\r\n", 'touch miss');
reply_is($sock, "gat 100 t\r\n", "VALUE t 3 2\r\nhi\r\nEND\r\n",
         'gat hit: get-style reply');
reply_is($sock, "gat 100 nx\r\n", "END\r\n", 'gat miss');
my ($cas) = mem_gets($sock, 't');
reply_is($sock, "gats 100 t nx t\r\n",
         "VALUE t 3 2 $cas\r\nhi\r\nVALUE t 3 2 $cas\r\nhi\r\nEND\r\n",
         'gats: several keys, cas on each line, misses skipped');
reply_is($sock, "gat 100\r\n", "END\r\n", 'gat with exptime and no key: END');
reply_is($sock, "gats 100\r\n", "END\r\n", 'gats with no key: END');
reply_is($sock, "gat\r\n", "ERROR\r\n", 'bare gat');
reply_is($sock, "gats\r\n", "ERROR\r\n", 'bare gats');
reply_is($sock, "touch t\r\n", "ERROR\r\n", 'touch without exptime');
reply_is($sock, "touch t 1 2 3\r\n", "ERROR\r\n", 'touch with too many tokens');
for my $e ('abc', '1x', '99999999999999999999', '1.5') {
    reply_is($sock, "touch t $e\r\n",
             "CLIENT_ERROR invalid exptime argument\r\n", "touch exptime '$e'");
    reply_is($sock, "gat $e t\r\n",
             "CLIENT_ERROR invalid exptime argument\r\n", "gat exptime '$e'");
}
reply_is($sock, "touch $k251 1\r\n", "CLIENT_ERROR bad command line format\r\n",
         'touch 251-byte key');
reply_is($sock, "gat 0 $k251\r\n", "CLIENT_ERROR bad command line format\r\n",
         'gat 251-byte key');
mem_get_is($sock, 't', 'hi', 't unchanged by the bad commands');

# touch noreply (hit and miss) and touch with a junk last token.
reply_is($sock, "touch t 100 noreply\r\ntouch nx 1 noreply\r\n"
         . "touch t abc noreply\r\nget t\r\n", "VALUE t 3 2\r\nhi\r\nEND\r\n",
         'touch noreply silent, errors too');
reply_is($sock, "touch t 100 junk\r\n", "TOUCHED\r\n",
         'a last token other than noreply is ignored');

# Negative exptime via touch / gat: the item expires at once.
reply_is($sock, "touch t -1\r\nget t\r\n", "TOUCHED\r\nEND\r\n",
         'touch -1 expires the item');
reply_is($sock, "set t 0 0 2\r\nhi\r\ngat -1 t\r\nget t\r\n",
         "STORED\r\nVALUE t 0 2\r\nhi\r\nEND\r\nEND\r\n",
         'gat -1 returns the value, then it is gone');

# touch shortens and extends lifetimes.
reply_is($sock, "set short 0 100 1\r\ns\r\nset long 0 2 1\r\nl\r\n",
         "STORED\r\nSTORED\r\n", 'set short (100 s) and long (2 s)');
reply_is($sock, "touch short 2\r\ntouch long 100\r\n", "TOUCHED\r\nTOUCHED\r\n",
         'swap their lifetimes with touch');
reply_is($sock, "set gatk 0 2 1\r\ng\r\ngat 100 gatk\r\n",
         "STORED\r\nVALUE gatk 0 1\r\ng\r\nEND\r\n", 'gat extends gatk');
my $t0 = time;
my $gone = wait_for(sub {
    send_cmd($sock, "get short\r\n");
    my $l = read_line($sock);
    return 1 if defined $l && $l eq "END\r\n";
    read_line($sock); read_line($sock);       # data, END
    return 0;
}, 5);
ok($gone, 'short-lived item (touched to 2 s) expired');
cmp_ok(time - $t0, '<', 4, 'within 4 s');
mem_get_is($sock, 'long', 'l', 'item touched to 100 s outlives its 2 s');
mem_get_is($sock, 'gatk', 'g', 'item gat-ed to 100 s outlives its 2 s');

done_testing();
