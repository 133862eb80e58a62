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
 * LRU: one doubly linked list per class (head = most recent, tail walked
 * for eviction).  Linked items hold one reference; readers hold one each
 * (atomic refcount); an item is freed when the count reaches 0, so a
 * reader's bytes never change under it (incr rewrites in place only when
 * nobody but the hash table holds it).
 *
 * Locks, in the global order item lock -> LRU lock -> slabs lock:
 *   item_locks[hv & mask]  the hash chain of hv, and every field of the
 *                          items on it except LRU links (flags, exptime,
 *                          time, value bytes); refcount increments.
 *   lrus[id].lock          the list links, time (also under item lock),
 *                          and the class counters.
 * The LRU tail walker holds an LRU lock and so only trylocks item locks.
 * Nothing blocks on a second item lock except assoc's expansion thread.
 */
#include "items.h"
#include "assoc.h"
#include "hash.h"
#include "slabs.h"

#include <assert.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_UPDATE_INTERVAL 60  /* seconds between LRU bumps of an item */
#define LRU_SEARCH_DEPTH 5       /* tail items examined per eviction */
#define ALLOC_TRIES 10           /* evictions tried per allocation */
#define ITEM_LOCK_POWER_MAX 13   /* 8192 striped item locks */
#define HASHPOWER_DEFAULT 16     /* as assoc.c, for -o hashpower=0 */

struct lru {
    pthread_mutex_t lock;
    item *head, *tail;
    uint64_t count;              /* linked items */
    uint64_t bytes;              /* their total sizes */
    uint64_t total_items;        /* links ever made */
    uint64_t evicted, evicted_nonzero, evicted_unfetched, evicted_active;
    uint64_t outofmemory, tailrepairs, reclaimed, expired_unfetched;
    uint64_t lrutail_reflocked, moves_within_lru, direct_reclaims;
    rel_time_t evicted_time;     /* idle seconds of the last victim */
};

static struct lru lrus[MAX_SLAB_CLASSES];
static pthread_mutex_t *item_locks;
static unsigned int item_lock_pow;
static uint64_t cas_id;          /* atomic; last CAS handed out */

