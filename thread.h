/*
 * thread.h: worker threads and the hand-off of new connections.
 */
#ifndef THREAD_H
#define THREAD_H

#include "memcached.h"
#include "stats.h"

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
    struct thread_stats stats;
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

/* Per-thread stats of the caller's worker. */
#define THR_STATS_LOCK(c) pthread_mutex_lock(&(c)->thread->stats.mutex)
#define THR_STATS_UNLOCK(c) pthread_mutex_unlock(&(c)->thread->stats.mutex)

#endif /* THREAD_H */
