#!/usr/bin/perl
# Framing: a command split into 1-byte writes is answered as if sent whole,
# and hundreds of commands in one write are all answered, in order.
use strict;
use warnings;
use Test::More tests => 6;
use lib 't/lib';
use MemcachedTest;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(sleep);

my $srv = new_memcached();
my $s = $srv->sock;
setsockopt($s, IPPROTO_TCP, TCP_NODELAY, 1) unless $srv->unix_path;

# Byte at a time.  The tiny pause (not a timing assertion) keeps the
# kernel from coalescing the bytes into one segment.
sub trickle {
    my ($sock, $bytes) = @_;
    for my $c (split //, $bytes) {
        send_cmd($sock, $c);
        sleep 0.001;
    }
}

trickle($s, "version\r\n");
like(read_line($s), qr/^VERSION \S+\r\n$/, 'version in 1-byte writes');
trickle($s, "set split 3 0 5\r\nhello\r\n");
is(read_line($s), "STORED\r\n", 'set in 1-byte writes');
trickle($s, "get split\r\n");
my $r = join '', map { read_line($s) // '' } 1 .. 3;
is($r, "VALUE split 3 5\r\nhello\r\nEND\r\n", 'get in 1-byte writes');

send_cmd($s, "version\r\n");
my $v = read_line($s);
send_cmd($s, "version\r\n" x 500);
my $n = 0;
for (1 .. 500) {
    my $l = read_line($s);
    last unless defined $l && $l eq $v;
    $n++;
}
is($n, 500, '500 pipelined versions get 500 answers');

# Mixed pipeline: order matters, so every reply names its own key.
my $req = '';
$req .= "set p$_ 0 0 " . length($_) . "\r\n$_\r\nget p$_\r\n" for 1 .. 200;
send_cmd($s, $req);
my $in_order = 0;
for my $i (1 .. 200) {
    my $got = join '', map { read_line($s) // '' } 1 .. 4;
    last unless $got eq "STORED\r\nVALUE p$i 0 " . length($i)
        . "\r\n$i\r\nEND\r\n";
    $in_order++;
}
is($in_order, 200, '200 pipelined set+get pairs answered in order');

send_cmd($s, "version\r\n");
is(read_line($s), $v, 'nothing left over');
