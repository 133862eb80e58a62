#!/usr/bin/perl
# Soak (issue 6): ~20 s of mixed load from 4 forked clients against a small
# memory limit, so evictions, the LRU maintainer, the crawler and the slab
# automover all work while clients read and write.  Each client owns its
# own key range and remembers the last value it wrote (or that it deleted
# the key), so every hit can be checked without coordination: a hit must
# be exactly that value, never an older one or another key's.  A miss is
# always allowed (eviction, expiry, a failed large set).  The value-size
# mix changes half way (mostly small, then mostly large, with some chunked
# values over 512 KB now and then) so pages have to move between classes.
#
# T_SOAK_SECS=N changes the load time (default 20).
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;
use IO::Select;
use POSIX qw(WNOHANG _exit);
use Time::HiRes qw(time sleep);

my $SECS = $ENV{T_SOAK_SECS} || 20;
my $NCLIENTS = 4;
my $NKEYS = 300;            # keys per client

plan tests => 4 * $NCLIENTS + 9;

my $srv = new_memcached('-m 16 -t 4 -o slab_automove=2,lru_crawler');
my $ctl = $srv->sock;
my $st0 = mem_stats($ctl);
my $base_conns = $st0->{curr_connections};
note("baseline curr_connections $base_conns");

# ---------------------------------------------------------------------------
# One client: runs until $end, returns a hashref of counters.

sub make_value {
    my ($key, $seq, $len) = @_;
    my $head = "<$key/$seq>";
    my $v = $head x (int($len / length $head) + 1);
    return substr($v, 0, $len);
}

sub pick_size {
    my ($phase) = @_;
    my $r = rand();
    if ($phase == 0) {                       # mostly small
        return 1 + int(rand(100)) if $r < 0.40;
        return 100 + int(rand(2000)) if $r < 0.85;
        return 2000 + int(rand(30000)) if $r < 0.99;
        return 520_000 + int(rand(380_000));  # chunked, now and then
    }
    return 1 + int(rand(500)) if $r < 0.05;    # mostly large
    return 5_000 + int(rand(60_000)) if $r < 0.60;
    return 60_000 + int(rand(300_000)) if $r < 0.95;
    return 520_000 + int(rand(380_000));
}

