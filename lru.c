/*
 * lru.c: the per-class LRUs and the two indexes an item is linked into
 * (the hash table and its class's LRU): link, unlink and replace, the
 * bumps of a fetch, the tail walks that move items between segments,
 * reclaim dead ones and evict, allocation with eviction, the per-class
 * figures ("stats items", cachedump), the crawler's cursors and the
 * slab mover's page evacuation.
 *
 * Per class, four doubly linked lists (segments HOT, WARM, COLD, TEMP;
 * head = most recent).  Segmented (the default): new items enter HOT
 * (TEMP if their TTL is under temporary_ttl and temp_lru is on); a fetch
 * sets ITEM_FETCHED, a second one ITEM_ACTIVE (atomic bits under the
 * item lock the reader holds anyway: no LRU lock on the read path).  The
 * maintainer (maintainer.c) moves HOT and WARM tails to COLD when over
 * hot_lru_pct/warm_lru_pct or older than the COLD tail times
 * hot/warm_max_factor, ACTIVE ones to WARM, and evicts a little from COLD
 * so sets rarely evict inline.  Eviction takes from COLD's tail; an
 * ACTIVE item there gets a second chance in WARM.  Flat (-o
 * no_lru_maintainer): everything in COLD, bumped at most once a minute.
 * Crawler cursors (ITEM_CRAWLER fake items) sit in the lists too; every
 * walker skips them.  A linked item holds one reference.
 *
 * Locks: lrus[id].lock guards the list links and lru_seg of all four
 * segments of class id, and the class counters.  Order: item lock ->
 * LRU lock -> slabs lock.  The tail walkers hold an LRU lock and so only
 * try item locks (item_trylock), skipping a busy item.  Removals reach
 * the mutation hook (mutation.h) before the link reference is dropped.
 */
#include "lru.h"
#include "assoc.h"
#include "hash.h"
#include "engine_config.h"
#include "item_layout.h"
#include "mutation.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_UPDATE_INTERVAL 60  /* seconds between LRU bumps of an item */
#define LRU_SEARCH_DEPTH 5       /* tail items examined per eviction */
#define ALLOC_TRIES 10           /* evictions tried per allocation */

struct lru {
    pthread_mutex_t lock;
    item *head[LRU_NSEGS], *tail[LRU_NSEGS];
    uint64_t count[LRU_NSEGS];   /* linked items per segment */
    uint64_t bytes[LRU_NSEGS];   /* their total sizes */
    uint64_t total_items;        /* links ever made */
    uint64_t evicted, evicted_nonzero, evicted_unfetched, evicted_active;
    uint64_t outofmemory, tailrepairs, reclaimed, expired_unfetched;
    uint64_t lrutail_reflocked, moves_within_lru, direct_reclaims;
    uint64_t moves_to_cold, moves_to_warm;
    uint64_t crawler_reclaimed, crawler_items_checked;
    rel_time_t evicted_time;     /* idle seconds of the last victim */
};

static struct lru lrus[MAX_SLAB_CLASSES];

static inline rel_time_t now_time(void)
{
    return __atomic_load_n(&current_time, __ATOMIC_RELAXED);
}

void lru_init(void)
{
    unsigned int i;

    memset(lrus, 0, sizeof(lrus));
    for (i = 0; i < MAX_SLAB_CLASSES; i++)
        pthread_mutex_init(&lrus[i].lock, NULL);
}

/* Caller guarantees no other thread uses the LRUs any more. */
void lru_shutdown(void)
{
    unsigned int i;

    for (i = 0; i < MAX_SLAB_CLASSES; i++)
        pthread_mutex_destroy(&lrus[i].lock);
    memset(lrus, 0, sizeof(lrus));
}

/* ---- LRU lists ---- */

/* Caller holds l->lock.  At the head of segment seg. */
static void do_lru_insert(struct lru *l, item *it, unsigned int seg)
{
    __atomic_store_n(&it->lru_seg, (uint8_t)seg, __ATOMIC_RELAXED);
    it->prev = NULL;
    it->next = l->head[seg];
    if (l->head[seg] != NULL)
        l->head[seg]->prev = it;
    l->head[seg] = it;
    if (l->tail[seg] == NULL)
        l->tail[seg] = it;
}

