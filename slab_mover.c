/*
 * slab_mover.c: moving slab pages between classes.  "slabs reassign src
 * dst" asks for one page of class src to go to class dst (0: the global
 * pool); the automover asks for the same on its own once a second, for a
 * class that evicts while another has memory to spare.  The mover thread
 * does the move: it empties the first page of src chunk by chunk
 * (lru_evacuate: an item is copied into a free chunk of its class
 * elsewhere if there is one, else evicted; chunked items with data on
 * the page are evicted), then hands the empty page over
 * (slabs_page_move_*).  Busy chunks (items held by readers) are retried.
 *
 * Locks: mover_lock (a leaf) guards the request (req_src/req_dst) and
 * the counters; the thread sleeps and stops through its bgthread.  The
 * page in flight (`pm`, `moving`) belongs to whoever runs the move: the
 * mover thread, or a test through slab_mover_run() while no thread
 * runs.  Evacuation takes item (tried), LRU and slabs locks in lru.c.
 */
#include "slab_mover.h"
#include "bgthread.h"
#include "lru.h"
#include "slabs.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static pthread_mutex_t mover_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bgthread mover = BGTHREAD_INITIALIZER;
static int req_src, req_dst;            /* mover_lock; req_src 0: none */
static struct slab_move_stats counts;   /* mover_lock */
static struct slab_page_move pm;        /* the move in flight */
static bool moving;                     /* pm is valid */

/* Checks in the reference's order: busy, same, bad class, no spare. */
enum reassign_result slab_mover_reassign(int src, int dst)
{
    struct engine_config cfg;
    enum reassign_result r = REASSIGN_OK;
    int n = (int)slabs_largest_class();

    engine_config_get(&cfg);
    if (!cfg.slab_reassign)
        return REASSIGN_DISABLED;
    pthread_mutex_lock(&mover_lock);
    if (req_src != 0)
        r = REASSIGN_RUNNING;
    else if (src == dst)
        r = REASSIGN_SAME;
    else if (src < 0 || dst < 0 || src > n || dst > n)
        r = REASSIGN_BADCLASS;
    else if (src == 0 || slabs_npages((unsigned int)src) < 2)
        r = REASSIGN_NOSPARE;
    if (r == REASSIGN_OK) {
        req_src = src;
        req_dst = dst;
    }
    pthread_mutex_unlock(&mover_lock);
    if (r == REASSIGN_OK)
        bgthread_wake(&mover);
    return r;
}

static void count(uint64_t *field, uint64_t n)
{
    pthread_mutex_lock(&mover_lock);
    *field += n;
    pthread_mutex_unlock(&mover_lock);
}

/* One pass over the page being moved.  Returns the chunks still busy. */
static unsigned int move_pass(void)
{
    unsigned int k, busy = 0;
    bool raw_left = false;

    for (k = 0; k < pm.perslab; k++) {
        char *chunk = pm.page + (size_t)k * pm.chunk_size;
        enum evac_result r;

        switch (slabs_page_chunk_state(k)) {
        case SLAB_CHUNK_DONE:
            continue;
        case SLAB_CHUNK_RAW:
            raw_left = true;
            continue;
        case SLAB_CHUNK_ITEM:
            break;
        }
        r = lru_evacuate(chunk, pm.src, pm.page,
                         (size_t)settings.slab_page_size);
        if (r == EVAC_RESCUED)
            count(&counts.rescues, 1);
        else if (r == EVAC_EVICTED)
            count(&counts.evictions_nomem, 1);
        else if (r == EVAC_BUSY)
            busy++;
    }
    if (raw_left)
        busy += lru_evacuate_chunked(pm.page,
                                     (size_t)settings.slab_page_size);
    if (busy > 0)
        count(&counts.busy_items, busy);
    return busy;
}

/* The request ends: done, or impossible (the class shrank meanwhile). */
static void request_done(bool moved)
{
    pthread_mutex_lock(&mover_lock);
    req_src = 0;
    if (moved)
        counts.slabs_moved++;
    pthread_mutex_unlock(&mover_lock);
}

