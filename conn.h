/*
 * conn.h: a connection (struct conn), the calls that create, drive and
 * close connections (conn.c, for main, net and thread), and the narrow
 * API the protocols use on one.
 *
 * The protocol-facing part is all inline here (it only sets fields) or
 * in reply.h, so a protocol never calls into conn.c.  A connection is
 * driven by one worker thread only and is never locked; the two fields
 * `stats conns` reads from another thread (state, last_cmd_time) are
 * written with relaxed atomic stores.
 */
#ifndef CONN_H
#define CONN_H

#include "memcached.h"
#include "worker.h"

#include <event.h>
#include <sys/socket.h>
#include <sys/uio.h>

struct _stritem;
struct udp_msg;
struct wblock;

enum conn_states {
    conn_listening,  /* a listening socket: accept and hand out */
    conn_new_cmd,    /* between commands: reset, maybe yield */
    conn_waiting,    /* wait for the socket to become readable */
    conn_read,       /* read what the socket has into rbuf */
    conn_parse_cmd,  /* take one command line out of rbuf */
    conn_nread,      /* read a value's bytes into an item */
    conn_swallow,    /* discard a refused value's bytes */
    conn_mwrite,     /* write queued replies (iovecs) */
    conn_closing,    /* close and free */
    conn_max_state
};

/* UDP: every datagram starts with an 8-byte frame header (request id,
 * sequence number, datagram count, reserved), read by conn.c and written
 * by reply.c. */
#define UDP_HEADER_SIZE 8

typedef struct conn conn;

/* What runs once a value is in (conn_read_value); it owns the reference
 * to the item from then on. */
typedef void (*conn_value_done)(conn *c, struct _stritem *it);
/* What runs once refused bytes are discarded (conn_swallow_bytes). */
typedef void (*conn_swallow_done)(conn *c);

/*
 * A protocol, as the connection code runs it: main() registers the text
 * and the binary protocol with conn_set_protocols(), and the first byte
 * of a connection picks one (-B).  conn.c calls protocols only through
 * this table, so it depends on no protocol module.
 */
struct protocol {
    const char *name;               /* "ascii", "binary": the -vv log */
    int magic;                      /* -B auto: a first byte equal to this
                                       picks the protocol; -1: none */
    /* c speaks this protocol from now on: make its private state
     * (c->pstate), once per connection; false if out of memory. */
    bool (*attach)(conn *c);
    /* Free c->pstate (c is being freed). */
    void (*detach)(conn *c);
    /* Take one command out of c->rbuf and run it (queue its reply, or
     * start reading its value); false if more bytes are needed first. */
    bool (*try_command)(conn *c);
    /* rbuf is full and holds no "\n": may it grow (a long multi-get) or
     * must the parser run on what is there?  NULL: never grow. */
    bool (*line_may_grow)(conn *c);
};

struct conn {
    int sfd;
    enum conn_states state;
    enum conn_states write_and_go;  /* state after conn_mwrite */
    struct event event;
    short ev_flags;                 /* events registered */
    short which;                    /* events that fired */
    bool is_unix;                   /* unix-domain socket */
    bool is_udp;                    /* a worker's view of a UDP socket */
    uint16_t udp_rid;               /* request id of the current datagram */
    struct udp_msg *msgs;           /* UDP reply messages (reply.c) */
    int msgsize, msgused;
    bool noreply;                   /* current command wants no reply */
    const struct protocol *proto;   /* NULL until the first byte */
    void *pstate;                   /* the protocol's own state: made by
                                       proto->attach, freed by ->detach */
    int nreqs;                      /* commands left in this event */
    rel_time_t last_cmd_time;       /* for stats conns, idle_timeout */

    /* input */
    char *rbuf;                     /* read buffer */
    char *rcurr;                    /* first unparsed byte */
    size_t rsize;                   /* allocated size of rbuf */
    size_t rbytes;                  /* unparsed bytes at rcurr */

    /* value being read (conn_nread) or swallowed (conn_swallow) */
    struct _stritem *item;
    size_t rlbytes;                 /* value bytes still to read */
    size_t rloff;                   /* offset into the item's value */
    conn_value_done value_done;     /* runs once the value is in */
    size_t sbytes;                  /* bytes still to swallow */
    conn_swallow_done swallow_done; /* runs once swallowed, or NULL */