/* Caller holds l->lock. */
static void do_lru_remove(struct lru *l, item *it)
{
    unsigned int seg = iseg(it);

    if (l->head[seg] == it)
        l->head[seg] = it->next;
    if (l->tail[seg] == it)
        l->tail[seg] = it->prev;
    if (it->next != NULL)
        it->next->prev = it->prev;
    if (it->prev != NULL)
        it->prev->next = it->next;
    it->next = it->prev = NULL;
}

/* Caller holds l->lock.  Move a linked item to the head of seg. */
static void do_lru_move(struct lru *l, item *it, unsigned int seg)
{
    size_t n = item_ntotal(it);

    l->count[iseg(it)]--;
    l->bytes[iseg(it)] -= n;
    do_lru_remove(l, it);
    do_lru_insert(l, it, seg);
    l->count[seg]++;
    l->bytes[seg] += n;
}

/* Caller holds l->lock.  The last real item of seg (cursors skipped). */
static item *do_lru_tail(struct lru *l, unsigned int seg)
{
    item *it = l->tail[seg];

    while (it != NULL && (iflags(it) & ITEM_CRAWLER))
        it = it->prev;
    return it;
}

/* Caller holds the item lock of hv and the item's LRU lock.  Drops the
 * link reference, which may free the item.  The caller has told the
 * mutation hook. */
static void do_lru_unlink_held(item *it, uint32_t hv, struct lru *l)
{
    assert(iflags(it) & ITEM_LINKED);
    iflags_clear(it, ITEM_LINKED);
    assoc_delete(item_key(it), it->nkey, hv);
    l->count[iseg(it)]--;
    l->bytes[iseg(it)] -= item_ntotal(it);
    do_lru_remove(l, it);
    item_release(it);
}

void do_lru_unlink(item *it, uint32_t hv)
{
    struct lru *l = &lrus[item_lru_id(it)];

    pthread_mutex_lock(&l->lock);
    do_lru_unlink_held(it, hv, l);
    pthread_mutex_unlock(&l->lock);
}

/* The segment a new item enters (reads the lock-free mirrors). */
static unsigned int link_seg(const item *it, rel_time_t now)
{
    if (engine_hot_temp_lru() && it->exptime > now &&
        it->exptime - now < (rel_time_t)engine_hot_temp_ttl())
        return LRU_TEMP;
    return engine_hot_segmented() ? LRU_HOT : LRU_COLD;
}

/* Caller holds l->lock, and `it` is in the hash table: mark it linked and
 * put it at the head of segment seg. */
static void do_lru_link_held(struct lru *l, item *it, unsigned int seg)
{
    /* Release: the slab mover reads the key once it sees LINKED. */
    __atomic_or_fetch(&it->it_flags, ITEM_LINKED, __ATOMIC_RELEASE);
    do_lru_insert(l, it, seg);
    l->count[seg]++;
    l->bytes[seg] += item_ntotal(it);
    l->total_items++;
}

void do_lru_link(item *it, uint32_t hv, rel_time_t now)
{
    struct lru *l = &lrus[item_lru_id(it)];

    assoc_insert(it, hv);
    pthread_mutex_lock(&l->lock);
    do_lru_link_held(l, it, link_seg(it, now));
    pthread_mutex_unlock(&l->lock);
}

/* do_lru_unlink(old) then do_lru_link(it), except that the new item
 * takes the old one's hash-chain slot (one chain walk, no change to the
 * shared item count) and one LRU lock hold serves both when they share a
 * class, as a same-size overwrite does.  Under the item lock no reader
 * sees the key missing. */
void do_lru_replace(item *old, item *it, uint32_t hv, rel_time_t now)
{
    struct lru *lo = &lrus[item_lru_id(old)];
    struct lru *ln = &lrus[item_lru_id(it)];

    assert(iflags(old) & ITEM_LINKED);
    iflags_clear(old, ITEM_LINKED);
    assoc_replace(old, it, hv);
    pthread_mutex_lock(&lo->lock);
    lo->count[iseg(old)]--;
    lo->bytes[iseg(old)] -= item_ntotal(old);
    do_lru_remove(lo, old);
    if (ln != lo) {
        pthread_mutex_unlock(&lo->lock);
        pthread_mutex_lock(&ln->lock);
    }
    do_lru_link_held(ln, it, link_seg(it, now));
    pthread_mutex_unlock(&ln->lock);
    item_release(old);
}

