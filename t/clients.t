#!/usr/bin/perl
# Real client libraries (pymemcache, python-memcache) under pytest, against a
# server started here.  One ok per pytest test case, from its junit XML.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use lib 't/lib';
use MemcachedTest;

my $py = '/usr/bin/python3';
my $missing = !-x $py ? "$py missing"
    : system("$py -c 'import pytest, pymemcache, memcache' >/dev/null 2>&1")
    ? 'python3-pytest / python3-pymemcache / python3-memcache missing' : '';
if ($missing) {
    diag("*** $missing: apt-get install python3-pytest python3-pymemcache "
         . "python3-memcache (bootstrap installs them) ***");
    plan skip_all => $missing;
}

my $server = new_memcached();
my $dir = tempdir(CLEANUP => 1);
my $xml = "$dir/junit.xml";
local $ENV{PYTHONDONTWRITEBYTECODE} = 1;
local $ENV{MEMCACHED_ADDR} = '127.0.0.1:' . $server->port;
my $out = `timeout 300 $py -m pytest -q -p no:cacheprovider --junitxml=$xml t/py 2>&1`;
my $rc = $? >> 8;

open(my $fh, '<', $xml) or BAIL_OUT("no junit xml from pytest:\n$out");
my $x = do { local $/; <$fh> };
my $n = 0;
while ($x =~ /<testcase\b([^>]*?)(\/>|>(.*?)<\/testcase>)/gs) {
    my ($attr, $body) = ($1, $3 // '');
    my ($cls) = $attr =~ /classname="([^"]*)"/;
    my ($name) = $attr =~ /\bname="([^"]*)"/;
    $n++;
    if ($body =~ /<skipped\b/) {
        SKIP: { skip "$cls.$name skipped by pytest", 1 }
        next;
    }
    ok($body !~ /<(failure|error)\b/, "$cls.$name")
        or diag(substr($body, 0, 2000));
}
cmp_ok($n, '>=', 30, "pytest ran the client suites ($n cases)") or diag($out);
is($rc, 0, 'pytest exit status 0') or diag($out);
done_testing();
