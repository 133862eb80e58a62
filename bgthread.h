/*
 * bgthread.h: the life cycle every background thread shares (the LRU
 * maintainer, the LRU crawler, the slab mover, the hash expander):
 * start, ask to stop and join, wake, and a timed sleep measured on
 * CLOCK_MONOTONIC, so a step of the wall clock neither stalls nor hurries
 * a thread.  See bgthread.c.
 */
#ifndef BGTHREAD_H
#define BGTHREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct bgthread {
    pthread_mutex_t lock;      /* a leaf: guards stop and kicked */
    pthread_cond_t cond;       /* waited on with CLOCK_MONOTONIC */
    bool stop;                 /* lock: the thread must leave its loop */
    bool kicked;               /* lock: woken since its last sleep */
    bool running;              /* the owner's (start/stop callers') */
    pthread_t tid;
    const char *name;
    void (*run)(struct bgthread *t);
    void *arg;                 /* the owner's, for run() */
};

/* Static initialiser: a bgthread can be woken before it ever ran. */
#define BGTHREAD_INITIALIZER                                        \
    { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false,   \
      false, false, 0, NULL, NULL, NULL }

/* Run run(t) in a new thread named `name` (at most 15 characters).
 * true if it runs now (also if it was running already); false with a
 * message on stderr if it could not be created. */
bool bgthread_start(struct bgthread *t, const char *name,
                    void (*run)(struct bgthread *t), void *arg);
/* Ask the thread to stop, wake it and wait for it to return.  No-op if
 * it is not running.  Callers serialise start and stop themselves. */
void bgthread_stop(struct bgthread *t);
bool bgthread_running(const struct bgthread *t);

/* Wake the thread from bgthread_sleep (or make its next sleep return at
 * once).  Any thread, any time; takes only t->lock. */
void bgthread_wake(struct bgthread *t);

/* For run(): sleep until woken, until `usec` microseconds have passed
 * (0: no time limit), or until asked to stop.  Returns false once the
 * thread must stop, true otherwise. */
bool bgthread_sleep(struct bgthread *t, uint64_t usec);
/* For run(): has a stop been asked for?  (Takes t->lock.) */
bool bgthread_stopping(struct bgthread *t);

#endif /* BGTHREAD_H */