/* Caller holds the item lock.  Flat LRU: move to the head, at most once
 * per ITEM_UPDATE_INTERVAL so hot items do not hammer the LRU lock. */
static void do_lru_bump_flat(item *it, rel_time_t now)
{
    struct lru *l;

    if (itime(it) + ITEM_UPDATE_INTERVAL >= now)
        return;
    l = &lrus[item_lru_id(it)];
    pthread_mutex_lock(&l->lock);
    if (iflags(it) & ITEM_LINKED) {
        unsigned int seg = iseg(it);

        do_lru_remove(l, it);
        itime_set(it, now);
        do_lru_insert(l, it, seg);
        l->moves_within_lru++;
    }
    pthread_mutex_unlock(&l->lock);
}

void do_lru_bump(item *it, rel_time_t now)
{
    uint8_t f = iflags(it);

    if (!engine_hot_segmented()) {
        iflags_set(it, ITEM_FETCHED);
        do_lru_bump_flat(it, now);
        return;
    }
    if (f & ITEM_ACTIVE)
        return;
    if (!(f & ITEM_FETCHED)) {
        iflags_set(it, ITEM_FETCHED);
        return;
    }
    iflags_set(it, ITEM_ACTIVE);
    if (iseg(it) != LRU_COLD && itime(it) != now)
        itime_set(it, now);
}

void do_lru_update(item *it, rel_time_t now)
{
    if (!engine_hot_segmented())
        do_lru_bump_flat(it, now);
    else if (iseg(it) != LRU_COLD)
        itime_set(it, now);
}

/* Caller holds l->lock and the item lock of hv; `it` has no reader.
 * Unlink a dead one (true) or evict a live one if allowed. */
static bool do_pull_dead(struct lru *l, item *it, uint32_t hv,
                         rel_time_t now)
{
    if (!item_is_dead(it, now))
        return false;
    l->reclaimed++;
    if (!(iflags(it) & ITEM_FETCHED))
        l->expired_unfetched++;
    mutation_notify(MUT_EXPIRE, it, 0);
    do_lru_unlink_held(it, hv, l);
    return true;
}

static void do_pull_evict(struct lru *l, item *it, uint32_t hv,
                          rel_time_t now)
{
    l->evicted++;
    if (it->exptime != 0)
        l->evicted_nonzero++;
    if (!(iflags(it) & ITEM_FETCHED))
        l->evicted_unfetched++;
    if (iflags(it) & ITEM_ACTIVE)
        l->evicted_active++;
    l->evicted_time = now - itime(it);
    mutation_notify(MUT_EVICT, it, 0);
    do_lru_unlink_held(it, hv, l);
}

/* Caller holds l->lock and the item lock; `it` is the live tail of HOT
 * or WARM.  Returns true if it moved. */
static bool do_pull_hot_warm(struct lru *l, item *it, unsigned int seg,
                             rel_time_t now, rel_time_t max_age,
                             unsigned int flags, const struct engine_config *c)
{
    uint64_t total = l->bytes[LRU_HOT] + l->bytes[LRU_WARM] +
                     l->bytes[LRU_COLD];
    uint64_t limit = total * (seg == LRU_HOT ? c->hot_lru_pct
                                             : c->warm_lru_pct) / 100;

    if (iflags(it) & ITEM_ACTIVE) {
        iflags_clear(it, ITEM_ACTIVE);
        if (seg == LRU_WARM) {
            l->moves_within_lru++;
            do_lru_move(l, it, LRU_WARM);
        } else {
            l->moves_to_warm++;
            do_lru_move(l, it, LRU_WARM);
        }
        return true;
    }
    if ((flags & PULL_FORCE) || l->bytes[seg] > limit ||
        now - itime(it) > max_age) {
        l->moves_to_cold++;
        do_lru_move(l, it, LRU_COLD);
        return true;
    }
    return false;
}

