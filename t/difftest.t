#!/usr/bin/perl
# Differential test: t/difftest.py sends one seeded random command stream
# to our daemon and to the reference (/usr/bin/memcached) and compares the
# answers byte for byte (CAS numbers mapped, VERSION text ignored).  Any
# divergence fails, and the tool's report (seed, shortest failing prefix,
# both answers) is shown.  Longer runs by hand, e.g.
#   /usr/bin/python3 t/difftest.py --ours ./memcached-debug \
#       --seed-range 1-100 --commands 3000 --resync
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my $ref = $ENV{T_DIFF_REF} || '/usr/bin/memcached';
plan skip_all => "reference $ref not installed" unless -x $ref;
plan skip_all => 'T_MEMD_USE_DAEMON set: difftest starts its own daemons'
    if using_daemon();
plan skip_all => '/usr/bin/python3 missing' unless -x '/usr/bin/python3';

my $ours = memcached_binary();
my @seeds = split /,/, ($ENV{T_DIFF_SEEDS} || '1,2,3');
# The same with meta commands mixed in (difftest.py --meta).
my @mseeds = split /,/, ($ENV{T_DIFF_META_SEEDS} || '1,2,3');
my $n = $ENV{T_DIFF_COMMANDS} || 2000;
plan tests => @seeds + @mseeds;

for my $seed (@seeds) {
    my $out = `/usr/bin/python3 t/difftest.py --ours '$ours' --ref '$ref' --seeds $seed --commands $n 2>&1`;
    my $rc = $? >> 8;
    ok($rc == 0, "seed $seed: $n commands answered as the reference does")
        or diag($out);
    note($out) if $rc == 0 && $out =~ /flaky/;
}

for my $seed (@mseeds) {
    my $out = `/usr/bin/python3 t/difftest.py --ours '$ours' --ref '$ref' --meta --seeds $seed --commands $n 2>&1`;
    my $rc = $? >> 8;
    ok($rc == 0, "seed $seed with meta commands: $n commands answered as "
       . "the reference does") or diag($out);
    note($out) if $rc == 0 && $out =~ /flaky/;
}
