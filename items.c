/*
 * items.c: the storage engine's API (items.h): an item's life cycle as
 * the protocols see it.  Allocation (with chunked values), lookup,
 * touch, the store operations (set/add/replace/append/prepend/cas),
 * incr/decr, delete and flush_all, the meta commands' extra state, the
 * engine's start-up and shutdown, and the totals for "stats".
 *
 * Every change of the cache made here (and the removals made by the LRU
 * code below it) reaches the mutation hook (mutation.h), under the item
 * lock of the key, after the change and before the lock is dropped.
 *
 * Locks: none of its own.  Each call takes the item lock of its key
 * (assoc.h) and, through lru.c and slabs.c, the LRU and slabs locks, in
 * the global order item lock -> LRU lock -> slabs lock.  Item fields
 * other than LRU links (flags, exptime, time, value bytes, the meta
 * state mflags) are written only under the item lock.
 *
 * The "meta support" section serves proto_meta.c: win tokens, stale
 * items, vivify, invalidation (it->mflags, item lock only) and snapshots
 * of an item's state taken under its lock.  It adds no lock.
 */
#include "items.h"
#include "assoc.h"
#include "crawler.h"
#include "hash.h"
#include "item_layout.h"
#include "lru.h"
#include "maintainer.h"
#include "mutation.h"
#include "slab_mover.h"
#include "slabs.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline rel_time_t now_time(void)
{
    return __atomic_load_n(&current_time, __ATOMIC_RELAXED);
}


/* Caller holds the item lock.  A new item's access time, CAS and link
 * reference, before it enters the hash table. */
static void link_prepare(item *it, rel_time_t now)
{
    assert(!(iflags(it) & (ITEM_LINKED | ITEM_SLABBED)));
    itime_set(it, now);
    item_set_cas(it, item_next_cas());
    __atomic_add_fetch(&it->refcount, 1, __ATOMIC_RELAXED);
}

/* Caller holds the item lock of hv.  Gives `it` a new CAS, puts it in
 * the hash table and at the head of its LRU; takes the link reference. */
static void do_item_link(item *it, uint32_t hv)
{
    rel_time_t now = now_time();

    link_prepare(it, now);
    do_lru_link(it, hv, now);
    mutation_notify(MUT_STORE, it, 0);
}

/* Caller holds the item lock of hv.  `it` takes linked old's place. */
static void do_item_replace(item *old, item *it, uint32_t hv)
{
    rel_time_t now = now_time();

    link_prepare(it, now);
    do_lru_replace(old, it, hv, now);
    mutation_notify(MUT_STORE, it, 0);
}

/* Caller holds the item lock of hv.  An explicit delete. */
static void do_item_delete(item *it, uint32_t hv)
{
    mutation_notify(MUT_DELETE, it, 0);
    do_lru_unlink(it, hv);
}

/* ---- flush ---- */


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
        oc = item_next_cas();
    }
    __atomic_store_n(&settings.oldest_cas, oc, __ATOMIC_RELAXED);
    __atomic_store_n(&settings.oldest_live, oldest, __ATOMIC_RELEASE);
    mutation_notify(MUT_FLUSH, NULL, when);
}

/* ---- allocation ---- */

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
    it = lru_alloc(hsize, hid, hid, false);
    if (it == NULL)
        return NULL;
    item_init(it, hid, ITEM_CHUNKED, key, nkey, client_flags, exptime,
              nbytes);
    for (i = 0; i < n; i++) {
        char *c = lru_alloc(chunk_len(it, i), slabs_largest_class(),
                            slabs_largest_class(), true);

        if (c == NULL)
            goto out_free_chunks;
        chunk_ptrs(it)[i] = c;
    }
    *res = ALLOC_OK;
    return it;

out_free_chunks:
    item_free_chunks(it, i);
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
    it = lru_alloc(ntotal, id, id, false);
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
        mutation_notify(MUT_EXPIRE, it, 0);
        do_lru_unlink(it, hv);
        *st = GET_FLUSHED;
        return NULL;
    }
    if (item_is_expired(it, now)) {
        mutation_notify(MUT_EXPIRE, it, 0);
        do_lru_unlink(it, hv);
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
        do_lru_bump(it, now_time());
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
    if (it != NULL) {
        it->exptime = exptime;
        mutation_notify(MUT_UPDATE, it, 0);
    }
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
            do_lru_update(old, now_time());
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
        item_set_cas(it, item_next_cas());
        do_lru_update(it, now_time());
        *cas_out = item_get_cas(it);
        mutation_notify(MUT_UPDATE, it, 0);
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
            do_item_delete(it, hv);
            res = DELETE_OK;
        }
    }
    item_unlock(hv);
    return res;
}

