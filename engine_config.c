/*
 * engine_config.c: the run-time tunables of the storage engine's
 * background work (struct engine_config): the LRU maintainer and
 * segments, the crawler, slab reassignment and the automover.  They are
 * set at start-up from "-o" options (engine_option) and changed at run
 * time by the lru, lru_crawler and slabs admin commands.
 *
 * Locks: cfg_lock, a leaf, guards `cfg`.  It is never taken on the
 * request path: the three fields a set reads (segmented LRU, TEMP LRU
 * and its TTL) are mirrored in atomics written under cfg_lock.
 */
#include "engine_config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

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

static bool opt_uint(const char *name, const char *val, uint32_t max,
                     uint32_t *out)
{
    if (val == NULL || !safe_strtoul(val, out) || *out > max) {
        fprintf(stderr, "-o %s takes a number from 0 to %u\n", name, max);
        return false;
    }
    return true;
}

static bool opt_double(const char *name, const char *val, double *out)
{
    if (val == NULL || !safe_strtod(val, out) || *out <= 0) {
        fprintf(stderr, "-o %s takes a number greater than 0\n", name);
        return false;
    }
    return true;
}

/* Flags without a value. */
static bool opt_flag(struct engine_config *c, const char *name)
{
    if (strcmp(name, "lru_maintainer") == 0) {
        c->lru_maintainer = c->lru_segmented = true;
    } else if (strcmp(name, "no_lru_maintainer") == 0) {
        c->lru_maintainer = c->lru_segmented = false;
    } else if (strcmp(name, "lru_crawler") == 0) {
        c->lru_crawler = true;
    } else if (strcmp(name, "no_lru_crawler") == 0) {
        c->lru_crawler = false;
    } else if (strcmp(name, "slab_reassign") == 0) {
        c->slab_reassign = true;
    } else if (strcmp(name, "no_slab_reassign") == 0) {
        c->slab_reassign = false;
    } else if (strcmp(name, "modern") == 0) {
        /* Everything "modern" turns on is already the default. */
    } else {
        return false;
    }
    return true;
}

enum opt_result engine_option(const char *name, const char *val)
{
    struct engine_config c;
    uint32_t u;
    bool ok = true;

    engine_config_get(&c);
    if (opt_flag(&c, name)) {
        /* done */
    } else if (strcmp(name, "slab_automove") == 0) {
        ok = opt_uint(name, val ? val : "1", 2, &u);
        c.slab_automove = (int)u;
    } else if (strcmp(name, "slab_automove_ratio") == 0) {
        ok = opt_double(name, val, &c.slab_automove_ratio);
    } else if (strcmp(name, "slab_automove_window") == 0) {
        ok = opt_uint(name, val, 3600, &c.slab_automove_window);
    } else if (strcmp(name, "hot_lru_pct") == 0) {
        ok = opt_uint(name, val, 80, &c.hot_lru_pct);
    } else if (strcmp(name, "warm_lru_pct") == 0) {
        ok = opt_uint(name, val, 80, &c.warm_lru_pct);
    } else if (strcmp(name, "hot_max_factor") == 0) {
        ok = opt_double(name, val, &c.hot_max_factor);
    } else if (strcmp(name, "warm_max_factor") == 0) {
        ok = opt_double(name, val, &c.warm_max_factor);
    } else if (strcmp(name, "temporary_ttl") == 0) {
        ok = opt_uint(name, val, INT32_MAX, &u);
        c.temporary_ttl = (int)u;
        c.temp_lru = true;
    } else if (strcmp(name, "lru_crawler_sleep") == 0) {
        ok = opt_uint(name, val, 1000000, &c.crawler_sleep);
    } else if (strcmp(name, "lru_crawler_tocrawl") == 0) {
        ok = opt_uint(name, val, UINT32_MAX, &c.crawler_tocrawl);
    } else {
        return OPT_UNKNOWN;
    }
    if (ok && c.hot_lru_pct + c.warm_lru_pct > 80) {
        fprintf(stderr, "hot_lru_pct + warm_lru_pct cannot be more than "
                "80%% combined\n");
        ok = false;
    }
    if (!ok)
        return OPT_BAD;
    engine_config_set(&c);
    return OPT_OK;
}
