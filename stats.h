/*
 * stats.h: counters.  Per-request counters live in each worker thread
 * (struct thread_stats: written by the owner alone without a lock, read
 * by `stats` with relaxed loads, reset through a baseline); rare server-wide
 * counters live in `stats_state` under stats_lock.  stats.c adds them up.
 */
#ifndef STATS_H
#define STATS_H

#include "memcached.h"

/* Counters kept per slab class as well as per thread. */
struct slab_stats {
    uint64_t set_cmds;
    uint64_t get_hits;
    uint64_t touch_hits;
    uint64_t delete_hits;
    uint64_t cas_hits;
    uint64_t cas_badval;
    uint64_t incr_hits;
    uint64_t decr_hits;
    uint64_t hits_to[4];    /* get hits by LRU segment (enum lru_seg) */
};

/* Per worker thread; only the owner writes (see stats_add in worker.h).
 * Every field is a uint64_t counter: stats.c walks them as an array. */
struct thread_stats {
    uint64_t get_cmds;
    uint64_t get_misses;
    uint64_t get_expired;
    uint64_t get_flushed;
    uint64_t touch_cmds;
    uint64_t touch_misses;
    uint64_t delete_misses;
    uint64_t incr_misses;
    uint64_t decr_misses;
    uint64_t cas_misses;
    uint64_t flush_cmds;
    uint64_t meta_cmds;
    uint64_t store_too_large;
    uint64_t store_no_memory;
    uint64_t auth_cmds;
    uint64_t auth_errors;
    uint64_t idle_kicks;        /* closed by -o idle_timeout */
    uint64_t bytes_read;
    uint64_t bytes_written;
    uint64_t conn_yields;
    struct slab_stats slab[MAX_SLAB_CLASSES];
};

/* Server-wide, under stats_lock. */
struct stats_state {
    uint64_t curr_conns;        /* every open conn, listeners included */
    uint64_t total_conns;       /* conns ever opened, listeners included */
    uint64_t rejected_conns;    /* refused at the -c limit */
    uint64_t conn_structs;      /* conn structures allocated */
    uint64_t listen_disabled_num;
    unsigned int reserved_fds;  /* fds not available to clients */
    bool accepting_conns;
};
extern struct stats_state stats_state;
extern pthread_mutex_t stats_lock;

void stats_init(void);
void stats_reset(void);
/* "stats" and its groups; returns false for an unknown group. */
bool stats_group(const char *group, ADD_STAT add, void *cookie);
/* A group owned by a module above this one (conn.c's "conns",
 * options.c's "settings"): main()
 * registers it before the workers start.  false if the table is full. */
typedef void (*stats_group_fn)(ADD_STAT add, void *cookie);
bool stats_register_group(const char *name, stats_group_fn fn);
/* Sum every worker's thread_stats into *out. */
void threadlocal_stats_aggregate(struct thread_stats *out);
void threadlocal_stats_reset(void);
/* stats slabs per-class extra: the slab_stats of class id. */
void stats_slab_class_extra(unsigned int id, ADD_STAT add, void *cookie);

/* "stats detail": per key-prefix counters. */
enum prefix_op { PREFIX_GET, PREFIX_SET, PREFIX_DELETE };
bool stats_detail_enabled(void);
void stats_detail_set(bool on);
void stats_prefix_record(const char *key, size_t nkey, enum prefix_op op,
                         bool hit);
void stats_prefix_dump(void (*line)(const char *s, size_t len, void *cookie),
                       void *cookie);
void stats_prefix_clear(void);

#endif /* STATS_H */
