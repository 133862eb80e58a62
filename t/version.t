#!/usr/bin/perl
# version: "version\r\n" answers "VERSION <x.y.z...>\r\n"; extra tokens are
# ignored (as the reference does); the command name is case-sensitive.
use strict;
use warnings;
use Test::More tests => 5;
use lib 't/lib';
use MemcachedTest;

my $srv = new_memcached();
my $s = $srv->sock;

send_cmd($s, "version\r\n");
my $v = read_line($s);
like($v, qr/^VERSION \d+\.\d+\.\d+\S*\r\n$/, 'version reply');

send_cmd($s, "version extra\r\n");
is(read_line($s), $v, 'extra tokens after version are ignored');

send_cmd($s, "VERSION\r\n");
is(read_line($s), "ERROR\r\n", 'command names are case-sensitive');

# Two in one write: both answered, in order.
send_cmd($s, "version\r\nversion\r\n");
is(read_line($s) . read_line($s), $v x 2, 'two pipelined versions');

SKIP: {
    skip 'ours: version string marks our build', 1
        unless supports_ours('version-string');
    like($v, qr/ours/, 'our version string says ours');
}