/* Item locks are only tried: we hold the LRU lock, against the lock
 * order. */
enum pull_result lru_pull_tail(unsigned int id, unsigned int seg,
                                      rel_time_t max_age, unsigned int flags,
                                      const struct engine_config *c)
{
    struct lru *l = &lrus[id];
    rel_time_t now = now_time();
    item *it, *prev;
    int tries = LRU_SEARCH_DEPTH;
    enum pull_result res = PULL_NONE;

    pthread_mutex_lock(&l->lock);
    for (it = l->tail[seg]; it != NULL && tries > 0; it = prev) {
        uint32_t hv;

        prev = it->prev;
        if (iflags(it) & ITEM_CRAWLER)
            continue;
        tries--;
        hv = hash(item_key(it), it->nkey);
        if (!item_trylock(hv))
            continue;
        if (__atomic_load_n(&it->refcount, __ATOMIC_ACQUIRE) != 1) {
            l->lrutail_reflocked++;
        } else if (do_pull_dead(l, it, hv, now)) {
            res = PULL_FREED;
        } else if (seg == LRU_HOT || seg == LRU_WARM) {
            if (do_pull_hot_warm(l, it, seg, now, max_age, flags, c))
                res = PULL_MOVED;
            tries = 0;
        } else if (seg == LRU_COLD && c->lru_segmented &&
                   (iflags(it) & ITEM_ACTIVE)) {
            /* Fetched while COLD: the second chance, in WARM. */
            iflags_clear(it, ITEM_ACTIVE);
            itime_set(it, now);
            l->moves_to_warm++;
            do_lru_move(l, it, LRU_WARM);
            res = PULL_MOVED;
        } else if (seg == LRU_COLD && (flags & PULL_EVICT) &&
                   settings.evict_to_free) {
            do_pull_evict(l, it, hv, now);
            res = PULL_FREED;
        } else {
            tries = 0;
        }
        if (res == PULL_FREED && !(flags & PULL_MAINT))
            l->direct_reclaims++;
        item_unlock(hv);
        if (res == PULL_FREED || (res == PULL_MOVED && seg != LRU_COLD))
            break;
    }
    pthread_mutex_unlock(&l->lock);
    return res;
}

static bool lru_hot_cold_empty(unsigned int id)
{
    bool empty;

    pthread_mutex_lock(&lrus[id].lock);
    empty = lrus[id].tail[LRU_HOT] == NULL && lrus[id].tail[LRU_COLD] == NULL;
    pthread_mutex_unlock(&lrus[id].lock);
    return empty;
}

/* COLD first; with COLD empty, HOT and then WARM are pushed down into
 * it.  The allocating path takes no cfg_lock: of the tunables the tail
 * pulls read, with PULL_EVICT and PULL_FORCE only lru_segmented
 * matters, and that one has a lock-free mirror. */
void *lru_alloc(size_t size, unsigned int id, unsigned int lru_id, bool raw)
{
    struct engine_config c;
    void *p;
    int i;

    memset(&c, 0, sizeof(c));
    c.lru_segmented = engine_hot_segmented();
    for (i = 0; i < ALLOC_TRIES; i++) {
        p = raw ? slabs_alloc_raw(size) : slabs_alloc(size, id);
        if (p != NULL)
            return p;
        if (lru_pull_tail(lru_id, LRU_COLD, 0, PULL_EVICT, &c) != PULL_NONE)
            continue;
        if (lru_pull_tail(lru_id, LRU_HOT, 0, PULL_FORCE, &c) != PULL_NONE)
            continue;
        /* WARM holds the items fetched again.  When COLD's and HOT's
         * tails are only busy (items held, locks taken by the maintainer
         * or crawler), try again rather than push WARM down: doing so
         * evicted a hot key under load.  Like the reference, allocation
         * touches WARM only when nothing else is left (flat "lru mode"
         * can leave items there). */
        if (!lru_hot_cold_empty(lru_id))
            continue;
        if (lru_pull_tail(lru_id, LRU_WARM, 0, PULL_FORCE, &c) == PULL_NONE)
            break;
    }
    pthread_mutex_lock(&lrus[lru_id].lock);
    lrus[lru_id].outofmemory++;
    pthread_mutex_unlock(&lrus[lru_id].lock);
    return NULL;
}

