/*
 * worker.h: what a worker thread owns that its connections and the
 * protocols use: its event base, its counters, its buffer pools and its
 * connection list.  Kept apart from thread.h so that the connection code
 * (conn.c, reply.c) and stats.c reach it without calling up into
 * thread.c, which creates the workers and sits above them.
 *
 * thread.c fills one struct worker per worker thread and registers it
 * here before the thread starts; the table is then read-only until
 * thread_shutdown() has joined every worker and clears it.
 */
#ifndef WORKER_H
#define WORKER_H

#include "memcached.h"
#include "stats.h"

#include <event.h>
#include <pthread.h>

/* Idle read buffers and reply blocks a worker keeps for reuse (each). */
#define BUF_POOL_MAX 32

struct conn;
struct wblock;

struct worker {
    struct event_base *base;        /* this worker's event loop */
    struct thread_stats stats;      /* written by this worker only */
    struct thread_stats stats_base; /* values at the last "stats reset",
                                       under stats_lock */
    /* Idle buffers of this worker's connections (touched by this worker
     * only).  A connection holds a read buffer and reply blocks only
     * while a command or a reply is in flight, so idle connections cost
     * no buffers and the few in use stay warm. */
    char *rbuf_pool[BUF_POOL_MAX];  /* RBUF_INITIAL bytes each (conn.c) */
    int rbuf_pooled;
    struct wblock *wb_pool;         /* spare reply blocks, a list */
    int wb_pooled;
    pthread_mutex_t conns_lock;     /* guards membership of `conns` */
    struct conn *conns;             /* this worker's connections; the
                                       owner changes the list under
                                       conns_lock, `stats conns` reads
                                       it under conns_lock */
};

/*
 * Per-thread counters have exactly one writer, the owning worker, so an
 * increment is a relaxed load and store: no lock and no locked
 * instruction on the request path.  Readers (stats) load relaxed and
 * may see a count one request old, never a torn one.  "stats reset"
 * does not write them (it would race with the writer); it records a
 * baseline that stats.c subtracts.
 */
static inline void stats_add(uint64_t *p, uint64_t n)
{
    __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + n,
                     __ATOMIC_RELAXED);
}

/* Add w to the table (start-up, before w's thread runs); false if out of
 * memory. */
bool worker_register(struct worker *w);
/* Empty the table (shutdown, after every worker has been joined). */
void worker_unregister_all(void);
int worker_count(void);
struct worker *worker_get(int i);

#endif /* WORKER_H */
