#!/usr/bin/perl
# memccapable (libmemcached-tools) ascii suite against a fresh server: one ok
# per test line it prints.  Binary tests (-b) come later.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my $tool = '/usr/bin/memccapable';
if (!-x $tool) {
    diag("*** $tool missing: apt-get install libmemcached-tools ***");
    plan skip_all => "$tool not installed";
}

my $server = new_memcached();
my $port = $server->port;
my $out = `timeout 120 $tool -h 127.0.0.1 -p $port -a -t 5 2>&1`;
my $rc = $? >> 8;

my $n = 0;
for my $line (split /\n/, $out) {
    next unless $line =~ /^(ascii \S.*?)\s+\[(\w+)\]\s*$/;
    my ($name, $res) = ($1, $2);
    $n++;
    ok($res eq 'pass', $name) or diag("memccapable: $line");
}
cmp_ok($n, '>=', 27, 'memccapable ran all ascii tests') or diag($out);
like($out, qr/^All tests passed$/m, 'memccapable summary: all passed');
is($rc, 0, 'memccapable exit status 0');

done_testing();