/* ---- stats ---- */

void lru_totals(struct storage_totals *t)
{
    unsigned int i, n = slabs_largest_class();

    for (i = 1; i <= n; i++) {
        struct lru *l = &lrus[i];
        unsigned int g;

        pthread_mutex_lock(&l->lock);
        for (g = 0; g < LRU_NSEGS; g++) {
            t->curr_items += l->count[g];
            t->bytes += l->bytes[g];
        }
        t->total_items += l->total_items;
        t->crawler_reclaimed += l->crawler_reclaimed;
        t->crawler_items_checked += l->crawler_items_checked;
        t->lrutail_reflocked += l->lrutail_reflocked;
        t->moves_to_cold += l->moves_to_cold;
        t->moves_to_warm += l->moves_to_warm;
        t->moves_within_lru += l->moves_within_lru;
        t->direct_reclaims += l->direct_reclaims;
        t->evictions += l->evicted;
        t->evicted_unfetched += l->evicted_unfetched;
        t->evicted_active += l->evicted_active;
        t->reclaimed += l->reclaimed;
        t->expired_unfetched += l->expired_unfetched;
        t->outofmemory += l->outofmemory;
        pthread_mutex_unlock(&l->lock);
    }
}

struct class_snap {
    struct lru l;
    rel_time_t age, age_hot, age_warm;
};

static void emit_class_items(ADD_STAT add, void *cookie, unsigned int id,
                             const struct class_snap *cs,
                             const uint64_t *hits)
{
    const struct lru *s = &cs->l;
    static const char *const hit_names[LRU_NSEGS] = {
        [LRU_HOT] = "hits_to_hot", [LRU_WARM] = "hits_to_warm",
        [LRU_COLD] = "hits_to_cold", [LRU_TEMP] = "hits_to_temp",
    };
    char key[64];
    size_t i;

#define IT_STAT(name, val) do { \
        snprintf(key, sizeof(key), "items:%u:%s", id, name); \
        append_stat(add, cookie, key, "%llu", (unsigned long long)(val)); \
    } while (0)
    IT_STAT("number", s->count[LRU_HOT] + s->count[LRU_WARM] +
                      s->count[LRU_COLD] + s->count[LRU_TEMP]);
    IT_STAT("number_hot", s->count[LRU_HOT]);
    IT_STAT("number_warm", s->count[LRU_WARM]);
    IT_STAT("number_cold", s->count[LRU_COLD]);
    if (engine_hot_temp_lru())
        IT_STAT("number_temp", s->count[LRU_TEMP]);
    IT_STAT("age_hot", cs->age_hot);
    IT_STAT("age_warm", cs->age_warm);
    IT_STAT("age", cs->age);
    IT_STAT("mem_requested", slabs_mem_requested(id));
    IT_STAT("evicted", s->evicted);
    IT_STAT("evicted_nonzero", s->evicted_nonzero);
    IT_STAT("evicted_time", s->evicted_time);
    IT_STAT("outofmemory", s->outofmemory);
    IT_STAT("tailrepairs", s->tailrepairs);
    IT_STAT("reclaimed", s->reclaimed);
    IT_STAT("expired_unfetched", s->expired_unfetched);
    IT_STAT("evicted_unfetched", s->evicted_unfetched);
    IT_STAT("evicted_active", s->evicted_active);
    IT_STAT("crawler_reclaimed", s->crawler_reclaimed);
    IT_STAT("crawler_items_checked", s->crawler_items_checked);
    IT_STAT("lrutail_reflocked", s->lrutail_reflocked);
    IT_STAT("moves_to_cold", s->moves_to_cold);
    IT_STAT("moves_to_warm", s->moves_to_warm);
    IT_STAT("moves_within_lru", s->moves_within_lru);
    IT_STAT("direct_reclaims", s->direct_reclaims);
    /* Hits by the segment the item was in, counted by each worker in its
     * own stats (no shared write on a get). */
    for (i = 0; i < LRU_NSEGS; i++)
        IT_STAT(hit_names[i], hits != NULL ? hits[i] : 0);
