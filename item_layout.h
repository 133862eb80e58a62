/*
 * item_layout.h: one item's memory, for the engine's own modules (lru.c,
 * items.c, crawler.c, slab_mover.c).  The protocol layer uses items.h.
 *
 * Layout (one slab chunk): the 48-byte struct _stritem header, then an
 * 8-byte CAS if ITEM_CAS (not with -C), then the key and a NUL, then the
 * value (nbytes incl. "\r\n").  So an item costs 48 + 8 + nkey + 1 +
 * nbytes bytes, the same total as the reference.  A value that would not
 * fit the largest class is ITEM_CHUNKED: after the key (8-aligned) comes
 * an array of pointers to raw chunks of the largest class, each full but
 * the last.  Chunked items live on the largest class's LRU, so evicting
 * there frees the chunks that the next chunked allocation needs.
 *
 * The accessors below are inline because the request path uses them on
 * every command.  Which lock guards which field is said in items.h.
 */
#ifndef ITEM_LAYOUT_H
#define ITEM_LAYOUT_H

#include "items.h"
#include "slabs.h"

#include <string.h>

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

/* Last access: written under the item lock, read by LRU walkers under
 * the LRU lock, hence atomic. */
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

/* From settings, not it_flags: the LRU walker finds the key without the
 * item lock while readers may set ITEM_FETCHED.  use_cas is fixed while
 * the engine runs, and ITEM_CAS is set exactly when it is true. */
static inline size_t cas_len(const item *it)
{
    (void)it;
    return settings.use_cas ? sizeof(uint64_t) : 0;
}

static inline void item_set_cas(item *it, uint64_t v)
{
    if (cas_len(it))
        memcpy(it->data, &v, sizeof(v));
}

static inline char *item_value(item *it)
{
    return it->data + cas_len(it) + it->nkey + 1;
}

static inline size_t hdr_size(size_t nkey, bool cas)
{
    return sizeof(item) + (cas ? sizeof(uint64_t) : 0) + nkey + 1;
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
static inline size_t item_ntotal(const item *it)
{
    if (iflags(it) & ITEM_CHUNKED)
        return chunk_ptrs_off(it->nkey, cas_len(it)) +
               nchunks_for(it->nbytes) * sizeof(char *);
    return hdr_size(it->nkey, cas_len(it)) + it->nbytes;
}

/* The class whose LRU holds the item: chunked items live on the largest
 * class's, whatever class their header chunk is. */
static inline unsigned int item_lru_id(const item *it)
{
    return (iflags(it) & ITEM_CHUNKED) ? slabs_largest_class()
                                         : it->slabs_clsid;
}

/* ---- expiry and flush ---- */

static inline bool item_is_flushed(const item *it, rel_time_t now)
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

static inline bool item_is_dead(const item *it, rel_time_t now)
{
    return item_is_expired(it, now) || item_is_flushed(it, now);
}

/* ---- item_layout.c ---- */

/* Fill in a freshly allocated chunk: header, CAS 0, key and its NUL.
 * The value bytes are the caller's to write. */
void item_init(item *it, unsigned int id, uint8_t flags, const char *key,
               size_t nkey, uint32_t client_flags, rel_time_t exptime,
               size_t nbytes);
/* Copy n value bytes from src at soff to dst at doff, across chunks. */
void item_copy_data(item *dst, size_t doff, item *src, size_t soff,
                    size_t n);
/* Give back the first n data chunks of a chunked item. */
void item_free_chunks(item *it, size_t n);

/* The CAS counter: the next unique value (never 0). */
uint64_t item_next_cas(void);
void item_cas_reset(void);

#endif /* ITEM_LAYOUT_H */
