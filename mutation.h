/*
 * mutation.h: the storage engine's mutation hook.  Every change of the
 * cache reaches one registered observer: replication, watch and hot-key
 * reporting plug in here, never into the protocol handlers.
 *
 * Who calls, and when:
 *   MUT_STORE   a new item was linked (set, add, replace, append,
 *               prepend, cas, incr/decr that built a new item, mg N / ma N
 *               vivify, ms).  `it` is the item now in the cache.
 *   MUT_UPDATE  a linked item changed in place: incr/decr rewritten in
 *               place, touch, gat, mg T, md I (stale + new CAS).  `it` is
 *               that item, with its new state.
 *   MUT_DELETE  delete, md, binary delete; `it` is the item leaving.
 *   MUT_EVICT   evicted for memory (LRU tail, slab page move).
 *   MUT_EXPIRE  an expired or flushed item was reclaimed (found dead by a
 *               lookup, by the LRU tail walk or by the crawler).
 *   MUT_FLUSH   flush_all: items stored at or before `when` (rel_time_t;
 *               0: now) are dead from then on.  `it` is NULL.
 * The observer runs in whichever thread made the change: a worker, or
 * the LRU maintainer, crawler or slab mover for evictions and reclaims.
 * Item events are called with the key's item lock held (so, for one key,
 * in the order the engine applied them) and, for EVICT/EXPIRE from the
 * LRU, with that class's LRU lock held too.  `it` stays valid for the
 * call; an observer that keeps it takes its own reference with
 * item_hold() and later item_release()s it.  An observer must be quick
 * and must take no engine lock (item, LRU or slabs): a per-thread ring
 * and a wake-up, not I/O.
 *
 * With no observer registered the cost is one load and one predictable
 * branch per change.
 */
#ifndef MUTATION_H
#define MUTATION_H

#include "memcached.h"

struct _stritem;

enum mutation_kind {
    MUT_STORE, MUT_UPDATE, MUT_DELETE, MUT_EVICT, MUT_EXPIRE, MUT_FLUSH
};

struct mutation {
    enum mutation_kind kind;
    struct _stritem *it;       /* NULL for MUT_FLUSH */
    const char *key;           /* item_key(it); NULL for MUT_FLUSH */
    size_t nkey;
    uint64_t cas;              /* item_get_cas(it); 0 for MUT_FLUSH */
    rel_time_t when;           /* MUT_FLUSH only */
};

typedef void (*mutation_fn)(const struct mutation *m, void *arg);

/* Register fn (NULL: none).  Meant for start-up, before the workers run;
 * at run time a change is seen by each thread at its next mutation. */
void engine_set_observer(mutation_fn fn, void *arg);

/* The engine's side (mutation.c). */
struct mutation_observer {
    mutation_fn fn;
    void *arg;
};
extern const struct mutation_observer *mutation_observer_;
void mutation_call(const struct mutation_observer *o,
                   enum mutation_kind kind, struct _stritem *it,
                   rel_time_t when);

static inline void mutation_notify(enum mutation_kind kind,
                                   struct _stritem *it, rel_time_t when)
{
    const struct mutation_observer *o =
        __atomic_load_n(&mutation_observer_, __ATOMIC_ACQUIRE);

    if (__builtin_expect(o != NULL, 0))
        mutation_call(o, kind, it, when);
}

#endif /* MUTATION_H */
