# MemcachedTest: start a memcached-compatible server for a test and talk to it.
#
# Which binary runs, in this order:
#   T_MEMD_USE_DAEMON=host:port  no binary: every new_memcached() connects to
#                                that running daemon; a test that needs its own
#                                command-line flags skips (see new_memcached).
#   MEMCACHED=/path/to/binary    that binary (e.g. /usr/bin/memcached, the
#                                reference we compare against).
#   MEMCACHED_BUILD_DIR=dir      dir/memcached-debug, else dir/memcached
#                                (make check sets this, so out-of-tree builds
#                                work).
#   otherwise                    the same two names in the directory above t/.
#
# Every server gets "-U 0" (UDP off) and, when we run as root, "-u root"
# (the reference refuses to run as root without -u), unless the caller's
# arguments already carry -U / -u.  TCP servers get "-p <free port>" and
# "-l 127.0.0.1" unless the arguments name their own.
#
# A server cannot outlive its test: stop() runs from DESTROY and END, and a
# watchdog process kills the server when the test process goes away (even
# by SIGKILL, which skips END) or after T_MEMD_WATCHDOG seconds (default 600).
#
# VALGRIND_TEST=1 runs the server under valgrind --error-exitcode=1
# --leak-check=full; stop() sends SIGTERM, and a non-zero valgrind exit makes
# the test process exit non-zero with the valgrind log in diag().
#
# All socket reads go through read_line()/read_bytes(), which never block
# longer than their timeout (default 5 s) and never read past what they
# return (read_line peeks for the newline), so they can be mixed freely with
# each other and with send_cmd().  Avoid mixing them with <$sock>: Perl's
# buffered readline may swallow bytes these helpers then never see.
package MemcachedTest;

use strict;
use warnings;

use Carp qw(croak);
use Cwd qw(abs_path);
use Errno qw(EAGAIN EINTR EWOULDBLOCK);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Temp qw(tempfile);
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use POSIX qw(WNOHANG);
use Scalar::Util qw(weaken);
use Socket qw(MSG_PEEK);
use Test::More;
use Time::HiRes qw(time sleep);

our @EXPORT = qw(new_memcached mem_get_is mem_gets mem_stats send_cmd
                 read_line read_bytes free_port memcached_binary
                 is_reference supports_ours run_memcached using_daemon
                 wait_for reply_is cmd_line rss_kb instrumented_build
                 absent);

my $DEFAULT_TIMEOUT = 5;
my %live;              # id => server object, for the END block
my $valgrind_failed = 0;

# ---------------------------------------------------------------------------
# Finding the binary and deciding what it is.

my $t_dir = dirname(dirname(abs_path(__FILE__)));      # .../t
my $src_dir = dirname($t_dir);

sub using_daemon {
    return $ENV{T_MEMD_USE_DAEMON} ? 1 : 0;
}

sub memcached_binary {
    return $ENV{MEMCACHED} if $ENV{MEMCACHED};
    my $dir = $ENV{MEMCACHED_BUILD_DIR} || $src_dir;
    for my $name ('memcached-debug', 'memcached') {
        return "$dir/$name" if -f "$dir/$name" && -x _;
    }
    return "$dir/memcached";
}

# True when the target is the reference daemon rather than ours.  Ours puts
# "ours" in its version string; T_MEMD_REFERENCE=0/1 overrides the probe.
my $is_ref;
sub is_reference {
    return $ENV{T_MEMD_REFERENCE} ? 1 : 0 if defined $ENV{T_MEMD_REFERENCE};
    return $is_ref if defined $is_ref;
    my $v = '';
    if (using_daemon()) {
        my ($host, $port) = split /:/, $ENV{T_MEMD_USE_DAEMON};
        my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port,
                                      Timeout => $DEFAULT_TIMEOUT);
        if ($s) {
            send_cmd($s, "version\r\n");
            $v = read_line($s) // '';
        }
    } else {
        my $bin = memcached_binary();
        $v = `'$bin' -V 2>&1` // '' if -x $bin;
    }
    $is_ref = ($v =~ /ours/) ? 0 : 1;
    return $is_ref;
}