sub run_client {
    my ($id, $port, $t_start, $t_switch, $t_end) = @_;
    my %c = map { $_ => 0 } qw(gets hits misses mismatches sets stored
                               set_fail deletes appends errors ops);
    my @bad;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 5);
    if (!$s) { $c{errors}++; return (\%c, ["connect: $!"]) }
    srand($$ ^ time);
    my %exp;          # key => expected value; exists but undef: absent
    my %fl;           # key => flags of the last set
    my $seq = 0;
    my $fail = sub { $c{errors}++; push @bad, $_[0] if @bad < 5; };
    while (time < $t_end) {
        my $phase = time < $t_switch ? 0 : 1;
        my $key = "soak${id}_" . int(rand($NKEYS));
        my $r = rand();
        $c{ops}++;
        if ($r < 0.45) {                                    # get
            send_cmd($s, "get $key\r\n") or do { $fail->("send get"); last };
            my $l = read_line($s, 10);
            if (!defined $l) { $fail->("get $key: no reply"); last }
            $c{gets}++;
            if ($l eq "END\r\n") { $c{misses}++; next }
            if ($l !~ /^VALUE (\S+) (\d+) (\d+)\r\n$/) {
                $fail->("get $key: $l"); last;
            }
            my ($k, $flags, $len) = ($1, $2, $3);
            my $data = read_bytes($s, $len + 2, 10);
            my $end = read_line($s, 10);
            if (!defined $data || ($end // '') ne "END\r\n") {
                $fail->("get $key: short reply"); last;
            }
            $c{hits}++;
            my $want = $exp{$key};
            my $got = substr($data, 0, $len);
            if ($k ne $key || substr($data, $len) ne "\r\n"
                || !defined $want || $got ne $want
                || $flags != ($fl{$key} // -1)) {
                $c{mismatches}++;
                push @bad, sprintf("get %s: got key %s len %d head %s; "
                                   . "expected %s", $key, $k, $len,
                                   substr($got, 0, 40),
                                   defined $want ? 'len ' . length($want)
                                       . ' head ' . substr($want, 0, 40)
                                       : 'absent')
                    if @bad < 5;
            }
        } elsif ($r < 0.80) {                               # set
            my $len = pick_size($phase);
            my $v = make_value($key, ++$seq, $len);
            # Short TTLs on some keys; in the first half on most, so the
            # small classes free up after the switch and automove has
            # pages to take from them.
            my $ttl = rand() < ($phase ? 0.25 : 0.8) ? 1 + int(rand(3)) : 0;
            my $flags = $len % 65536;
            send_cmd($s, "set $key $flags $ttl $len\r\n$v\r\n", 10)
                or do { $fail->("send set"); last };
            my $l = read_line($s, 10);
            if (!defined $l) { $fail->("set $key: no reply"); last }
            $c{sets}++;
            if ($l eq "STORED\r\n") {
                $c{stored}++;
                $exp{$key} = $v;
                $fl{$key} = $flags;
            }
            elsif ($l =~ /^SERVER_ERROR /) {
                # Not stored.  The reference also drops the old value;
                # keeping $exp as is accepts either.
                $c{set_fail}++;
            } else { $fail->("set $key: $l"); last }
        } elsif ($r < 0.90) {                               # delete
            send_cmd($s, "delete $key\r\n") or do { $fail->("send"); last };
            my $l = read_line($s, 10);
            if (!defined $l || $l !~ /^(DELETED|NOT_FOUND)\r\n$/) {
                $fail->("delete $key: " . ($l // 'no reply')); last;
            }
            $c{deletes}++;
            $exp{$key} = undef;
        } else {                                            # append
            my $sfx = "+$id.$seq";
            $seq++;
            my $old = $exp{$key};
            next if defined $old && length($old) > 400_000;
            my $len = length $sfx;
            send_cmd($s, "append $key 0 0 $len\r\n$sfx\r\n")
                or do { $fail->("send"); last };
            my $l = read_line($s, 10);
            if (!defined $l) { $fail->("append $key: no reply"); last }
            $c{appends}++;
            if ($l eq "STORED\r\n") {
                if (defined $old) { $exp{$key} = $old . $sfx }
                else {
                    # Appended to something we think is absent.
                    $c{mismatches}++;
                    push @bad, "append $key: STORED but key was absent"
                        if @bad < 5;
                    $exp{$key} = undef;
                }
            } elsif ($l eq "NOT_STORED\r\n" || $l =~ /^SERVER_ERROR /) {
                # Unchanged.  NOT_STORED usually means the key was gone,
                # but the reference also answers it when it cannot
                # allocate the longer item and keeps the old one.
            } else { $fail->("append $key: $l"); last }
        }
    }
    close $s;
    return (\%c, \@bad);
}

# ---------------------------------------------------------------------------
# Fork the clients; each writes one result line to its pipe.

my $t0 = time;
my ($t_switch, $t_end) = ($t0 + $SECS / 2, $t0 + $SECS);
my (%kids, %pipe);
for my $id (1 .. $NCLIENTS) {
    pipe(my $r, my $w) or die "pipe: $!";
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        close $r;
        my ($c, $bad) = eval {
            run_client($id, $srv->port, $t0, $t_switch, $t_end) };
        ($c, $bad) = ({ errors => 1 }, ["died: $@"]) unless $c;
        my $line = join(' ', map { "$_=$c->{$_}" } sort keys %$c);
        $line .= "\n" . join("\n", map { "BAD $_" } @$bad) . "\n";
        syswrite($w, $line);
        close $w;
        _exit(0);
    }
    close $w;
    $kids{$pid} = $id;
    $pipe{$id} = $r;
}

# While they run, sample the machinery's counters now and then.
my %seen;
my $next_sample = time;
while (time < $t_end + 1) {
    if (time >= $next_sample) {
        my $st = mem_stats($ctl) // {};
        $seen{max_bytes} = $st->{bytes}
            if ($st->{bytes} // 0) > ($seen{max_bytes} // 0);
        # Run the crawler under the load too (both daemons also schedule
        # it by themselves, but not reliably within 20 s).
        send_cmd($ctl, "lru_crawler crawl all\r\n");
        my $l = read_line($ctl) // 'no reply';
        $seen{crawl_replies}{$l =~ s/\r\n\z//r}++;
        $next_sample = time + 2;
    }
    sleep 0.2;
}

# Collect results, bounded: clients stop at $t_end and each op is bounded.
my %res;
my $deadline = time + 30;
my $sel = IO::Select->new(values %pipe);
my %buf;
while ($sel->count && time < $deadline) {
    for my $fh ($sel->can_read(1)) {
        my ($id) = grep { $pipe{$_} == $fh } keys %pipe;
        my $n = sysread($fh, $buf{$id}, 65536, length($buf{$id} // ''));
        next if $n;
        $sel->remove($fh);
        close $fh;
    }
}
for my $pid (keys %kids) {
    my $ok = wait_for(sub { waitpid($pid, WNOHANG) != 0 }, 5);
    if (!$ok) { kill 'KILL', $pid; waitpid($pid, 0) }
}

my ($total_gets, $total_hits) = (0, 0);
for my $id (1 .. $NCLIENTS) {
    my $text = $buf{$id} // '';
    my ($line, @bad) = split /\n/, $text;
    my %c = map { split /=/, $_, 2 } split ' ', ($line // '');
    ok(defined $c{mismatches}, "client $id reported")
        or diag("client $id output: $text");
    is($c{mismatches} // -1, 0, "client $id: every hit is the last value "
       . "written (" . ($c{hits} // 0) . " hits checked)");
    is($c{errors} // -1, 0, "client $id: no protocol errors or timeouts");
    ok(($c{gets} // 0) >= 200, "client $id did " . ($c{gets} // 0) . " gets");
    diag($_) for @bad;
    note("client $id: $line");
    $total_gets += $c{gets} // 0;
    $total_hits += $c{hits} // 0;
}
ok($total_gets >= 2000, "$total_gets gets in total ($total_hits hits)");
ok($total_hits > 0, 'some gets hit');

# ---------------------------------------------------------------------------
# Afterwards: memory within the limit, connections released, still serving.

my $st = mem_stats($ctl);
ok($st && $st->{bytes} <= $st->{limit_maxbytes},
   "bytes $st->{bytes} <= limit_maxbytes $st->{limit_maxbytes} "
   . "(max seen during run " . ($seen{max_bytes} // '?') . ")");
my $conns = wait_for(sub {
    my $s = mem_stats($ctl);
    # At most the baseline: it may have been sampled while the harness's
    # start-up probe connection was still being closed (as in faults.t).
    return $s && $s->{curr_connections} <= $base_conns;
}, 10);
ok($conns, "curr_connections back to baseline $base_conns or below")
    or diag("curr_connections now " . (mem_stats($ctl)->{curr_connections}));

send_cmd($ctl, "set soak_after 0 0 5\r\nhello\r\n");
is(read_line($ctl), "STORED\r\n", 'server still stores');
mem_get_is($ctl, 'soak_after', 'hello', 'server still answers');

note(join(' ', map { "$_=" . ($st->{$_} // '-') } qw(
    evictions reclaimed expired_unfetched evicted_unfetched
    lru_crawler_starts crawler_items_checked crawler_reclaimed
    moves_to_cold moves_to_warm moves_within_lru slabs_moved
    slab_reassign_rescues slab_reassign_evictions_nomem total_items)));
note(sprintf("load ran %.1f s", time - $t0));

# The background machinery visibly ran during the load (both daemons count
# these the same way; slabs_moved stays 0 on both within 20 s, so it is
# only printed above).
{
    ok($st->{evictions} > 0, "evictions $st->{evictions} (memory pressure)");
    ok($st->{moves_to_cold} > 0 && $st->{moves_to_warm} > 0,
       "LRU maintainer moved items: moves_to_cold $st->{moves_to_cold}, "
       . "moves_to_warm $st->{moves_to_warm}");
    note('lru_crawler crawl all replies: ' . join(', ',
        map { "$_ x$seen{crawl_replies}{$_}" } sort keys %{$seen{crawl_replies}}));
    ok($st->{crawler_items_checked} > 0 && ($seen{crawl_replies}{OK} // 0),
       "crawler ran: lru_crawler_starts $st->{lru_crawler_starts}, "
       . "crawler_items_checked $st->{crawler_items_checked}");
}
