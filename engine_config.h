/*
 * engine_config.h: the run-time tunables of the storage engine's
 * background work (see engine_config.c).
 */
#ifndef ENGINE_CONFIG_H
#define ENGINE_CONFIG_H

#include "memcached.h"

/* Tunables of the engine's background work ("-o" options, the lru,
 * lru_crawler and slabs admin commands).  Read and written only through
 * engine_config_get/engine_config_set (a leaf lock, never on the hot
 * path; the few fields the hot path needs are mirrored in atomics, read
 * by the engine_hot_* functions below). */
struct engine_config {
    bool lru_maintainer;        /* maintainer thread runs */
    bool lru_segmented;         /* HOT/WARM/COLD (else all in COLD) */
    bool temp_lru;              /* short-TTL items go to TEMP */
    int temporary_ttl;          /* seconds; TTL below this: TEMP */
    unsigned int hot_lru_pct;   /* % of a class's bytes HOT may hold */
    unsigned int warm_lru_pct;  /* % WARM may hold */
    double hot_max_factor;      /* HOT tail older than COLD age * this */
    double warm_max_factor;     /* moves down; likewise WARM */
    bool lru_crawler;           /* crawler thread runs */
    unsigned int crawler_sleep; /* microseconds per 1000 items checked */
    uint32_t crawler_tocrawl;   /* items checked per LRU per crawl, 0: all */
    bool slab_reassign;         /* pages may move between classes */
    int slab_automove;          /* 0 off, 1 default, 2 aggressive */
    double slab_automove_ratio; /* age ratio for mode 1 */
    unsigned int slab_automove_window; /* seconds of history */
    double slab_automove_freeratio;    /* free share a class may keep */
};
void engine_config_get(struct engine_config *out);
void engine_config_set(const struct engine_config *in);

/* The mirrors the request path reads without cfg_lock. */
extern bool engine_hot_segmented_, engine_hot_temp_lru_;
extern int engine_hot_temp_ttl_;

static inline bool engine_hot_segmented(void)
{
    return __atomic_load_n(&engine_hot_segmented_, __ATOMIC_RELAXED);
}

static inline bool engine_hot_temp_lru(void)
{
    return __atomic_load_n(&engine_hot_temp_lru_, __ATOMIC_RELAXED);
}

static inline int engine_hot_temp_ttl(void)
{
    return __atomic_load_n(&engine_hot_temp_ttl_, __ATOMIC_RELAXED);
}

#endif /* ENGINE_CONFIG_H */
