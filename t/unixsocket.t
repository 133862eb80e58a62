#!/usr/bin/perl
# -s path -a mask: listen on a unix socket with that permission mask, and
# serve over it.
use strict;
use warnings;
use Test::More tests => 6;
use lib 't/lib';
use MemcachedTest;

my $path = "/tmp/memcached-test-$$.sock";
unlink $path;
my $srv = new_memcached("-s $path -a 0700");

ok(-S $path, 'socket file exists');
is(sprintf('%04o', (stat $path)[2] & 07777), '0700', 'mode is 0700');

my $s = $srv->sock;
ok($s->isa('IO::Socket::UNIX'), 'connected over the unix socket');
send_cmd($s, "version\r\n");
like(read_line($s), qr/^VERSION \S+\r\n$/, 'version over unix socket');
my $st = mem_stats($s);
ok($st && $st->{pid}, 'stats over unix socket');
send_cmd($s, "set foo 0 0 3\r\nbar\r\n");
read_line($s);
mem_get_is($s, 'foo', 'bar', 'set/get over unix socket');
$srv->stop;
unlink $path;