static inline rel_time_t now_time(void)
{
    return __atomic_load_n(&current_time, __ATOMIC_RELAXED);
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
    if (it->time <= ol)
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

/* Caller holds l->lock. */
static void do_lru_insert(struct lru *l, item *it)
{
    it->prev = NULL;
    it->next = l->head;
    if (l->head != NULL)
        l->head->prev = it;
    l->head = it;
    if (l->tail == NULL)
        l->tail = it;
}

/* Caller holds l->lock. */
static void do_lru_remove(struct lru *l, item *it)
{
    if (l->head == it)
        l->head = it->next;
    if (l->tail == it)
        l->tail = it->prev;
    if (it->next != NULL)
        it->next->prev = it->prev;
    if (it->prev != NULL)
        it->prev->next = it->next;
    it->next = it->prev = NULL;
}

/* Caller holds the item lock of hv and the item's LRU lock.  Drops the
 * link reference, which may free the item. */
static void do_item_unlink_lru_held(item *it, uint32_t hv, struct lru *l)
{
    assert(iflags(it) & ITEM_LINKED);
    iflags_clear(it, ITEM_LINKED);
    assoc_delete(item_key(it), it->nkey, hv);
    do_lru_remove(l, it);
    l->count--;
    l->bytes -= item_ntotal(it);
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

/* Caller holds the item lock of hv.  Gives `it` a new CAS, puts it in
 * the hash table and at the head of its LRU; takes the link reference. */
static void do_item_link(item *it, uint32_t hv)
{
    struct lru *l = &lrus[item_lru_id(it)];

    assert(!(iflags(it) & (ITEM_LINKED | ITEM_SLABBED)));
    iflags_set(it, ITEM_LINKED);
    it->time = now_time();
    item_set_cas(it, __atomic_add_fetch(&cas_id, 1, __ATOMIC_RELAXED));
    assoc_insert(it, hv);
    __atomic_add_fetch(&it->refcount, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&l->lock);
    do_lru_insert(l, it);
    l->count++;
    l->bytes += item_ntotal(it);
    l->total_items++;
    pthread_mutex_unlock(&l->lock);
}

/* Caller holds the item lock of hv.  Readers never see neither. */
static void do_item_replace(item *old, item *it, uint32_t hv)
{
    do_item_unlink(old, hv);
    do_item_link(it, hv);
}

/* Caller holds the item lock.  Move to the LRU head, at most once per
 * ITEM_UPDATE_INTERVAL so hot items do not hammer the LRU lock. */
static void do_item_bump(item *it, rel_time_t now)
{
    struct lru *l;

    if (it->time + ITEM_UPDATE_INTERVAL >= now)
        return;
    l = &lrus[item_lru_id(it)];
    pthread_mutex_lock(&l->lock);
    if (iflags(it) & ITEM_LINKED) {
        do_lru_remove(l, it);
        it->time = now;
        do_lru_insert(l, it);
        l->moves_within_lru++;
    }
    pthread_mutex_unlock(&l->lock);
}

/*
 * Free one item from the tail of LRU `id`: the first of the last
 * LRU_SEARCH_DEPTH items that no reader holds is reclaimed if dead,
 * else evicted (unless -M, then only dead ones are taken).  Item locks
 * are only tried: we hold the LRU lock, against the lock order.
 */
static bool lru_pull_tail(unsigned int id)
{
    struct lru *l = &lrus[id];
    rel_time_t now = now_time();
    item *it, *prev;
    int tries = LRU_SEARCH_DEPTH;
    bool freed = false;

    pthread_mutex_lock(&l->lock);
    for (it = l->tail; it != NULL && tries-- > 0; it = prev) {
        uint32_t hv = hash(item_key(it), it->nkey);

        prev = it->prev;
        if (pthread_mutex_trylock(lock_for(hv)) != 0)
            continue;
        if (__atomic_load_n(&it->refcount, __ATOMIC_ACQUIRE) != 1) {
            l->lrutail_reflocked++;
        } else if (item_is_expired(it, now) || item_is_flushed(it, now)) {
            l->reclaimed++;
            if (!(iflags(it) & ITEM_FETCHED))
                l->expired_unfetched++;
            freed = true;
        } else if (settings.evict_to_free) {
            l->evicted++;
            if (it->exptime != 0)
                l->evicted_nonzero++;
            if (!(iflags(it) & ITEM_FETCHED))
                l->evicted_unfetched++;
            l->evicted_time = now - it->time;
            freed = true;
        }
        if (freed) {
            l->direct_reclaims++;
            do_item_unlink_lru_held(it, hv, l);
        }
        pthread_mutex_unlock(lock_for(hv));
        if (freed)
            break;
    }
    pthread_mutex_unlock(&l->lock);
    return freed;
}

/* A chunk of class id for `size` bytes, evicting from LRU id as needed. */
static void *alloc_mem(size_t size, unsigned int id)
{
    void *p;
    int i;

    for (i = 0; i < ALLOC_TRIES; i++) {
        p = slabs_alloc(size, id);
        if (p != NULL)
            return p;
        if (!lru_pull_tail(id))
            break;
    }
    pthread_mutex_lock(&lrus[id].lock);
    lrus[id].outofmemory++;
    pthread_mutex_unlock(&lrus[id].lock);
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
    it = alloc_mem(hsize, hid);
    if (it == NULL)
        return NULL;
    item_init(it, hid, ITEM_CHUNKED, key, nkey, client_flags, exptime,
              nbytes);
    for (i = 0; i < n; i++) {
        char *c = alloc_mem(chunk_len(it, i), slabs_largest_class());

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

    if (nkey == 0 || nkey > KEY_MAX_LENGTH || nbytes > UINT32_MAX ||
        ntotal > (size_t)settings.item_size_max) {
        *res = ALLOC_TOO_LARGE;
        return NULL;
    }
    if (ntotal > chunk_cap())
        return item_alloc_chunked(key, nkey, client_flags, exptime,
                                  nbytes, res);
    id = slabs_clsid(ntotal);
    it = alloc_mem(ntotal, id);
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
        iflags_set(it, ITEM_FETCHED);
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
            do_item_bump(old, now_time());
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
        do_item_bump(it, now_time());
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

        pthread_mutex_lock(&l->lock);
        t->curr_items += l->count;
        t->total_items += l->total_items;
        t->bytes += l->bytes;
        t->evictions += l->evicted;
        t->evicted_unfetched += l->evicted_unfetched;
        t->evicted_active += l->evicted_active;
        t->reclaimed += l->reclaimed;
        t->expired_unfetched += l->expired_unfetched;
        t->outofmemory += l->outofmemory;
        pthread_mutex_unlock(&l->lock);
    }
    t->total_malloced = slabs_total_malloced();
    t->hash_power_level = assoc_hashpower();
    t->hash_bytes = ((uint64_t)1 << t->hash_power_level) * sizeof(void *);
    t->hash_is_expanding = assoc_is_expanding();
}

static void emit_class_items(ADD_STAT add, void *cookie, unsigned int id,
                             const struct lru *s, rel_time_t age)
{
    static const char *const zero[] = {
        "crawler_reclaimed", "crawler_items_checked",
    };
    static const char *const zero2[] = {
        "moves_to_cold", "moves_to_warm",
    };
    static const char *const zero3[] = {
        "hits_to_hot", "hits_to_warm", "hits_to_cold", "hits_to_temp",
    };
    char key[64];
    size_t i;

#define IT_STAT(name, val) do { \
        snprintf(key, sizeof(key), "items:%u:%s", id, name); \
        append_stat(add, cookie, key, "%llu", (unsigned long long)(val)); \
    } while (0)
    IT_STAT("number", s->count);
    IT_STAT("number_hot", 0);
    IT_STAT("number_warm", 0);
    IT_STAT("number_cold", s->count);
    IT_STAT("age_hot", 0);
    IT_STAT("age_warm", 0);
    IT_STAT("age", age);
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
    for (i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
        IT_STAT(zero[i], 0);
    IT_STAT("lrutail_reflocked", s->lrutail_reflocked);
    for (i = 0; i < sizeof(zero2) / sizeof(zero2[0]); i++)
        IT_STAT(zero2[i], 0);
    IT_STAT("moves_within_lru", s->moves_within_lru);
    IT_STAT("direct_reclaims", s->direct_reclaims);
    for (i = 0; i < sizeof(zero3) / sizeof(zero3[0]); i++)
        IT_STAT(zero3[i], 0);
#undef IT_STAT
}

/* Per class with items: snapshot under the LRU lock, emit without it. */
void item_stats(ADD_STAT add, void *cookie)
{
    unsigned int i, n = slabs_largest_class();
    rel_time_t now = now_time();

    for (i = 1; i <= n; i++) {
        struct lru snap;
        rel_time_t age = 0;

        pthread_mutex_lock(&lrus[i].lock);
        memcpy(&snap, &lrus[i], sizeof(snap));
        if (lrus[i].tail != NULL && now > lrus[i].tail->time)
            age = now - lrus[i].tail->time;
        pthread_mutex_unlock(&lrus[i].lock);
        if (snap.count == 0)
            continue;
        emit_class_items(add, cookie, i, &snap, age);
    }
}

/*
 * "stats cachedump": walk class id's LRU from the head under its LRU
 * lock.  Fields an item lock guards (exptime) are read only with that
 * lock, which against the lock order is merely tried: a busy item is
 * left out of the dump rather than waited for.
 */
#define CACHEDUMP_MAX_BYTES (2 * 1024 * 1024)

void item_cachedump(unsigned int clsid, unsigned int limit,
                    void (*line)(const char *s, size_t len, void *cookie),
                    void *cookie)
{
    char buf[KEY_MAX_LENGTH + 64];
    size_t total = 0;
    unsigned int shown = 0;
    item *it;

    if (clsid >= MAX_SLAB_CLASSES)
        return;
    pthread_mutex_lock(&lrus[clsid].lock);
    for (it = lrus[clsid].head; it != NULL; it = it->next) {
        pthread_mutex_t *ilock = lock_for(hash(item_key(it), it->nkey));
        rel_time_t exptime;
        int n;

        if (limit != 0 && shown >= limit)
            break;
        if (pthread_mutex_trylock(ilock) != 0)
            continue;
        exptime = it->exptime;
        pthread_mutex_unlock(ilock);
        n = snprintf(buf, sizeof(buf), "ITEM %.*s [%u b; %lld s]\r\n",
                     (int)it->nkey, item_key(it), it->nbytes - 2,
                     exptime == 0 ? 0LL
                                  : (long long)exptime + process_started);
        if (n < 0 || (size_t)n >= sizeof(buf) ||
            total + (size_t)n > CACHEDUMP_MAX_BYTES)
            break;
        line(buf, (size_t)n, cookie);
        total += (size_t)n;
        shown++;
    }
    pthread_mutex_unlock(&lrus[clsid].lock);
}

/* Size histograms are off unless -o track_sizes, which we do not have. */
void item_stats_sizes(ADD_STAT add, void *cookie)
{
    append_stat(add, cookie, "sizes_status", "%s", "disabled");
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
