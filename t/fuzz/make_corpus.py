#!/usr/bin/python3
"""make_corpus.py: writes the seed corpus of the text-protocol fuzz target.

One file per command family, plus split and pipelined ones.  File format
(see fuzz_text.c): byte 0 = number n of split sizes (mod 16), n bytes of
chunk sizes (each 1..256, stored minus one), then the bytes to send.
Run from the source dir: /usr/bin/python3 t/fuzz/make_corpus.py
Files found by fuzzing (crashers, minimized) are added by hand as
crash-*; this script never removes files.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')


def whole(payload):
    return b'\x00' + payload


def split(sizes, payload):
    assert len(sizes) < 16
    return bytes([len(sizes)] + [s - 1 for s in sizes]) + payload


SEEDS = {
    'set': whole(b'set a 0 0 1\r\nx\r\nset b 5 100 3 noreply\r\nabc\r\n'
                 b'get a b\r\n'),
    'add-replace': whole(b'add a 0 0 1\r\nx\r\nadd a 0 0 1\r\ny\r\n'
                         b'replace a 1 0 2\r\nzz\r\nreplace q 0 0 1\r\nq\r\n'
                         b'gets a\r\n'),
    'append-prepend': whole(b'set a 0 0 2\r\nmm\r\nappend a 0 0 2\r\nzz\r\n'
                            b'prepend a 0 0 2\r\naa\r\nappend nx 0 0 1\r\n'
                            b'x\r\nget a\r\n'),
    'cas': whole(b'set a 0 0 1\r\nx\r\ngets a\r\ncas a 0 0 1 1\r\ny\r\n'
                 b'cas a 0 0 1 99\r\nz\r\ncas nx 0 0 1 1\r\nq\r\n'
                 b'cas a 0 0 1 abc\r\nq\r\n'),
    'get-multi': whole(b'set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\n'
                       b'get a b c a b c\r\ngets a b\r\nget\r\n'),
    'gat': whole(b'set a 0 0 1\r\n1\r\ngat 100 a\r\ngats 0 a b\r\n'
                 b'gat -1 a\r\ngat a\r\ngats 100\r\nget a\r\n'),
    'incr-decr': whole(b'set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\n'
                       b'incr n 18446744073709551615\r\nincr n -1\r\n'
                       b'decr nx 1\r\nset s 0 0 1\r\nz\r\nincr s 1\r\n'
                       b'get n\r\n'),
    'touch': whole(b'set a 0 0 1\r\n1\r\ntouch a 100\r\ntouch a -1\r\n'
                   b'touch nx 0\r\ntouch a\r\nget a\r\n'),
    'delete': whole(b'set a 0 0 1\r\n1\r\ndelete a\r\ndelete a\r\n'
                    b'delete a 0\r\ndelete a 1\r\ndelete a noreply\r\n'),
    'flush': whole(b'set a 0 0 1\r\n1\r\nflush_all\r\nget a\r\n'
                   b'flush_all 0\r\nflush_all noreply\r\nflush_all abc\r\n'
                   b'flush_all 10\r\nflush_all 0\r\n'),
    'version-verbosity': whole(b'version\r\nverbosity 0\r\nverbosity\r\n'
                               b'verbosity 0 noreply\r\nversion\0junk\r\n'),
    'stats': whole(b'stats\r\nstats settings\r\nstats items\r\n'
                   b'stats slabs\r\nstats sizes\r\nstats conns\r\n'
                   b'stats detail on\r\nstats detail dump\r\n'
                   b'stats detail off\r\nstats cachedump 1 10\r\n'
                   b'stats reset\r\nstats bogus\r\n'),
    'admin': whole(b'cache_memlimit 8\r\nslabs automove 0\r\n'
                   b'lru_crawler metadump all\r\nlru tune\r\n'
                   b'slabs reassign 1 2\r\nshutdown\r\nwatch\r\n'),
    'meta': whole(b'ms a 1 T0\r\nx\r\nmg a v c f t\r\nma a\r\nmd a q\r\n'
                  b'mn\r\nme a\r\n'),
    'meta-get': whole(b'ms a 3 T0 F5\r\nabc\r\nmg a s v f t c k h l O123\r\n'
                      b'mg a u h\r\nmg a T30 t\r\nmg a t T30\r\n'
                      b'mg miss v\r\nmg miss v q k O1\r\nmg a R100 v\r\n'
                      b'mg a v v\r\nmg a z\r\nmg a T\r\nmg a Tx N R1x\r\n'
                      b'mg a O' + b'x' * 40 + b'\r\nmg a P L\r\nmn\r\n'),
    'meta-set': whole(b'ms b 2 c k\r\nab\r\nms b 2 MA\r\ncd\r\n'
                      b'ms b 2 MP\r\n__\r\nms b 2 ME\r\nxx\r\n'
                      b'ms b 2 MR T10\r\nzz\r\nms b 2 C1\r\nzz\r\n'
                      b'ms b 2 C0 MA\r\nzz\r\nms b 2 Mx\r\nzz\r\n'
                      b'ms b abc\r\nzz\r\nms b 1 q q\r\nz\r\n'
                      b'ms b 3\r\nabcd\r\nms b 4294967297\r\nx\r\n'
                      b'ms b 1 F4294967296 I\r\nx\r\nmg b v f\r\n'
                      b'ms big 2000000 MA\r\n' + b'v' * 200),
    'meta-delete-arith': whole(b'ms n 2\r\n10\r\nma n v c t\r\n'
                               b'ma n MD D100 v\r\nma n M+ D18446744073709551615'
                               b' v\r\nma n C1\r\nma n C0 q v\r\n'
                               b'ma n Mx\r\nma n T100 N0 t\r\n'
                               b'ma v N0 J7 v t\r\nma s\r\nms s 1\r\nz\r\n'
                               b'ma s\r\nmd n C1 k O1\r\nmd n q\r\n'
                               b'md n\r\nmd n x\r\nmd s I T30\r\nmg s\r\n'),
    'meta-stale': whole(b'ms s 3 T0\r\nold\r\nmg s c\r\nmd s I T30\r\n'
                        b'mg s v c t\r\nmg s v c\r\nms s 3 I C1\r\nmid\r\n'
                        b'mg s v t\r\nms s 3\r\nnew\r\nmg s v\r\n'
                        b'md s I q\r\nmg s\r\nmg s\r\n'),
    'meta-vivify': whole(b'mg v N30 v t\r\nmg v N30 v\r\nmg v T10 N30 t\r\n'
                         b'mg w N30 T10 t q\r\nms v 1\r\nx\r\nmg v v\r\n'
                         b'ms r 1 T100\r\nx\r\nmg r R200 v\r\nmg r R200 v\r\n'),
    'meta-quiet': whole(b''.join(b'ms q%d 1 q\r\n%d\r\n' % (i, i % 10)
                                 for i in range(30)) +
                        b''.join(b'mg q%d v q k\r\n' % i
                                 for i in range(25, 35)) +
                        b'md q1 q\r\nmd q1 q\r\nma q2 q\r\nms q3 1 q ME\r\n'
                        b'x\r\nmn\r\n'),
    'meta-base64': whole(b'ms YQ== 1 b k\r\nx\r\nmg YQ== b k v\r\n'
                         b'mg a k v\r\nmg YR== b k\r\nmg Y!Q== b\r\n'
                         b'mg YQ b\r\nmg ==== b\r\nmg ab=c b k\r\n'
                         b'md YQ== b k\r\nma YQ== b N0 k v\r\nme a\r\n'
                         b'me\r\nme a b\r\n'),
    'meta-nul': whole(b'ms a 1\r\nx\r\nmg a v\0 k\r\nmg a v \0k\r\n'
                      b'mg a\0b v\r\nmg \0a\r\nms \0a 1\r\nx\r\n'
                      b'md a\0 q\r\nme a\0\r\n'),
    'meta-many-flags': whole(b'mg a s t c f k v h l u q F1 I J1 L D1 C1 P\r\n'
                             b'mg a s t c f k v h l u q F1 I J1 L D1 C1 P M1'
                             b'\r\nms a 1 s t c f k v h l u q F1 I J1 L D1 C1'
                             b' P\r\nx\r\nmd a s t c f k v h l u q F1 I J1 L'
                             b' D1 C1 P R1\r\nma a ' + b'O1 ' * 30 + b'\r\n'),
    'meta-split': split([5, 1, 3, 2, 7, 1, 20, 2, 1],
                        b'ms k 10 T0 c k\r\n0123456789\r\nmg k v c k s\r\n'
                        b'ma k\r\nmd k q\r\nmn\r\nms k 3 q\r\nabc\r\nmn\r\n'),
    'noreply': whole(b'set a 0 0 1 noreply\r\nx\r\nadd a 0 0 1 noreply\r\n'
                     b'y\r\nincr a 1 noreply\r\ntouch a 0 noreply\r\n'
                     b'delete a noreply\r\nget a\r\n'),
    'errors': whole(b'foo\r\n\r\nGET a\r\nset a 0 0\r\nset a 0 0 -1\r\n'
                    b'set a 0 0 abc\r\nset a 0 0 4294967296\r\n'
                    b'set ' + b'k' * 251 + b' 0 0 1\r\nx\r\n'
                    b'set a 0 0 1\r\nxyz\r\nset a 0 0 3\r\nx\r\n'),
    'too-large': whole(b'set big 0 0 2000000\r\n' + b'v' * 300 + b'\r\n'),
    'long-line': whole(b'z' * 3000),
    'long-get': whole(b'get ' + b'key ' * 800 + b'\r\n'),
    'quit': whole(b'set a 0 0 1\r\nx\r\nquit\r\nget a\r\n'),
    'bare-newlines': whole(b'set a 0 0 1\nx\r\nget a\nversion\n'),
    'split-1byte': split([1] * 15, b'set a 0 0 5\r\nhello\r\nget a\r\n'),
    'split-value': split([12, 3, 2, 1, 40], b'set a 0 0 10\r\n0123456789'
                         b'\r\nget a\r\nincr a 1\r\n'),
    'split-crlf': split([13, 1, 2, 1], b'set a 0 0 1\r\nx\r\nget a\r\n'),
    'pipelined': whole((b'set p 0 0 1\r\n1\r\nget p\r\nincr p 1\r\n'
                        b'delete p\r\n') * 40),
    'pipelined-split': split([7, 100, 3, 250, 1, 17], (b'set q 0 0 3\r\n'
                             b'abc\r\ngets q\r\nappend q 0 0 1\r\nd\r\n')
                             * 30),
    'mid-value-eof': whole(b'get a\r\nset b 0 0 100\r\nonly-part'),
}


def binreq(op, key=b'', extras=b'', value=b'', cas=0, opaque=0):
    """One binary-protocol request (magic 0x80): with -B auto (the
    default) a first byte 0x80 makes the connection binary."""
    body = len(key) + len(extras) + len(value)
    return (struct.pack('>BBHBBHIIQ', 0x80, op, len(key), len(extras), 0, 0,
                        body, opaque, cas) + extras + key + value)


FLAGS_EXP = struct.pack('>II', 5, 0)
SEEDS.update({
    'bin-set-get': whole(binreq(0x01, b'k', FLAGS_EXP, b'value')
                         + binreq(0x00, b'k') + binreq(0x0c, b'k')
                         + binreq(0x00, b'nx') + binreq(0x0b)),
    'bin-quiet': whole(binreq(0x11, b'a', FLAGS_EXP, b'1')
                       + binreq(0x11, b'b', FLAGS_EXP, b'2')
                       + binreq(0x0d, b'a') + binreq(0x0d, b'nx')
                       + binreq(0x0d, b'b') + binreq(0x0a, opaque=7)),
    'bin-arith': whole(binreq(0x05, b'c', struct.pack('>QQI', 1, 10, 0))
                       + binreq(0x06, b'c', struct.pack('>QQI', 50, 0, 0))
                       + binreq(0x15, b'c', struct.pack('>QQI', 2, 0,
                                                        0xffffffff))
                       + binreq(0x05, b'k', struct.pack('>QQI', 1, 0, 0))),
    'bin-misc': whole(binreq(0x0e, b'k', b'', b'+') + binreq(0x0f, b'k', b'',
                                                             b'-')
                      + binreq(0x1c, b'k', struct.pack('>I', 100))
                      + binreq(0x23, b'k', struct.pack('>I', 0))
                      + binreq(0x04, b'k') + binreq(0x10, b'settings')
                      + binreq(0x10) + binreq(0x08, extras=struct.pack(
                          '>I', 1)) + binreq(0x50) + binreq(0x17)),
    'bin-bad': whole(binreq(0x00, b'k', b'abcd')),
    'bin-split': split([1, 23, 5, 2, 40],
                       (binreq(0x01, b'sp', FLAGS_EXP, b'x' * 50)
                        + binreq(0x00, b'sp')) * 3),
    'bin-too-large': whole(binreq(0x01, b'big', FLAGS_EXP,
                                  b'z' * 70000) + binreq(0x0a)),
})


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)
    print('%d seeds in %s' % (len(SEEDS), OUT))


if __name__ == '__main__':
    main()
