#!/usr/bin/perl
# noreply: no answer at all, neither for success nor for failure of a
# well-formed command.  Each case is followed by "version" (or a get) and the
# very next line must be that answer.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

my $server = new_memcached();
my $sock = $server->sock;

sub silent_ok {
    my ($send, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    send_cmd($sock, $send . "version\r\n");
    like(read_line($sock) // '<timeout>', qr/^VERSION \S+\r\n\z/,
         "$name: no reply");
}

silent_ok("set a 1 0 1 noreply\r\nA\r\n", 'set');
silent_ok("set a 1 0 1 noreply\r\nA\r\n", 'set again');
silent_ok("add a 0 0 1 noreply\r\nX\r\n", 'add (NOT_STORED)');
silent_ok("add b 2 0 1 noreply\r\nB\r\n", 'add (STORED)');
silent_ok("replace b 3 0 1 noreply\r\nC\r\n", 'replace (STORED)');
silent_ok("replace nx 0 0 1 noreply\r\nX\r\n", 'replace (NOT_STORED)');
silent_ok("append a 0 0 1 noreply\r\n+\r\n", 'append');
silent_ok("prepend a 0 0 1 noreply\r\n-\r\n", 'prepend');
silent_ok("append nx 0 0 1 noreply\r\n+\r\n", 'append (NOT_STORED)');
my ($cas) = mem_gets($sock, 'a');
silent_ok("cas a 5 0 1 $cas noreply\r\nZ\r\n", 'cas (STORED)');
silent_ok("cas a 5 0 1 $cas noreply\r\nY\r\n", 'cas (EXISTS)');
silent_ok("cas nx 5 0 1 1 noreply\r\nY\r\n", 'cas (NOT_FOUND)');
my $want = "VALUE a 5 1\r\nZ\r\nVALUE b 3 1\r\nC\r\nEND\r\n";
send_cmd($sock, "get a b nx\r\n");
is(read_bytes($sock, length $want) // '', $want,
   'storage noreply commands all took effect');

silent_ok("set n 0 0 1 noreply\r\n7\r\n", 'set n');
silent_ok("incr n 5 noreply\r\n", 'incr');
silent_ok("decr n 2 noreply\r\n", 'decr');
silent_ok("incr nx 1 noreply\r\n", 'incr (NOT_FOUND)');
silent_ok("decr nx 1 noreply\r\n", 'decr (NOT_FOUND)');
silent_ok("incr a 1 noreply\r\n", 'incr on non-numeric (error)');
silent_ok("incr n abc noreply\r\n", 'incr with bad delta (error)');
mem_get_is($sock, 'n', '10', 'incr/decr noreply took effect');

silent_ok("touch n 100 noreply\r\n", 'touch');
silent_ok("touch nx 100 noreply\r\n", 'touch (NOT_FOUND)');
silent_ok("touch n abc noreply\r\n", 'touch with bad exptime (error)');
silent_ok("delete b noreply\r\n", 'delete');
silent_ok("delete b noreply\r\n", 'delete (NOT_FOUND)');
silent_ok("delete n 1 noreply\r\n", 'delete with bad hold time (error)');
mem_get_is($sock, 'b', undef, 'delete noreply took effect');
mem_get_is($sock, 'n', '10', 'bad delete left n');

silent_ok("verbosity 1 noreply\r\n", 'verbosity');
silent_ok("verbosity abc noreply\r\n", 'verbosity with bad level (error)');
silent_ok("verbosity 0 noreply\r\n", 'verbosity 0');

# Errors in well-formed storage lines are suppressed too; the data line is
# then parsed as a command (here: an unknown one, which is not suppressed).
send_cmd($sock, "set x abc 0 1 noreply\r\nversion\r\n");
like(read_line($sock) // '', qr/^VERSION /, 'set with bad flags noreply: silent');
send_cmd($sock, "set " . ('k' x 251) . " 0 0 1 noreply\r\nversion\r\n");
like(read_line($sock) // '', qr/^VERSION /, 'set with long key noreply: silent');
send_cmd($sock, "set x 0 0 1 noreply\r\nXY\r\nversion\r\n");
like(read_line($sock) // '', qr/^ERROR\r\n\z/,
     'bad data chunk noreply: error silent, leftover "Y" line gets ERROR');
like(read_line($sock) // '', qr/^VERSION /, 'then version');
mem_get_is($sock, 'x', undef, 'nothing stored');
silent_ok("set x 0 0 2000000 noreply\r\n" . ('q' x 2000000) . "\r\n",
          'too-large set noreply: swallowed silently');

# A last token other than "noreply" is not noreply.
send_cmd($sock, "set y 0 0 1 norepl\r\nY\r\n");
is(read_line($sock), "STORED\r\n", '"norepl" is not noreply');
send_cmd($sock, "set y 0 0 1 NOREPLY\r\nY\r\n");
is(read_line($sock), "STORED\r\n", '"NOREPLY" is not noreply');

silent_ok("flush_all noreply\r\n", 'flush_all');
silent_ok("flush_all 0 noreply\r\n", 'flush_all 0');
mem_get_is($sock, 'a', undef, 'flush_all noreply took effect');

# Unknown commands and malformed token counts are answered even with noreply.
send_cmd($sock, "bogus noreply\r\n");
is(read_line($sock), "ERROR\r\n", 'unknown command with noreply: ERROR');
send_cmd($sock, "set a 0 noreply\r\n");
is(read_line($sock), "ERROR\r\n", 'set with 3 args + noreply: ERROR');
# "set a 0 0 noreply" has the token count of a set: "noreply" is taken as
# the length (bad, error) and as the noreply flag, so nothing comes back.
silent_ok("set a 0 0 noreply\r\n", 'set with "noreply" as length');

done_testing();
