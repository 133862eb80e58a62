#!/usr/bin/perl
# Regression tests for bugs found by differential testing (t/difftest.py)
# and fuzzing (t/fuzz/), one subtest per bug, each a minimal reproduction
# over a real socket.  Every subtest passes against the reference
# (MEMCACHED=/usr/bin/memcached prove t/regress.t); a failing one names a
# bug in our daemon that is not fixed yet.
use strict;
use warnings;
use Test::More;
use IO::Select;
use lib 't/lib';
use MemcachedTest;

# A fresh server per subtest: one bug (a crash, say) must not take the
# other subtests down with it.
my $srv;
sub fresh { $srv = new_memcached() }
sub conn { return $srv->new_sock }

sub alive {
    my ($s, $what) = @_;
    send_cmd($s, "version\r\n");
    like(read_line($s) // '<nothing>', qr/^VERSION /, "$what: still serving");
}

# difftest seed 1 (and every seed since): "gat"/"gats" with an exptime and
# no key.  The reference answers END (no keys to look up); a bad exptime
# gets CLIENT_ERROR invalid exptime argument.  Ours answered ERROR at
# first; later it read the key list from tok[2], past the tokens of this
# command: stale tokens of the previous command on the connection
# ("gat 0 a\r\ngats 100\r\n" answered a's value again) or garbage (the
# fuzzer's crash: "gat 1\n" on a new connection, SEGV in process_get,
# proto_text.c get_keys <- gat_common; t/fuzz/corpus/crash-gat-nokeys).
subtest 'gat/gats with no key' => sub {
    plan tests => 7;
    fresh();
    my $s = conn();
    send_cmd($s, "gat 1\n");
    is(read_line($s), "END\r\n", 'gat 1 (first command) -> END');
    send_cmd($s, "gats 100\r\n");
    is(read_line($s), "END\r\n", 'gats 100 -> END');
    send_cmd($s, "set rg1 0 0 1\r\nx\r\n");
    is(read_line($s), "STORED\r\n", 'set');
    send_cmd($s, "gat 0 rg1 rg1\r\ngats 100\r\n");
    my $r = join '', map { read_line($s) // '' } 1 .. 6;
    is($r, "VALUE rg1 0 1\r\nx\r\nVALUE rg1 0 1\r\nx\r\nEND\r\nEND\r\n",
       'gats after gat with keys: END, not the previous keys');
    send_cmd($s, "gat abc\r\n");
    is(read_line($s), "CLIENT_ERROR invalid exptime argument\r\n",
       'gat abc -> invalid exptime');
    send_cmd($s, "gats rg1\r\n");
    is(read_line($s), "CLIENT_ERROR invalid exptime argument\r\n",
       'gats <key> (key taken as exptime) -> invalid exptime');
    alive($s, 'gat');
};

# Found while building the fuzz harness: answers of pipelined commands are
# held back while the connection waits for a storage command's data block.
# "get a\r\nset b 0 0 5\r\n", then nothing: the reference answers END at
# once (it writes a retrieval's answer before going on; other answers,
# e.g. "version\r\nset b 0 0 5\r\n", it too holds back until the value is
# in); ours sent nothing until the value arrived, so a client that waits
# for the get's answer before sending the value hangs.  Same while a
# refused value is being swallowed.  (t/difftest.py checks this on every
# connection it ends mid-value.)
subtest 'answers are not held back while a value is awaited' => sub {
    plan tests => 5;
    fresh();
    my $s = conn();
    send_cmd($s, "get rg2\r\nset rg2 0 0 5\r\n");
    is(read_line($s, 2), "END\r\n", 'END sent before the value arrives');
    send_cmd($s, "hello\r\n");
    is(read_line($s), "STORED\r\n", 'then the value is stored');
    my $t = conn();
    send_cmd($t, "get rg2\r\nset rg2big 0 0 2000000\r\nab");
    is(read_line($t, 2), "VALUE rg2 0 5\r\n",
       'get answered while a too-large value is swallowed');
    is(read_line($t, 2), "hello\r\n", '... its data');
    is(read_line($t, 2), "END\r\n", '... and END');
};

# Found while checking stats by hand (2026-11-21): commands pipelined in
# front of "quit" in one write ("set...get...quit\r\n") got no answers:
# quit closed the connection with their replies still queued.  The
# reference writes them, then closes.
subtest 'quit writes the answers queued before it' => sub {
    plan tests => 5;
    fresh();
    my $s = conn();
    send_cmd($s, "set rg3 0 0 2\r\nhi\r\nget rg3\r\nquit\r\n"
                 . "get rg3\r\n");
    is(read_line($s), "STORED\r\n", 'set answered');
    is(read_line($s), "VALUE rg3 0 2\r\n", 'get answered');
    is(read_line($s), "hi\r\n", '... its value');
    is(read_line($s), "END\r\n", '... and END');
    my $n = IO::Select->new($s)->can_read(2) ? sysread($s, my $buf, 100)
                                             : -1;
    is($n, 0, 'then closed: nothing after quit is answered');
};

done_testing();
