#!/usr/bin/perl
# dalli: Ruby's dalli client (binary protocol by default) runs a workload
# of set/get/get_multi/incr/decr/delete/cas/append/touch against a fresh
# server; its TAP lines are passed through.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my $ruby = '/usr/bin/ruby';
plan skip_all => "no $ruby (bootstrap.sh installs ruby and ruby-dalli)"
    unless -x $ruby && system("$ruby -e 'require \"dalli\"' 2>/dev/null") == 0;

my $srv = new_memcached('');
$ENV{MEMCACHED_ADDR} = '127.0.0.1:' . $srv->port;
my @out = `$ruby t/rb/dalli_workload.rb 2>&1`;
my $rc = $? >> 8;
my $n = 0;
for (@out) {
    if (/^(not )?ok \d+ - (.*)$/) {
        ok(!$1, "dalli: $2");
        $n++;
    } elsif (/^#/) {
        diag($_);
    }
}
cmp_ok($n, '>=', 20, 'dalli ran its whole workload') or diag(@out);
is($rc, 0, 'dalli workload exit status');
done_testing();