#undef IT_STAT
}

/* Caller holds l->lock.  Seconds since the tail of seg was used. */
static rel_time_t do_seg_age(struct lru *l, unsigned int seg, rel_time_t now)
{
    item *t = do_lru_tail(l, seg);

    return t != NULL && now > itime(t) ? now - itime(t) : 0;
}

/* Per class with items: snapshot under the LRU lock, emit without it. */
void lru_stats_items(ADD_STAT add, void *cookie,
                     const uint64_t (*hits)[LRU_NSEGS])
{
    unsigned int i, n = slabs_largest_class();
    rel_time_t now = now_time();

    for (i = 1; i <= n; i++) {
        struct class_snap cs;
        struct lru *l = &lrus[i];

        pthread_mutex_lock(&l->lock);
        memcpy(&cs.l, l, sizeof(cs.l));
        cs.age = do_seg_age(l, LRU_COLD, now);
        cs.age_hot = do_seg_age(l, LRU_HOT, now);
        cs.age_warm = do_seg_age(l, LRU_WARM, now);
        pthread_mutex_unlock(&l->lock);
        if (cs.l.count[0] + cs.l.count[1] + cs.l.count[2] +
            cs.l.count[3] == 0)
            continue;
        emit_class_items(add, cookie, i, &cs,
                         hits != NULL ? hits[i] : NULL);
    }
}

/*
 * "stats cachedump": walk class id's LRU from the head under its LRU
 * lock.  Fields an item lock guards (exptime) are read only with that
 * lock, which against the lock order is merely tried: a busy item is
 * left out of the dump rather than waited for.
 */
#define CACHEDUMP_MAX_BYTES (2 * 1024 * 1024)

/* One "ITEM" line for it; false once the output cap or limit is hit. */
static bool cachedump_line(item *it, unsigned int limit, size_t *total,
                           unsigned int *shown,
                           void (*line)(const char *, size_t, void *),
                           void *cookie)
{
    uint32_t hv = hash(item_key(it), it->nkey);
    char buf[KEY_MAX_LENGTH + 64];
    rel_time_t exptime;
    int n;

    if (limit != 0 && *shown >= limit)
        return false;
    if (!item_trylock(hv))
        return true;                    /* busy: left out, not waited for */
    exptime = it->exptime;
    item_unlock(hv);
    n = snprintf(buf, sizeof(buf), "ITEM %.*s [%u b; %lld s]\r\n",
                 (int)it->nkey, item_key(it), it->nbytes - 2,
                 exptime == 0 ? 0LL : (long long)exptime + process_started);
    if (n < 0 || (size_t)n >= sizeof(buf) ||
        *total + (size_t)n > CACHEDUMP_MAX_BYTES)
        return false;
    line(buf, (size_t)n, cookie);
    *total += (size_t)n;
    (*shown)++;
    return true;
}

/* Every segment of the class, HOT first (the reference shows only COLD;
 * protocol.txt 16.3), skipping the crawler's marker items. */
void lru_cachedump(unsigned int clsid, unsigned int limit,
                    void (*line)(const char *s, size_t len, void *cookie),
                    void *cookie)
{
    size_t total = 0;
    unsigned int shown = 0, seg;
    bool more = true;
    item *it;

    if (clsid >= MAX_SLAB_CLASSES)
        return;
    pthread_mutex_lock(&lrus[clsid].lock);
    for (seg = LRU_HOT; seg < LRU_NSEGS && more; seg++) {
        for (it = lrus[clsid].head[seg]; it != NULL && more; it = it->next) {
            if (!(iflags(it) & ITEM_CRAWLER))
                more = cachedump_line(it, limit, &total, &shown, line,
                                      cookie);
        }
    }
    pthread_mutex_unlock(&lrus[clsid].lock);
}