bool slab_mover_run(unsigned int tries)
{
    int src, dst;

    pthread_mutex_lock(&mover_lock);
    src = req_src;
    dst = req_dst;
    pthread_mutex_unlock(&mover_lock);
    if (src == 0)
        return false;
    if (!moving && !slabs_page_move_begin((unsigned int)src, &pm)) {
        request_done(false);
        return false;
    }
    moving = true;
    while (tries-- > 0) {
        if (move_pass() > 0) {
            usleep(1000);
            continue;
        }
        if (slabs_page_move_finish((unsigned int)dst)) {
            moving = false;
            request_done(true);
            return true;
        }
    }
    return false;
}

void slab_mover_stats(struct slab_move_stats *out)
{
    pthread_mutex_lock(&mover_lock);
    *out = counts;
    out->running = req_src != 0;
    pthread_mutex_unlock(&mover_lock);
    out->global_page_pool = slabs_pool_pages();
}

/* ---- the automover ---- */

/* Per class history, owned by the mover thread. */
struct am_class {
    uint64_t last_evicted;
    unsigned int evict_runs;   /* consecutive seconds with evictions */
    unsigned int quiet;        /* consecutive seconds without */
    rel_time_t age;            /* COLD tail age at the last tick */
};
static struct am_class am[MAX_SLAB_CLASSES];

/*
 * Once a second.  The destination is the class that evicted in the last
 * second and whose LRU tail is youngest (it needs memory most).  The
 * source is a class with two or more pages that has not evicted for the
 * window (mode 1: slab_automove_window seconds, 30 by default, as long as
 * the reference watches before its first move; mode 2: one second) and
 * either holds more than a page and a half of free chunks,
 * or (mode 1) whose tail is older than the destination's by the ratio,
 * or (mode 2) is simply the oldest.  At most one page per second.
 */
static void automove_tick(const struct engine_config *cfg)
{
    unsigned int i, n = slabs_largest_class(), window;
    int src = 0, dst = 0;
    rel_time_t dst_age = 0, src_age = 0;

    window = cfg->slab_automove == 2 ? 1 : cfg->slab_automove_window;
    if (window < 1)
        window = 1;
    for (i = 1; i <= n; i++) {
        uint64_t ev;
        rel_time_t age;
        bool evicted;

        lru_class_figures(i, &ev, &age);
        evicted = ev > am[i].last_evicted;
        am[i].last_evicted = ev;
        am[i].evict_runs = evicted ? am[i].evict_runs + 1 : 0;
        am[i].quiet = evicted ? 0 : am[i].quiet + 1;
        am[i].age = age;
        if (evicted) {
            if (dst == 0 || age < dst_age) {
                dst = (int)i;
                dst_age = age;
            }
        }
    }
    if (dst == 0)
        return;
    for (i = 1; i <= n; i++) {
        rel_time_t age;
        bool spare;

        if ((int)i == dst || am[i].quiet < window || slabs_npages(i) < 2)
            continue;
        spare = slabs_free_chunks(i) > slabs_perslab(i) * 3 / 2;
        age = am[i].age;
        if (spare || cfg->slab_automove == 2 ||
            (double)dst_age < (double)age * cfg->slab_automove_ratio) {
            if (src == 0 || spare || age > src_age) {
                src = (int)i;
                src_age = spare ? (rel_time_t)-1 : age;
            }
        }
    }
    if (src != 0)
        slab_mover_reassign(src, dst);
}

/* Runs the automover once a second and the requested moves; woken at
 * once by a request. */
static void mover_run(struct bgthread *t)
{
    struct timeval last = {0, 0};

    do {
        struct engine_config cfg;
        struct timeval now;
        bool pending;

        engine_config_get(&cfg);
        gettimeofday(&now, NULL);
        if (cfg.slab_automove > 0 && now.tv_sec != last.tv_sec) {
            automove_tick(&cfg);
            last = now;
        }
        pthread_mutex_lock(&mover_lock);
        pending = req_src != 0;
        pthread_mutex_unlock(&mover_lock);
        if (pending) {
            slab_mover_run(100);
            bgthread_wake(t);       /* go round again without sleeping */
        }
    } while (bgthread_sleep(t, 1000000));
}

bool slab_mover_start(void)
{
    if (bgthread_running(&mover))
        return true;
    memset(am, 0, sizeof(am));
    return bgthread_start(&mover, "mc-slabmover", mover_run, NULL);
}

void slab_mover_stop(void)
{
    bgthread_stop(&mover);
}