    /* output: the reply queue (reply.c) */
    struct iovec *iov;
    int iovsize, iovused, iovcurr;  /* allocated, filled, next to send */
    size_t wbytes;                  /* bytes queued in iov */
    struct _stritem **ilist;        /* items referenced by iov */
    int isize, iused;
    struct wblock *wb_head;         /* blocks holding this reply batch */
    struct wblock *wb_tail;

    struct worker *worker;          /* owner (NULL for listeners) */
    conn *next;                     /* in the worker's conn list */
    conn *prev;
    struct sockaddr_storage peer;   /* remote address */
    socklen_t peerlen;
};

/* ------------------------------------------------------------------ */
/* For main, net and thread (conn.c)                                  */

/* The protocols connections may speak; binary NULL: text only (-Y).  Set
 * once by main() before the workers start. */
void conn_set_protocols(const struct protocol *text,
                        const struct protocol *binary);

/* A client connection on socket sfd, driven by worker w (and called by
 * it); NULL if out of memory. */
conn *conn_new(int sfd, struct worker *w, bool is_unix);
/* The worker is leaving: close its connections, free its pools. */
void conn_close_all(struct worker *w);
/* -o idle_timeout: close w's connections idle for longer. */
void conn_close_idle(struct worker *w);
/* w's own conn for every UDP socket (called by the worker). */
void conn_udp_attach(struct worker *w);
/* The UDP sockets conn_udp_attach() uses: net.c's, bound before the
 * workers start. */
void conn_set_udp_sockets(const int *fds, int n);
/* A listening socket's conn on base (the main thread's), counted as a
 * connection like the reference counts it.  NULL if out of memory. */
conn *conn_listen_new(int sfd, bool is_unix, struct event_base *base);
/* What a readable listener runs: net.c's accept and hand-off.  Set once,
 * before the first listener is made. */
void conn_set_acceptor(void (*accept)(conn *l));
/* Close and free every listener (shutdown, main thread). */
void conn_listeners_close(void);
/* "stats conns": every connection's address, state and idle time. */
void conn_stats(ADD_STAT add, void *cookie);

/* ------------------------------------------------------------------ */
/* For the protocols and reply.c: inline, they only set fields        */

/* Count n in the thread_stats field of connection c's worker. */
#define STATS_ADD(c, field, n) stats_add(&(c)->worker->stats.field, (n))

static inline const char *conn_state_name(enum conn_states state)
{
    static const char *const names[conn_max_state] = {
        "conn_listening", "conn_new_cmd", "conn_waiting", "conn_read",
        "conn_parse_cmd", "conn_nread", "conn_swallow", "conn_mwrite",
        "conn_closing",
    };

    return state < conn_max_state ? names[state] : "unknown";
}

static inline void conn_set_state(conn *c, enum conn_states state)
{
    if (state != c->state && verbose_level() > 2)
        log_msg(3, "%d: going from %s to %s", c->sfd,
                conn_state_name(c->state), conn_state_name(state));
    /* Atomic only because `stats conns` reads it from another thread. */
    __atomic_store_n(&c->state, state, __ATOMIC_RELAXED);
}

/* Send what is queued, then close. */
static inline void conn_close_after_reply(conn *c)
{
    c->write_and_go = conn_closing;
    conn_set_state(c, conn_mwrite);
}

static inline bool conn_is_udp(const conn *c)
{
    return c->is_udp;
}

/* The protocol has parsed the next n bytes of input: returns where they
 * start in rbuf (valid until the next command is read). */
static inline char *conn_consume(conn *c, size_t n)
{
    char *p = c->rcurr;

    c->rcurr += n;
    c->rbytes -= n;
    return p;
}

/* Throw away the input not parsed yet (commands pipelined behind one
 * that ends the exchange, such as a refused login). */
static inline void conn_drop_input(conn *c)
{
    c->rbytes = 0;
}

/* Read the next len bytes of input into the value of `it` (from rbuf,
 * then straight from the socket), then run done(c, it), which owns the
 * caller's reference to `it` from then on; if the connection closes
 * first, the connection releases it. */
static inline void conn_read_value(conn *c, struct _stritem *it, size_t len,
                                   conn_value_done done)
{
    c->item = it;
    c->rlbytes = len;
    c->rloff = 0;
    c->value_done = done;
    conn_set_state(c, conn_nread);
}

/* Discard the next len bytes of input (a refused value), then run done(c)
 * in state conn_new_cmd, if done is not NULL. */
static inline void conn_swallow_bytes(conn *c, size_t len,
                                      conn_swallow_done done)
{
    c->sbytes = len;
    c->swallow_done = done;
    conn_set_state(c, conn_swallow);
}

#endif /* CONN_H */
