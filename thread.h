/*
 * thread.h: worker threads and the hand-off of new connections.
 */
#ifndef THREAD_H
#define THREAD_H

#include "memcached.h"
#include "stats.h"

/* Idle read buffers and reply blocks a worker keeps for reuse (each). */
#define BUF_POOL_MAX 32

struct conn_queue;

struct libevent_thread {
    pthread_t thread_id;
    int index;                      /* 0 .. num_threads-1 */
    struct event_base *base;        /* this worker's event loop */
    struct event notify_event;      /* wake-up: new connection queued */
    struct event idle_event;        /* -o idle_timeout sweep, 1 s */
    int notify_receive_fd;
    int notify_send_fd;
    struct conn_queue *new_conn_queue;
    struct thread_stats stats;      /* written by this worker only */
    struct thread_stats stats_base; /* values at the last "stats reset",
                                       under stats_lock */
    /* Idle buffers of this worker's connections (memcached.c; touched by
     * this worker only).  A connection holds a read buffer and reply
     * blocks only while a command or a reply is in flight, so idle
     * connections cost no buffers and the few in use stay warm. */
    char *rbuf_pool[BUF_POOL_MAX];  /* RBUF_INITIAL bytes each */
    int rbuf_pooled;
    struct wblock *wb_pool;         /* spare reply blocks, a list */
    int wb_pooled;
    pthread_mutex_t conns_lock;     /* guards membership of `conns` */
    conn *conns;                    /* this worker's connections; the
                                       owner changes the list under
                                       conns_lock, `stats conns` reads
                                       it under conns_lock */
};

/* Start num_threads workers; returns once all are running. */
void thread_init(int nthreads);
/* Stop and join the workers, closing their connections. */
void thread_shutdown(void);
/* Give an accepted socket to the next worker (round robin). */
void dispatch_conn_new(int sfd, bool is_unix);
int thread_count(void);
LIBEVENT_THREAD *thread_get(int i);

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
#define STATS_ADD(c, field, n) stats_add(&(c)->thread->stats.field, (n))

#endif /* THREAD_H */
