/*
 * conn.c: connections: their life cycle, read buffers, reading, the state
 * machine that drives them, and `stats conns`.
 *
 * Each connection belongs to one worker thread and is driven only by it,
 * so a conn is never locked.  drive_machine() moves it through:
 *
 *   conn_new_cmd --(rbuf has bytes)--> conn_parse_cmd --(no full line,
 *       replies queued)--> conn_mwrite --(all sent)--> conn_new_cmd
 *   conn_parse_cmd --(no full line, nothing queued)--> conn_waiting
 *   conn_waiting --> conn_read --(bytes)--> conn_parse_cmd
 *   conn_parse_cmd --(storage command)--> conn_nread --> conn_new_cmd
 *   conn_parse_cmd --(value refused)--> conn_swallow --> conn_new_cmd
 *   any --(EOF, error, quit)--> conn_closing
 *
 * The protocol's try_command makes the parse transitions, reset_cmd() the
 * new_cmd ones, complete_nread()/finish_swallow() the value ones, the
 * conn_mwrite case (with reply_transmit(), reply.c) the write ones.
 * After settings.reqs_per_event commands a connection yields its thread
 * to others and resumes on the next loop pass.
 *
 * This file knows no protocol: main() registers them as struct protocol
 * tables (conn_set_protocols), the first byte of a connection picks one
 * (try_command), which then attaches its own state to the connection
 * (c->pstate) and gets every command through one indirect call.  A value
 * a protocol asks for (conn_read_value, conn_swallow_bytes, inline in
 * conn.h) is handed back through the callback it gave.  Likewise a
 * readable listener runs the accept function net.c registers.
 *
 * Buffers: a connection borrows its read buffer (16 KB) from its worker's
 * pool (worker.h) when bytes arrive and gives it back once nothing is
 * unread (reply blocks likewise, in reply.c), so an idle connection holds
 * ~2 KB and the buffers in use stay warm in cache.  A UDP conn keeps its
 * datagram buffer.  Listeners are conns too (conn_listening, main thread),
 * kept in listen_conns.
 *
 * Locks: a worker's conns_lock (a leaf, worker.h) guards membership of
 * its connection list, changed by the owner and walked by `stats conns`;
 * stats_lock (a leaf) around the connection counters.  Neither is held
 * while the other is taken.
 */
#include "memcached.h"
#include "conn.h"
#include "items.h"
#include "reply.h"
#include "stats.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#define RBUF_INITIAL 16384          /* bytes; one read usually fits */
#define RBUF_MAX (64 * 1024 * 1024) /* a multi-get line may not exceed */
#define UDP_RBUF_SIZE 65536         /* largest datagram */

static const struct protocol *text_ops;    /* set by main() before the */
static const struct protocol *binary_ops;  /* workers start */
static conn *listen_conns;          /* main thread only */
static void (*accept_fn)(conn *l);  /* net.c's; set before listeners */
static const int *udp_fds;          /* net.c's UDP sockets, set before */
static int udp_count;               /* the workers start */

static void event_handler(evutil_socket_t fd, short which, void *arg);
static void drive_machine(conn *c);

/* ------------------------------------------------------------------ */
/* Connection life cycle                                              */

static void note_conn_structs(void)
{
    pthread_mutex_lock(&stats_lock);
    if (stats_state.curr_conns > stats_state.conn_structs)
        stats_state.conn_structs = stats_state.curr_conns;
    pthread_mutex_unlock(&stats_lock);
}

static conn *conn_create(int sfd, enum conn_states state, short ev_flags,
                         struct event_base *base, struct worker *w,
                         bool is_unix)
{
    conn *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->sfd = sfd;
    c->worker = w;
    c->is_unix = is_unix;
    c->state = state;
    c->write_and_go = conn_new_cmd;
    c->last_cmd_time = clock_now();
    if (state != conn_listening) {
        /* no read buffer yet: rbuf_acquire() lends one when bytes come */
        if (!reply_init(c))
            goto out_free_bufs;
        c->peerlen = sizeof(c->peer);
        if (getpeername(sfd, (struct sockaddr *)&c->peer, &c->peerlen))
            c->peerlen = 0;
    }
    event_assign(&c->event, base, sfd, ev_flags, event_handler, c);
    c->ev_flags = ev_flags;
    if (event_add(&c->event, 0) == -1)
        goto out_free_bufs;
    if (w != NULL) {
        pthread_mutex_lock(&w->conns_lock);
        c->next = w->conns;
        if (w->conns != NULL)
            w->conns->prev = c;
        w->conns = c;
        pthread_mutex_unlock(&w->conns_lock);
    }
    note_conn_structs();
    log_msg(2, "<%d new client connection", sfd);
    return c;

out_free_bufs:
    free(c->rbuf);
    reply_free(c);
    free(c);
    return NULL;
}