/* ---- stats ---- */

void storage_totals(struct storage_totals *t)
{
    memset(t, 0, sizeof(*t));
    lru_totals(t);
    t->total_malloced = slabs_total_malloced();
    t->lru_maintainer_juggles = maintainer_juggles();
    slab_mover_stats(&t->slab);
    crawler_totals(&t->lru_crawler_starts, &t->lru_crawler_running);
    t->hash_power_level = assoc_hashpower();
    t->hash_bytes = ((uint64_t)1 << t->hash_power_level) * sizeof(void *);
    t->hash_is_expanding = assoc_is_expanding();
}

unsigned int item_lru_segment(const item *it)
{
    return iseg(it);
}

void item_stats(ADD_STAT add, void *cookie)
{
    lru_stats_items(add, cookie, NULL);
}

void item_stats_hits(ADD_STAT add, void *cookie,
                     const uint64_t (*hits)[LRU_NSEGS])
{
    lru_stats_items(add, cookie, hits);
}

void item_cachedump(unsigned int clsid, unsigned int limit,
                    void (*line)(const char *s, size_t len, void *cookie),
                    void *cookie)
{
    lru_cachedump(clsid, limit, line, cookie);
}

/* Size histograms are off unless -o track_sizes, which we do not have. */
void item_stats_sizes(ADD_STAT add, void *cookie)
{
    append_stat(add, cookie, "sizes_status", "%s", "disabled");
}

/* ---- background threads ---- */

bool engine_threads_start(void)
{
    struct engine_config c;

    engine_config_get(&c);
    if (c.lru_maintainer && !lru_maintainer_start())
        return false;
    if (c.lru_crawler && !crawler_start())
        return false;
    if (c.slab_reassign && !slab_mover_start())
        return false;
    return true;
}

void engine_threads_stop(void)
{
    slab_mover_stop();
    crawler_stop();
    lru_maintainer_stop();
}

/* ---- start-up and shutdown ---- */

bool storage_init(void)
{
    lru_init();
    item_cas_reset();
    if (!slabs_init())
        goto out_lru;
    if (!assoc_init(settings.hashpower_init))
        goto out_slabs;
    if (settings.hashexpand && !assoc_start_expand_thread())
        goto out_assoc;
    return true;

out_assoc:
    assoc_shutdown();
out_slabs:
    slabs_shutdown();
out_lru:
    lru_shutdown();
    return false;
}

/* Caller guarantees no other thread uses the engine any more. */
void storage_shutdown(void)
{
    assoc_stop_expand_thread();
    assoc_shutdown();
    slabs_shutdown();    /* item memory lives in the slab pages */
    lru_shutdown();
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
        if (rq->set_exptime) {
            it->exptime = rq->exptime;
            mutation_notify(MUT_UPDATE, it, 0);
        }
    }
    if (it == NULL)
        goto out_unlock;
    rs->key_binary = (it->mflags & ITEM_META_KEY_BINARY) != 0;
    rs->was_fetched = (iflags(it) & ITEM_FETCHED) != 0;
    rs->was_time = itime(it);
    do_meta_win(it, rq, rs);
    if (!rq->no_bump)
        do_lru_bump(it, now);
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
        do_item_delete(it, hv);
        goto out_unlock;
    }
    if (set_exptime)
        it->exptime = exptime;
    it->mflags = (uint8_t)((it->mflags | ITEM_META_STALE) &
                           ~ITEM_META_TOKEN_SENT);
    item_set_cas(it, item_next_cas());
    mutation_notify(MUT_UPDATE, it, 0);
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
    if (rq->set_exptime && assoc_find(key, nkey, hv) == it) {
        it->exptime = rq->exptime;
        mutation_notify(MUT_UPDATE, it, 0);
    }
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