# supports_ours($feature): may the test exercise a behaviour only our daemon
# has?  $feature is documentation for now (e.g. 'port-file').  Use as
#   SKIP: { skip 'ours: --port-file', 2 unless supports_ours('port-file'); ... }
sub supports_ours {
    my ($feature) = @_;
    return is_reference() ? 0 : 1;
}

# ---------------------------------------------------------------------------
# Ports.

sub free_port {
    for (1 .. 20) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                      Proto => 'tcp', ReuseAddr => 1,
                                      Listen => 1);
        next unless $s;
        my $port = $s->sockport;
        close $s;
        return $port if $port;
    }
    croak "free_port: cannot find a free TCP port";
}

# ---------------------------------------------------------------------------
# Starting a server.

sub _has_flag {
    my ($args, @flags) = @_;
    for my $f (@flags) {
        return 1 if grep { $_ eq $f || index($_, "$f=") == 0 } @$args;
        # short flag with value glued on, e.g. -p11211
        return 1 if $f =~ /^-\w$/ && grep { /^\Q$f\E./ } @$args;
    }
    return 0;
}

sub _flag_value {
    my ($args, @flags) = @_;
    for my $i (0 .. $#$args) {
        for my $f (@flags) {
            return $args->[$i + 1] if $args->[$i] eq $f;
            return substr($args->[$i], length($f) + 1)
                if index($args->[$i], "$f=") == 0;
        }
    }
    return undef;
}

# new_memcached($args, %opts) -> server object, started and accepting.
#   $args            string of extra flags, split on whitespace.
#   opts:
#     no_port => 1     do not add -p (the args carry their own listeners)
#     ulimit_n => N    start via sh 'ulimit -n N' (for many connections)
#     timeout => S     how long to wait for it to accept (default 5, 60 under
#                      valgrind)
#     no_valgrind => 1 never run this one under valgrind
# Under T_MEMD_USE_DAEMON a call with non-empty $args skips the whole test
# file (every planned test, or skip_all if no plan yet) when nothing has been
# tested yet, and dies otherwise: start servers before testing.
sub new_memcached {
    my ($argstr, %opts) = @_;
    $argstr //= '';
    my @args = split ' ', $argstr;

    if (using_daemon()) {
        if (@args) {
            my $why = "needs its own server flags ($argstr); "
                . "T_MEMD_USE_DAEMON is set";
            my $tb = Test::More->builder;
            croak $why if $tb->current_test != 0;
            plan(skip_all => $why) unless $tb->has_plan;
            # Planned already ("use Test::More tests => N"): skip them all.
            my $n = $tb->expected_tests;
            $tb->skip($why) for 1 .. ($n =~ /^\d+$/ ? $n : 0);
            exit 0;
        }
        my ($host, $port) = split /:/, $ENV{T_MEMD_USE_DAEMON};
        my $self = bless { host => $host, port => $port, external => 1,
                           pid => undef }, __PACKAGE__;
        my $st = mem_stats($self->new_sock);
        $self->{pid} = $st->{pid} if $st;
        return $self;
    }

    my $last_err = '';
    for my $attempt (1 .. 5) {
        my ($self, $err) = _try_start(\@args, %opts);
        return $self if $self;
        $last_err = $err;
        last unless $err =~ /address already in use|failed to listen|bind/i;
    }
    croak "new_memcached($argstr): server did not start:\n$last_err";
}

