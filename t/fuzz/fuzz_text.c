/*
 * fuzz_text.c: libFuzzer target for the connection state machine and the
 * text protocol, driven exactly as the socket path drives them.
 *
 * Once (LLVMFuzzerInitialize): defaults as the daemon's main() sets them,
 * then a small cache (-m 8, one worker thread, -B auto), the clock, the
 * storage engine, the protocols and the `stats conns` group registered
 * as main() registers them, and the worker.  No listener and no clock
 * timer: the clock stands at 2, as right after start-up.  The target
 * links every source but memcached.c (Makefile.am's core_sources).
 *
 * Per input: a socketpair; one end goes to the worker through
 * dispatch_conn_new(), as an accepted socket would.  The input is
 *
 *   byte 0          n = byte0 % 16: how many split sizes follow
 *   bytes 1..n      chunk sizes (each 1..256)
 *   the rest        the bytes sent, cut into chunks of those sizes in
 *                   turn, the remainder in one chunk
 *
 * After each chunk we wait (bounded) until the worker has read it, so the
 * parser really sees the input split at those points, and we read and
 * discard every answer as it comes (never letting the daemon block on a
 * full socket).  At the end we shut down our write side: the daemon sees
 * EOF, whatever state it waits in (mid-line, mid-value, swallowing), and
 * closes; we wait (bounded) for that close.  Then "flush_all" on a second
 * connection, so each input starts from an empty-looking cache and
 * crashes reproduce from one file.
 *
 * Built two ways: with clang -fsanitize=fuzzer,address,undefined by
 * `make fuzz` (t/fuzz/fuzz_text), and with a plain main (replay_main.c)
 * by `make check` as t/fuzz/replay, which runs every file of
 * t/fuzz/corpus/ through LLVMFuzzerTestOneInput (t/fuzz.t).
 */
#include "memcached.h"
#include "conn.h"
#include "items.h"
#include "options.h"
#include "proto_bin.h"
#include "proto_text.h"
#include "stats.h"
#include "thread.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define FUZZ_MAXBYTES (8 * 1024 * 1024)
#define READ_WAIT_MS 200        /* per chunk: worker must read it by then */
#define CLOSE_WAIT_MS 1000      /* at the end: worker must close by then */

static bool echo;               /* FUZZ_ECHO=1: copy answers to stderr */

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read and drop whatever the daemon has sent.  False once it closed. */
static bool drain(int fd, int wait_ms)
{
    char buf[65536];
    struct pollfd p = {fd, POLLIN, 0};

    if (poll(&p, 1, wait_ms) <= 0)
        return true;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n > 0) {
            if (echo)
                fwrite(buf, 1, (size_t)n, stderr);
            continue;
        }
        if (n == 0)
            return false;
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
}

/* Bytes still unread on the daemon's end of the pair. */
static int unread(int daemon_fd)
{
    int n = 0;

    if (ioctl(daemon_fd, FIONREAD, &n) != 0)
        return 0;
    return n;
}

/* Send one chunk, reading answers meanwhile; then wait until the worker
 * has read all of it.  False once the daemon has closed. */
static bool send_chunk(int fd, int daemon_fd, const uint8_t *p, size_t len)
{
    int64_t deadline = now_ms() + READ_WAIT_MS;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                   errno != EINTR) {
            return false;
        }
        if (!drain(fd, len > 0 ? 1 : 0))
            return false;
        if (now_ms() > deadline)
            return true;    /* the daemon stopped reading: move on */
    }
    while (unread(daemon_fd) > 0 && now_ms() < deadline)
        if (!drain(fd, 1))
            return false;
    return true;
}

/* Hand one end of a new pair to the worker; return our end, or -1. */
static int new_conn(int *daemon_fd)
{
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return -1;
    *daemon_fd = sv[1];
    dispatch_conn_new(sv[1], true);
    return sv[0];
}

/* Shut our side, let the daemon close, then close ours. */
static void finish_conn(int fd)
{
    int64_t deadline = now_ms() + CLOSE_WAIT_MS;

    shutdown(fd, SHUT_WR);
    while (now_ms() < deadline && drain(fd, 10))
        ;
    close(fd);
}

static void run_input(const uint8_t *data, size_t size)
{
    size_t nsplit = size > 0 ? data[0] % 16 : 0;
    const uint8_t *sizes = data + 1;
    size_t off = 1 + nsplit, i = 0;
    int daemon_fd;
    int fd;

    if (size < 1 + nsplit)
        return;
    fd = new_conn(&daemon_fd);
    if (fd < 0)
        return;
    while (off < size) {
        size_t len = size - off;

        if (i < nsplit && (size_t)sizes[i] + 1 < len)
            len = (size_t)sizes[i] + 1;
        i++;
        if (!send_chunk(fd, daemon_fd, data + off, len))
            break;
        off += len;
    }
    finish_conn(fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    echo = getenv("FUZZ_ECHO") != NULL;
    settings_init();
    stats_init();
    settings.maxbytes = FUZZ_MAXBYTES;
    settings.num_threads = 1;
    settings.binding_protocol = BIND_AUTO;  /* 0x80 first: binary */
    clock_init();
    if (!storage_init())
        abort();
    conn_set_protocols(&proto_text_ops, &proto_bin_ops);
    if (!stats_register_group("conns", conn_stats) ||
        !stats_register_group("settings", options_stats))
        abort();
    thread_init(1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t flush[] = "\0flush_all\r\nverbosity 0\r\n";

    set_verbose_level(0);
    run_input(data, size);
    run_input(flush, sizeof(flush) - 1);
    return 0;
}
