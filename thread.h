/*
 * thread.h: worker threads and the hand-off of new connections.
 */
#ifndef THREAD_H
#define THREAD_H

#include "memcached.h"

/* Start num_threads workers; returns once all are running. */
void thread_init(int nthreads);
/* Stop and join the workers, closing their connections. */
void thread_shutdown(void);
/* Give an accepted socket to the next worker (round robin). */
void dispatch_conn_new(int sfd, bool is_unix);

#endif /* THREAD_H */
