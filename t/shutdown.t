#!/usr/bin/perl
# shutdown: refused without -A; with -A the server closes the connection
# and exits cleanly, also with "graceful"; other modes are refused.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

plan skip_all => 'external daemon' if using_daemon();

my $plain = new_memcached('');
my $s = $plain->sock;
send_cmd($s, "shutdown\r\n");
is(read_line($s), "ERROR: shutdown not enabled\r\n", 'refused without -A');
send_cmd($s, "version\r\n");
like(read_line($s), qr/^VERSION /, 'server still serving');

for my $mode ('', ' graceful') {
    my $srv = new_memcached('-A');
    my $c = $srv->sock;
    send_cmd($c, "shutdown foo\r\n");
    is(read_line($c), "CLIENT_ERROR invalid shutdown mode\r\n",
       'unknown mode refused');
    send_cmd($c, "shutdown$mode\r\n");
    my $r = read_bytes($c, 1, 5);
    ok(!defined $r || $r eq '', "shutdown$mode: connection closed, no reply");
    ok(wait_for(sub { !$srv->is_running }, 10), "shutdown$mode: server exits");
    $srv->stop;
    is(($srv->exit_status // 0) >> 8, 0, "shutdown$mode: exit status 0");
}

done_testing();
