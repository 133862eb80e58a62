#!/usr/bin/perl
# Replays the fuzz corpus (t/fuzz/corpus/: seeds and every crasher found)
# through the fuzz target, built without libFuzzer as t/fuzz/replay: each
# file goes through the connection state machine and the text protocol
# exactly as t/fuzz/fuzz_text would feed it.  A crash, an assert or a
# sanitizer report (in sanitizer builds) fails.  Like t/00-unit.t this
# tests our code whatever MEMCACHED points at; a missing binary fails.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);

my $src = dirname(dirname(abs_path(__FILE__)));
my $dir = $ENV{MEMCACHED_BUILD_DIR} || $src;
my $bin = "$dir/t/fuzz/replay";

if (!-x $bin) {
    print "1..1\nnot ok 1 - $bin is not built (run make check)\n";
    exit 1;
}
# Each input is bounded (about 1 s at worst); the whole replay is too.
alarm 300;
{ no warnings 'exec'; exec { $bin } $bin, "$src/t/fuzz/corpus"; }
print "1..1\nnot ok 1 - exec $bin: $!\n";
exit 1;
