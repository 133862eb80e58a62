/*
 * items.c: item lifecycle, the per-class LRUs, expiry, flush, CAS.
 *
 * Item layout (one slab chunk): the 48-byte struct _stritem header, then
 * an 8-byte CAS if ITEM_CAS (not with -C), then the key and a NUL, then
 * the value (nbytes incl. "\r\n").  So an item costs 48 + 8 + nkey + 1 +
 * nbytes bytes, the same total as the reference.  A value that would not
 * fit the largest class is ITEM_CHUNKED: after the key (8-aligned) comes
 * an array of pointers to raw chunks of the largest class, each full but
 * the last.  Chunked items live on the largest class's LRU, so evicting
 * there frees the chunks that the next chunked allocation needs.
 *
 * LRU: per class, four doubly linked lists (segments HOT, WARM, COLD,
 * TEMP; head = most recent).  Segmented (the default): new items enter
 * HOT (TEMP if their TTL is under temporary_ttl and temp_lru is on); a
 * fetch sets ITEM_FETCHED, a second one ITEM_ACTIVE (atomic bits under
 * the item lock the reader holds anyway: no LRU lock on the read path).
 * The maintainer thread ("lru_maintainer", lru_maintainer_juggle) moves
 * HOT and WARM tails to COLD when over hot_lru_pct/warm_lru_pct or older
 * than the COLD tail times hot/warm_max_factor, ACTIVE ones to WARM, and
 * evicts a little from COLD so sets rarely evict inline.  Eviction takes
 * from COLD's tail; an ACTIVE item there gets a second chance in WARM.
 * Flat (-o no_lru_maintainer): everything in COLD, bumped at most once a
 * minute, as before.  Crawler cursors (ITEM_CRAWLER fake items) sit in
 * the lists too; every walker skips them.  Linked items hold one
 * reference; readers hold one each (atomic refcount); an item is freed
 * when the count reaches 0, so a reader's bytes never change under it.
 *
 * Locks, in the global order item lock -> LRU lock -> slabs lock:
 *   item_locks[hv & mask]  the hash chain of hv, and every field of the
 *                          items on it except LRU links (flags, exptime,
 *                          time, value bytes, the meta state mflags);
 *                          refcount increments.
 *   lrus[id].lock          the list links and lru_seg of all four
 *                          segments, and the class counters.  `time` is
 *                          atomic: written under the item lock, read by
 *                          walkers under the LRU lock.
 *   cfg_lock               (a leaf) the engine_config tunables.
 *   maint_lock             (a leaf, with maint_cond) the maintainer
 *                          thread's sleep and stop flag; released
 *                          before each pass over the LRUs.
 * The LRU tail walker holds an LRU lock and so only trylocks item locks.
 * Nothing blocks on a second item lock except assoc's expansion thread.
 *
 * The "meta support" section at the end serves proto_meta.c: win tokens,
 * stale items, vivify, invalidation (it->mflags, item lock only) and
 * snapshots of an item's state taken under its lock.  It adds no lock.
 */
#include "items.h"
#include "assoc.h"
#include "hash.h"
#include "slabs.h"
#include "crawler.h"

#include <assert.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ITEM_UPDATE_INTERVAL 60  /* seconds between LRU bumps of an item */
#define LRU_SEARCH_DEPTH 5       /* tail items examined per eviction */
#define ALLOC_TRIES 10           /* evictions tried per allocation */
#define ITEM_LOCK_POWER_MAX 13   /* 8192 striped item locks */
#define HASHPOWER_DEFAULT 16     /* as assoc.c, for -o hashpower=0 */
#define JUGGLE_MAX 100           /* maintainer moves per class per pass */
#define MAINT_SLEEP_BEHIND 100   /* microseconds, after a pass that hit it */
#define MAINT_SLEEP_MIN 1000     /* maintainer sleep bounds, microseconds */
#define MAINT_SLEEP_MAX 1000000

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

/* Flags of lru_pull_tail. */
#define PULL_EVICT 1   /* COLD: evict the tail if nothing dead is found */
#define PULL_FORCE 2   /* HOT/WARM: move the tail down whatever its age */
#define PULL_MAINT 4   /* counted as the maintainer's, not inline */

static struct lru lrus[MAX_SLAB_CLASSES];
static pthread_mutex_t *item_locks;
static unsigned int item_lock_pow;
static uint64_t cas_id;          /* atomic; last CAS handed out */

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
/* Mirrors of what the set path reads, so it takes no lock. */
static bool hot_segmented = true, hot_temp_lru;
static int hot_temp_ttl = 61;
static uint64_t juggles;         /* atomic; maintainer passes */

/* What the set path needs of the config, without cfg_lock. */
static void engine_config_fast(struct engine_config *c)
{
    memset(c, 0, sizeof(*c));
    c->lru_segmented = __atomic_load_n(&hot_segmented, __ATOMIC_RELAXED);
}

static inline rel_time_t now_time(void)
{
    return __atomic_load_n(&current_time, __ATOMIC_RELAXED);
}

static inline rel_time_t itime(const item *it)
{
    return __atomic_load_n(&it->time, __ATOMIC_RELAXED);
}

static inline void itime_set(item *it, rel_time_t t)
{
    __atomic_store_n(&it->time, t, __ATOMIC_RELAXED);
}

static inline unsigned int iseg(const item *it)
{
    return __atomic_load_n(&it->lru_seg, __ATOMIC_RELAXED);
}

/* ---- item locks ---- */

unsigned int item_lock_power(void)
{
    return item_lock_pow;
}

static inline pthread_mutex_t *lock_for(uint32_t hv)
{
    return &item_locks[hv & ((1u << item_lock_pow) - 1)];
}

void item_lock(uint32_t hv)
{
    pthread_mutex_lock(lock_for(hv));
}

void item_unlock(uint32_t hv)
{
    pthread_mutex_unlock(lock_for(hv));
}

/* ---- layout ---- */

/* it_flags changes after an item is published (LINKED, FETCHED) while
 * reference holders without the item lock read it (CHUNKED): so every
 * access is atomic.  Relaxed is enough: each bit's meaning is ordered by
 * the item lock or the refcount. */
static inline uint8_t iflags(const item *it)
{
    return __atomic_load_n(&it->it_flags, __ATOMIC_RELAXED);
}

static inline void iflags_set(item *it, uint8_t f)
{
    __atomic_or_fetch(&it->it_flags, f, __ATOMIC_RELAXED);
}

static inline void iflags_clear(item *it, uint8_t f)
{
    __atomic_and_fetch(&it->it_flags, (uint8_t)~f, __ATOMIC_RELAXED);
}

/* From settings, not it_flags: the LRU walker finds the key without the
 * item lock while readers may set ITEM_FETCHED.  use_cas is fixed while
 * the engine runs, and ITEM_CAS is set exactly when it is true. */
static inline size_t cas_len(const item *it)
{
    (void)it;
    return settings.use_cas ? sizeof(uint64_t) : 0;
}

uint64_t item_get_cas(const item *it)
{
    uint64_t v = 0;

    if (cas_len(it))
        memcpy(&v, it->data, sizeof(v));
    return v;
}

static inline void item_set_cas(item *it, uint64_t v)
{
    if (cas_len(it))
        memcpy(it->data, &v, sizeof(v));
}

