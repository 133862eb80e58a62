/*
 * bgthread.c: start, stop, wake and sleep for the daemon's background
 * threads (see bgthread.h).  One struct bgthread per thread, owned by the
 * module whose thread it is.
 *
 * A wake-up is a flag plus a signal under the thread's own lock, so one
 * that comes while the thread is busy is not lost: its next sleep returns
 * at once.  Timed sleeps use pthread_cond_clockwait() on CLOCK_MONOTONIC.
 *
 * Locks: t->lock, a leaf.  It may be taken under any engine lock (the
 * hash table wakes its expander under an item lock); nothing else is
 * ever taken while holding it.
 */
#include "memcached.h"
#include "bgthread.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void *bgthread_main(void *arg)
{
    struct bgthread *t = arg;

    t->run(t);
    return NULL;
}

bool bgthread_start(struct bgthread *t, const char *name,
                    void (*run)(struct bgthread *t), void *arg)
{
    int rc;

    if (t->running)
        return true;
    t->name = name;
    t->run = run;
    t->arg = arg;
    pthread_mutex_lock(&t->lock);
    t->stop = false;
    pthread_mutex_unlock(&t->lock);
    rc = pthread_create(&t->tid, NULL, bgthread_main, t);
    if (rc != 0) {
        fprintf(stderr, "cannot start the %s thread: %s\n", name,
                strerror(rc));
        return false;
    }
    pthread_setname_np(t->tid, name);
    t->running = true;
    return true;
}

void bgthread_stop(struct bgthread *t)
{
    if (!t->running)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->tid, NULL);
    t->running = false;
}

bool bgthread_running(const struct bgthread *t)
{
    return t->running;
}

void bgthread_wake(struct bgthread *t)
{
    pthread_mutex_lock(&t->lock);
    t->kicked = true;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

bool bgthread_stopping(struct bgthread *t)
{
    bool s;

    pthread_mutex_lock(&t->lock);
    s = t->stop;
    pthread_mutex_unlock(&t->lock);
    return s;
}

bool bgthread_sleep(struct bgthread *t, uint64_t usec)
{
    struct timespec ts;
    bool go_on;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(usec / 1000000);
    ts.tv_nsec += (long)(usec % 1000000) * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&t->lock);
    while (!t->stop && !t->kicked) {
        int rc = usec == 0
                     ? pthread_cond_wait(&t->cond, &t->lock)
                     : pthread_cond_clockwait(&t->cond, &t->lock,
                                              CLOCK_MONOTONIC, &ts);

        if (rc != 0)
            break;      /* ETIMEDOUT */
    }
    t->kicked = false;
    go_on = !t->stop;
    pthread_mutex_unlock(&t->lock);
    return go_on;
}
