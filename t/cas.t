#!/usr/bin/perl
# cas: compare-and-swap against the unique value gets/gats hand out.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my $server = new_memcached();
my $sock = $server->sock;
my $other = $server->new_sock;

reply_is($sock, "cas nx 0 0 1 1\r\nx\r\n", "NOT_FOUND\r\n", 'cas on missing key');
mem_get_is($sock, 'nx', undef, 'cas on missing key stored nothing');

reply_is($sock, "set k 3 0 2\r\nv1\r\n", "STORED\r\n", 'set k');
my ($cas, $v) = mem_gets($sock, 'k');
ok(defined $cas && $cas =~ /^\d+$/ && $cas > 0, 'gets gives a numeric cas');

reply_is($sock, "cas k 5 0 2 $cas\r\nv2\r\n", "STORED\r\n", 'cas with current value');
reply_is($sock, "get k\r\n", "VALUE k 5 2\r\nv2\r\nEND\r\n",
         'cas stored value and its own flags');
reply_is($sock, "cas k 0 0 2 $cas\r\nv3\r\n", "EXISTS\r\n",
         'same cas again: EXISTS');
mem_get_is($sock, 'k', 'v2', 'EXISTS left the value alone');

# A change from another connection invalidates our cas.
my ($c2) = mem_gets($sock, 'k');
isnt($c2, $cas, 'successful cas gave a new unique');
reply_is($other, "set k 0 0 2\r\nzz\r\n", "STORED\r\n", 'other client sets k');
reply_is($sock, "cas k 0 0 2 $c2\r\nv4\r\n", "EXISTS\r\n",
         'cas after another client changed it: EXISTS');
reply_is($sock, "cas k 0 0 2 0\r\nv4\r\n", "EXISTS\r\n", 'cas 0: EXISTS');
reply_is($sock, "cas k 0 0 2 18446744073709551615\r\nv4\r\n", "EXISTS\r\n",
         'cas 2^64-1 (valid number, wrong value): EXISTS');

# Uniques are shared by every command that changes an item.
my %seen;
my @cmds = ("set u1 0 0 1\r\na\r\n", "set u2 0 0 1\r\nb\r\n",
            "add u3 0 0 1\r\nc\r\n", "replace u1 0 0 1\r\nd\r\n",
            "append u2 0 0 1\r\ne\r\n", "prepend u3 0 0 1\r\nf\r\n");
for my $c (@cmds) {
    my ($key) = $c =~ /^\w+ (\w+)/;
    reply_is($sock, $c, "STORED\r\n", "store: " . (split /\r/, $c)[0]);
    my ($u) = mem_gets($sock, $key);
    ok(defined $u && !$seen{$u}++, "fresh unique $u after "
       . (split / /, $c)[0]);
}
reply_is($sock, "set n 0 0 1\r\n5\r\nincr n 1\r\n", "STORED\r\n6\r\n",
         'incr');
my ($un) = mem_gets($sock, 'n');
ok(defined $un && !$seen{$un}++, 'incr result has a fresh unique');
reply_is($sock, "touch n 100\r\n", "TOUCHED\r\n", 'touch n');
my ($ut) = mem_gets($sock, 'n');
is($ut, $un, 'touch does not change the unique');
send_cmd($sock, "gats 100 n\r\n");
like(read_line($sock), qr/^VALUE n 0 1 \Q$un\E\r\n\z/, 'gats reports the same unique');
is(read_bytes($sock, 8), "6\r\nEND\r\n", 'gats data');

# gets with several keys: one cas per VALUE line.
send_cmd($sock, "gets u1 nx u2\r\n");
like(read_line($sock), qr/^VALUE u1 0 1 \d+\r\n\z/, 'gets multi: u1 line');
is(read_bytes($sock, 3), "d\r\n", 'gets multi: u1 data');
like(read_line($sock), qr/^VALUE u2 0 2 \d+\r\n\z/, 'gets multi: u2 line');
is(read_bytes($sock, 9), "be\r\nEND\r\n", 'gets multi: u2 data, END');

# Malformed cas lines.
my ($cu) = mem_gets($sock, 'u1');
reply_is($sock, "cas u1 0 0 1\r\nX\r\n", "ERROR\r\nERROR\r\n",
         'cas without unique: ERROR, data line is another ERROR');
reply_is($sock, "cas u1 0 0 1 abc\r\nX\r\n",
         "CLIENT_ERROR bad command line format\r\nERROR\r\n",
         'non-numeric unique');
reply_is($sock, "cas u1 0 0 1 -1\r\nX\r\n",
         "CLIENT_ERROR bad command line format\r\nERROR\r\n",
         'negative unique');
reply_is($sock, "cas u1 0 0 1 18446744073709551616\r\nX\r\n",
         "CLIENT_ERROR bad command line format\r\nERROR\r\n",
         'unique 2^64');
reply_is($sock, "cas u1 0 0 1 ${cu}x\r\nX\r\n",
         "CLIENT_ERROR bad command line format\r\nERROR\r\n",
         'unique with trailing junk');
reply_is($sock, "cas u1 0 0 1 $cu noreply extra\r\nX\r\n",
         "ERROR\r\nERROR\r\n", 'too many tokens');
reply_is($sock, "cas u1 0 0 1 $cu\r\nXY\r\n",
         "CLIENT_ERROR bad data chunk\r\nERROR\r\n", 'data block too long');
mem_get_is($sock, 'u1', 'd', 'u1 untouched by the bad cas commands');
my ($cu2) = mem_gets($sock, 'u1');
is($cu2, $cu, 'unique unchanged by the bad cas commands');

# noreply
reply_is($sock, "cas u1 0 0 1 $cu noreply\r\nY\r\nget u1\r\n",
         "VALUE u1 0 1\r\nY\r\nEND\r\n", 'cas noreply applied silently');
reply_is($sock, "cas u1 0 0 1 $cu noreply\r\nZ\r\ncas nx 0 0 1 1 noreply\r\n"
         . "Z\r\nget u1 nx\r\n", "VALUE u1 0 1\r\nY\r\nEND\r\n",
         'EXISTS and NOT_FOUND suppressed by noreply');

done_testing();
