#!/usr/bin/perl
# Pipelining and fragmentation: many commands in one write are answered in
# order; one command dribbled in byte by byte is answered once, correctly.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use MemcachedTest;

my $server = new_memcached();
my $sock = $server->sock;

# 200 mixed commands in a single write.
my $req = '';
for my $i (0 .. 199) {
    my $k = "p" . ($i % 37);
    my $op = $i % 8;
    if ($op == 0 || $op == 5) {
        my $v = "v$i" x (1 + $i % 5);
        $req .= "set $k $i 0 " . length($v) . "\r\n$v\r\n";
    } elsif ($op == 1) {
        $req .= "get $k\r\n";
    } elsif ($op == 2) {
        $req .= "delete $k\r\n";
    } elsif ($op == 3) {
        $req .= "incr cnt 1\r\n";
    } elsif ($op == 4) {
        $req .= "version\r\n";
    } elsif ($op == 6) {
        $req .= "add $k 0 0 1\r\nA\r\n";
    } else {
        $req .= "bogus$i\r\n";
    }
}
send_cmd($sock, "set cnt 0 0 1\r\n0\r\n");
is(read_line($sock), "STORED\r\n", 'counter');

# Replay the request through a tiny model of the store for the answers.
my @lines = split /\r\n/, $req;
my %st = (cnt => [0, '0']);
my $c = 0;
my $expect = '';
for (my $i = 0; $i < @lines; $i++) {
    my @t = split / /, $lines[$i];
    if ($t[0] eq 'set' || $t[0] eq 'add') {
        my $data = $lines[++$i];
        if ($t[0] eq 'add' && exists $st{$t[1]}) {
            $expect .= "NOT_STORED\r\n";
        } else {
            $st{$t[1]} = [$t[2], $data];
            $expect .= "STORED\r\n";
        }
    } elsif ($t[0] eq 'get') {
        my $e = $st{$t[1]};
        $expect .= "VALUE $t[1] $e->[0] " . length($e->[1])
            . "\r\n$e->[1]\r\n" if $e;
        $expect .= "END\r\n";
    } elsif ($t[0] eq 'delete') {
        $expect .= delete($st{$t[1]}) ? "DELETED\r\n" : "NOT_FOUND\r\n";
    } elsif ($t[0] eq 'incr') {
        $expect .= (++$c) . "\r\n";
    } elsif ($t[0] eq 'version') {
        $expect .= "VERSION\r\n";      # version string normalised below
    } else {
        $expect .= "ERROR\r\n";
    }
}
send_cmd($sock, $req);
my $got = '';
while (length($got) < 1_000_000) {
    my $l = read_line($sock, 5);
    last unless defined $l;
    $l = "VERSION\r\n" if $l =~ /^VERSION /;
    $got .= $l;
    last if length($got) >= length($expect);
}
is($got, $expect, '200 pipelined commands answered in order');
my $n = () = $got =~ /\r\n/g;
cmp_ok($n, '>=', 200, 'at least one reply line per command');

# One storage command and a get, split into 1-byte writes.
my $val = "split\r\nvalue";
my $cmd = "set s 0 0 " . length($val) . "\r\n$val\r\nget s\r\n";
for my $ch (split //, $cmd) {
    send_cmd($sock, $ch);
    sleep 0.002;
}
my $w = "STORED\r\nVALUE s 0 " . length($val) . "\r\n$val\r\nEND\r\n";
is(read_bytes($sock, length $w, 5), $w, 'command split into 1-byte writes');

# Split at every possible position, two writes each.
my $all = '';
my $wantall = '';
for my $cut (1 .. length($cmd) - 1) {
    send_cmd($sock, substr($cmd, 0, $cut));
    sleep 0.002;
    send_cmd($sock, substr($cmd, $cut));
    $wantall .= $w;
}
is(read_bytes($sock, length $wantall, 10), $wantall,
   'split at every byte boundary: all answered correctly');

# Several large gets pipelined: replies are not interleaved.
my $big = 'L' x 300_000;
send_cmd($sock, "set big 1 0 300000\r\n$big\r\n");
is(read_line($sock), "STORED\r\n", 'set 300 KB');
send_cmd($sock, "get big\r\nget s\r\nget big big\r\n");
my $one = "VALUE big 1 300000\r\n$big\r\n";
my $sv = "VALUE s 0 " . length($val) . "\r\n$val\r\n";
my $ww = "${one}END\r\n${sv}END\r\n$one${one}END\r\n";
my $gw = read_bytes($sock, length $ww, 10) // '';
ok($gw eq $ww, 'pipelined large gets answered in order, not interleaved');

done_testing();
