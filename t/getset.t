#!/usr/bin/perl
# Storage and retrieval round trips: set/get/add/replace/gets, key and flag
# limits, multi-key get, and the item size boundary at -I 1m and -I 2m.
# Every expected byte string below was read off the reference daemon
# (Debian memcached 1.6.18); see doc/reference-answers.md.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

# Send $send, then read exactly length($expect) bytes and compare.
# The connection answers the next command and had nothing else queued.
sub in_sync {
    my ($sock, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    send_cmd($sock, "version\r\n");
    return like(read_line($sock, 5) // '', qr/^VERSION \S+\r\n\z/, $name);
}

my $server = new_memcached();
my $sock = $server->sock;

# --- plain round trips ---------------------------------------------------
reply_is($sock, "set foo 0 0 3\r\nbar\r\n", "STORED\r\n", 'set foo');
mem_get_is($sock, 'foo', 'bar', 'get foo');
reply_is($sock, "get foo\r\n", "VALUE foo 0 3\r\nbar\r\nEND\r\n",
         'get reply bytes exact');
reply_is($sock, "get nosuchkey\r\n", "END\r\n", 'miss is just END');
reply_is($sock, "set foo 0 0 4\r\nbar2\r\n", "STORED\r\n", 'set overwrites');
mem_get_is($sock, 'foo', 'bar2', 'overwritten value');

reply_is($sock, "set empty 0 0 0\r\n\r\n", "STORED\r\n", 'set empty value');
reply_is($sock, "get empty\r\n", "VALUE empty 0 0\r\n\r\nEND\r\n",
         'empty value comes back with zero length');

my $bin = "a\r\nb\0c\r\n\xff\x00END\r\n";
reply_is($sock, "set bin 0 0 " . length($bin) . "\r\n$bin\r\n", "STORED\r\n",
         'binary value with CRLF and NUL inside');
mem_get_is($sock, 'bin', $bin, 'binary value round trips byte-exact');

# --- keys ------------------------------------------------------------------
my $k250 = 'k' x 250;
my $k251 = 'k' x 251;
reply_is($sock, "set $k250 0 0 2\r\nok\r\n", "STORED\r\n", '250-byte key ok');
mem_get_is($sock, $k250, 'ok', 'get 250-byte key');
reply_is($sock, "set $k251 0 0 2\r\nno\r\n",
         "CLIENT_ERROR bad command line format\r\nERROR\r\n",
         '251-byte key refused; data line then parsed as a command');
in_sync($sock, 'connection usable after long key on set');
reply_is($sock, "get $k251\r\n", "CLIENT_ERROR bad command line format\r\n",
         'get with 251-byte key');
reply_is($sock, "get foo $k251\r\n",
         "CLIENT_ERROR bad command line format\r\n",
         'get hit + long key: only the error, no VALUE');
in_sync($sock, 'in sync after long key on get');

# --- flags -----------------------------------------------------------------
for my $f (0, 1, 2**31, 4294967295) {
    reply_is($sock, "set fl $f 0 1\r\nx\r\n", "STORED\r\n", "set flags $f");
    reply_is($sock, "get fl\r\n", "VALUE fl $f 1\r\nx\r\nEND\r\n",
             "flags $f echoed");
}
# The reference parses flags as an unsigned long and stores the low 32 bits.
reply_is($sock, "set fl 4294967296 0 1\r\nx\r\n", "STORED\r\n",
         'flags 2^32 accepted (reference truncates)');
reply_is($sock, "get fl\r\n", "VALUE fl 0 1\r\nx\r\nEND\r\n",
         'flags 2^32 stored as 0');
reply_is($sock, "set fl 4294967297 0 1\r\ny\r\n", "STORED\r\n",
         'flags 2^32+1 accepted');
reply_is($sock, "get fl\r\n", "VALUE fl 1 1\r\ny\r\nEND\r\n",
         'flags 2^32+1 stored as 1');
reply_is($sock, "set fl 18446744073709551616 0 1\r\nz\r\n",
         "CLIENT_ERROR bad command line format\r\nERROR\r\n",
         'flags 2^64 refused');
reply_is($sock, "set fl -1 0 1\r\nz\r\n",
         "CLIENT_ERROR bad command line format\r\nERROR\r\n",
         'negative flags refused');
reply_is($sock, "get fl\r\n", "VALUE fl 1 1\r\ny\r\nEND\r\n",
         'refused sets left the item alone');

# --- add / replace ---------------------------------------------------------
reply_is($sock, "add newk 5 0 1\r\n1\r\n", "STORED\r\n", 'add on missing');
reply_is($sock, "add newk 6 0 1\r\n2\r\n", "NOT_STORED\r\n",
         'add on existing');
reply_is($sock, "get newk\r\n", "VALUE newk 5 1\r\n1\r\nEND\r\n",
         'failed add changed nothing');
reply_is($sock, "replace newk 7 0 1\r\n3\r\n", "STORED\r\n",
         'replace on existing');
reply_is($sock, "get newk\r\n", "VALUE newk 7 1\r\n3\r\nEND\r\n",
         'replace set value and flags');
reply_is($sock, "replace missing 0 0 1\r\n4\r\n", "NOT_STORED\r\n",
         'replace on missing');
mem_get_is($sock, 'missing', undef, 'failed replace created nothing');

# --- gets ------------------------------------------------------------------
send_cmd($sock, "gets newk\r\n");
my $l = read_line($sock) // '';
like($l, qr/^VALUE newk 7 1 (\d+)\r\n\z/, 'gets line carries a cas');
my ($cas1) = $l =~ /(\d+)\r\n\z/;
is(read_bytes($sock, 8), "3\r\nEND\r\n", 'gets data and END');
reply_is($sock, "set newk 7 0 1\r\n4\r\n", "STORED\r\n", 'set again');
my ($cas2, $v) = mem_gets($sock, 'newk');
is($v, '4', 'gets value after set');
ok(defined $cas1 && defined $cas2 && $cas2 != $cas1,
   'cas changes when the item changes');
my ($cas3) = mem_gets($sock, 'newk');
is($cas3, $cas2, 'cas stable while the item is unchanged');

# --- multi-key get ----------------------------------------------------------
my (@keys, $expect);
for my $i (0 .. 299) {
    my $k = "mk$i";
    push @keys, $k;
    next if $i % 3 == 0;                 # every third key is a miss
    send_cmd($sock, "set $k $i 0 " . length("val$i") . "\r\nval$i\r\n");
    is(read_line($sock), "STORED\r\n", "store $k") if $i % 50 == 1;
    read_line($sock) unless $i % 50 == 1;
}
my @order = (reverse(@keys), 'mk1', 'mk1');
$expect = '';
for my $k (@order) {
    my ($i) = $k =~ /(\d+)/;
    next if $i % 3 == 0;
    $expect .= "VALUE $k $i " . length("val$i") . "\r\nval$i\r\n";
}
$expect .= "END\r\n";
reply_is($sock, "get @order\r\n", $expect,
         '302-key get: hits in request order, misses skipped, repeats repeated');
reply_is($sock, "get  mk1   mk3  \r\n", "VALUE mk1 1 4\r\nval1\r\nEND\r\n",
         'extra spaces between keys ignored');
in_sync($sock, 'in sync after multi-get');

# --- item size boundary at the default -I 1m --------------------------------
# Item = 48-byte header + 8 (cas) + key + 1 + value + 2 (+4 if flags != 0)
# must fit in 1048576 bytes, so with key "a" and flags 0 the largest value is
# 1048576 - 56 - 2 - 2 = 1048516.
sub size_case {
    my ($sock, $key, $flags, $n, $ok, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $data = chr(65 + $n % 26) x $n;
    reply_is($sock, "set $key $flags 0 $n\r\n$data\r\n",
             $ok ? "STORED\r\n" : "SERVER_ERROR object too large for cache\r\n",
             $name);
    if ($ok) {
        mem_get_is({ sock => $sock, flags => $flags }, $key, $data,
                   "$name: value round trips");
    } else {
        mem_get_is($sock, $key, undef, "$name: nothing stored");
    }
}
size_case($sock, 'a', 0, 1048516, 1, 'largest value, 1-byte key');
size_case($sock, 'a', 0, 1048517, 0, 'one byte more, 1-byte key');
size_case($sock, $k250, 0, 1048267, 1, 'largest value, 250-byte key');
size_case($sock, $k250, 0, 1048268, 0, 'one byte more, 250-byte key');
size_case($sock, 'b', 4294967295, 1048512, 1, 'largest value, nonzero flags');
size_case($sock, 'b', 4294967295, 1048513, 0, 'one byte more, nonzero flags');
size_case($sock, 'c', 0, 1048576, 0, 'exactly 1 MiB of value');

# A too-large set swallows its data block, answers only once the whole block
# (plus CRLF) is in, and removes any older item under the same key.
reply_is($sock, "set old 0 0 3\r\nold\r\n", "STORED\r\n", 'set old');
my $n = 2_000_000;
send_cmd($sock, "set old 0 0 $n\r\n");
send_cmd($sock, 'y' x $n);
is(read_bytes($sock, 1, 0.3), undef, 'no answer before the block is complete');
reply_is($sock, "\r\n", "SERVER_ERROR object too large for cache\r\n",
         'too large: error after the swallowed block');
mem_get_is($sock, 'old', undef, 'too-large set removed the old item');
mem_get_is($sock, 'foo', 'bar2', 'other items untouched');
in_sync($sock, 'in sync after the swallowed block');

$server->stop;

# --- -I 2m -------------------------------------------------------------------
my $big = new_memcached('-I 2m');
my $bs = $big->sock;
my $st = mem_stats($bs, 'settings');
is($st->{item_size_max}, 2097152, '-I 2m: item_size_max');
my $val = join '', map { chr(($_ * 7) % 256) } 0 .. 255;
$val = substr($val x 6000, 0, 1_500_000);
reply_is($bs, "set big 3 0 1500000\r\n$val\r\n", "STORED\r\n",
         '-I 2m: 1.5 MB value stored');
mem_get_is({ sock => $bs, flags => 3 }, 'big', $val,
           '-I 2m: 1.5 MB value round trips');
reply_is($bs, "set big2 0 0 2097152\r\n" . ('z' x 2097152) . "\r\n",
         "SERVER_ERROR object too large for cache\r\n",
         '-I 2m: 2 MiB value refused');
$big->stop;

done_testing();