void lru_class_figures(unsigned int id, uint64_t *evicted, rel_time_t *age)
{
    *evicted = 0;
    *age = 0;
    if (id < 1 || id >= MAX_SLAB_CLASSES)
        return;
    pthread_mutex_lock(&lrus[id].lock);
    *evicted = lrus[id].evicted;
    *age = do_seg_age(&lrus[id], LRU_COLD, now_time());
    pthread_mutex_unlock(&lrus[id].lock);
}

rel_time_t lru_tail_age(unsigned int id, unsigned int seg)
{
    rel_time_t a;

    pthread_mutex_lock(&lrus[id].lock);
    a = do_seg_age(&lrus[id], seg, now_time());
    pthread_mutex_unlock(&lrus[id].lock);
    return a;
}

/* ---- the crawler's cursors ---- */

item *lru_cursor_new(void)
{
    item *cur = calloc(1, sizeof(*cur));

    if (cur != NULL)
        cur->it_flags = ITEM_CRAWLER;
    return cur;
}

void lru_cursor_link(item *cur, unsigned int id, enum lru_seg seg)
{
    struct lru *l = &lrus[id];

    pthread_mutex_lock(&l->lock);
    __atomic_store_n(&cur->lru_seg, (uint8_t)seg, __ATOMIC_RELAXED);
    cur->next = NULL;
    cur->prev = l->tail[seg];
    if (l->tail[seg] != NULL)
        l->tail[seg]->next = cur;
    l->tail[seg] = cur;
    if (l->head[seg] == NULL)
        l->head[seg] = cur;
    __atomic_or_fetch(&cur->it_flags, ITEM_LINKED, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&l->lock);
}

void lru_cursor_unlink(item *cur, unsigned int id)
{
    struct lru *l = &lrus[id];

    pthread_mutex_lock(&l->lock);
    if (iflags(cur) & ITEM_LINKED) {
        do_lru_remove(l, cur);
        iflags_clear(cur, ITEM_LINKED);
    }
    pthread_mutex_unlock(&l->lock);
}

/* Caller holds l->lock.  Swap cur with the item before it (towards the
 * head), which is returned. */
static item *do_crawler_advance(struct lru *l, item *cur)
{
    item *it = cur->prev;
    unsigned int seg = iseg(cur);

    if (it == NULL)
        return NULL;
    do_lru_remove(l, cur);
    cur->next = it;
    cur->prev = it->prev;
    if (it->prev != NULL)
        it->prev->next = cur;
    else
        l->head[seg] = cur;
    it->prev = cur;
    return it;
}

enum crawl_step lru_cursor_step(item *cur, unsigned int id, item **out,
                                uint32_t *hv)
{
    struct lru *l = &lrus[id];
    item *it;
    uint32_t h;

    pthread_mutex_lock(&l->lock);
    it = cur->prev;
    if (it == NULL) {
        do_lru_remove(l, cur);
        iflags_clear(cur, ITEM_LINKED);
        pthread_mutex_unlock(&l->lock);
        return CRAWL_DONE;
    }
    if (iflags(it) & ITEM_CRAWLER) {
        do_crawler_advance(l, cur);
        pthread_mutex_unlock(&l->lock);
        return CRAWL_SKIP;
    }
    /* A busy item is not passed over: the caller yields and retries, so
     * a dump misses no live item.  Item locks are held only briefly. */
    h = hash(item_key(it), it->nkey);
    if (!item_trylock(h)) {
        pthread_mutex_unlock(&l->lock);
        return CRAWL_SKIP;
    }
    do_crawler_advance(l, cur);
    __atomic_add_fetch(&it->refcount, 1, __ATOMIC_RELAXED);
    l->crawler_items_checked++;
    pthread_mutex_unlock(&l->lock);
    *out = it;
    *hv = h;
    return CRAWL_ITEM;
}

bool lru_cursor_reclaim(item *it, uint32_t hv, unsigned int id)
{
    rel_time_t now = now_time();
    struct lru *l = &lrus[id];

    if (!(iflags(it) & ITEM_LINKED) || !item_is_dead(it, now))
        return false;
    pthread_mutex_lock(&l->lock);
    l->crawler_reclaimed++;
    l->reclaimed++;
    if (!(iflags(it) & ITEM_FETCHED))
        l->expired_unfetched++;
    mutation_notify(MUT_EXPIRE, it, 0);
    do_lru_unlink_held(it, hv, l);
    pthread_mutex_unlock(&l->lock);
    return true;
}

