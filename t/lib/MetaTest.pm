# MetaTest.pm: helpers shared by the meta-protocol tests (t/meta-*.t).
package MetaTest;

use strict;
use warnings;
use Exporter 'import';
use Test::More;
use MemcachedTest;

our @EXPORT = qw(mq mlike cas_of stats_delta);

# mq($sock, $send, $expect, $name): send $send and "mn", expect exactly
# $expect and then "MN\r\n" (so nothing else was queued).
sub mq {
    my ($sock, $send, $expect, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    send_cmd($sock, $send . "mn\r\n");
    my $got = read_bytes($sock, length($expect) + 4, 5);
    return is($got // '<timeout or closed>', $expect . "MN\r\n", $name);
}

# mlike($sock, $send, $re, $name): the same, the reply before "MN" matched
# against $re; returns the captures.
sub mlike {
    my ($sock, $send, $re, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    send_cmd($sock, $send . "mn\r\n");
    my $got = '';
    while (defined(my $l = read_line($sock, 5))) {
        last if $l eq "MN\r\n";
        $got .= $l;
    }
    like($got, $re, $name);
    return $got =~ $re;
}

# The CAS of a key, through mg.
sub cas_of {
    my ($sock, $key) = @_;
    send_cmd($sock, "mg $key c\r\n");
    my $l = read_line($sock, 5) // '';
    return $l =~ /^HD c(\d+)\r\n\z/ ? $1 : undef;
}

# Stats counters changed since $before (a mem_stats hash).
sub stats_delta {
    my ($sock, $before, @names) = @_;
    my $now = mem_stats($sock);
    return { map { $_ => $now->{$_} - $before->{$_} } @names };
}

1;