sub _try_start {
    my ($user_args, %opts) = @_;
    my @args = @$user_args;
    my $bin = memcached_binary();
    croak "memcached binary '$bin' not found or not executable "
        . "(set MEMCACHED or MEMCACHED_BUILD_DIR)" unless -x $bin;

    my $self = bless { args => [@args], bin => $bin }, __PACKAGE__;
    $self->{unix_path} = _flag_value(\@args, '-s', '--unix-socket');
    $self->{daemonize} = _has_flag(\@args, '-d', '--daemon');
    $self->{pidfile} = _flag_value(\@args, '-P', '--pidfile');
    $self->{port_file} = _flag_value(\@args, '--port-file');
    croak "new_memcached: -d needs -P pidfile so the test can stop it"
        if $self->{daemonize} && !$self->{pidfile};

    push @args, '-U', '0' unless _has_flag(\@args, '-U', '--udp-port');
    push @args, '-u', 'root'
        if $> == 0 && !_has_flag(\@args, '-u', '--user');
    if (!$self->{unix_path}) {
        my $p = _flag_value(\@args, '-p', '--port');
        if (!defined $p && !$opts{no_port}) {
            $p = free_port();
            push @args, '-p', $p;
        }
        $self->{port} = $p;
        push @args, '-l', '127.0.0.1'
            unless _has_flag(\@args, '-l', '--listen') || $opts{no_port};
        unlink $self->{port_file} if $self->{port_file};
    }
    $self->{host} = '127.0.0.1';
    unlink $self->{pidfile} if $self->{pidfile};

    my @cmd = ($bin, @args);
    my $vg = $ENV{VALGRIND_TEST} && !$opts{no_valgrind};
    if ($vg) {
        my (undef, $vlog) = tempfile('memcached-vg-XXXXXX', TMPDIR => 1,
                                     UNLINK => 1);
        $self->{vglog} = $vlog;
        unshift @cmd, 'valgrind', '-q', '--error-exitcode=1',
            '--leak-check=full', '--errors-for-leak-kinds=definite',
            "--log-file=$vlog";
    }
    if ($opts{ulimit_n}) {
        unshift @cmd, 'sh', '-c', 'ulimit -n "$0" && exec "$@"',
            $opts{ulimit_n};
    }
    $self->{cmd} = [@cmd];

    my ($efh, $errfile) = tempfile('memcached-err-XXXXXX', TMPDIR => 1,
                                   UNLINK => 1);
    $self->{errfile} = $errfile;

    my $pid = fork();
    croak "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>&', $efh);
        open(STDERR, '>&', $efh);
        { no warnings 'exec'; exec { $cmd[0] } @cmd; }
        print STDERR "exec $cmd[0]: $!\n";
        POSIX::_exit(127);
    }
    close $efh;
    $self->{pid} = $pid;
    $self->{child} = $pid;
    $live{"$self"} = $self;
    weaken($live{"$self"});
    $self->_start_watchdog;

    my $limit = $opts{timeout} // ($vg ? 60 : $DEFAULT_TIMEOUT);
    my $err = $self->_wait_ready($limit);
    return $self unless $err;
    $self->stop;
    return (undef, $err);
}

# The watchdog holds the read end of a pipe whose write end only this test
# process has (Perl marks it close-on-exec, so the server does not inherit
# it).  EOF means the test is gone; then, or when the deadline passes, it
# kills the server (and the pid in the pid file, for -d).
sub _start_watchdog {
    my ($self) = @_;
    pipe(my $r, my $w) or croak "pipe: $!";
    my $wd = fork();
    croak "fork: $!" unless defined $wd;
    if ($wd == 0) {
        close $w;
        my $limit = $ENV{T_MEMD_WATCHDOG} || 600;
        my $sel = IO::Select->new($r);
        if ($sel->can_read($limit)) {
            # stop() writes "x" once it has reaped the server itself.
            my $b = '';
            sysread($r, $b, 1);
            POSIX::_exit(0) if $b eq 'x';
        }
        my @pids = ($self->{child});
        if ($self->{pidfile} && open(my $fh, '<', $self->{pidfile})) {
            my $p = <$fh>;
            push @pids, $1 if defined $p && $p =~ /^(\d+)/;
        }
        kill 'TERM', @pids;
        for (1 .. 100) {
            last unless grep { _pid_alive($_) } @pids;
            sleep 0.02;
        }
        kill 'KILL', @pids;
        POSIX::_exit(0);
    }
    close $r;
    $self->{watchdog} = $wd;
    $self->{watchdog_pipe} = $w;
}

sub _stderr_text {
    my ($self) = @_;
    return '' unless $self->{errfile} && open(my $fh, '<', $self->{errfile});
    local $/;
    my $s = <$fh> // '';
    return $s;
}

sub stderr { return $_[0]->_stderr_text }

sub _child_exited {
    my ($self) = @_;
    return 1 if defined $self->{status};
    return 0 unless $self->{child};
    my $r = waitpid($self->{child}, WNOHANG);
    if ($r == $self->{child}) {
        $self->{status} = $?;
        return 1;
    }
    return $r < 0 ? 1 : 0;
}

