/*
 * worker.c: the table of workers (struct worker, worker.h) that stats.c
 * and conn.c walk: every worker's counters for "stats", every worker's
 * connection list for "stats conns".
 *
 * The table is an array of pointers into thread.c's thread descriptors,
 * grown by worker_register() while thread_init() sets the workers up,
 * before any of them runs; from then until thread_shutdown() has joined
 * them all it is only read, so it needs no lock (pthread_create orders
 * the writes before every reader).
 */
#include "worker.h"

#include <stdlib.h>

static struct worker **workers;
static int nworkers;

bool worker_register(struct worker *w)
{
    struct worker **n = realloc(workers, sizeof(*n) * (size_t)(nworkers + 1));

    if (n == NULL)
        return false;
    workers = n;
    workers[nworkers++] = w;
    return true;
}

void worker_unregister_all(void)
{
    free(workers);
    workers = NULL;
    nworkers = 0;
}

int worker_count(void)
{
    return nworkers;
}

struct worker *worker_get(int i)
{
    return workers[i];
}
