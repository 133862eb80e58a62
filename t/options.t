#!/usr/bin/perl
# options: README.md's option table and `memcached -h` name the same
# options.  options.c builds -h from its table of options, so a flag, long
# form or "-o" key added there and not to README (or the other way round)
# fails here.  Also: every long form and -o key -h shows is accepted by the
# parser built from the same table.
#
# Against another binary (MEMCACHED=/usr/bin/memcached) only the check
# that makes sense there runs: the long forms and flags README lists
# without "(ours)" are in that binary's -h ("flags and long forms follow
# the reference").  The rest is ours.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib 't/lib';
use MemcachedTest;

plan skip_all => 'T_MEMD_USE_DAEMON: no binary to run' if using_daemon();
plan tests => 11;

# -h: "-p, --port=<num> ...", "-D <char> ...", "    --port-file=<file> ...",
# and "-o" keys as "   - key=<x>", "   - a / no_a", "   - a=<x>, b=<y>".
# The reference writes "-W  --disable-watch" and "   - key:   ...".
sub parse_help {
    my ($text) = @_;
    my $k = qr/[a-z_]+(?:=[^\s,]+)?/;           # key, key=<x>
    my $keys = qr{$k(?:(?:\ /\ |,\ )$k)*}x;     # joined by " / " or ", "
    my (%short, %long, %key);
    for my $line (split /\n/, $text) {
        if ($line =~ /^-(\w)(?:,?\s+--([\w-]+))?/) {
            $short{$1} = 1;
            $long{$2} = 1 if defined $2;
        } elsif ($line =~ /^ {4}--([\w-]+)/) {
            $long{$1} = 1;
        } elsif ($line =~ m{^\ {3}-\ ($keys)}x) {
            $key{(split /=/)[0]} = 1 for split m{ / |, }, $1;
        }
    }
    return (\%short, \%long, \%key);
}

# README.md, section "## Options", first cell of each table row: items in
# backticks.  "-p, --port=N", "-F", "--port-file=FILE", "-o key=V", and in
# an "-o" row bare "key" items.  A row marked "(ours)" is not the
# reference's.
sub parse_readme {
    my $file = "$FindBin::Bin/../README.md";
    open(my $fh, '<', $file) or die "$file: $!";
    my $text = do { local $/; <$fh> };
    my ($section) = $text =~ /^## Options\n(.*?)^## /ms
        or die "$file: no \"## Options\" section";
    my (%short, %long, %key, %ours);
    for my $row ($section =~ /^\| (.*?) (?<!\\)\|/mg) {
        my $is_o = $row =~ /^`-o /;
        my $is_ours = $row =~ /\(ours\)/;
        for my $item ($row =~ /`([^`]+)`/g) {
            my ($s, $l, $k);
            if ($item =~ /^-o ([a-z_]+)/ || ($is_o && $item =~ /^([a-z_]+)/)) {
                $k = $1;
            } elsif ($item =~ /^-(\w)(?:, --([\w-]+))?/) {
                ($s, $l) = ($1, $2);
            } elsif ($item =~ /^--([\w-]+)/) {
                $l = $1;
            }
            $key{$k} = 1 if defined $k;
            $short{$s} = 1 if defined $s;
            $long{$l} = 1 if defined $l;
            $ours{$l} = 1 if defined $l && $is_ours;
        }
    }
    return (\%short, \%long, \%key, \%ours);
}

sub missing {
    my ($what, $from) = @_;
    return [sort grep { !$from->{$_} } keys %$what];
}

my $h = run_memcached('-h', no_udp_flag => 1, no_user => 1);
is($h->{exit}, 0, '-h exits 0');
my ($hs, $hl, $hk) = parse_help($h->{stdout} // '');
my ($rs, $rl, $rk, $rours) = parse_readme();
cmp_ok(scalar keys %$rl, '>=', 30, 'README: long forms found')
    or diag(join ' ', sort keys %$rl);

my %ref_long = map { $_ => 1 } grep { !$rours->{$_} } keys %$rl;
is_deeply(missing(\%ref_long, $hl), [],
          "README's long forms (not marked ours) are in -h");
is_deeply(missing($rs, $hs), [], "README's short flags are in -h");

SKIP: {
    skip 'ours: README describes our -h', 5
        unless supports_ours('options-readme');
    cmp_ok(scalar keys %$hk, '>=', 20, '-h: -o keys found')
        or diag(join ' ', sort keys %$hk);
    is_deeply(missing($hl, $rl), [], "-h's long forms are in README");
    is_deeply(missing($hs, $rs), [], "-h's short flags are in README");
    is_deeply(missing($hk, $rk), [], "-h's -o keys are in README");
    is_deeply(missing($rk, $hk), [], "README's -o keys are in -h");
}

# The parser takes what -h shows.  "-m 0" makes a line that parses stop
# at the size check (exit 64) before anything starts; --help and the like
# exit 0 first.  getopt would say "unrecognized" or "ambiguous".
SKIP: {
    skip 'ours: the parser is built from the table -h comes from', 2
        unless supports_ours('options-table');
    my @bad;
    for my $name (sort keys %$hl) {
        my $arg = $h->{stdout} =~ /--\Q$name\E=</ ? "--$name=1" : "--$name";
        my $r = run_memcached("-m 0 $arg", no_udp_flag => 1);
        push @bad, "$arg: $r->{stderr}"
            if $r->{timed_out} || $r->{stderr} =~ /unrecognized|ambiguous/;
    }
    is_deeply(\@bad, [], 'every long form -h shows is accepted');
    @bad = ();
    for my $key (sort keys %$hk) {
        my $r = run_memcached("-m 0 -o $key", no_udp_flag => 1);
        push @bad, "$key: $r->{stderr}"
            if $r->{timed_out} || $r->{stderr} =~ /Illegal suboption/;
    }
    is_deeply(\@bad, [], 'every -o key -h shows is accepted');
}