sub _wait_ready {
    my ($self, $limit) = @_;
    my $deadline = time + $limit;
    while (time < $deadline) {
        if ($self->{daemonize}) {
            # The foreground process exits once it has forked; the daemon's
            # pid appears in the pid file.
            $self->_child_exited;
            if (defined $self->{status} && $self->{status} != 0) {
                return "exited with status " . ($self->{status} >> 8)
                    . "\n" . $self->_stderr_text;
            }
            my $dp = $self->_read_pidfile;
            if ($dp && $self->_probe) {
                $self->{pid} = $dp;
                return '';
            }
        } else {
            if ($self->_child_exited) {
                return "exited with status " . (($self->{status} // 0) >> 8)
                    . "\n" . $self->_stderr_text;
            }
            my $ok = $self->_probe;
            return '' if $ok && !$self->_child_exited;
        }
        sleep 0.02;
    }
    return "not accepting connections after ${limit}s\n" . $self->_stderr_text;
}

# Connect once; on TCP also make sure the listener is our child and not
# some other test's server that grabbed the same port first.
sub _probe {
    my ($self) = @_;
    if ($self->{port_file} && !$self->{port}) {
        # -p 0 --port-file=F (ours): the server writes the port it got.
        open(my $fh, '<', $self->{port_file}) or return 0;
        my $l = <$fh> // '';
        return 0 unless $l =~ /^TCP INET6?: (\d+)\n$/;
        $self->{port} = $1;
    }
    my $s = $self->_connect(1) or return 0;
    if ($self->{unix_path} || $self->{daemonize}) {
        _quit_and_wait($s);
        return 1;
    }
    send_cmd($s, "stats\r\n") or return 0;
    my $pid;
    while (defined(my $l = read_line($s, 2))) {
        last if $l =~ /^(END|ERROR)/;
        $pid = $1 if $l =~ /^STAT pid (\d+)/;
    }
    _quit_and_wait($s);
    return 1 if !defined $pid;         # no stats yet: take it on trust
    return $pid == $self->{child} ? 1 : 0;
}

# End the probe connection with "quit" and wait (up to 1 s) for the server
# to close it, so that a test's first curr_connections sample does not
# still count the probe.
sub _quit_and_wait {
    my ($s) = @_;
    if (send_cmd($s, "quit\r\n")) {
        my $sel = IO::Select->new($s);
        my $deadline = time + 1;
        my $buf;
        while ((my $left = $deadline - time) > 0) {
            last unless $sel->can_read($left);
            my $n = sysread($s, $buf, 4096);
            last if !defined $n || $n == 0;
        }
    }
    close $s;
}

sub _read_pidfile {
    my ($self) = @_;
    return undef unless $self->{pidfile} && open(my $fh, '<', $self->{pidfile});
    my $l = <$fh>;
    return (defined $l && $l =~ /^(\d+)\s*$/) ? $1 : undef;
}

sub _connect {
    my ($self, $quiet) = @_;
    my $s;
    if ($self->{unix_path}) {
        $s = IO::Socket::UNIX->new(Peer => $self->{unix_path},
                                   Type => SOCK_STREAM);
    } else {
        $s = IO::Socket::INET->new(PeerAddr => $self->{host},
                                   PeerPort => $self->{port}, Proto => 'tcp',
                                   Timeout => $DEFAULT_TIMEOUT);
    }
    croak "connect to server: $!" if !$s && !$quiet;
    $s->autoflush(1) if $s;
    return $s;
}

# ---------------------------------------------------------------------------
# Server object methods.

sub sock {
    my ($self) = @_;
    $self->{sock} ||= $self->_connect;
    return $self->{sock};
}
sub new_sock      { return $_[0]->_connect }
sub port          { return $_[0]->{port} }
sub pid           { return $_[0]->{pid} }
sub host          { return $_[0]->{host} }
sub unix_path     { return $_[0]->{unix_path} }
sub is_running {
    my ($self) = @_;
    return 0 unless $self->{pid};
    return 0 if $self->{pid} == ($self->{child} // 0) && $self->_child_exited;
    return _pid_alive($self->{pid});
}

# Alive and not a zombie (a daemonized server is reparented, and its zombie
# may linger until someone reaps it).
sub _pid_alive {
    my ($pid) = @_;
    return 0 unless $pid && kill(0, $pid);
    if (open(my $fh, '<', "/proc/$pid/stat")) {
        my $st = <$fh> // '';
        return 0 if $st =~ /^\d+ \(.*\) Z/s;
    }
    return 1;
}
# Exit status (as in $?) of the foreground process once stop() reaped it.
sub exit_status   { return $_[0]->{status} }

# stop(): SIGTERM, wait up to 5 s (valgrind: 60 s), then SIGKILL.  Returns
# the wait status of our child.  Safe to call more than once.
sub stop {
    my ($self) = @_;
    return if $self->{external} || $self->{stopped};
    $self->{stopped} = 1;
    close $self->{sock} if $self->{sock};
    delete $self->{sock};
    my @pids = grep { $_ } ($self->{pid});
    push @pids, $self->{child}
        if $self->{child} && $self->{child} != ($self->{pid} // 0);
    kill 'TERM', @pids;
    my $deadline = time + ($ENV{VALGRIND_TEST} ? 60 : 5);
    while (time < $deadline) {
        $self->_child_exited;
        my $alive = grep {
            $_ == ($self->{child} // 0) ? !defined $self->{status}
                                        : _pid_alive($_)
        } @pids;
        last unless $alive;
        sleep 0.02;
    }
    kill 'KILL', @pids;
    if ($self->{child} && !defined $self->{status}) {
        waitpid($self->{child}, 0);
        $self->{status} = $?;
    }
    if ($self->{watchdog}) {
        syswrite($self->{watchdog_pipe}, 'x');   # done: watchdog just exits
        close $self->{watchdog_pipe};
        waitpid($self->{watchdog}, 0);
        delete $self->{watchdog};
    }
    # Exit code 1 is valgrind's --error-exitcode; any other failure is the
    # server's own and shows up in the test itself.
    if ($self->{vglog} && (($self->{status} // 0) >> 8 == 1
                           || -s $self->{vglog})) {
        $valgrind_failed = 1;
        my $log = '';
        if (open(my $fh, '<', $self->{vglog})) { local $/; $log = <$fh> }
        diag("valgrind reported errors (status " . ($self->{status} >> 8)
             . "):\n$log");
    }
    delete $live{"$self"};
    return $self->{status};
}

sub DESTROY {
    my ($self) = @_;
    local ($?, $!, $@);
    $self->stop if $self->{child} || $self->{pid};
}

END {
    my $rc = $?;
    for my $s (values %live) {
        $s->stop if $s;
    }
    $? = $rc;
    $? = 1 if $valgrind_failed && !$rc;
}

# ---------------------------------------------------------------------------
# run_memcached($args, %opts): run the binary to completion, for tests of
# start-up failures, -h, -V.  Returns a hashref {status, exit, signal,
# stdout, stderr, timed_out}.  If it is still running after `timeout`
# seconds (default 3) it is killed and timed_out is set.  Adds -U 0 and, as
# root, -u root unless opts no_user => 1 or the args carry -u.
sub run_memcached {
    my ($argstr, %opts) = @_;
    my @args = split ' ', ($argstr // '');
    push @args, '-U', '0'
        unless _has_flag(\@args, '-U', '--udp-port') || $opts{no_udp_flag};
    push @args, '-u', 'root'
        if $> == 0 && !$opts{no_user} && !_has_flag(\@args, '-u', '--user');
    my $bin = memcached_binary();
    my (undef, $out) = tempfile('memcached-out-XXXXXX', TMPDIR => 1,
                                UNLINK => 1);
    my (undef, $err) = tempfile('memcached-err-XXXXXX', TMPDIR => 1,
                                UNLINK => 1);
    my $pid = fork();
    croak "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>', $out);
        open(STDERR, '>', $err);
        { no warnings 'exec'; exec { $bin } $bin, @args; }
        POSIX::_exit(127);
    }
    my %r = (timed_out => 0);
    my $deadline = time + ($opts{timeout} // 3);
    while (waitpid($pid, WNOHANG) == 0) {
        if (time > $deadline) {
            $r{timed_out} = 1;
            kill 'KILL', $pid;
            waitpid($pid, 0);
            last;
        }
        sleep 0.02;
    }
    $r{status} = $?;
    $r{exit} = $? >> 8;
    $r{signal} = $? & 127;
    for ([stdout => $out], [stderr => $err]) {
        my ($k, $f) = @$_;
        open(my $fh, '<', $f) or next;
        local $/;
        $r{$k} = <$fh> // '';
    }
    return \%r;
}

# wait_for($code, $timeout): poll $code every 20 ms until it returns true or
# $timeout seconds (default 5) pass; returns the last result.  For waiting on
# state changes without sleeping a fixed time.
sub wait_for {
    my ($code, $timeout) = @_;
    my $deadline = time + ($timeout // $DEFAULT_TIMEOUT);
    my $r;
    while (1) {
        $r = $code->();
        return $r if $r || time > $deadline;
        sleep 0.02;
    }
}

# ---------------------------------------------------------------------------
# Socket helpers.

# send_cmd($sock, $bytes): write all of it (within the timeout).  Returns
# true on success.
sub send_cmd {
    my ($sock, $bytes, $timeout) = @_;
    my $deadline = time + ($timeout // $DEFAULT_TIMEOUT);
    my $sel = IO::Select->new($sock);
    my $off = 0;
    local $SIG{PIPE} = 'IGNORE';
    while ($off < length $bytes) {
        my $left = $deadline - time;
        return 0 if $left <= 0;
        next unless $sel->can_write($left);
        my $n = syswrite($sock, $bytes, length($bytes) - $off, $off);
        if (!defined $n) {
            next if $! == EINTR || $! == EAGAIN || $! == EWOULDBLOCK;
            return 0;
        }
        $off += $n;
    }
    return 1;
}

# read_line($sock, $timeout): one line including its "\r\n" (or "\n"), or
# undef on timeout / EOF (a partial line at EOF is returned as is).  Peeks
# for the newline and then reads exactly that far, so nothing past the line
# is consumed.
sub read_line {
    my ($sock, $timeout) = @_;
    my $deadline = time + ($timeout // $DEFAULT_TIMEOUT);
    my $sel = IO::Select->new($sock);
    my $line = '';
    while (1) {
        my $left = $deadline - time;
        return undef if $left <= 0;
        next unless $sel->can_read($left);
        my $peek;
        my $ok = recv($sock, $peek, 65536, MSG_PEEK);
        if (!defined $ok) {
            next if $! == EINTR || $! == EAGAIN;
            return length $line ? $line : undef;
        }
        return length $line ? $line : undef if $peek eq '';
        my $i = index($peek, "\n");
        my $want = $i >= 0 ? $i + 1 : length $peek;
        my $got = '';
        while (length $got < $want) {
            my $n = sysread($sock, $got, $want - length $got, length $got);
            return undef unless $n;
        }
        $line .= $got;
        return $line if $i >= 0;
    }
}

# read_bytes($sock, $n, $timeout): exactly $n bytes, or undef if they do not
# arrive in time (or the peer closes first).
sub read_bytes {
    my ($sock, $want, $timeout) = @_;
    my $deadline = time + ($timeout // $DEFAULT_TIMEOUT);
    my $sel = IO::Select->new($sock);
    my $buf = '';
    while (length $buf < $want) {
        my $left = $deadline - time;
        return undef if $left <= 0;
        next unless $sel->can_read($left);
        my $n = sysread($sock, $buf, $want - length $buf, length $buf);
        if (!defined $n) {
            next if $! == EINTR || $! == EAGAIN;
            return undef;
        }
        return undef if $n == 0;
    }
    return $buf;
}

# reply_is($sock, $send, $expect, $name): send $send, then expect exactly
# the bytes of $expect (read with a 5 s deadline) as one test.
sub reply_is {
    my ($sock, $send, $expect, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    send_cmd($sock, $send);
    my $got = read_bytes($sock, length $expect, 5);
    return Test::More::is($got // '<timeout or closed>', $expect, $name);
}

# absent($sock, $key): 1 if a get of $key finds nothing right now (the
# whole reply is read either way).
sub absent {
    my ($sock, $key) = @_;
    send_cmd($sock, "get $key\r\n");
    my $l = read_line($sock) // return 0;
    return 1 if $l eq "END\r\n";
    my ($len) = $l =~ /^VALUE \S+ \d+ (\d+)/;
    read_bytes($sock, $len + 7) if defined $len;
    return 0;
}

# cmd_line($sock, $send): send, return the first reply line ('' if none).
sub cmd_line {
    my ($sock, $send) = @_;
    send_cmd($sock, $send);
    return read_line($sock) // '';
}

# True under a sanitizer or valgrind build: the runtimes' shadow memory
# (TSan: several times the heap) makes the process size meaningless.
sub instrumented_build {
    return (($ENV{MEMCACHED_SANITIZERS} // '') =~ /sanitize/
            || $ENV{VALGRIND_TEST}) ? 1 : 0;
}

# rss_kb($pid): the process's resident set in kB from /proc, or undef.
sub rss_kb {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/status") or return undef;
    while (<$fh>) { return $1 if /^VmRSS:\s+(\d+) kB/ }
    return undef;
}

# Read one "get"/"gets" reply: returns a list of hashrefs {key, flags, len,
# cas, value} and whether END arrived; a line that is neither VALUE nor END
# is returned as {error => line}.
sub _read_values {
    my ($sock) = @_;
    my @vals;
    while (defined(my $l = read_line($sock))) {
        return (\@vals, 1) if $l eq "END\r\n";
        if ($l =~ /^VALUE (\S+) (\d+) (\d+)(?: (\d+))?\r\n$/) {
            my %v = (key => $1, flags => $2, len => $3, cas => $4);
            my $data = read_bytes($sock, $v{len} + 2);
            return (\@vals, 0) unless defined $data;
            $v{value} = substr($data, 0, $v{len});
            $v{trailer} = substr($data, $v{len});
            push @vals, \%v;
            next;
        }
        push @vals, { error => $l };
        return (\@vals, 0);
    }
    return (\@vals, 0);
}

# mem_get_is($sock, $key, $expected, $name): one test.  $expected undef
# means a miss (just END).  $sock may also be { sock => $s, flags => N } to
# check the client flags too.
sub mem_get_is {
    my ($sockish, $key, $expect, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my ($sock, $flags) = ref($sockish) eq 'HASH'
        ? ($sockish->{sock}, $sockish->{flags}) : ($sockish, undef);
    $name //= "get $key";
    send_cmd($sock, "get $key\r\n");
    my ($vals, $end) = _read_values($sock);
    my $got;
    if (!$end) {
        $got = @$vals && $vals->[-1]{error}
            ? "bad reply: $vals->[-1]{error}" : 'timeout or short reply';
    } elsif (!@$vals) {
        $got = undef;
    } elsif (@$vals > 1) {
        $got = 'more than one VALUE';
    } else {
        my $v = $vals->[0];
        $got = $v->{value};
        $got = "wrong key $v->{key}" if $v->{key} ne $key;
        $got = "bad trailer" if $v->{trailer} ne "\r\n";
        $got = "flags $v->{flags} (wanted $flags)"
            if defined $flags && $v->{flags} != $flags;
    }
    return is($got, $expect, $name);
}

# mem_gets($sock, $key) -> ($cas, $value); both undef on a miss.
sub mem_gets {
    my ($sock, $key) = @_;
    send_cmd($sock, "gets $key\r\n");
    my ($vals, $end) = _read_values($sock);
    return (undef, undef) unless $end && @$vals && !$vals->[0]{error};
    return ($vals->[0]{cas}, $vals->[0]{value});
}

# mem_stats($sock, $group) -> { name => value } from "stats [group]", or
# undef if the reply is not STAT lines ended by END.
sub mem_stats {
    my ($sock, $group) = @_;
    send_cmd($sock, defined $group && length $group
             ? "stats $group\r\n" : "stats\r\n");
    my %st;
    while (defined(my $l = read_line($sock))) {
        return \%st if $l eq "END\r\n";
        return undef unless $l =~ /^STAT (\S+) ?(.*?)\r\n$/;
        $st{$1} = $2;
    }
    return undef;
}

1;
