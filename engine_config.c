/*
 * engine_config.c: the run-time tunables of the storage engine's
 * background work (struct engine_config): the LRU maintainer and
 * segments, the crawler, slab reassignment and the automover.  They are
 * set at start-up from "-o" options (rows of options.c's table, which
 * parse them into a copy and hand it to engine_config_set) and changed
 * at run time by the lru, lru_crawler and slabs admin commands.
 *
 * Locks: cfg_lock, a leaf, guards `cfg`.  It is never taken on the
 * request path: the three fields a set reads (segmented LRU, TEMP LRU
 * and its TTL) are mirrored in atomics written under cfg_lock.
 */
#include "engine_config.h"

#include <pthread.h>

static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct engine_config cfg = {
    .lru_maintainer = true, .lru_segmented = true, .temp_lru = false,
    .temporary_ttl = 61, .hot_lru_pct = 20, .warm_lru_pct = 40,
    .hot_max_factor = 0.2, .warm_max_factor = 2.0,
    .lru_crawler = true, .crawler_sleep = 100, .crawler_tocrawl = 0,
    .slab_reassign = true, .slab_automove = 1,
    .slab_automove_ratio = 0.8, .slab_automove_window = 30,
    .slab_automove_freeratio = 0.01,
};
bool engine_hot_segmented_ = true, engine_hot_temp_lru_;
int engine_hot_temp_ttl_ = 61;

void engine_config_get(struct engine_config *out)
{
    pthread_mutex_lock(&cfg_lock);
    *out = cfg;
    pthread_mutex_unlock(&cfg_lock);
}

void engine_config_set(const struct engine_config *in)
{
    pthread_mutex_lock(&cfg_lock);
    cfg = *in;
    __atomic_store_n(&engine_hot_segmented_, in->lru_segmented, __ATOMIC_RELAXED);
    __atomic_store_n(&engine_hot_temp_lru_, in->temp_lru, __ATOMIC_RELAXED);
    __atomic_store_n(&engine_hot_temp_ttl_, in->temporary_ttl, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&cfg_lock);
}