const char *item_key(const item *it)
{
    return it->data + cas_len(it);
}

static inline char *item_value(item *it)
{
    return it->data + cas_len(it) + it->nkey + 1;
}

static inline size_t hdr_size(size_t nkey, bool cas)
{
    return sizeof(item) + (cas ? sizeof(uint64_t) : 0) + nkey + 1;
}

size_t item_total_size(size_t nkey, size_t nbytes)
{
    return hdr_size(nkey, settings.use_cas) + nbytes;
}

/* Chunked items: where the chunk pointer array starts, chunk geometry. */
static inline size_t chunk_ptrs_off(size_t nkey, bool cas)
{
    size_t n = hdr_size(nkey, cas);

    return (n + 7) & ~(size_t)7;
}

static inline char **chunk_ptrs(item *it)
{
    return (char **)((char *)it + chunk_ptrs_off(it->nkey, cas_len(it)));
}

static inline size_t chunk_cap(void)
{
    return slabs_chunk_size(slabs_largest_class());
}

static inline size_t nchunks_for(size_t nbytes)
{
    return (nbytes + chunk_cap() - 1) / chunk_cap();
}

static inline size_t chunk_len(const item *it, size_t i)
{
    size_t rest = it->nbytes - i * chunk_cap();

    return rest < chunk_cap() ? rest : chunk_cap();
}

/* Bytes of the item's own chunk (what slabs_alloc was asked for). */
static size_t item_ntotal(const item *it)
{
    if (iflags(it) & ITEM_CHUNKED)
        return chunk_ptrs_off(it->nkey, cas_len(it)) +
               nchunks_for(it->nbytes) * sizeof(char *);
    return hdr_size(it->nkey, cas_len(it)) + it->nbytes;
}

static inline unsigned int item_lru_id(const item *it)
{
    return (iflags(it) & ITEM_CHUNKED) ? slabs_largest_class()
                                         : it->slabs_clsid;
}

size_t item_data_span(item *it, size_t off, char **p)
{
    size_t i, o;

    assert(off < it->nbytes);
    if (!(iflags(it) & ITEM_CHUNKED)) {
        *p = item_value(it) + off;
        return it->nbytes - off;
    }
    i = off / chunk_cap();
    o = off % chunk_cap();
    *p = chunk_ptrs(it)[i] + o;
    return chunk_len(it, i) - o;
}

/* Copy n value bytes from src at soff to dst at doff, across chunks. */
static void item_copy_data(item *dst, size_t doff, item *src, size_t soff,
                           size_t n)
{
    while (n > 0) {
        char *d, *s;
        size_t dl = item_data_span(dst, doff, &d);
        size_t sl = item_data_span(src, soff, &s);
        size_t k = dl < sl ? dl : sl;

        if (k > n)
            k = n;
        memcpy(d, s, k);
        doff += k;
        soff += k;
        n -= k;
    }
}

/* ---- freeing ---- */

static void free_chunks(item *it, size_t n)
{
    char **ptrs = chunk_ptrs(it);
    size_t i;

    for (i = 0; i < n; i++)
        slabs_free(ptrs[i], chunk_len(it, i), slabs_largest_class());
}

/* Refcount reached 0: nobody else can reach the item any more. */
static void item_free(item *it)
{
    size_t ntotal = item_ntotal(it);
    unsigned int id = it->slabs_clsid;

    assert(!(iflags(it) & ITEM_LINKED));
    assert(it->refcount == 0);
    if (iflags(it) & ITEM_CHUNKED)
        free_chunks(it, nchunks_for(it->nbytes));
    __atomic_store_n(&it->it_flags, ITEM_SLABBED, __ATOMIC_RELAXED);
    slabs_free(it, ntotal, id);
}

void item_release(item *it)
{
    unsigned short left;

    assert(__atomic_load_n(&it->refcount, __ATOMIC_RELAXED) > 0);
    left = __atomic_sub_fetch(&it->refcount, 1, __ATOMIC_ACQ_REL);
    if (left == 0)
        item_free(it);
}

/* ---- expiry and flush ---- */

static bool item_is_flushed(const item *it, rel_time_t now)
{
    rel_time_t ol = __atomic_load_n(&settings.oldest_live, __ATOMIC_ACQUIRE);
    uint64_t oc, cas;

    if (ol == 0 || ol > now)
        return false;
    if (itime(it) <= ol)
        return true;
    oc = __atomic_load_n(&settings.oldest_cas, __ATOMIC_RELAXED);
    cas = item_get_cas(it);
    return oc != 0 && cas != 0 && cas < oc;
}

static inline bool item_is_expired(const item *it, rel_time_t now)
{
    return it->exptime != 0 && it->exptime <= now;
}

/*
 * Immediate flush, as the reference: with CAS, items older than the
 * previous second die, and by CAS everything stored earlier in this
 * second, so a set right after the flush is visible at once.  Without
 * CAS everything stored in this second dies, later sets in it too.
 * Delayed flush (when > 0): items stored at or before `when` die once
 * current_time reaches `when` (the reference kills them one second
 * early; we follow items.h).  A delayed flush clears the CAS boundary.
 */
