/*
 * reply.h: a connection's reply queue (reply.c).  The protocols queue
 * replies with out_*(); conn.c sends the queue with reply_transmit() and
 * releases it with reply_release() once it is sent.
 */
#ifndef REPLY_H
#define REPLY_H

#include "conn.h"

/* Reply text is written into blocks of this many bytes (reply.c). */
#define WBLOCK_SIZE 16368

/* ---- for the protocols ---- */

void out_string(conn *c, const char *str);     /* reply line (+\r\n) */
void out_errstring(conn *c, const char *str);  /* reply even if noreply */
bool out_bytes(conn *c, const char *buf, size_t len);  /* copied */
/* Reply text built in place: room for up to max (<= WBLOCK_SIZE) bytes,
 * then out_commit() with the length used.  NULL: out of memory. */
char *out_reserve(conn *c, size_t max);
bool out_commit(conn *c, size_t len);
/* The value of `it` with its "\r\n"; takes over the caller's reference. */
bool out_item_value(conn *c, struct _stritem *it);
/* The first n bytes of the value only (binary: no "\r\n"). */
bool out_item_data(conn *c, struct _stritem *it, size_t n);
/* UDP: the replies queued from now on form a new message (datagrams
 * are numbered per message).  No-op on stream connections. */
void reply_begin_message(conn *c);

/* A place in the reply queue to roll back to: the replies queued after
 * it can be taken back as long as none of them has been sent. */
struct reply_mark {
    int iovused;
    size_t last_len;                /* length of iov[iovused - 1] then */
    int iused;
    size_t wbytes;
    int msgused;
};
/* The empty queue: rolling back to it takes back every queued reply. */
#define REPLY_MARK_EMPTY ((struct reply_mark){0, 0, 0, 0, 0})
/* Where the queue stands now. */
void reply_mark(const conn *c, struct reply_mark *m);
/* Take back what was queued after m: item references are released; the
 * text stays in its block, unreferenced, until the batch is released. */
void reply_rollback(conn *c, const struct reply_mark *m);

/* ---- for conn.c ---- */

enum transmit_result { TRANSMIT_COMPLETE, TRANSMIT_SOFT, TRANSMIT_HARD };

/* A new connection's empty queue; false if out of memory. */
bool reply_init(conn *c);
/* Drop what is queued (item references, blocks): all sent, or the
 * request abandoned. */
void reply_release(conn *c);
/* The connection is being freed: release and free the queue. */
void reply_free(conn *c);
/* Send what is queued: TCP as far as the socket takes it (TRANSMIT_SOFT:
 * the rest once it is writable again), UDP as framed datagrams. */
enum transmit_result reply_transmit(conn *c);
/* The worker is leaving: free its spare reply blocks. */
void reply_pool_free(struct worker *w);

/* Something is queued / something queued is not yet sent. */
static inline bool reply_queued(const conn *c)
{
    return c->iovused > 0;
}

static inline bool reply_unsent(const conn *c)
{
    return c->iovcurr < c->iovused;
}

#endif /* REPLY_H */