conn *conn_new(int sfd, struct worker *w, bool is_unix)
{
    return conn_create(sfd, conn_new_cmd, EV_READ | EV_PERSIST, w->base, w,
                       is_unix);
}

/* ---- buffers lent by the worker's pools (worker.h) ---- */

/* A read buffer of RBUF_INITIAL bytes for c, which has none. */
static bool rbuf_acquire(conn *c)
{
    struct worker *w = c->worker;
    char *b = w->rbuf_pooled > 0 ? w->rbuf_pool[--w->rbuf_pooled]
                                 : malloc(RBUF_INITIAL);

    if (b == NULL)
        return false;
    c->rbuf = c->rcurr = b;
    c->rsize = RBUF_INITIAL;
    c->rbytes = 0;
    return true;
}

/* c has no unread bytes: its read buffer goes back (a grown one is
 * freed).  A UDP conn keeps its datagram-sized buffer. */
static void rbuf_release(conn *c)
{
    struct worker *w = c->worker;

    if (c->rbuf == NULL || c->rbytes != 0 || c->is_udp)
        return;
    if (c->rsize == RBUF_INITIAL && w->rbuf_pooled < BUF_POOL_MAX)
        w->rbuf_pool[w->rbuf_pooled++] = c->rbuf;
    else
        free(c->rbuf);
    c->rbuf = c->rcurr = NULL;
    c->rsize = 0;
}

/* The worker is leaving (conn_close_all): free what its pools hold. */
static void conn_pools_free(struct worker *w)
{
    while (w->rbuf_pooled > 0)
        free(w->rbuf_pool[--w->rbuf_pooled]);
    reply_pool_free(w);
}

static void conn_free(conn *c)
{
    reply_free(c);
    if (c->item != NULL)
        item_release(c->item);
    free(c->rbuf);
    if (c->proto != NULL)
        c->proto->detach(c);
    free(c);
}

static void conn_close(conn *c)
{
    struct worker *w = c->worker;

    event_del(&c->event);
    log_msg(2, "<%d connection closed.", c->sfd);
    /* Off the list before the fd is closed: "stats conns" on another
     * worker must not query a closed fd, or one accept() just reused. */
    if (w != NULL) {
        pthread_mutex_lock(&w->conns_lock);
        if (c->prev != NULL)
            c->prev->next = c->next;
        else
            w->conns = c->next;
        if (c->next != NULL)
            c->next->prev = c->prev;
        pthread_mutex_unlock(&w->conns_lock);
    }
    if (!c->is_udp)
        close(c->sfd);      /* a UDP socket is shared; main closes it */
    pthread_mutex_lock(&stats_lock);
    stats_state.curr_conns--;
    pthread_mutex_unlock(&stats_lock);
    conn_free(c);
}

/* -o idle_timeout: close this worker's connections that have sent no
 * command for longer than the timeout while waiting for one.  Called by
 * the worker's own one-second timer, so the conns are its own. */
void conn_close_idle(struct worker *w)
{
    conn *c, *next;

    for (c = w->conns; c != NULL; c = next) {
        next = c->next;
        /* The worker's UDP conn is its share of the UDP socket, not a
         * client: closing it would end UDP service on this worker.
         * conn_new_cmd too: a client that never sent a byte has never
         * left the state its connection started in. */
        if (!c->is_udp &&
            (c->state == conn_waiting || c->state == conn_read ||
             (c->state == conn_new_cmd && c->rbytes == 0 &&
              !reply_queued(c))) &&
            clock_now() - c->last_cmd_time >
                (rel_time_t)settings.idle_timeout) {
            log_msg(1, "Closing idle fd %d", c->sfd);
            STATS_ADD(c, idle_kicks, 1);
            conn_close(c);
        }
    }
}

void conn_close_all(struct worker *w)
{
    while (w->conns != NULL)
        conn_close(w->conns);
    conn_pools_free(w);
}

