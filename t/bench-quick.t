#!/usr/bin/perl
# The benchmark harness works end to end: `bench/run.sh --quick` builds
# the load generator, runs every workload once (1 s) against the daemon
# under test and the reference, and exits 0 only if no run failed and no
# server died.  Its figures are not looked at (no timing assertions).
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use lib 't/lib';
use MemcachedTest;

my $ref = $ENV{BENCH_REF} || '/usr/bin/memcached';
plan skip_all => "no reference daemon at $ref (apt-get install memcached)"
    unless -x $ref;
plan skip_all => 'bench/run.sh needs bash, cc and ss'
    if system('command -v bash cc ss >/dev/null 2>&1') != 0;
plan tests => 2;

my $dir = tempdir(CLEANUP => 1);
local $ENV{OURS} = memcached_binary();
local $ENV{REF} = $ref;
local $ENV{OUT} = "$dir/out";
delete local $ENV{WORKLOADS};
delete local $ENV{FLAGS};
my $log = "$dir/log";
my $rc = system("bash bench/run.sh --quick >$log 2>&1");
my $text = do { local (@ARGV, $/) = $log; <> } // '';
is($rc, 0, 'bench/run.sh --quick exits 0') or diag($text);
my @rows = $text =~ /^\| (get|set|mget|pipe|big|conn1000|fill|hitratio) \|/mg;
is(scalar @rows, 8, 'a result row for each of the 8 workloads')
    or diag($text);
