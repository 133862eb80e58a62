/*
 * item_layout.c: one item's memory.  Its placement of header, CAS, key
 * and value (see item_layout.h), reads and copies across the chunks of a
 * chunked value, reference counting and freeing, and the CAS counter.
 *
 * This is the bottom of the item stack: it calls only the slab allocator.
 * Locks: none of its own.  The refcount is atomic; an item is freed when
 * the last reference goes, so a reader's bytes never change under it.
 * The CAS counter is one atomic 64-bit value.
 */
#include "item_layout.h"

#include <assert.h>

static uint64_t cas_id;          /* atomic; last CAS handed out */

uint64_t item_next_cas(void)
{
    return __atomic_add_fetch(&cas_id, 1, __ATOMIC_RELAXED);
}

void item_cas_reset(void)
{
    __atomic_store_n(&cas_id, 0, __ATOMIC_RELAXED);
}

uint64_t item_get_cas(const item *it)
{
    uint64_t v = 0;

    if (cas_len(it))
        memcpy(&v, it->data, sizeof(v));
    return v;
}

const char *item_key(const item *it)
{
    return it->data + cas_len(it);
}

size_t item_total_size(size_t nkey, size_t nbytes)
{
    return hdr_size(nkey, settings.use_cas) + nbytes;
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

void item_copy_data(item *dst, size_t doff, item *src, size_t soff,
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

void item_init(item *it, unsigned int id, uint8_t flags, const char *key,
               size_t nkey, uint32_t client_flags, rel_time_t exptime,
               size_t nbytes)
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

void item_free_chunks(item *it, size_t n)
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
        item_free_chunks(it, nchunks_for(it->nbytes));
    __atomic_store_n(&it->it_flags, ITEM_SLABBED, __ATOMIC_RELAXED);
    slabs_free(it, ntotal, id);
}

void item_hold(item *it)
{
    __atomic_add_fetch(&it->refcount, 1, __ATOMIC_RELAXED);
}

void item_release(item *it)
{
    unsigned short left;

    assert(__atomic_load_n(&it->refcount, __ATOMIC_RELAXED) > 0);
    left = __atomic_sub_fetch(&it->refcount, 1, __ATOMIC_ACQ_REL);
    if (left == 0)
        item_free(it);
}
