#!/usr/bin/perl
# auth: -Y <file> requires a login before anything else: a "set" whose
# value is "<user> <password>" from the file's "user:password" lines.
use strict;
use warnings;
use Test::More;
use lib 't/lib';
use MemcachedTest;

plan skip_all => 'external daemon: needs -Y' if using_daemon();

my $file = "/tmp/memcached-test-auth-$$";
open(my $fh, '>', $file) or die "$file: $!";
print $fh "alice:secret\nbob:pw2\n";
close $fh;
END { unlink $file if $file }

my $srv = new_memcached("-Y $file");

sub exchange {
    my ($bytes, $lines) = @_;
    my $s = $srv->new_sock;
    send_cmd($s, $bytes);
    return join('', map { read_line($s) // '<none>' } 1 .. $lines);
}

is(exchange("version\r\n", 1), "CLIENT_ERROR unauthenticated\r\n",
   'commands before login are refused');
is(exchange("get a\r\n", 1), "CLIENT_ERROR unauthenticated\r\n",
   'get before login');
is(exchange("add a 0 0 12\r\nalice secret\r\n", 1),
   "CLIENT_ERROR unauthenticated\r\n", 'only set logs in');
is(exchange("set a 0 0 9\r\nalice bad\r\n", 1),
   "CLIENT_ERROR authentication failure\r\n", 'wrong password');
is(exchange("set a 0 0 8\r\nnope pw2\r\n", 1),
   "CLIENT_ERROR authentication failure\r\n", 'unknown user');
is(exchange("set a 0 0 5\r\nalice\r\n", 1),
   "CLIENT_ERROR bad authentication token format\r\n", 'no password');

my $s = $srv->new_sock;
send_cmd($s, "set k 0 0 12 noreply\r\nalice secret\r\n");
is(read_line($s), "STORED\r\n", 'login answers STORED, noreply or not');
send_cmd($s, "set a 0 0 1\r\nx\r\n");
is(read_line($s), "STORED\r\n", 'then commands work');
mem_get_is($s, 'a', 'x', 'get after login');
mem_get_is($s, 'k', undef, 'the login value was not stored');
my $st = mem_stats($s);
# Checked logins: two failures and one success; a malformed token and
# refused commands count as neither.
is($st->{auth_cmds}, 3, 'auth_cmds counts checked logins');
is($st->{auth_errors}, 2, 'auth_errors counts failed ones');

is(exchange("set x 0 0 13\r\nalice secret \r\nget a\r\n", 4),
   "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n", 'a trailing blank is forgiven');
like(exchange("set x 0 0 7\r\nbob pw2\r\nversion\r\n", 2),
     qr/^STORED\r\nVERSION \S+\r\n$/, 'second user logs in too');

# A login "set" that is refused for its size names no cache key: it must
# not delete the key it names (the failed-set rule does that for real
# sets).  Found by review: ours deleted it, the reference keeps it.
{
    my $anon = $srv->new_sock;
    send_cmd($anon, "set a 0 0 99999999\r\n");
    like(read_line($anon, 2) // '<none>', qr/^SERVER_ERROR |^<none>$/,
         'oversized login set: refused or left waiting for its bytes');
    close $anon;
    my $u = $srv->new_sock;
    send_cmd($u, "set k 0 0 12\r\nalice secret\r\n");
    read_line($u);
    mem_get_is($u, 'a', 'x', 'the key the login set named is still there');
}

done_testing();
