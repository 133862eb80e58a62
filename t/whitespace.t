#!/usr/bin/perl
# Lints the tree: no trailing whitespace, and no tabs except in Makefile.am
# (make needs them).  Checks the files git knows about (tracked or not yet
# added, minus .gitignore'd ones); outside a git checkout, walks the tree.
use strict;
use warnings;
use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Find;

my $src = dirname(dirname(abs_path(__FILE__)));
my $lint = qr/\.(?:c|h|am|ac|t|pm|sh)$/;
my @files;

if (-e "$src/.git" && system("git -C '$src' rev-parse >/dev/null 2>&1") == 0) {
    @files = grep { /$lint/ || $_ eq '.ci/run' }
        split /\n/, `git -C '$src' ls-files --cached --others --exclude-standard`;
    @files = grep { -f "$src/$_" } @files;
} else {
    find({ no_chdir => 1, wanted => sub {
        my $rel = substr($_, length $src);
        if (-d $_ && $rel =~ m{/(?:\.git|autom4te\.cache|build-aux|build[^/]*)$}) {
            $File::Find::prune = 1;
            return;
        }
        push @files, substr($rel, 1)
            if -f $_ && ($rel =~ $lint || $rel =~ m{^/\.ci/run$});
    } }, $src);
}

plan skip_all => 'no files to check' unless @files;
plan tests => scalar @files;

for my $f (sort @files) {
    my @bad;
    open(my $fh, '<', "$src/$f") or do { fail("$f: open: $!"); next };
    my $tabs_ok = $f =~ /(?:^|\/)Makefile\.am$/;
    while (my $l = <$fh>) {
        chomp $l;
        push @bad, "$.: trailing whitespace" if $l =~ /[ \t\r]+$/;
        push @bad, "$.: tab" if !$tabs_ok && $l =~ /\t/;
    }
    close $fh;
    ok(!@bad, $f) or diag(join("\n", map { "$f:$_" } @bad[0 .. ($#bad < 9 ? $#bad : 9)]));
}