void lru_cursor_release(item *it, uint32_t hv)
{
    item_release(it);
    item_unlock(hv);
}

/* ---- the slab mover's page evacuation ---- */

/* Caller holds the item lock of hv; `it` is linked, refcount 1, nobody
 * else can reach it but LRU walkers.  Copy it into `to` (a chunk of the
 * same class off the moving page) and put the copy in its place in the
 * hash table and the LRU; the old chunk goes back to the slabs (on the
 * moving page, that marks it done). */
static void do_lru_relocate(item *it, item *to, uint32_t hv)
{
    size_t ntotal = item_ntotal(it);
    struct lru *l = &lrus[item_lru_id(it)];
    unsigned int id = it->slabs_clsid;

    pthread_mutex_lock(&l->lock);
    memcpy(to, it, ntotal);
    to->refcount = 1;
    to->next = it->next;
    to->prev = it->prev;
    if (to->next != NULL)
        to->next->prev = to;
    else
        l->tail[iseg(it)] = to;
    if (to->prev != NULL)
        to->prev->next = to;
    else
        l->head[iseg(it)] = to;
    assoc_replace(it, to, hv);  /* no count change, no expansion wake-up */
    __atomic_store_n(&it->it_flags, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&it->refcount, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&l->lock);
    slabs_free(it, ntotal, id);
}

enum evac_result lru_evacuate(void *p, unsigned int id, const char *page,
                              size_t page_len)
{
    item *it = p, *to;
    uint8_t f = __atomic_load_n(&it->it_flags, __ATOMIC_ACQUIRE);
    enum evac_result r = EVAC_BUSY;
    uint32_t hv;

    if (!(f & ITEM_LINKED) || (f & ITEM_SLABBED))
        return EVAC_BUSY;     /* being built, or held after unlink */
    hv = hash(item_key(it), it->nkey);
    if (!item_trylock(hv))
        return EVAC_BUSY;
    if (assoc_find(item_key(it), it->nkey, hv) != it ||
        __atomic_load_n(&it->refcount, __ATOMIC_ACQUIRE) != 1)
        goto out_unlock;
    to = slabs_alloc_free_chunk(item_ntotal(it), id);
    if (to != NULL && (const char *)to >= page &&
        (const char *)to < page + page_len) {
        assert(0);   /* the moving page's chunks are off the free list */
        to = NULL;
    }
    if (to != NULL) {
        do_lru_relocate(it, to, hv);
        r = EVAC_RESCUED;
    } else {
        mutation_notify(MUT_EVICT, it, 0);
        do_lru_unlink(it, hv);
        r = EVAC_EVICTED;
    }
out_unlock:
    item_unlock(hv);
    return r;
}

unsigned int lru_evacuate_chunked(const char *page, size_t len)
{
    unsigned int id = slabs_largest_class(), busy = 0, seg;
    struct lru *l = &lrus[id];

    pthread_mutex_lock(&l->lock);
    for (seg = 0; seg < LRU_NSEGS; seg++) {
        item *it, *next;

        for (it = l->head[seg]; it != NULL; it = next) {
            size_t i, n;
            bool hit = false;
            uint32_t hv;

            next = it->next;
            if (iflags(it) & ITEM_CRAWLER || !(iflags(it) & ITEM_CHUNKED))
                continue;
            n = nchunks_for(it->nbytes);
            for (i = 0; i < n && !hit; i++) {
                const char *c = chunk_ptrs(it)[i];

                hit = c >= page && c < page + len;
            }
            if (!hit)
                continue;
            hv = hash(item_key(it), it->nkey);
            if (!item_trylock(hv)) {
                busy++;
                continue;
            }
            if (__atomic_load_n(&it->refcount, __ATOMIC_ACQUIRE) == 1) {
                mutation_notify(MUT_EVICT, it, 0);
                do_lru_unlink_held(it, hv, l);
            } else {
                busy++;
            }
            item_unlock(hv);
        }
    }
    pthread_mutex_unlock(&l->lock);
    return busy;
}

