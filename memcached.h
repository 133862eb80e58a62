/*
 * memcached.h: types and globals shared by every module of the daemon.
 *
 * Holds the server-wide `settings` (written at start-up by main() and
 * afterwards only by the documented admin commands; settings.c), the
 * coarse clock (clock.h, included here because nearly every module reads
 * it), and the small helpers every module uses.  Nothing private to one
 * module lives here.
 *
 * Lock order for the whole daemon is written once, in thread.c's header.
 */
#ifndef MEMCACHED_H
#define MEMCACHED_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "clock.h"

#define KEY_MAX_LENGTH 250
#define SLAB_PAGE_SIZE (1024 * 1024)
#define ITEM_SIZE_MAX_DEFAULT (1024 * 1024)
#define ITEM_SIZE_MAX_LOWER 1024
#define ITEM_SIZE_MAX_UPPER (1024 * 1024 * 1024)
#define MAX_SLAB_CLASSES 64  /* ids 1..63 used; 0 means "no class" */

/*
 * The settings.  Every field: meaning, unit, who writes it.  All are set
 * by main() before any thread starts; the few changed at run time say so.
 */
struct settings {
    size_t maxbytes;          /* -m, bytes; cache_memlimit changes it */
    int maxconns;             /* -c, connections */
    int port;                 /* -p, TCP port (0: kernel picks) */
    int udpport;              /* -U, UDP port (0: off) */
    char *inter;              /* -l, comma list of listen addresses */
    int verbose;              /* -v count; verbosity command changes it */
    rel_time_t oldest_live;   /* flush_all: items stored at or before are
                                 dead once current_time >= this; 0: none */
    uint64_t oldest_cas;      /* flush_all: items with a lower CAS are dead
                                 (separates same-second sets); 0: none */
    bool evict_to_free;       /* false with -M: answer OOM, don't evict */
    char *socketpath;         /* -s, unix socket path, NULL: TCP */
    int access;               /* -a, unix socket permission mask */
    double factor;            /* -f, slab growth factor */
    int chunk_size;           /* -n, bytes of key+value in smallest class */
    int num_threads;          /* -t, worker threads */
    char prefix_delimiter;    /* -D, stats detail key prefix delimiter */
    bool detail_enabled;      /* stats detail on|off, -D turns on */
    int reqs_per_event;       /* -R, commands per connection per event */
    bool use_cas;             /* false with -C */
    int backlog;              /* -b, listen backlog */
    int item_size_max;        /* -I, bytes */
    int slab_page_size;       /* bytes per slab page (1 MB) */
    int slab_chunk_size_max;  /* -o slab_chunk_max, bytes; largest class */
    bool prealloc;            /* -L, allocate all pages at start */
    bool lock_memory;         /* -k, mlockall */
    bool maxconns_fast;       /* -o maxconns_fast: reject at the limit */
    int hashpower_init;       /* -o hashpower, log2 of initial buckets */
    int hash_algorithm;       /* -o hash_algorithm: HASH_MURMUR3/HASH_JENKINS */
    bool hashexpand;          /* false with -o no_hashexpand */
    bool shutdown_command;    /* -A */
    bool flush_enabled;       /* false with -F */
    bool dump_enabled;        /* false with -X */
    bool watch_enabled;       /* false with -W */
    int idle_timeout;         /* -o idle_timeout, seconds, 0: never */
    int tail_repair_time;     /* -o tail_repair_time, seconds */
    int binding_protocol;     /* -B: BIND_AUTO, BIND_ASCII, BIND_BINARY */
    char *auth_file;          /* -Y, text-protocol auth file */
    bool sasl;                /* -S, SASL over the binary protocol */
    char *pid_file;           /* -P */
    char *port_file;          /* --port-file (ours): write bound ports */
};

enum { BIND_AUTO = 0, BIND_ASCII = 1, BIND_BINARY = 2 };

extern struct settings settings;

/* Settings that admin commands change while workers run (verbosity,
 * cache_memlimit) are read and written through these. */
static inline int verbose_level(void)
{
    return __atomic_load_n(&settings.verbose, __ATOMIC_RELAXED);
}

static inline void set_verbose_level(int level)
{
    __atomic_store_n(&settings.verbose, level, __ATOMIC_RELAXED);
}

static inline size_t maxbytes_now(void)
{
    return __atomic_load_n(&settings.maxbytes, __ATOMIC_RELAXED);
}

/* Install default settings (settings.c). */
void settings_init(void);

/*
 * Stats callback: one "STAT key value" line.  The cookie is the caller's
 * (a connection, or a test's buffer).  klen/vlen are byte counts.
 */
typedef void (*ADD_STAT)(const char *key, size_t klen, const char *val,
                         size_t vlen, void *cookie);
