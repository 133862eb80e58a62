/*
 * reply.c: a connection's reply queue and how it is sent.
 *
 * Replies of pipelined commands are queued and written together once no
 * complete command is left in the read buffer, so a pipeline costs one
 * write, not one per command.  The queue is an iovec array (c->iov) whose
 * entries point into two kinds of memory:
 *   - reply blocks (struct wblock, WBLOCK_SIZE bytes of text each),
 *     borrowed from the worker's pool (worker.h) for one batch and given
 *     back by reply_release(); text is appended, never moved, so iovecs
 *     into a block stay valid;
 *   - item values, by reference: each referenced item sits in c->ilist
 *     and is released once the batch is sent (small values are copied
 *     into a block instead, see out_item_data).
 * Over UDP the queue is cut into messages (c->msgs, reply_begin_message)
 * and each message into numbered datagrams of at most UDP_MAX_DATAGRAM
 * bytes (transmit_udp).  Replies queued but not yet sent can be taken
 * back to a mark (reply_mark/reply_rollback: a failed multi-get).
 *
 * reply.c reads and writes struct conn's output fields but calls nothing
 * in conn.c: when the socket is full it answers TRANSMIT_SOFT and conn.c
 * waits for it to drain.  Only the connection's worker touches a queue
 * or its worker's block pool, so there are no locks.
 */
#include "memcached.h"
#include "reply.h"
#include "items.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IOV_INITIAL 64
#define ILIST_INITIAL 16
#define IOV_BATCH 1024              /* iovecs per sendmsg (IOV_MAX) */
#define SMALL_VALUE_COPY 1024       /* values up to this are copied */
#define UDP_MAX_DATAGRAM 1400       /* header included, as the reference */

/* Small reply text (status lines, VALUE headers, small values) is written
 * into blocks a connection borrows from its worker's pool for one batch
 * of replies; iovecs point into them, so blocks never move once written
 * to. */
struct wblock {
    struct wblock *next;
    size_t used;
    char data[WBLOCK_SIZE];
};

/* UDP: where each reply message starts in the reply queue (bytes). */
struct udp_msg {
    size_t start;
    bool skip;                      /* noreply: send nothing for it */
};

/* ------------------------------------------------------------------ */
/* Life cycle and the worker's block pool                             */

bool reply_init(conn *c)
{
    c->iovsize = IOV_INITIAL;
    c->iov = malloc(sizeof(*c->iov) * (size_t)c->iovsize);
    c->isize = ILIST_INITIAL;
    c->ilist = malloc(sizeof(*c->ilist) * (size_t)c->isize);
    return c->iov != NULL && c->ilist != NULL;
}

static struct wblock *wblock_get(struct worker *w)
{
    struct wblock *b = w->wb_pool;

    if (b == NULL)
        return malloc(sizeof(*b));
    w->wb_pool = b->next;
    w->wb_pooled--;
    return b;
}

static void wblock_put(struct worker *w, struct wblock *b)
{
    if (w->wb_pooled >= BUF_POOL_MAX) {
        free(b);
        return;
    }
    b->next = w->wb_pool;
    w->wb_pool = b;
    w->wb_pooled++;
}

/* The worker is leaving (conn_close_all): free its spare blocks. */
void reply_pool_free(struct worker *w)
{
    struct wblock *b;

    while ((b = w->wb_pool) != NULL) {
        w->wb_pool = b->next;
        free(b);
    }
    w->wb_pooled = 0;
}

/* Release everything queued for writing: item references and blocks. */
void reply_release(conn *c)
{
    struct wblock *b, *next;
    int i;

    for (i = 0; i < c->iused; i++)
        item_release(c->ilist[i]);
    c->iused = 0;
    c->iovused = 0;
    c->iovcurr = 0;
    c->wbytes = 0;
    c->msgused = 0;
    for (b = c->wb_head; b != NULL; b = next) {
        next = b->next;
        wblock_put(c->worker, b);
    }
    c->wb_head = c->wb_tail = NULL;
}

void reply_free(conn *c)
{
    reply_release(c);
    free(c->iov);
    free(c->ilist);
    free(c->msgs);
}

/* ------------------------------------------------------------------ */
/* Queueing                                                           */

static bool add_iov(conn *c, const void *buf, size_t len)
{
    struct iovec *last;

    if (len == 0)
        return true;
    c->wbytes += len;
    last = c->iovused > 0 ? &c->iov[c->iovused - 1] : NULL;
    if (last != NULL && (char *)last->iov_base + last->iov_len == buf) {
        last->iov_len += len;   /* contiguous in one block: merge */
        return true;
    }
    if (c->iovused == c->iovsize) {
        struct iovec *n = realloc(c->iov, sizeof(*n) * (size_t)c->iovsize * 2);

        if (n == NULL)
            return false;
        c->iov = n;
        c->iovsize *= 2;
    }
    c->iov[c->iovused].iov_base = (void *)buf;
    c->iov[c->iovused].iov_len = len;
    c->iovused++;
    return true;
}

