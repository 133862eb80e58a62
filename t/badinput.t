#!/usr/bin/perl
# Hostile and malformed input on the text protocol.  After each error we check
# that the connection answers the next command correctly (where the reference
# keeps it open) and that the sentinel item did not change.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use lib 't/lib';
use MemcachedTest;

# Peer closed: read returns EOF within $t seconds.
sub closed_ok {
    my ($sock, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $got = read_bytes($sock, 1, 3);
    my $eof = !defined $got;
    # read_bytes also returns undef on timeout; tell the two apart.
    my $buf;
    my $n = sysread($sock, $buf, 1);
    return ok($eof && defined $n && $n == 0, $name);
}

my $server = new_memcached();
my $sock = $server->sock;
my $bad = "CLIENT_ERROR bad command line format\r\n";
my $chunk = "CLIENT_ERROR bad data chunk\r\n";

reply_is($sock, "set sentinel 9 0 5\r\nguard\r\n", "STORED\r\n", 'sentinel');
my $sentinel = "VALUE sentinel 9 5\r\nguard\r\nEND\r\n";
sub after_ok {
    my ($s, $what) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    reply_is($s, "get sentinel\r\n", $sentinel, "after $what: next get ok");
}

# Unknown commands, empty lines, case.
for my $c ('bogus', 'GET sentinel', 'Set a 0 0 1', 'gett sentinel', '',
           ' ', 'sets a 0 0 1') {
    reply_is($sock, "$c\r\n", "ERROR\r\n", "'$c' -> ERROR");
}
reply_is($sock, "\n", "ERROR\r\n", 'bare LF -> ERROR');
reply_is($sock, "get\r\n", "ERROR\r\n", 'get without key -> ERROR');
reply_is($sock, "gets\r\n", "ERROR\r\n", 'gets without key -> ERROR');
after_ok($sock, 'unknown commands');
reply_is($sock, "get sentinel\n", $sentinel, 'LF-only line terminator accepted');
reply_is($sock, "  get   sentinel  \r\n", $sentinel, 'extra spaces ignored');

# Binary garbage that does not start with the binary-protocol magic 0x80.
reply_is($sock, "\x00\x01\x02\xff\xfe\x7f\r\n", "ERROR\r\n",
         'binary garbage line -> ERROR');
after_ok($sock, 'binary garbage');

# Keys.
my $k250 = 'k' x 250;
my $k251 = 'k' x 251;
reply_is($sock, "set $k251 0 0 1\r\nx\r\n", "$bad" . "ERROR\r\n",
         '251-byte key on set: error, data line then ERROR');
reply_is($sock, "get $k251\r\n", $bad, '251-byte key on get');
reply_is($sock, "get sentinel $k251\r\n", $bad,
         'hit then 251-byte key: only the error, the hit is dropped');
reply_is($sock, "get " . ('k' x 1000) . "\r\n", $bad, '1000-byte key on get');
after_ok($sock, 'long keys');
# Control characters other than space/LF are part of the key.
for my $k ("k\x01y", "k\x7fy", "k\xffy", "a\tb", "k\ry") {
    (my $show = $k) =~ s/([^ -~])/sprintf('\\x%02x', ord $1)/ge;
    reply_is($sock, "set $k 0 0 1\r\nc\r\nget $k\r\n",
             "STORED\r\nVALUE $k 0 1\r\nc\r\nEND\r\n",
             "key '$show' accepted as is");
}

# Token counts.
reply_is($sock, "set a 0 0\r\nx\r\n", "ERROR\r\nERROR\r\n",
         'set with 3 args: ERROR, data line ERROR');
reply_is($sock, "set a\r\n", "ERROR\r\n", 'set with 1 arg');
reply_is($sock, "set\r\n", "ERROR\r\n", 'bare set');
reply_is($sock, "set a 0 0 1 noreply extra\r\nx\r\n", "ERROR\r\nERROR\r\n",
         'set with 6 args: ERROR');
reply_is($sock, "set a 0 0 1 junk\r\nj\r\nget a\r\n",
         "STORED\r\nVALUE a 0 1\r\nj\r\nEND\r\n",
         'set with a junk 5th arg: ignored, stored');
after_ok($sock, 'token counts');

# Numbers.
for my $c ('set a abc 0 1', 'set a 0 abc 1', 'set a 0 0 abc', 'set a 0 0 -1',
           'set a 1x 0 1', 'set a 0 1.5 1', 'set a 0 0 1x', 'set a -1 0 1',
           'set a 18446744073709551616 0 1', 'set a 0 0 4294967295',
           'set a 0 0 2147483647', 'set a 0 0 2147483646',
           'set a 0 0 18446744073709551616', 'add a 0 0 -5',
           'replace a x 0 1', 'append a 0 0 z', 'prepend a 0 x 1',
           'cas a 0 0 1 z', 'cas a 0 0 1 -1') {
    reply_is($sock, "$c\r\nx\r\n", $bad . "ERROR\r\n",
             "'$c': bad format, data line then ERROR");
}
mem_get_is($sock, 'a', 'j', 'a unchanged by all the bad numbers');
reply_is($sock, "set a +1 +0 +1\r\n+\r\nget a\r\n",
         "STORED\r\nVALUE a 1 1\r\n+\r\nEND\r\n", 'leading "+" accepted');
after_ok($sock, 'bad numbers');

# Data block of the wrong size.  The reference reads exactly <bytes>+2 bytes;
# if they do not end in CRLF it answers "bad data chunk", stores nothing and
# parses whatever follows as new commands (nothing extra is swallowed).
my $aval = "VALUE a 0 2\r\nxy\r\nEND\r\n";
reply_is($sock, "set a 0 0 2\r\nxy\r\n", "STORED\r\n", 'a = xy');
reply_is($sock, "set a 0 0 1\r\nzz\r\nget a\r\n", $chunk . "ERROR\r\n$aval",
         'one byte too long: bad data chunk; "\n" then ERROR; a kept');
reply_is($sock, "set a 0 0 3\r\nabcdefgh\r\nget a\r\n",
         $chunk . "ERROR\r\n$aval", 'five bytes too long; a kept');
reply_is($sock, "set n 0 0 1\r\nzz\r\nget n\r\n", $chunk . "ERROR\r\nEND\r\n",
         'bad chunk on a new key stores nothing');
reply_is($sock, "set a 0 0 5\r\nab\r\nget sentinel\r\n", $chunk . "ERROR\r\n",
         'data too short: next command eaten into the block');
after_ok($sock, 'short data');
reply_is($sock, "set a 0 0 2\r\nx\r\r\nget a\r\n",
         "STORED\r\nVALUE a 0 2\r\nx\r\r\nEND\r\n",
         'CR inside data is just data');
reply_is($sock, "set a 0 0 1\r\nx\n\r\n", $chunk . "ERROR\r\n",
         'data ended by LF only: bad data chunk');
reply_is($sock, "set b 0 0 2\r\nxy\r\nappend b 0 0 1\r\nzz\r\nget b\r\n",
         "STORED\r\n" . $chunk . "ERROR\r\nVALUE b 0 2\r\nxy\r\nEND\r\n",
         'bad chunk on append: item kept');
after_ok($sock, 'bad data chunks');

# Long lines without a newline: up to 2048 buffered bytes are waited on, more
# and the connection is closed without a reply (unless it is a get/gets).
{
    my $s = $server->new_sock;
    send_cmd($s, 'a' x 4096);
    closed_ok($s, '4 KB without newline: connection closed, no reply');
    $s = $server->new_sock;
    send_cmd($s, 'a' x 2049);
    closed_ok($s, '2049 bytes without newline: closed');
    $s = $server->new_sock;
    send_cmd($s, 'a' x 2048);
    is(read_bytes($s, 1, 0.5), undef, '2048 bytes without newline: waits');
    reply_is($s, "\r\nget sentinel\r\n", "ERROR\r\n$sentinel",
             '... newline then: ERROR, and the connection works');
    $s = $server->new_sock;
    reply_is($s, ('a' x 4096) . "\r\nget sentinel\r\n", "ERROR\r\n$sentinel",
             '4 KB line with newline in one write: ERROR, stays open');
    $s = $server->new_sock;
    my @keys = map { "nokey$_" } 1 .. 1000;
    send_cmd($s, "get @keys");
    is(read_bytes($s, 1, 0.5), undef, 'long get line without newline: waits');
    reply_is($s, " sentinel\r\n", $sentinel,
             '... finished later: answered');
}

# A client that vanishes in the middle of a value leaves no partial item.
{
    my $s = $server->new_sock;
    send_cmd($s, "set partial 0 0 100\r\n" . ('p' x 50));
    close $s;
    my $s2 = $server->new_sock;
    my $ok = wait_for(sub {
        send_cmd($s2, "get partial\r\n");
        return (read_line($s2) // '') eq "END\r\n";
    }, 2);
    ok($ok, 'half-sent value never appears');
    reply_is($s2, "set partial 0 0 1\r\nq\r\nget partial\r\n",
             "STORED\r\nVALUE partial 0 1\r\nq\r\nEND\r\n",
             'key usable afterwards');
    my $s3 = $server->new_sock;
    send_cmd($s3, "set big 0 0 2000000\r\n" . ('b' x 1000));
    close $s3;
    my $s4 = $server->new_sock;
    after_ok($s4, 'a client gone mid swallow');
}

# Reference quirk: a get that fails on a too-long key throws away the
# not-yet-sent replies of earlier commands read in the same batch.
reply_is($sock, "version\r\nget $k251\r\nget sentinel\r\n",
         $bad . $sentinel,
         'quirk: VERSION reply before a failing get in one write is dropped');

after_ok($sock, 'everything');
after_ok($server->new_sock, 'everything (new connection)');

done_testing();