/* printf-style helper around an ADD_STAT (stats.c) */
void append_stat(ADD_STAT add, void *cookie, const char *name,
                 const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Strict number parsers (util.c): reject empty input, trailing junk
 * (a single trailing space or \r\n is not allowed either: callers pass
 * NUL-terminated tokens), ERANGE, and a '-' in an unsigned field. */
bool safe_strtoull(const char *s, uint64_t *out);
bool safe_strtoul(const char *s, uint32_t *out);
bool safe_strtoll(const char *s, int64_t *out);
bool safe_strtol(const char *s, int32_t *out);
bool safe_strtod(const char *s, double *out);

/* Logging gated on settings.verbose (util.c). One line per call. */
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));


/* ---------------------------------------------------------------------
 * Connections (memcached.c owns them; proto_text.c fills their output).
 * ------------------------------------------------------------------- */
#include <event.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/uio.h>

struct _stritem;
struct sasl_session;
struct ms_pending;
struct worker;

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

/* Small reply text (status lines, VALUE headers, small values) is written
 * into blocks a connection borrows from its worker's pool (worker.h) for
 * one batch of replies; iovecs point into them, so blocks never move once
 * written to. */
#define WBLOCK_SIZE 16368
struct wblock {
    struct wblock *next;
    size_t used;
    char data[WBLOCK_SIZE];
};

/* Which protocol a connection speaks; with -B auto the first byte
 * decides (0x80: binary). */
enum conn_protocol { PROTO_NEGOTIATE, PROTO_ASCII, PROTO_BINARY };

/* The binary request being served (proto_bin.c). */
struct bin_request {
    uint8_t opcode;
    uint8_t extlen;
    uint16_t keylen;
    uint32_t bodylen;
    uint32_t opaque;
    uint64_t cas;
    uint32_t flags;                 /* storage extras, kept for nread */
};

/* UDP: where each reply message starts in the reply queue (bytes). */
struct udp_msg {
    size_t start;
    bool skip;                      /* noreply: send nothing for it */
};

typedef struct conn conn;
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
    struct udp_msg *msgs;           /* UDP reply messages */
    int msgsize, msgused;
    bool noreply;                   /* current command wants no reply */
    bool authenticated;             /* -Y: logged in */
    bool auth_pending;              /* -Y: the value being read is a login */
    struct sasl_session *sasl;      /* -S: this connection's exchange */
    struct ms_pending *ms_pending;  /* meta ms: flags kept until its value
                                       is in (proto_meta.c); made on the
                                       connection's first ms */
    enum conn_protocol protocol;
    struct bin_request bin;         /* binary: current request header */
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
    int store_op;                   /* enum store_op of the command */
    uint64_t req_cas;               /* cas command's unique */
    size_t sbytes;                  /* bytes still to swallow */
    void (*after_swallow)(conn *c); /* reply once swallowed, or NULL */
    const char *swallow_msg;        /* what it replies (text protocol) */
    bool swallow_noreply;           /* noreply of the refused command */

    /* output */
    struct iovec *iov;
    int iovsize, iovused, iovcurr;  /* allocated, filled, next to send */
    size_t wbytes;                  /* bytes queued in iov */
    struct _stritem **ilist;        /* items referenced by iov */
    int isize, iused;
    struct wblock *wb_head;         /* blocks holding this reply batch */
    struct wblock *wb_tail;

    struct worker *worker;          /* owner (NULL for listeners) */
    conn *next;                     /* in the thread's conn list */
    conn *prev;
    struct sockaddr_storage peer;   /* remote address */
    socklen_t peerlen;
    int listen_port;                /* listeners: bound TCP port */
};

/* memcached.c: connection services used by the protocol modules. */
void conn_set_state(conn *c, enum conn_states state);
void out_string(conn *c, const char *str);     /* reply line (+\r\n) */
void out_errstring(conn *c, const char *str);  /* reply even if noreply */
bool out_bytes(conn *c, const char *buf, size_t len);  /* copied */
/* Reply text built in place: room for up to max (<= WBLOCK_SIZE) bytes,
 * then out_commit() with the length used.  NULL: out of memory. */
char *out_reserve(conn *c, size_t max);
bool out_commit(conn *c, size_t len);
bool out_item_value(conn *c, struct _stritem *it);     /* by reference */
/* The first n bytes of the value only (binary: no "\r\n"). */
bool out_item_data(conn *c, struct _stritem *it, size_t n);
void conn_close_after_reply(conn *c);
/* UDP: the replies queued from now on form a new message (datagrams
 * are numbered per message).  No-op on stream connections. */
void conn_begin_message(conn *c);
const char *conn_state_name(enum conn_states state);
/* "stats conns": every connection's address, state and idle time. */
void conn_stats(ADD_STAT add, void *cookie);

#endif /* MEMCACHED_H */