/* Room for at least `want` bytes (at most WBLOCK_SIZE) in the tail block. */
static struct wblock *wblock_room(conn *c, size_t want)
{
    struct wblock *b = c->wb_tail;

    if (b != NULL && WBLOCK_SIZE - b->used >= want)
        return b;
    b = wblock_get(c->worker);
    if (b == NULL)
        return NULL;
    b->next = NULL;
    b->used = 0;
    if (c->wb_tail != NULL)
        c->wb_tail->next = b;
    else
        c->wb_head = b;
    c->wb_tail = b;
    return b;
}

bool out_bytes(conn *c, const char *buf, size_t len)
{
    while (len > 0) {
        size_t n = len < WBLOCK_SIZE ? len : WBLOCK_SIZE;
        struct wblock *b = wblock_room(c, n);
        char *dst;

        if (b == NULL)
            return false;
        if (WBLOCK_SIZE - b->used < n)
            n = WBLOCK_SIZE - b->used;
        dst = b->data + b->used;
        memcpy(dst, buf, n);
        b->used += n;
        if (!add_iov(c, dst, n))
            return false;
        buf += n;
        len -= n;
    }
    return true;
}

char *out_reserve(conn *c, size_t max)
{
    struct wblock *b = wblock_room(c, max);

    return b != NULL ? b->data + b->used : NULL;
}

bool out_commit(conn *c, size_t len)
{
    struct wblock *b = c->wb_tail;
    char *p = b->data + b->used;

    b->used += len;
    return add_iov(c, p, len);
}

/* Queue the value bytes of `it` (with their "\r\n") by reference.  The
 * caller's reference to the item passes to the connection, which drops it
 * once the bytes are written. */
bool out_item_value(conn *c, item *it)
{
    return out_item_data(c, it, it->nbytes);
}

bool out_item_data(conn *c, item *it, size_t len)
{
    size_t off = 0;
    char *p;

    /* A small value is copied next to its header line: the reply then
     * goes out as one contiguous span (one iovec, plain send()), and the
     * item is released at once instead of when the write completes.  Up
     * to SMALL_VALUE_COPY bytes the copy costs less than an extra iovec
     * in the kernel and the deferred release. */
    if (len <= SMALL_VALUE_COPY && item_data_span(it, 0, &p) >= len) {
        bool ok = out_bytes(c, p, len);

        item_release(it);
        return ok;
    }
    if (c->iused == c->isize) {
        item **n = realloc(c->ilist, sizeof(*n) * (size_t)c->isize * 2);

        if (n == NULL) {
            item_release(it);
            return false;
        }
        c->ilist = n;
        c->isize *= 2;
    }
    c->ilist[c->iused++] = it;
    while (off < len) {
        size_t n = item_data_span(it, off, &p);

        if (n > len - off)
            n = len - off;
        if (!add_iov(c, p, n))
            return false;
        off += n;
    }
    return true;
}

void out_string(conn *c, const char *str)
{
    size_t len;
    char *p;

    if (c->noreply) {
        if (c->is_udp && c->msgused > 0)
            c->msgs[c->msgused - 1].skip = true;
        c->noreply = false;
        conn_set_state(c, conn_new_cmd);
        return;
    }
    log_msg(2, ">%d %s", c->sfd, str);
    len = strlen(str);
    p = len + 2 <= WBLOCK_SIZE ? out_reserve(c, len + 2) : NULL;
    if (p == NULL) {
        conn_close_after_reply(c);
        return;
    }
    memcpy(p, str, len);
    memcpy(p + len, "\r\n", 2);
    if (!out_commit(c, len + 2)) {
        conn_close_after_reply(c);
        return;
    }
    conn_set_state(c, conn_new_cmd);
}

void out_errstring(conn *c, const char *str)
{
    c->noreply = false;
    out_string(c, str);
}

void reply_begin_message(conn *c)
{
    if (!c->is_udp)
        return;
    if (c->msgused == c->msgsize) {
        int n = c->msgsize ? c->msgsize * 2 : 16;
        struct udp_msg *m = realloc(c->msgs, sizeof(*m) * (size_t)n);

        if (m == NULL)
            return;     /* the reply joins the previous message */
        c->msgs = m;
        c->msgsize = n;
    }
    c->msgs[c->msgused].start = c->wbytes;
    c->msgs[c->msgused].skip = false;
    c->msgused++;
}

void reply_mark(const conn *c, struct reply_mark *m)
{
    m->iovused = c->iovused;
    m->last_len = c->iovused > 0 ? c->iov[c->iovused - 1].iov_len : 0;
    m->iused = c->iused;
    m->wbytes = c->wbytes;
    m->msgused = c->msgused;
}

void reply_rollback(conn *c, const struct reply_mark *m)
{
    while (c->iused > m->iused)
        item_release(c->ilist[--c->iused]);
    c->iovused = m->iovused;
    if (m->iovused > 0)
        c->iov[m->iovused - 1].iov_len = m->last_len;
    c->wbytes = m->wbytes;
    c->msgused = m->msgused;
}

/* ------------------------------------------------------------------ */
/* Sending                                                            */

