#!/usr/bin/perl
# -d -P file: the foreground process exits 0, the pid file names a live
# daemon that serves, and on SIGTERM the daemon exits and removes its pid
# file (the reference removes it only when daemonized).
use strict;
use warnings;
use Test::More tests => 8;
use lib 't/lib';
use MemcachedTest;

my $pidfile = "/tmp/memcached-test-daemon-$$.pid";
unlink $pidfile;
my $srv = new_memcached("-d -P $pidfile");

ok(-f $pidfile, 'pid file exists');
open(my $fh, '<', $pidfile) or die "$pidfile: $!";
my $content = do { local $/; <$fh> };
close $fh;
like($content, qr/^\d+\n$/, 'pid file holds a pid and a newline');
my ($pid) = $content =~ /^(\d+)/;
ok(kill(0, $pid), "daemon $pid is alive");
isnt($pid, $srv->{child}, 'daemon is not the process we started');
my $fg = wait_for(sub { $srv->_child_exited ? 1 : 0 });
is($fg && ($srv->exit_status >> 8), 0, 'foreground process exited 0');

is(mem_stats($srv->sock)->{pid}, $pid, 'stats pid matches the pid file');

kill 'TERM', $pid;
ok(wait_for(sub { !MemcachedTest::_pid_alive($pid) }, 10), 'daemon exits on TERM');
ok(wait_for(sub { !-e $pidfile }), 'pid file removed on exit');
$srv->stop;
unlink $pidfile;
