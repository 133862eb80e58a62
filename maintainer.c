/*
 * maintainer.c: the LRU maintainer, a background thread that keeps each
 * class's segments in shape so that sets rarely do that work inline:
 * it reclaims dead TEMP items, moves HOT and WARM tails down to COLD
 * when over their share or too old, gives COLD's ACTIVE tail items a
 * place in WARM, and keeps a couple of chunks free in a class that can
 * no longer grow (all through lru_pull_tail, lru.c).
 *
 * Schedule: a pass visits every class; a class with nothing to do is
 * visited less and less often (up to MAINT_BACKOFF_MAX_MS apart), and
 * the thread sleeps 1 ms longer after an idle pass (up to 1 s) and half
 * as long after a busy one.
 *
 * Locks: none of its own beyond its bgthread's (a leaf, only for sleep
 * and stop); the pass itself takes LRU and (tried) item locks in lru.c.
 */
#include "maintainer.h"
#include "bgthread.h"
#include "lru.h"
#include "slabs.h"

#include <time.h>

#define JUGGLE_MAX 100           /* maintainer moves per class per pass */
#define MAINT_SLEEP_BEHIND 100   /* microseconds, after a pass that hit it */
#define MAINT_SLEEP_MIN 1000     /* maintainer sleep bounds, microseconds */
#define MAINT_SLEEP_MAX 1000000

static struct bgthread maint = BGTHREAD_INITIALIZER;
static uint64_t juggles;         /* atomic; maintainer passes */

/* Keep a couple of chunks free once the class cannot grow, so that a set
 * usually finds one without evicting inline.  Only a couple: every chunk
 * held free is an item not cached, and at 1/256 of a page per class the
 * hit ratio at -m 64 fell measurably below the reference's (bench). */
#define MAINT_FREE_CHUNKS 2

static int maint_keep_free(unsigned int id, const struct engine_config *c)
{
    unsigned int want = MAINT_FREE_CHUNKS, have;
    int n = 0;

    if (!settings.evict_to_free)
        return 0;
    have = slabs_free_chunks(id);
    if (have >= want || slabs_can_grow(id))
        return 0;
    while (have + (unsigned int)n < want &&
           lru_pull_tail(id, LRU_COLD, 0, PULL_EVICT | PULL_MAINT, c) ==
               PULL_FREED)
        n++;
    return n;
}

/* One pass over class id: reclaim dead TEMP items, push HOT and WARM
 * down to their bounds, give COLD's ACTIVE tail items a place in WARM,
 * keep a little memory free.  Returns the work done; *behind is set if
 * it stopped at JUGGLE_MAX with work left.  The cap keeps each run of
 * LRU-lock round trips short (~20 us): a worker's set waiting for the
 * lock otherwise waited out the whole run, and a run of 500 after a
 * burst of sets cost p99.9 latency (126 us against the reference's
 * 44-70 in a 1-conn get/set run); the maintainer comes back sooner
 * instead (MAINT_SLEEP_BEHIND). */
static int juggle(unsigned int id, const struct engine_config *c,
                  bool *behind)
{
    rel_time_t cold_age;
    int i, did = 0;

    for (i = 0; i < JUGGLE_MAX; i++) {
        if (lru_pull_tail(id, LRU_TEMP, 0, PULL_MAINT, c) != PULL_FREED)
            break;
        did++;
    }
    if (i == JUGGLE_MAX)
        *behind = true;
    if (c->lru_segmented) {
        cold_age = lru_tail_age(id, LRU_COLD);
        for (i = 0; i < JUGGLE_MAX; i++) {
            int more = 0;

            /* WARM only when HOT had nothing to move (as the reference
             * does): under a stream of sets every pass moves HOT items,
             * and a WARM look per move was a third of the lock trips. */
            if (lru_pull_tail(id, LRU_HOT,
                              (rel_time_t)(cold_age * c->hot_max_factor),
                              PULL_MAINT, c) != PULL_NONE ||
                lru_pull_tail(id, LRU_WARM,
                              (rel_time_t)(cold_age * c->warm_max_factor),
                              PULL_MAINT, c) != PULL_NONE)
                more++;
            more += lru_pull_tail(id, LRU_COLD, 0, PULL_MAINT, c) !=
                    PULL_NONE;
            if (more == 0)
                break;
            did += more;
        }
        if (i == JUGGLE_MAX)
            *behind = true;
    }
    return did + maint_keep_free(id, c);
}

int lru_maintainer_juggle(unsigned int id)
{
    struct engine_config c;
    bool behind = false;

    engine_config_get(&c);
    if (id < 1 || id > slabs_largest_class())
        return 0;
    return juggle(id, &c, &behind);
}

/* Sleeps adaptively: 1 ms longer after a pass with nothing to do (up to
 * 1 s), half as long after a busy one (down to 1 ms).  The increase is
 * additive, as the reference's: doubling reached a 1 s sleep within a
 * second of idling, so the HOT items of a burst of sets (a bench
 * preload) were still being moved in 500-item runs a second later,
 * holding the LRU lock against the workers' sets (p99.9 of a 1-conn
 * get/set run: 126 us against the reference's 44-70). */
#define MAINT_BACKOFF_MAX_MS 64   /* an idle class is visited this often */

static uint64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void maint_run(struct bgthread *t)
{
    uint64_t sleep_us = MAINT_SLEEP_MIN;
    /* this thread's own: per class, when to visit next, current backoff */
    uint64_t next_ms[MAX_SLAB_CLASSES] = {0}, now_ms;
    unsigned int backoff_ms[MAX_SLAB_CLASSES] = {0};
    bool behind = false;

    while (bgthread_sleep(t, behind ? MAINT_SLEEP_BEHIND : sleep_us)) {
        struct engine_config c;
        unsigned int i, n = slabs_largest_class();
        int did = 0;

        behind = false;
        engine_config_get(&c);
        now_ms = mono_ms();
        for (i = 1; i <= n; i++) {
            int d;

            /* A class that had nothing to do is visited less and less
             * often, at most MAINT_BACKOFF_MAX_MS apart: most classes
             * are idle, and each visit costs several LRU-lock round
             * trips that the busy ones' workers then wait for (set-heavy
             * load spent ~10% more CPU than the reference here). */
            if (now_ms < next_ms[i])
                continue;
            d = juggle(i, &c, &behind);
            did += d;
            if (d > 0) {
                backoff_ms[i] = 0;
            } else {
                backoff_ms[i] = backoff_ms[i] == 0 ? 1
                                : backoff_ms[i] * 2 > MAINT_BACKOFF_MAX_MS
                                      ? MAINT_BACKOFF_MAX_MS
                                      : backoff_ms[i] * 2;
            }
            next_ms[i] = now_ms + backoff_ms[i];
        }
        __atomic_add_fetch(&juggles, 1, __ATOMIC_RELAXED);
        if (did == 0)
            sleep_us = sleep_us + MAINT_SLEEP_MIN > MAINT_SLEEP_MAX
                           ? MAINT_SLEEP_MAX
                           : sleep_us + MAINT_SLEEP_MIN;
        else
            sleep_us = sleep_us / 2 < MAINT_SLEEP_MIN ? MAINT_SLEEP_MIN
                                                      : sleep_us / 2;
    }
}

bool lru_maintainer_start(void)
{
    return bgthread_start(&maint, "mc-lrumaint", maint_run, NULL);
}

void lru_maintainer_stop(void)
{
    bgthread_stop(&maint);
}

uint64_t maintainer_juggles(void)
{
    return __atomic_load_n(&juggles, __ATOMIC_RELAXED);
}