static enum transmit_result transmit(conn *c)
{
    while (c->iovcurr < c->iovused) {
        struct msghdr m;
        int cnt = c->iovused - c->iovcurr;
        ssize_t n;

        if (cnt == 1) {
            /* the common small reply: one span, no msghdr to copy in */
            n = send(c->sfd, c->iov[c->iovcurr].iov_base,
                     c->iov[c->iovcurr].iov_len, MSG_NOSIGNAL);
        } else {
            memset(&m, 0, sizeof(m));
            m.msg_iov = &c->iov[c->iovcurr];
            m.msg_iovlen = (size_t)(cnt < IOV_BATCH ? cnt : IOV_BATCH);
            n = sendmsg(c->sfd, &m, MSG_NOSIGNAL);
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return TRANSMIT_SOFT;   /* conn.c waits for EV_WRITE */
            return TRANSMIT_HARD;
        }
        STATS_ADD(c, bytes_written, (size_t)n);
        while (n > 0) {
            struct iovec *v = &c->iov[c->iovcurr];

            if ((size_t)n >= v->iov_len) {
                n -= (ssize_t)v->iov_len;
                c->iovcurr++;
            } else {
                v->iov_base = (char *)v->iov_base + n;
                v->iov_len -= (size_t)n;
                n = 0;
            }
        }
    }
    return TRANSMIT_COMPLETE;
}

/* Copy up to `want` bytes' worth of iovecs starting at (*i, *off) into
 * v[] (at most max entries); advances the cursor.  Returns entries used. */
static int gather(conn *c, int *i, size_t *off, size_t want,
                  struct iovec *v, int max)
{
    int n = 0;

    while (want > 0 && *i < c->iovused && n < max) {
        struct iovec *src = &c->iov[*i];
        size_t k = src->iov_len - *off;

        if (k > want)
            k = want;
        v[n].iov_base = (char *)src->iov_base + *off;
        v[n].iov_len = k;
        n++;
        want -= k;
        *off += k;
        if (*off == src->iov_len) {
            (*i)++;
            *off = 0;
        }
    }
    return n;
}

static void skip_bytes(conn *c, int *i, size_t *off, size_t n)
{
    while (n > 0 && *i < c->iovused) {
        size_t k = c->iov[*i].iov_len - *off;

        if (k > n)
            k = n;
        *off += k;
        n -= k;
        if (*off == c->iov[*i].iov_len) {
            (*i)++;
            *off = 0;
        }
    }
}

static void send_datagram(conn *c, uint16_t seq, uint16_t total,
                          struct iovec *v, int nv)
{
    uint16_t hdr[4] = {htons(c->udp_rid), htons(seq), htons(total), 0};
    struct msghdr m;

    v[0].iov_base = hdr;
    v[0].iov_len = sizeof(hdr);
    memset(&m, 0, sizeof(m));
    m.msg_name = &c->peer;
    m.msg_namelen = c->peerlen;
    m.msg_iov = v;
    m.msg_iovlen = (size_t)nv;
    /* UDP is lossy by contract: a full socket buffer drops the reply. */
    if (sendmsg(c->sfd, &m, 0) > 0) {
        STATS_ADD(c, bytes_written, UDP_HEADER_SIZE);
    }
}

/* UDP replies: every message is split into datagrams of at most
 * UDP_MAX_DATAGRAM bytes, numbered 0..n-1 of n; an empty message is one
 * header-only datagram numbered 0 of 0, as the reference sends it. */
static enum transmit_result transmit_udp(conn *c)
{
    const size_t payload = UDP_MAX_DATAGRAM - UDP_HEADER_SIZE;
    struct iovec v[64];
    size_t off = 0;
    int i = 0, m;

    if (c->msgused == 0)
        reply_begin_message(c);
    for (m = 0; m < c->msgused; m++) {
        size_t end = m + 1 < c->msgused ? c->msgs[m + 1].start : c->wbytes;
        size_t len = end - c->msgs[m].start, sent = 0;
        uint16_t seq, total = (uint16_t)((len + payload - 1) / payload);

        if (c->msgs[m].skip) {
            skip_bytes(c, &i, &off, len);
            continue;
        }
        if (len == 0) {
            send_datagram(c, 0, 0, v, 1);
            continue;
        }
        for (seq = 0; seq < total; seq++) {
            size_t want = len - sent < payload ? len - sent : payload;
            size_t got = 0;
            int nv = 1, k;

            while (got < want) {
                int used = gather(c, &i, &off, want - got, v + nv,
                                  (int)(sizeof(v) / sizeof(v[0])) - nv);

                if (used == 0)
                    break;
                for (k = nv; k < nv + used; k++)
                    got += v[k].iov_len;
                nv += used;
                if (nv == (int)(sizeof(v) / sizeof(v[0])))
                    break;
            }
            send_datagram(c, seq, total, v, nv);
            sent += got;
            STATS_ADD(c, bytes_written, got);
        }
    }
    c->iovcurr = c->iovused;
    return TRANSMIT_COMPLETE;
}

enum transmit_result reply_transmit(conn *c)
{
    return c->is_udp ? transmit_udp(c) : transmit(c);
}