void item_flush_all(rel_time_t when)
{
    rel_time_t now = now_time();
    rel_time_t oldest = when ? when : now;
    uint64_t oc = 0;

    if (when == 0 && settings.use_cas) {
        oldest = oldest > 1 ? oldest - 1 : 1;
        oc = __atomic_add_fetch(&cas_id, 1, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&settings.oldest_cas, oc, __ATOMIC_RELAXED);
    __atomic_store_n(&settings.oldest_live, oldest, __ATOMIC_RELEASE);
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
 * link reference, which may free the item. */
static void do_item_unlink_lru_held(item *it, uint32_t hv, struct lru *l)
{
    assert(iflags(it) & ITEM_LINKED);
    iflags_clear(it, ITEM_LINKED);
    assoc_delete(item_key(it), it->nkey, hv);
    l->count[iseg(it)]--;
    l->bytes[iseg(it)] -= item_ntotal(it);
    do_lru_remove(l, it);
    item_release(it);
}

/* Caller holds the item lock of hv. */
static void do_item_unlink(item *it, uint32_t hv)
{
    struct lru *l = &lrus[item_lru_id(it)];

    pthread_mutex_lock(&l->lock);
    do_item_unlink_lru_held(it, hv, l);
    pthread_mutex_unlock(&l->lock);
}

/* The segment a new item enters (reads the lock-free mirrors). */
static unsigned int link_seg(const item *it, rel_time_t now)
{
    if (__atomic_load_n(&hot_temp_lru, __ATOMIC_RELAXED) &&
        it->exptime > now &&
        it->exptime - now <
            (rel_time_t)__atomic_load_n(&hot_temp_ttl, __ATOMIC_RELAXED))
        return LRU_TEMP;
    return __atomic_load_n(&hot_segmented, __ATOMIC_RELAXED) ? LRU_HOT
                                                             : LRU_COLD;
}

/* Caller holds the item lock.  A new item's access time, CAS and link
 * reference, before it enters the hash table. */
static void link_prepare(item *it, rel_time_t now)
{
    assert(!(iflags(it) & (ITEM_LINKED | ITEM_SLABBED)));
    itime_set(it, now);
    item_set_cas(it, __atomic_add_fetch(&cas_id, 1, __ATOMIC_RELAXED));
    __atomic_add_fetch(&it->refcount, 1, __ATOMIC_RELAXED);
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

/* Caller holds the item lock of hv.  Gives `it` a new CAS, puts it in
 * the hash table and at the head of its LRU; takes the link reference. */
static void do_item_link(item *it, uint32_t hv)
{
    struct lru *l = &lrus[item_lru_id(it)];
    rel_time_t now = now_time();

    link_prepare(it, now);
    assoc_insert(it, hv);
    pthread_mutex_lock(&l->lock);
    do_lru_link_held(l, it, link_seg(it, now));
    pthread_mutex_unlock(&l->lock);
}

/* Caller holds the item lock of hv.  do_item_unlink(old) then
 * do_item_link(it), except that the new item takes the old one's
 * hash-chain slot (one chain walk, no change to the shared item count)
 * and one LRU lock hold serves both when they share a class, as a
 * same-size overwrite does.  Under the item lock no reader sees the
 * key missing. */
static void do_item_replace(item *old, item *it, uint32_t hv)
{
    struct lru *lo = &lrus[item_lru_id(old)];
    struct lru *ln = &lrus[item_lru_id(it)];
    rel_time_t now = now_time();

    assert(iflags(old) & ITEM_LINKED);
    iflags_clear(old, ITEM_LINKED);
    link_prepare(it, now);
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
static void do_item_bump_flat(item *it, rel_time_t now)
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

/* Caller holds the item lock.  A fetch.  Segmented: no LRU lock; the
 * second fetch marks the item ACTIVE and the maintainer (or the next
 * eviction that meets it) moves it.  Outside COLD the access time is
 * refreshed so HOT/WARM age limits see it as recent. */
static void do_item_bump(item *it, rel_time_t now)
{
    uint8_t f = iflags(it);

    if (!__atomic_load_n(&hot_segmented, __ATOMIC_RELAXED)) {
        iflags_set(it, ITEM_FETCHED);
        do_item_bump_flat(it, now);
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

/* Caller holds the item lock.  Refresh the access time without a fetch
 * (failed add, incr in place), as the reference does. */
static void do_item_update(item *it, rel_time_t now)
{
    if (!__atomic_load_n(&hot_segmented, __ATOMIC_RELAXED))
        do_item_bump_flat(it, now);
    else if (iseg(it) != LRU_COLD)
        itime_set(it, now);
}

/* Caller holds l->lock and the item lock of hv; `it` has no reader.
 * Unlink a dead one (true) or evict a live one if allowed. */
static bool do_pull_dead(struct lru *l, item *it, uint32_t hv,
                         rel_time_t now)
{
    if (!item_is_expired(it, now) && !item_is_flushed(it, now))
        return false;
    l->reclaimed++;
    if (!(iflags(it) & ITEM_FETCHED))
        l->expired_unfetched++;
    do_item_unlink_lru_held(it, hv, l);
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
    do_item_unlink_lru_held(it, hv, l);
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

enum pull_result { PULL_NONE, PULL_MOVED, PULL_FREED };

/*
 * Work on the tail of segment seg of class id: among the last
 * LRU_SEARCH_DEPTH items (cursors and held items skipped), reclaim a dead
 * one, or do the segment's move (HOT/WARM: down to COLD or, if ACTIVE,
 * to WARM; COLD: ACTIVE to WARM, else evict with PULL_EVICT; TEMP: only
 * reclaims).  Item locks are only tried: we hold the LRU lock, against
 * the lock order.  PULL_FREED when a chunk was freed.
 */
static enum pull_result lru_pull_tail(unsigned int id, unsigned int seg,
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
        if (pthread_mutex_trylock(lock_for(hv)) != 0)
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
        pthread_mutex_unlock(lock_for(hv));
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

/* A chunk of class id for `size` bytes (raw: chunked data of the
 * largest class), evicting from LRU id as needed: COLD's tail first;
 * with COLD empty, HOT and then WARM are pushed down into it. */
static void *alloc_mem(size_t size, unsigned int id, unsigned int lru_id,
                       bool raw)
{
    struct engine_config c;
    void *p;
    int i;

    engine_config_fast(&c);
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

static void item_init(item *it, unsigned int id, uint8_t flags,
                      const char *key, size_t nkey, uint32_t client_flags,
                      rel_time_t exptime, size_t nbytes)
{
    it->next = it->prev = it->h_next = NULL;
    it->time = 0;
    it->exptime = exptime;
    it->nbytes = (uint32_t)nbytes;
    it->client_flags = client_flags;
    it->refcount = 1;
    __atomic_store_n(&it->it_flags,
                     (uint8_t)(flags | (settings.use_cas ? ITEM_CAS : 0)),
                     __ATOMIC_RELAXED);
    it->slabs_clsid = (uint8_t)id;
    it->nkey = (uint8_t)nkey;
    it->mflags = 0;
    memset(it->pad_, 0, sizeof(it->pad_));
    item_set_cas(it, 0);
    memcpy(it->data + cas_len(it), key, nkey);
    it->data[cas_len(it) + nkey] = '\0';
}

/* A header with a pointer array, then the chunks of the largest class. */
static item *item_alloc_chunked(const char *key, size_t nkey,
                                uint32_t client_flags, rel_time_t exptime,
                                size_t nbytes, enum alloc_result *res)
{
    size_t n = nchunks_for(nbytes), i;
    size_t hsize = chunk_ptrs_off(nkey, settings.use_cas) +
                   n * sizeof(char *);
    unsigned int hid = slabs_clsid(hsize);
    item *it;

    *res = ALLOC_TOO_LARGE;
    if (hid == 0)
        return NULL;
    *res = ALLOC_NO_MEMORY;
    it = alloc_mem(hsize, hid, hid, false);
    if (it == NULL)
        return NULL;
    item_init(it, hid, ITEM_CHUNKED, key, nkey, client_flags, exptime,
              nbytes);
    for (i = 0; i < n; i++) {
        char *c = alloc_mem(chunk_len(it, i), slabs_largest_class(),
                            slabs_largest_class(), true);

        if (c == NULL)
            goto out_free_chunks;
        chunk_ptrs(it)[i] = c;
    }
    *res = ALLOC_OK;
    return it;

out_free_chunks:
    free_chunks(it, i);
    __atomic_store_n(&it->it_flags, ITEM_SLABBED, __ATOMIC_RELAXED);
    slabs_free(it, hsize, hid);
    return NULL;
}

item *item_alloc(const char *key, size_t nkey, uint32_t client_flags,
                 rel_time_t exptime, size_t nbytes, enum alloc_result *res)
{
    size_t ntotal = item_total_size(nkey, nbytes);
    unsigned int id;
    item *it;

    /* The reference spends 4 more bytes on an item whose flags are not
     * zero; its size limit is therefore 4 bytes lower for them, and
     * clients see that limit, so it is kept here although our header
     * holds the flags at no extra cost. */
    if (nkey == 0 || nkey > KEY_MAX_LENGTH || nbytes > UINT32_MAX ||
        ntotal + (client_flags != 0 ? 4 : 0) >
            (size_t)settings.item_size_max) {
        *res = ALLOC_TOO_LARGE;
        return NULL;
    }
    if (ntotal > chunk_cap())
        return item_alloc_chunked(key, nkey, client_flags, exptime,
                                  nbytes, res);
    id = slabs_clsid(ntotal);
    it = alloc_mem(ntotal, id, id, false);
    if (it == NULL) {
        *res = ALLOC_NO_MEMORY;
        return NULL;
    }
    item_init(it, id, 0, key, nkey, client_flags, exptime, nbytes);
    *res = ALLOC_OK;
    return it;
}

/* ---- lookups ---- */

/* Caller holds the item lock of hv.  The live item for key (no reference
 * taken) or NULL; dead items met here are unlinked. */
static item *do_item_find_live(const char *key, size_t nkey, uint32_t hv,
                               enum get_status *st)
{
    item *it = assoc_find(key, nkey, hv);
    rel_time_t now = now_time();

    if (it == NULL) {
        *st = GET_MISS;
        return NULL;
    }
    if (item_is_flushed(it, now)) {
        do_item_unlink(it, hv);
        *st = GET_FLUSHED;
        return NULL;
    }
    if (item_is_expired(it, now)) {
        do_item_unlink(it, hv);
        *st = GET_EXPIRED;
        return NULL;
    }
    *st = GET_HIT;
    return it;
}

/* Caller holds the item lock of hv. */
static item *do_item_get(const char *key, size_t nkey, uint32_t hv,
                         enum get_status *st)
{
    item *it = do_item_find_live(key, nkey, hv, st);

    if (it != NULL) {
        __atomic_add_fetch(&it->refcount, 1, __ATOMIC_RELAXED);
        do_item_bump(it, now_time());
    }
    return it;
}

item *item_get(const char *key, size_t nkey, enum get_status *st)
{
    uint32_t hv = hash(key, nkey);
    item *it;

    item_lock(hv);
    it = do_item_get(key, nkey, hv, st);
    item_unlock(hv);
    return it;
}

item *item_touch(const char *key, size_t nkey, rel_time_t exptime,
                 enum get_status *st)
{
    uint32_t hv = hash(key, nkey);
    item *it;

    item_lock(hv);
    it = do_item_get(key, nkey, hv, st);
    if (it != NULL)
        it->exptime = exptime;
    item_unlock(hv);
    return it;
}

/* ---- store ---- */

/* Caller holds the item lock of hv.  Build old+it (append) or it+old
 * (prepend) with old's flags and exptime, and put it in old's place. */
static enum store_result do_store_concat(item *it, item *old, bool append,
                                         uint32_t hv, item **stored)
{
    size_t nb = (size_t)old->nbytes + it->nbytes - 2;
    enum alloc_result ar;
    item *ni;

    if (it->nbytes < 2 || old->nbytes < 2 ||
        item_total_size(old->nkey, nb) > (size_t)settings.item_size_max)
        return STORE_TOO_LARGE;
    ni = item_alloc(item_key(old), old->nkey, old->client_flags,
                    old->exptime, nb, &ar);
    if (ni == NULL)
        return ar == ALLOC_TOO_LARGE ? STORE_TOO_LARGE : STORE_NO_MEMORY;
    if (append) {
        item_copy_data(ni, 0, old, 0, old->nbytes - 2);
        item_copy_data(ni, old->nbytes - 2, it, 0, it->nbytes);
    } else {
        item_copy_data(ni, 0, it, 0, it->nbytes - 2);
        item_copy_data(ni, it->nbytes - 2, old, 0, old->nbytes);
    }
    do_item_replace(old, ni, hv);
    *stored = ni;
    return STORED;
}

/* Caller holds the item lock of hv.  `old` is the live item or NULL. */
static enum store_result do_item_store(item *it, item *old, enum store_op op,
                                       uint64_t req_cas, uint32_t hv,
                                       item **stored)
{
    *stored = it;
    switch (op) {
    case STORE_ADD:
        if (old != NULL) {
            /* The reference refreshes the existing item on a failed add. */
            do_item_update(old, now_time());
            return NOT_STORED;
        }
        break;
    case STORE_REPLACE:
    case STORE_APPEND:
    case STORE_PREPEND:
        if (old == NULL)
            return NOT_STORED;
        /* Binary append/prepend may carry a CAS to compare. */
        if (op != STORE_REPLACE && req_cas != 0 &&
            item_get_cas(old) != req_cas)
            return EXISTS;
        if (op != STORE_REPLACE) {
            *stored = NULL;
            return do_store_concat(it, old, op == STORE_APPEND, hv, stored);
        }
        break;
    case STORE_CAS:
        if (old == NULL)
            return NOT_FOUND;
        if (item_get_cas(old) != req_cas)
            return EXISTS;
        break;
    case STORE_SET:
        break;
    }
    if (old != NULL)
        do_item_replace(old, it, hv);
    else
        do_item_link(it, hv);
    return STORED;
}

enum store_result item_store(item *it, enum store_op op, uint64_t req_cas,
                             uint64_t *cas_out)
{
    uint32_t hv = hash(item_key(it), it->nkey);
    enum get_status st;
    enum store_result res;
    item *old, *stored = NULL;

    item_lock(hv);
    old = do_item_find_live(item_key(it), it->nkey, hv, &st);
    res = do_item_store(it, old, op, req_cas, hv, &stored);
    if (res == STORED && cas_out != NULL)
        *cas_out = item_get_cas(stored);
    if (stored != NULL && stored != it)
        item_release(stored);    /* the new item from append/prepend */
    item_unlock(hv);
    return res;
}

/* ---- incr/decr ---- */

/* The value as the reference reads it (strtoull): leading white space,
 * digits, then the end or white space.  n excludes "\r\n". */
static bool parse_counter(const char *p, size_t n, uint64_t *out)
{
    size_t i = 0;
    uint64_t v = 0;

    while (i < n && isspace((unsigned char)p[i]))
        i++;
    if (i < n && p[i] == '+')
        i++;
    if (i == n || !isdigit((unsigned char)p[i]))
        return false;
    for (; i < n && isdigit((unsigned char)p[i]); i++) {
        unsigned d = (unsigned)(p[i] - '0');

        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (i < n && !isspace((unsigned char)p[i]))
        return false;
    *out = v;
    return true;
}

/* Caller holds the item lock of hv.  Write the new value: in place when
 * it fits and nobody else holds the item (padded with spaces, as the
 * reference), else as a new item replacing the old one. */
static enum delta_result do_delta_store(item *it, uint32_t hv,
                                        const char *buf, uint64_t *cas_out)
{
    size_t res = strlen(buf);
    enum alloc_result ar;
    item *ni;

    if (res + 2 <= it->nbytes &&
        __atomic_load_n(&it->refcount, __ATOMIC_ACQUIRE) == 1) {
        char *v = item_value(it);

        memcpy(v, buf, res);
        memset(v + res, ' ', it->nbytes - 2 - res);
        item_set_cas(it, __atomic_add_fetch(&cas_id, 1, __ATOMIC_RELAXED));
        do_item_update(it, now_time());
        *cas_out = item_get_cas(it);
        return DELTA_OK;
    }
    ni = item_alloc(item_key(it), it->nkey, it->client_flags, it->exptime,
                    res + 2, &ar);
    if (ni == NULL)
        return DELTA_NO_MEMORY;
    memcpy(item_value(ni), buf, res);
    memcpy(item_value(ni) + res, "\r\n", 2);
    do_item_replace(it, ni, hv);
    *cas_out = item_get_cas(ni);
    item_release(ni);
    return DELTA_OK;
}

enum delta_result item_add_delta(const char *key, size_t nkey, bool incr,
                                 uint64_t delta, char *buf,
                                 uint64_t *cas_out, unsigned *clsid_out)
{
    uint32_t hv = hash(key, nkey);
    enum get_status st;
    enum delta_result res = DELTA_NON_NUMERIC;
    uint64_t v, cas = 0;
    unsigned clsid = 0;
    item *it;

    item_lock(hv);
    it = do_item_find_live(key, nkey, hv, &st);
    if (it == NULL) {
        res = DELTA_MISS;
        goto out_unlock;
    }
    clsid = it->slabs_clsid;
    if ((iflags(it) & ITEM_CHUNKED) || it->nbytes <= 2 ||
        !parse_counter(item_value(it), it->nbytes - 2, &v))
        goto out_unlock;
    if (incr)
        v += delta;              /* wraps at 2^64 by C's unsigned rules */
    else
        v = delta > v ? 0 : v - delta;
    snprintf(buf, 24, "%llu", (unsigned long long)v);
    res = do_delta_store(it, hv, buf, &cas);
out_unlock:
    item_unlock(hv);
    if (res == DELTA_OK) {
        if (cas_out != NULL)
            *cas_out = cas;
        if (clsid_out != NULL)
            *clsid_out = clsid;
    }
    return res;
}

enum delete_result item_delete(const char *key, size_t nkey,
                               uint64_t req_cas, unsigned *clsid_out)
{
    uint32_t hv = hash(key, nkey);
    enum get_status st;
    enum delete_result res = DELETE_NOT_FOUND;
    item *it;

    item_lock(hv);
    it = do_item_find_live(key, nkey, hv, &st);
    if (it != NULL) {
        if (req_cas != 0 && req_cas != item_get_cas(it)) {
            res = DELETE_EXISTS;
        } else {
            if (clsid_out != NULL)
                *clsid_out = it->slabs_clsid;
            do_item_unlink(it, hv);
            res = DELETE_OK;
        }
    }
    item_unlock(hv);
    return res;
}

/* ---- stats ---- */

void storage_totals(struct storage_totals *t)
{
    unsigned int i, n = slabs_largest_class();

    memset(t, 0, sizeof(*t));
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
    t->total_malloced = slabs_total_malloced();
    t->lru_maintainer_juggles = __atomic_load_n(&juggles, __ATOMIC_RELAXED);
    slabs_move_stats(&t->slab);
    crawler_totals(&t->lru_crawler_starts, &t->lru_crawler_running);
    t->hash_power_level = assoc_hashpower();
    t->hash_bytes = ((uint64_t)1 << t->hash_power_level) * sizeof(void *);
    t->hash_is_expanding = assoc_is_expanding();
}

struct class_snap {
    struct lru l;
    rel_time_t age, age_hot, age_warm;
};

unsigned int item_lru_segment(const item *it)
{
    return iseg(it);
}

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
    if (__atomic_load_n(&hot_temp_lru, __ATOMIC_RELAXED))
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

void item_stats(ADD_STAT add, void *cookie)
{
    item_stats_hits(add, cookie, NULL);
}

/* Per class with items: snapshot under the LRU lock, emit without it. */
void item_stats_hits(ADD_STAT add, void *cookie,
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
    pthread_mutex_t *ilock = lock_for(hash(item_key(it), it->nkey));
    char buf[KEY_MAX_LENGTH + 64];
    rel_time_t exptime;
    int n;

    if (limit != 0 && *shown >= limit)
        return false;
    if (pthread_mutex_trylock(ilock) != 0)
        return true;                    /* busy: left out, not waited for */
    exptime = it->exptime;
    pthread_mutex_unlock(ilock);
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
void item_cachedump(unsigned int clsid, unsigned int limit,
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

/* Size histograms are off unless -o track_sizes, which we do not have. */
void item_stats_sizes(ADD_STAT add, void *cookie)
{
    append_stat(add, cookie, "sizes_status", "%s", "disabled");
}

/* ---- the LRU maintainer ---- */

static pthread_t maint_tid;
static bool maint_running, maint_stop;
static pthread_mutex_t maint_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t maint_cond = PTHREAD_COND_INITIALIZER;

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
    struct lru *l = &lrus[id];
    rel_time_t now = now_time(), cold_age;
    int i, did = 0;

    for (i = 0; i < JUGGLE_MAX; i++) {
        if (lru_pull_tail(id, LRU_TEMP, 0, PULL_MAINT, c) != PULL_FREED)
            break;
        did++;
    }
    if (i == JUGGLE_MAX)
        *behind = true;
    if (c->lru_segmented) {
        pthread_mutex_lock(&l->lock);
        cold_age = do_seg_age(l, LRU_COLD, now);
        pthread_mutex_unlock(&l->lock);
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

static void *maint_thread(void *arg)
{
    useconds_t sleep_us = MAINT_SLEEP_MIN;
    /* this thread's own: per class, when to visit next, current backoff */
    uint64_t next_ms[MAX_SLAB_CLASSES] = {0}, now_ms;
    unsigned int backoff_ms[MAX_SLAB_CLASSES] = {0};

    (void)arg;
    pthread_mutex_lock(&maint_lock);
    while (!maint_stop) {
        struct engine_config c;
        struct timespec ts;
        unsigned int i, n = slabs_largest_class();
        int did = 0;
        bool behind = false;

        pthread_mutex_unlock(&maint_lock);
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
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)(behind ? MAINT_SLEEP_BEHIND : sleep_us) * 1000;
        ts.tv_sec += ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_mutex_lock(&maint_lock);
        if (!maint_stop)
            pthread_cond_timedwait(&maint_cond, &maint_lock, &ts);
    }
    pthread_mutex_unlock(&maint_lock);
    return NULL;
}

bool lru_maintainer_start(void)
{
    int rc;

    if (maint_running)
        return true;
    maint_stop = false;
    rc = pthread_create(&maint_tid, NULL, maint_thread, NULL);
    if (rc != 0) {
        fprintf(stderr, "items: cannot start the LRU maintainer: %s\n",
                strerror(rc));
        return false;
    }
    maint_running = true;
    return true;
}

void lru_maintainer_stop(void)
{
    if (!maint_running)
        return;
    pthread_mutex_lock(&maint_lock);
    maint_stop = true;
    pthread_cond_signal(&maint_cond);
    pthread_mutex_unlock(&maint_lock);
    pthread_join(maint_tid, NULL);
    maint_running = false;
}

uint64_t item_class_evictions(unsigned int id)
{
    uint64_t n;

    if (id < 1 || id >= MAX_SLAB_CLASSES)
        return 0;
    pthread_mutex_lock(&lrus[id].lock);
    n = lrus[id].evicted;
    pthread_mutex_unlock(&lrus[id].lock);
    return n;
}

rel_time_t item_class_age(unsigned int id)
{
    rel_time_t a;

    if (id < 1 || id >= MAX_SLAB_CLASSES)
        return 0;
    pthread_mutex_lock(&lrus[id].lock);
    a = do_seg_age(&lrus[id], LRU_COLD, now_time());
    pthread_mutex_unlock(&lrus[id].lock);
    return a;
}

/* ---- crawler support ---- */

item *item_crawler_new(void)
{
    item *cur = calloc(1, sizeof(*cur));

    if (cur != NULL)
        cur->it_flags = ITEM_CRAWLER;
    return cur;
}

void item_crawler_link(item *cur, unsigned int id, enum lru_seg seg)
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

void item_crawler_unlink(item *cur, unsigned int id)
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

enum crawl_step item_crawler_step(item *cur, unsigned int id, item **out,
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
    if (pthread_mutex_trylock(lock_for(h)) != 0) {
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

bool item_crawler_reclaim(item *it, uint32_t hv, unsigned int id)
{
    rel_time_t now = now_time();
    struct lru *l = &lrus[id];

    if (!(iflags(it) & ITEM_LINKED) ||
        (!item_is_expired(it, now) && !item_is_flushed(it, now)))
        return false;
    pthread_mutex_lock(&l->lock);
    l->crawler_reclaimed++;
    l->reclaimed++;
    if (!(iflags(it) & ITEM_FETCHED))
        l->expired_unfetched++;
    do_item_unlink_lru_held(it, hv, l);
    pthread_mutex_unlock(&l->lock);
    return true;
}

void item_crawler_release(item *it, uint32_t hv)
{
    item_release(it);
    item_unlock(hv);
}

/* Base64 of the key for "mg <key> b" lines of keys with odd bytes. */
static size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;

    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;

        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    return o;
}

/* Keys are printed URL-encoded in metadump, as the reference does. */
static size_t key_urlencode(const char *k, size_t n, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)k[i];

        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
            ch == '_' || ch == '~') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    return o;
}

size_t item_metadump_line(item *it, bool mg, char *buf, size_t len)
{
    rel_time_t now = now_time();
    char key[KEY_MAX_LENGTH * 3 + 1];
    size_t nk, i;
    int n;

    if (len < sizeof(key) + 160 || !(iflags(it) & ITEM_LINKED) ||
        item_is_expired(it, now) || item_is_flushed(it, now))
        return 0;
    if (mg) {
        bool plain = true;

        for (i = 0; i < it->nkey; i++)
            if ((unsigned char)item_key(it)[i] <= ' ')
                plain = false;
        if (plain)
            n = snprintf(buf, len, "mg %.*s\r\n", (int)it->nkey,
                         item_key(it));
        else {
            nk = b64_encode((const unsigned char *)item_key(it), it->nkey,
                            key);
            n = snprintf(buf, len, "mg %.*s b\r\n", (int)nk, key);
        }
        return n > 0 ? (size_t)n : 0;
    }
    nk = key_urlencode(item_key(it), it->nkey, key);
    n = snprintf(buf, len,
                 "key=%.*s exp=%lld la=%lld cas=%llu fetch=%s cls=%u "
                 "size=%zu\n",
                 (int)nk, key,
                 it->exptime == 0 ? -1LL
                                  : (long long)it->exptime + process_started,
                 (long long)itime(it) + process_started,
                 (unsigned long long)item_get_cas(it),
                 (iflags(it) & ITEM_FETCHED) ? "yes" : "no",
                 (unsigned int)it->slabs_clsid,
                 /* The reference keeps non-zero client flags in the
                  * item (4 bytes); report its figure. */
                 item_ntotal(it) + (it->client_flags ? 4 : 0));
    return n > 0 ? (size_t)n : 0;
}

/* ---- slab mover support ---- */

/* Caller holds the item lock of hv; `it` is linked, refcount 1, nobody
 * else can reach it but LRU walkers.  Copy it into `to` (a chunk of the
 * same class off the moving page) and put the copy in its place in the
 * hash table and the LRU; the old chunk goes back to the slabs (on the
 * moving page, that marks it done). */
static void do_item_relocate(item *it, item *to, uint32_t hv)
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

enum evac_result item_evacuate(void *p, unsigned int id, const char *page,
                               size_t page_len)
{
    item *it = p, *to;
    uint8_t f = __atomic_load_n(&it->it_flags, __ATOMIC_ACQUIRE);
    enum evac_result r = EVAC_BUSY;
    uint32_t hv;

    if (!(f & ITEM_LINKED) || (f & ITEM_SLABBED))
        return EVAC_BUSY;     /* being built, or held after unlink */
    hv = hash(item_key(it), it->nkey);
    if (pthread_mutex_trylock(lock_for(hv)) != 0)
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
        do_item_relocate(it, to, hv);
        r = EVAC_RESCUED;
    } else {
        do_item_unlink(it, hv);
        r = EVAC_EVICTED;
    }
out_unlock:
    pthread_mutex_unlock(lock_for(hv));
    return r;
}

unsigned int item_evacuate_chunked(const char *page, size_t len)
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
            if (pthread_mutex_trylock(lock_for(hv)) != 0) {
                busy++;
                continue;
            }
            if (__atomic_load_n(&it->refcount, __ATOMIC_ACQUIRE) == 1)
                do_item_unlink_lru_held(it, hv, l);
            else
                busy++;
            pthread_mutex_unlock(lock_for(hv));
        }
    }
    pthread_mutex_unlock(&l->lock);
    return busy;
}

/* ---- configuration ---- */

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
    __atomic_store_n(&hot_segmented, in->lru_segmented, __ATOMIC_RELAXED);
    __atomic_store_n(&hot_temp_lru, in->temp_lru, __ATOMIC_RELAXED);
    __atomic_store_n(&hot_temp_ttl, in->temporary_ttl, __ATOMIC_RELAXED);
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

bool engine_threads_start(void)
{
    struct engine_config c;

    engine_config_get(&c);
    if (c.lru_maintainer && !lru_maintainer_start())
        return false;
    if (c.lru_crawler && !crawler_start())
        return false;
    if (c.slab_reassign && !slabs_mover_start())
        return false;
    return true;
}

void engine_threads_stop(void)
{
    slabs_mover_stop();
    crawler_stop();
    lru_maintainer_stop();
}

/* ---- stats of the background work ---- */

#define U64(x) ((unsigned long long)(x))

void engine_general_stats(ADD_STAT add, void *c,
                          const struct storage_totals *t)
{
    append_stat(add, c, "slab_reassign_rescues", "%llu", U64(t->slab.rescues));
    append_stat(add, c, "slab_reassign_chunk_rescues", "%d", 0);
    append_stat(add, c, "slab_reassign_evictions_nomem", "%llu",
                U64(t->slab.evictions_nomem));
    append_stat(add, c, "slab_reassign_inline_reclaim", "%d", 0);
    append_stat(add, c, "slab_reassign_busy_items", "%llu",
                U64(t->slab.busy_items));
    append_stat(add, c, "slab_reassign_busy_deletes", "%d", 0);
    append_stat(add, c, "slab_reassign_running", "%d",
                t->slab.running ? 1 : 0);
    append_stat(add, c, "slabs_moved", "%llu", U64(t->slab.slabs_moved));
    append_stat(add, c, "lru_crawler_running", "%d",
                t->lru_crawler_running ? 1 : 0);
    append_stat(add, c, "lru_crawler_starts", "%llu",
                U64(t->lru_crawler_starts));
    append_stat(add, c, "lru_maintainer_juggles", "%llu",
                U64(t->lru_maintainer_juggles));
}

void engine_settings_stats(ADD_STAT add, void *c, int part)
{
    struct engine_config e;

    engine_config_get(&e);
    if (part == 0) {
        append_stat(add, c, "slab_reassign", "%s",
                    e.slab_reassign ? "yes" : "no");
        append_stat(add, c, "slab_automove", "%d", e.slab_automove);
        append_stat(add, c, "slab_automove_ratio", "%.2f",
                    e.slab_automove_ratio);
        append_stat(add, c, "slab_automove_window", "%u",
                    e.slab_automove_window);
    } else if (part == 1) {
        append_stat(add, c, "lru_crawler", "%s",
                    crawler_running() ? "yes" : "no");
        append_stat(add, c, "lru_crawler_sleep", "%u", e.crawler_sleep);
        append_stat(add, c, "lru_crawler_tocrawl", "%u", e.crawler_tocrawl);
    } else {
        append_stat(add, c, "lru_maintainer_thread", "%s",
                    e.lru_maintainer ? "yes" : "no");
        append_stat(add, c, "lru_segmented", "%s",
                    e.lru_segmented ? "yes" : "no");
        append_stat(add, c, "hot_lru_pct", "%u", e.hot_lru_pct);
        append_stat(add, c, "warm_lru_pct", "%u", e.warm_lru_pct);
        append_stat(add, c, "hot_max_factor", "%.2f", e.hot_max_factor);
        append_stat(add, c, "warm_max_factor", "%.2f", e.warm_max_factor);
        append_stat(add, c, "temp_lru", "%s", e.temp_lru ? "yes" : "no");
        append_stat(add, c, "temporary_ttl", "%d", e.temporary_ttl);
        append_stat(add, c, "slab_automove_freeratio", "%.3f",
                    e.slab_automove_freeratio);
    }
}

/* ---- start-up and shutdown ---- */

/* 2^13 stripes for 4+ threads, 2^12 below; never more stripes than
 * initial hash buckets, so each bucket is under exactly one lock (the
 * table only grows).  That is why -o hashpower may be small in tests. */
static bool item_locks_init(void)
{
    unsigned int hp = settings.hashpower_init > 0
                          ? (unsigned int)settings.hashpower_init
                          : HASHPOWER_DEFAULT;
    unsigned int pw = settings.num_threads >= 4 ? ITEM_LOCK_POWER_MAX
                                                : ITEM_LOCK_POWER_MAX - 1;
    size_t i, n;

    if (pw > hp)
        pw = hp;
    n = (size_t)1 << pw;

    item_locks = calloc(n, sizeof(*item_locks));
    if (item_locks == NULL)
        return false;
    for (i = 0; i < n; i++)
        pthread_mutex_init(&item_locks[i], NULL);
    item_lock_pow = pw;
    return true;
}

static void item_locks_free(void)
{
    size_t i, n = (size_t)1 << item_lock_pow;

    for (i = 0; i < n && item_locks != NULL; i++)
        pthread_mutex_destroy(&item_locks[i]);
    free(item_locks);
    item_locks = NULL;
}

bool storage_init(void)
{
    unsigned int i;

    memset(lrus, 0, sizeof(lrus));
    for (i = 0; i < MAX_SLAB_CLASSES; i++)
        pthread_mutex_init(&lrus[i].lock, NULL);
    __atomic_store_n(&cas_id, 0, __ATOMIC_RELAXED);
    if (!item_locks_init()) {
        fprintf(stderr, "items: cannot allocate item locks\n");
        goto out_lrus;
    }
    if (!slabs_init())
        goto out_locks;
    if (!assoc_init(settings.hashpower_init))
        goto out_slabs;
    if (settings.hashexpand && !assoc_start_expand_thread())
        goto out_assoc;
    return true;

out_assoc:
    assoc_shutdown();
out_slabs:
    slabs_shutdown();
out_locks:
    item_locks_free();
out_lrus:
    for (i = 0; i < MAX_SLAB_CLASSES; i++)
        pthread_mutex_destroy(&lrus[i].lock);
    return false;
}

/* Caller guarantees no other thread uses the engine any more. */
void storage_shutdown(void)
{
    unsigned int i;

    assoc_stop_expand_thread();
    assoc_shutdown();
    slabs_shutdown();    /* item memory lives in the slab pages */
    item_locks_free();
    for (i = 0; i < MAX_SLAB_CLASSES; i++)
        pthread_mutex_destroy(&lrus[i].lock);
    memset(lrus, 0, sizeof(lrus));
}

/* ---------------------------------------------------------------------
 * Meta support (proto_meta.c).  The meta commands' extra item state is
 * it->mflags (ITEM_META_*), read and written only here and only under
 * the item lock; nothing else in the engine looks at it, so the classic
 * get/set paths pay nothing for it.  A vivified (mg N, ma N) item is an
 * ordinary linked item.  Locks as everywhere above: item lock, then (in
 * link/unlink/alloc) the LRU and slabs locks.
 * ------------------------------------------------------------------- */

/* Caller holds the item lock of hv.  mg N: an empty item for a miss,
 * linked, referenced for the caller. */
static item *do_meta_vivify(const char *key, size_t nkey, uint32_t hv,
                            rel_time_t exptime)
{
    enum alloc_result ar;
    item *it = item_alloc(key, nkey, 0, exptime, 2, &ar);

    if (it == NULL)
        return NULL;
    memcpy(item_value(it), "\r\n", 2);
    do_item_link(it, hv);
    return it;
}

/* Caller holds the item lock.  The W/X/Z decisions of a mg hit. */
static void do_meta_win(item *it, const struct meta_get_req *rq,
                        struct meta_get_res *rs)
{
    rel_time_t exp;

    rs->token_was_sent = (it->mflags & ITEM_META_TOKEN_SENT) != 0;
    rs->stale = (it->mflags & ITEM_META_STALE) != 0;
    if (rs->created)
        rs->win = true;
    if (rq->recache && !rs->created && !rs->token_was_sent) {
        exp = (rq->recache_sees_t && rq->set_exptime) ? rq->exptime
                                                      : rs->old_exptime;
        if (exp != 0 && exp < rq->recache_time)
            rs->win = true;
    }
    if (rs->stale && !rs->token_was_sent)
        rs->win = true;
    if (rs->win && !rq->no_token)
        it->mflags |= ITEM_META_TOKEN_SENT;
}

item *item_meta_get(const char *key, size_t nkey,
                    const struct meta_get_req *rq, struct meta_get_res *rs)
{
    uint32_t hv = hash(key, nkey);
    rel_time_t now = now_time();
    item *it;

    memset(rs, 0, sizeof(*rs));
    item_lock(hv);
    it = do_item_find_live(key, nkey, hv, &rs->st);
    if (it == NULL && rq->vivify) {
        it = do_meta_vivify(key, nkey, hv, rq->viv_exptime);
        rs->created = it != NULL;
    } else if (it != NULL) {
        __atomic_add_fetch(&it->refcount, 1, __ATOMIC_RELAXED);
        rs->old_exptime = it->exptime;
        if (rq->set_exptime)
            it->exptime = rq->exptime;
    }
    if (it == NULL)
        goto out_unlock;
    rs->key_binary = (it->mflags & ITEM_META_KEY_BINARY) != 0;
    rs->was_fetched = (iflags(it) & ITEM_FETCHED) != 0;
    rs->was_time = itime(it);
    do_meta_win(it, rq, rs);
    if (!rq->no_bump)
        do_item_bump(it, now);
    rs->cas = item_get_cas(it);
out_unlock:
    item_unlock(hv);
    return it;
}

enum store_result item_meta_store(item *it, enum store_op op,
                                  uint64_t req_cas, bool invalidate,
                                  bool key_binary, uint64_t *cas_out)
{
    uint32_t hv = hash(item_key(it), it->nkey);
    enum get_status st;
    enum store_result res;
    item *old, *stored = it;

    item_lock(hv);
    old = do_item_find_live(item_key(it), it->nkey, hv, &st);
    if (key_binary)
        it->mflags |= ITEM_META_KEY_BINARY;
    if (invalidate && op == STORE_CAS && old != NULL && req_cas != 0 &&
        req_cas < item_get_cas(old)) {
        /* An older value written back while the item is invalidated:
         * keep it stale (and its token) until a current write comes. */
        it->exptime = old->exptime;
        it->mflags |= ITEM_META_STALE |
                      (old->mflags & ITEM_META_TOKEN_SENT);
        do_item_replace(old, it, hv);
        res = STORED;
    } else if (op == STORE_CAS && req_cas == 0 && old != NULL) {
        /* C0 never matches, not even an item without a CAS (-C) */
        res = EXISTS;
    } else {
        res = do_item_store(it, old, op, req_cas, hv, &stored);
    }
    if (res == STORED && cas_out != NULL)
        *cas_out = item_get_cas(stored);
    if (stored != NULL && stored != it)
        item_release(stored);
    item_unlock(hv);
    return res;
}

enum delete_result item_meta_delete(const char *key, size_t nkey,
                                    bool has_cas, uint64_t req_cas,
                                    bool invalidate, bool set_exptime,
                                    rel_time_t exptime, unsigned *clsid_out)
{
    uint32_t hv = hash(key, nkey);
    enum get_status st;
    enum delete_result res = DELETE_NOT_FOUND;
    item *it;

    item_lock(hv);
    it = do_item_find_live(key, nkey, hv, &st);
    if (it == NULL)
        goto out_unlock;
    if (has_cas && req_cas != item_get_cas(it)) {
        res = DELETE_EXISTS;
        goto out_unlock;
    }
    *clsid_out = it->slabs_clsid;
    res = DELETE_OK;
    if (!invalidate) {
        do_item_unlink(it, hv);
        goto out_unlock;
    }
    if (set_exptime)
        it->exptime = exptime;
    it->mflags = (uint8_t)((it->mflags | ITEM_META_STALE) &
                           ~ITEM_META_TOKEN_SENT);
    item_set_cas(it, __atomic_add_fetch(&cas_id, 1, __ATOMIC_RELAXED));
out_unlock:
    item_unlock(hv);
    return res;
}

/* Caller holds the item lock of hv.  ma N on a miss: store `initial`. */
static enum meta_delta_result do_meta_delta_vivify(
    const char *key, size_t nkey, uint32_t hv,
    const struct meta_delta_req *rq, char *buf, struct meta_delta_res *rs)
{
    enum alloc_result ar;
    size_t n;
    item *it;

    snprintf(buf, 24, "%llu", (unsigned long long)rq->initial);
    n = strlen(buf);
    it = item_alloc(key, nkey, 0, rq->viv_exptime, n + 2, &ar);
    if (it == NULL)
        return MDELTA_NO_MEMORY;
    memcpy(item_value(it), buf, n);
    memcpy(item_value(it) + n, "\r\n", 2);
    do_item_link(it, hv);
    rs->created = true;
    rs->cas = item_get_cas(it);
    rs->clsid = it->slabs_clsid;
    item_release(it);
    return MDELTA_OK;
}

enum meta_delta_result item_meta_delta(const char *key, size_t nkey,
                                       const struct meta_delta_req *rq,
                                       char *buf, struct meta_delta_res *rs)
{
    uint32_t hv = hash(key, nkey);
    enum get_status st;
    enum meta_delta_result res = MDELTA_NON_NUMERIC;
    uint64_t v;
    item *it;

    memset(rs, 0, sizeof(*rs));
    item_lock(hv);
    it = do_item_find_live(key, nkey, hv, &st);
    if (it == NULL) {
        res = rq->vivify ? do_meta_delta_vivify(key, nkey, hv, rq, buf, rs)
                         : MDELTA_MISS;
        goto out_unlock;
    }
    rs->clsid = it->slabs_clsid;
    /* The reference's order: empty or chunked values, then the CAS, then
     * whether the value is a number. */
    if ((iflags(it) & ITEM_CHUNKED) || it->nbytes <= 2)
        goto out_unlock;
    if (rq->req_cas != 0 && rq->req_cas != item_get_cas(it)) {
        res = MDELTA_EXISTS;
        goto out_unlock;
    }
    if (!parse_counter(item_value(it), it->nbytes - 2, &v))
        goto out_unlock;
    if (rq->incr)
        v += rq->delta;          /* wraps at 2^64 */
    else
        v = rq->delta > v ? 0 : v - rq->delta;
    snprintf(buf, 24, "%llu", (unsigned long long)v);
    rs->old_exptime = it->exptime;
    if (do_delta_store(it, hv, buf, &rs->cas) != DELTA_OK) {
        res = MDELTA_NO_MEMORY;
        goto out_unlock;
    }
    res = MDELTA_OK;
    /* T sets the TTL only when the number was rewritten in place: when a
     * longer number made a new item, the reference sets it on the old,
     * unlinked one, so the stored item keeps its TTL (and the reply's t
     * shows the T value all the same). */
    if (rq->set_exptime && assoc_find(key, nkey, hv) == it)
        it->exptime = rq->exptime;
out_unlock:
    item_unlock(hv);
    return res;
}

bool item_meta_peek(const char *key, size_t nkey, struct meta_peek *out)
{
    uint32_t hv = hash(key, nkey);
    enum get_status st;
    item *it;

    item_lock(hv);
    it = do_item_find_live(key, nkey, hv, &st);
    if (it != NULL) {
        out->exptime = it->exptime;
        out->time = itime(it);
        out->cas = item_get_cas(it);
        out->fetched = (iflags(it) & ITEM_FETCHED) != 0;
        out->key_binary = (it->mflags & ITEM_META_KEY_BINARY) != 0;
        out->clsid = it->slabs_clsid;
        /* The reference's header has 4 more bytes when flags are set. */
        out->size = item_total_size(it->nkey, it->nbytes) +
                    (it->client_flags != 0 ? 4 : 0);
    }
    item_unlock(hv);
    return it != NULL;
}
