#!/usr/bin/perl
# Runs the C unit test binary (t/unit/testapp) and lets prove read its TAP
# directly.  It is part of `make check`: a missing binary is a failure, not a
# skip.  The binary is looked up in MEMCACHED_BUILD_DIR (set by make check,
# so out-of-tree builds work), else in the source tree.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);

my $src = dirname(dirname(abs_path(__FILE__)));
my $dir = $ENV{MEMCACHED_BUILD_DIR} || $src;
my $bin = "$dir/t/unit/testapp";

if (!-x $bin) {
    print "1..1\n";
    print "not ok 1 - $bin is not built (run make check)\n";
    exit 1;
}
{ no warnings 'exec'; exec { $bin } $bin; }
print "1..1\nnot ok 1 - exec $bin: $!\n";
exit 1;