static bool update_event(conn *c, short new_flags)
{
    struct event_base *base = event_get_base(&c->event);

    if (c->ev_flags == new_flags)
        return true;
    if (event_del(&c->event) == -1)
        return false;
    event_assign(&c->event, base, c->sfd, new_flags, event_handler, c);
    c->ev_flags = new_flags;
    return event_add(&c->event, 0) != -1;
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */

enum read_result { READ_DATA, READ_NO_DATA, READ_ERROR, READ_MEMORY };

static void count_read(conn *c, size_t n)
{
    STATS_ADD(c, bytes_read, n);
}

/* One read(2) from c's socket into buf, retried on EINTR: the byte count
 * (> 0, added to bytes_read), or 0 with *why set to READ_NO_DATA (it
 * would block) or READ_ERROR (EOF or a socket error). */
static size_t read_socket(conn *c, void *buf, size_t len,
                          enum read_result *why)
{
    for (;;) {
        ssize_t n = read(c->sfd, buf, len);

        if (n > 0) {
            count_read(c, (size_t)n);
            return (size_t)n;
        }
        if (n < 0 && errno == EINTR)
            continue;
        *why = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
                   ? READ_NO_DATA
                   : READ_ERROR;
        return 0;
    }
}

/* Read what the socket has into rbuf.  A full buffer grows (doubling, up
 * to RBUF_MAX) only for a text line without "\n" that may keep growing
 * (a long multi-get).  Otherwise reading stops at a full buffer and the
 * parser runs: like the reference, which reads into a fixed 16 KB
 * buffer, an over-long line of any other command then closes the
 * connection instead of being read whole. */
static enum read_result try_read_network(conn *c)
{
    enum read_result res = READ_NO_DATA;
    int reads = 0;

    if (c->rbuf == NULL && !rbuf_acquire(c))
        return READ_MEMORY;
    if (c->rcurr != c->rbuf) {
        if (c->rbytes != 0)
            memmove(c->rbuf, c->rcurr, c->rbytes);
        c->rcurr = c->rbuf;
    }
    while (reads++ < 4) {
        enum read_result why;
        size_t n;

        if (c->rbytes >= c->rsize) {
            char *nb;

            if (c->proto == NULL || c->proto->line_may_grow == NULL ||
                memchr(c->rbuf, '\n', c->rbytes) != NULL ||
                !c->proto->line_may_grow(c))
                return READ_DATA;
            if (c->rsize >= RBUF_MAX)
                return READ_MEMORY;
            nb = realloc(c->rbuf, c->rsize * 2);
            if (nb == NULL)
                return READ_MEMORY;
            c->rcurr = c->rbuf = nb;
            c->rsize *= 2;
        }
        n = read_socket(c, c->rbuf + c->rbytes, c->rsize - c->rbytes, &why);
        if (n == 0) {
            if (why == READ_ERROR)
                return READ_ERROR;
            break;
        }
        c->rbytes += n;
        res = READ_DATA;
        if (c->rbytes < c->rsize)
            break;      /* short read: the socket is drained */
    }
    return res;
}

/* UDP: one datagram is one request: an 8-byte frame header (request id,
 * sequence number, datagram count, reserved), then commands.  Requests
 * spanning several datagrams are dropped, as the reference drops them. */
static enum read_result try_read_udp(conn *c)
{
    ssize_t n;
    uint16_t hdr[4];

    c->rcurr = c->rbuf;
    c->rbytes = 0;
    c->peerlen = sizeof(c->peer);
    n = recvfrom(c->sfd, c->rbuf, c->rsize, 0, (struct sockaddr *)&c->peer,
                 &c->peerlen);
    if (n <= 0)
        return READ_NO_DATA;
    count_read(c, (size_t)n);
    if (n < UDP_HEADER_SIZE)
        return READ_NO_DATA;
    memcpy(hdr, c->rbuf, sizeof(hdr));
    if (ntohs(hdr[2]) != 1)
        return READ_NO_DATA;
    c->udp_rid = ntohs(hdr[0]);
    c->rcurr = c->rbuf + UDP_HEADER_SIZE;
    c->rbytes = (size_t)n - UDP_HEADER_SIZE;
    return READ_DATA;
}

/* conn_nread: move value bytes into c->item, from rbuf first, then
 * straight from the socket into item memory (no extra copy). */
static enum read_result read_value(conn *c)
{
    while (c->rlbytes > 0) {
        char *p;
        size_t span = item_data_span(c->item, c->rloff, &p);
        enum read_result why;
        size_t n;

        if (span > c->rlbytes)
            span = c->rlbytes;
        if (c->rbytes == 0 && c->is_udp)
            return READ_ERROR;      /* the datagram ended early */
        if (c->rbytes > 0) {
            n = c->rbytes < span ? c->rbytes : span;
            memcpy(p, c->rcurr, n);
            c->rcurr += n;
            c->rbytes -= n;
        } else if ((n = read_socket(c, p, span, &why)) == 0) {
            return why;
        }
        c->rloff += n;
        c->rlbytes -= n;
    }
    return READ_DATA;
}

/* conn_swallow: discard c->sbytes from rbuf and socket. */
static enum read_result swallow(conn *c)
{
    char buf[8192];

    while (c->sbytes > 0) {
        enum read_result why;
        size_t n;

        if (c->rbytes > 0) {
            n = c->rbytes < c->sbytes ? c->rbytes : c->sbytes;
            c->rcurr += n;
            c->rbytes -= n;
        } else if (c->is_udp) {
            return READ_ERROR;
        } else if ((n = read_socket(c, buf, c->sbytes < sizeof(buf)
                                                ? c->sbytes
                                                : sizeof(buf),
                                    &why)) == 0) {
            return why;
        }
        c->sbytes -= n;
    }
    return READ_DATA;
}

/* UDP "close": the socket is shared, so only this request is dropped. */
static void udp_reset(conn *c)
{
    reply_release(c);
    if (c->item != NULL) {
        item_release(c->item);
        c->item = NULL;
    }
    c->rbytes = 0;
    c->rcurr = c->rbuf;
    c->write_and_go = conn_new_cmd;
    conn_set_state(c, conn_waiting);
}

/* A worker's own conn for every UDP socket (called by the worker). */
void conn_udp_attach(struct worker *w)
{
    int i;

    for (i = 0; i < udp_count; i++) {
        conn *c = conn_create(udp_fds[i], conn_read, EV_READ | EV_PERSIST,
                              w->base, w, false);
        char *nb;

        if (c == NULL) {
            log_msg(0, "failed to create UDP connection for fd %d",
                    udp_fds[i]);
            continue;
        }
        c->is_udp = true;
        nb = realloc(c->rbuf, UDP_RBUF_SIZE);
        if (nb != NULL) {
            c->rcurr = c->rbuf = nb;
            c->rsize = UDP_RBUF_SIZE;
        }
    }
}

/* ------------------------------------------------------------------ */
/* The state machine                                                  */

/* Waiting for a value's bytes (or for a refused value to be swallowed):
 * first send the replies already queued, which belong to the commands
 * before it.  A client may wait for those before it sends the value,
 * and the reference sends them at once.  Then wait to read (and to
 * write, if the socket took only part of them). */
static bool flush_while_waiting(conn *c)
{
    short flags = EV_READ | EV_PERSIST;

    if (!c->is_udp && reply_unsent(c)) {
        switch (reply_transmit(c)) {
        case TRANSMIT_COMPLETE:
            reply_release(c);
            break;
        case TRANSMIT_SOFT:
            flags |= EV_WRITE;
            break;
        case TRANSMIT_HARD:
            return false;
        }
    }
    return update_event(c, flags);
}

void conn_set_protocols(const struct protocol *text,
                        const struct protocol *binary)
{
    text_ops = text;
    binary_ops = binary;
}

/* The first byte of a connection picks its protocol (-B auto). */
static const struct protocol *pick_protocol(const conn *c)
{
    if (binary_ops != NULL &&
        (settings.binding_protocol == BIND_BINARY ||
         (settings.binding_protocol == BIND_AUTO &&
          (unsigned char)c->rcurr[0] == binary_ops->magic)))
        return binary_ops;
    return text_ops;
}

/* Every command goes to the connection's protocol: one indirect call.
 * The first also attaches the protocol's state (c->pstate), which a
 * connection keeps until it closes: no allocation per request. */
static bool try_command(conn *c)
{
    if (c->proto == NULL) {
        const struct protocol *p;

        if (c->rbytes == 0)
            return false;
        p = pick_protocol(c);
        log_msg(2, "%d: Client using the %s protocol", c->sfd, p->name);
        if (!p->attach(c)) {
            conn_set_state(c, conn_closing);
            return true;
        }
        c->proto = p;
    }
    return c->proto->try_command(c);
}

/* The value is in: its reference passes to the protocol's callback. */
static void complete_nread(conn *c)
{
    struct _stritem *it = c->item;
    conn_value_done done = c->value_done;

    c->item = NULL;
    c->value_done = NULL;
    done(c, it);
}

/* Between commands: parse the next one, flush replies, or wait. */
static void reset_cmd(conn *c)
{
    c->noreply = false;
    if (c->item != NULL) {
        item_release(c->item);
        c->item = NULL;
    }
    if (c->rbytes > 0)
        conn_set_state(c, conn_parse_cmd);
    else if (reply_queued(c))
        conn_set_state(c, conn_mwrite);
    else {
        rbuf_release(c);
        conn_set_state(c, conn_waiting);
    }
}

/* A refused value has been thrown away: its reply (if any) now. */
static void finish_swallow(conn *c)
{
    conn_swallow_done done = c->swallow_done;

    conn_set_state(c, conn_new_cmd);
    c->swallow_done = NULL;
    if (done != NULL)
        done(c);
}

static void drive_machine(conn *c)
{
    enum read_result res;
    bool stop = false;

    while (!stop) {
        switch (c->state) {
        case conn_listening:
            accept_fn(c);
            stop = true;
            break;

        case conn_new_cmd:
            if (--c->nreqs >= 0) {
                reset_cmd(c);
                break;
            }
            /* Used up this event's quota: let other connections run.
             * Pending input or replies must bring us back, so wait for
             * the socket to be writable (it nearly always is) and
             * resume then; event_handler() switches back to reading. */
            STATS_ADD(c, conn_yields, 1);
            if (!update_event(c, EV_WRITE | EV_PERSIST)) {
                conn_set_state(c, conn_closing);
                break;
            }
            stop = true;
            break;

        case conn_waiting:
            if (!update_event(c, EV_READ | EV_PERSIST)) {
                conn_set_state(c, conn_closing);
                break;
            }
            conn_set_state(c, conn_read);
            stop = true;
            break;

        case conn_read:
            switch (c->is_udp ? try_read_udp(c) : try_read_network(c)) {
            case READ_DATA:
                conn_set_state(c, conn_parse_cmd);
                break;
            case READ_NO_DATA:
                conn_set_state(c, conn_waiting);
                break;
            case READ_MEMORY:
                out_errstring(c, "SERVER_ERROR out of memory reading request");
                conn_close_after_reply(c);
                break;
            case READ_ERROR:
                conn_set_state(c, conn_closing);
                break;
            }
            break;

        case conn_parse_cmd:
            c->noreply = false;
            __atomic_store_n(&c->last_cmd_time, clock_now(),
                             __ATOMIC_RELAXED);
            if (!try_command(c)) {
                /* UDP: an incomplete command in a datagram is dropped. */
                if (c->is_udp)
                    c->rbytes = 0;
                /* Need more bytes; flush what is queued meanwhile. */
                conn_set_state(c, reply_queued(c) ? conn_mwrite
                                                  : conn_waiting);
            }
            break;

        case conn_nread:
        case conn_swallow:
            res = c->state == conn_nread ? read_value(c) : swallow(c);
            if (res == READ_DATA) {
                if (c->state == conn_nread)
                    complete_nread(c);
                else
                    finish_swallow(c);
            } else if (res == READ_NO_DATA) {
                if (!flush_while_waiting(c))
                    conn_set_state(c, conn_closing);
                stop = true;
            } else {
                conn_set_state(c, conn_closing);
            }
            break;

        case conn_mwrite:
            switch (reply_transmit(c)) {
            case TRANSMIT_COMPLETE:
                reply_release(c);
                conn_set_state(c, c->write_and_go);
                c->write_and_go = conn_new_cmd;
                break;
            case TRANSMIT_SOFT:
                /* the socket is full: resume once it drains */
                if (!update_event(c, EV_WRITE | EV_PERSIST))
                    conn_set_state(c, conn_closing);
                else
                    stop = true;
                break;
            case TRANSMIT_HARD:
                conn_set_state(c, conn_closing);
                break;
            }
            break;

        case conn_closing:
            if (c->is_udp) {
                udp_reset(c);
                break;
            }
            conn_close(c);
            return;

        case conn_max_state:
            conn_set_state(c, conn_closing);
            break;
        }
    }
}

static void event_handler(evutil_socket_t fd, short which, void *arg)
{
    conn *c = arg;

    (void)fd;
    c->which = which;
    c->nreqs = settings.reqs_per_event;
    /* A yielded connection was parked on EV_WRITE: resume parsing. */
    if (c->state == conn_new_cmd && (which & EV_WRITE) &&
        !update_event(c, EV_READ | EV_PERSIST)) {
        conn_set_state(c, conn_closing);
    }
    drive_machine(c);
}

/* ------------------------------------------------------------------ */
/* stats conns                                                        */

static void format_addr(const struct sockaddr_storage *ss, socklen_t len,
                        bool is_unix, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN];

    if (is_unix) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)ss;

        if (len > offsetof(struct sockaddr_un, sun_path) &&
            un->sun_path[0] != '\0')
            snprintf(buf, size, "unix:%s", un->sun_path);
        else
            snprintf(buf, size, "unix:%s",
                     settings.socketpath ? settings.socketpath : "");
    } else if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        snprintf(buf, size, "tcp:%s:%u", host, ntohs(in->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        snprintf(buf, size, "tcp6:[%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        snprintf(buf, size, "?:<AF %d>", ss->ss_family);
    }
}

static void conn_stat_lines(conn *c, ADD_STAT add, void *cookie)
{
    struct sockaddr_storage local;
    socklen_t llen = sizeof(local);
    char name[48], addr[160];
    rel_time_t last = __atomic_load_n(&c->last_cmd_time, __ATOMIC_RELAXED);
    enum conn_states st = __atomic_load_n(&c->state, __ATOMIC_RELAXED);

    memset(&local, 0, sizeof(local));
    if (getsockname(c->sfd, (struct sockaddr *)&local, &llen) != 0)
        llen = 0;
    snprintf(name, sizeof(name), "%d:addr", c->sfd);
    if (st == conn_listening)
        format_addr(&local, llen, c->is_unix, addr, sizeof(addr));
    else
        format_addr(&c->peer, c->peerlen, c->is_unix, addr, sizeof(addr));
    add(name, strlen(name), addr, strlen(addr), cookie);
    if (st != conn_listening) {
        snprintf(name, sizeof(name), "%d:listen_addr", c->sfd);
        format_addr(&local, llen, c->is_unix, addr, sizeof(addr));
        add(name, strlen(name), addr, strlen(addr), cookie);
    }
    snprintf(name, sizeof(name), "%d:state", c->sfd);
    append_stat(add, cookie, name, "%s", conn_state_name(st));
    snprintf(name, sizeof(name), "%d:secs_since_last_cmd", c->sfd);
    append_stat(add, cookie, name, "%u",
                clock_now() > last ? clock_now() - last : 0);
}

/* Listeners never change after start-up; each worker's list is walked
 * under that worker's conns_lock. */
void conn_stats(ADD_STAT add, void *cookie)
{
    conn *c;
    int i;

    for (c = listen_conns; c != NULL; c = c->next)
        conn_stat_lines(c, add, cookie);
    for (i = 0; i < worker_count(); i++) {
        struct worker *w = worker_get(i);

        pthread_mutex_lock(&w->conns_lock);
        for (c = w->conns; c != NULL; c = c->next)
            conn_stat_lines(c, add, cookie);
        pthread_mutex_unlock(&w->conns_lock);
    }
}

/* ------------------------------------------------------------------ */
/* Listeners and UDP sockets (net.c makes them)                       */

void conn_set_acceptor(void (*accept)(conn *l))
{
    accept_fn = accept;
}

conn *conn_listen_new(int sfd, bool is_unix, struct event_base *base)
{
    conn *l = conn_create(sfd, conn_listening, EV_READ | EV_PERSIST, base,
                          NULL, is_unix);

    if (l == NULL)
        return NULL;
    l->next = listen_conns;
    listen_conns = l;
    pthread_mutex_lock(&stats_lock);
    stats_state.curr_conns++;
    stats_state.total_conns++;
    pthread_mutex_unlock(&stats_lock);
    note_conn_structs();
    return l;
}

void conn_listeners_close(void)
{
    while (listen_conns != NULL) {
        conn *l = listen_conns;

        listen_conns = l->next;
        event_del(&l->event);
        close(l->sfd);
        free(l);
    }
}

void conn_set_udp_sockets(const int *fds, int n)
{
    udp_fds = fds;
    udp_count = n;
}
