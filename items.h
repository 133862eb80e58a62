/*
 * items.h: the storage engine's interface, as the protocol layer sees it.
 *
 * Every function here that takes a key takes its own locks (item lock
 * striped by hash, then the LRU lock of the class, then the slabs lock);
 * callers hold none.  Items handed out carry a reference that the caller
 * gives back with item_release().  While a reference is held the item's
 * memory is never reused, even if it is unlinked, replaced or expires.
 *
 * Values are stored as `nbytes` bytes that include the trailing "\r\n".
 * A value larger than the largest slab class lives in several chunks, so
 * callers reach value bytes only through item_data_span().
 */
#ifndef ITEMS_H
#define ITEMS_H

#include "memcached.h"

typedef struct _stritem item;

/* Flag bits in it->it_flags that other modules may test. */
#define ITEM_LINKED   0x01   /* in the hash table and an LRU */
#define ITEM_CAS      0x02   /* carries a 64-bit CAS */
#define ITEM_SLABBED  0x04   /* free, back in its slab class */
#define ITEM_FETCHED  0x08   /* read at least once since stored */
#define ITEM_CHUNKED  0x10   /* value spread over chunks */

struct _stritem {
    struct _stritem *next;    /* LRU, towards the tail */
    struct _stritem *prev;    /* LRU, towards the head */
    struct _stritem *h_next;  /* hash chain */
    rel_time_t time;          /* last access */
    rel_time_t exptime;       /* 0: never */
    uint32_t nbytes;          /* value bytes including "\r\n" */
    uint32_t client_flags;    /* opaque 32-bit flags of the client */
    unsigned short refcount;  /* atomic; 1 for being linked */
    uint8_t it_flags;         /* ITEM_* */
    uint8_t slabs_clsid;      /* slab class (chunk class of the header) */
    uint8_t nkey;             /* key length, no terminator */
    uint8_t pad_[3];
    /* then: uint64_t cas if ITEM_CAS; key; value (or chunk list) */
    char data[];
};

/* Accessors the protocol layer uses; do not reach into data[] directly. */
uint64_t item_get_cas(const item *it);
const char *item_key(const item *it);

/* Contiguous run of value bytes starting at value offset `off`
 * (0 <= off < nbytes): sets *p to it and returns its length (>= 1).
 * Used both to read a value into a new item and to send one out. */
size_t item_data_span(item *it, size_t off, char **p);

/* Results that the protocol layer turns into replies and stats. */
enum get_status {
    GET_HIT, GET_MISS, GET_EXPIRED, GET_FLUSHED
};
enum store_op {
    STORE_SET, STORE_ADD, STORE_REPLACE, STORE_APPEND, STORE_PREPEND,
    STORE_CAS
};
enum store_result {
    STORED, NOT_STORED, EXISTS, NOT_FOUND,
    STORE_TOO_LARGE,   /* append/prepend result over -I */
    STORE_NO_MEMORY    /* could not allocate (append/prepend) */
};
enum alloc_result {
    ALLOC_OK, ALLOC_TOO_LARGE, ALLOC_NO_MEMORY
};
enum delta_result {
    DELTA_OK, DELTA_NON_NUMERIC, DELTA_NO_MEMORY, DELTA_MISS
};
enum delete_result {
    DELETE_OK, DELETE_NOT_FOUND, DELETE_EXISTS
};

/* Start-up and shutdown of the whole engine (slabs, assoc, items, the
 * hash-expansion thread).  Reads settings.  false + message on failure. */
bool storage_init(void);
void storage_shutdown(void);   /* stops threads, frees everything */

/* New unlinked item with refcount 1, room for nbytes of value (incl.
 * "\r\n").  NULL on failure with *res saying why.  May evict (unless -M). */
item *item_alloc(const char *key, size_t nkey, uint32_t client_flags,
                 rel_time_t exptime, size_t nbytes, enum alloc_result *res);

/* Drop a reference; frees the item when the last one goes. */
void item_release(item *it);

/* Look up a live item (not expired, not flushed).  On a hit returns it
 * referenced, marks it fetched, bumps its LRU position.  *st says
 * hit/miss/expired/flushed (expired and flushed items are unlinked). */
item *item_get(const char *key, size_t nkey, enum get_status *st);

/* Like item_get, and on a hit also sets the exptime (gat, touch). */
item *item_touch(const char *key, size_t nkey, rel_time_t exptime,
                 enum get_status *st);

/* Store `it` (from item_alloc, value filled in) according to op.  For
 * STORE_CAS, req_cas is the client's CAS.  On STORED, *cas_out (if not
 * NULL) gets the stored item's new CAS.  The caller keeps its reference
 * to `it` and releases it afterwards as usual. */
enum store_result item_store(item *it, enum store_op op, uint64_t req_cas,
                             uint64_t *cas_out);

/* incr/decr: unsigned 64-bit; incr wraps at 2^64, decr stops at 0.  On
 * DELTA_OK the new value is written to buf (NUL terminated, >= 24 bytes),
 * *cas_out and *clsid_out (each may be NULL) are set. */
enum delta_result item_add_delta(const char *key, size_t nkey, bool incr,
                                 uint64_t delta, char *buf,
                                 uint64_t *cas_out, unsigned *clsid_out);

/* Unlink the item if present (req_cas 0: any CAS).  *clsid_out may be NULL. */
enum delete_result item_delete(const char *key, size_t nkey,
                               uint64_t req_cas, unsigned *clsid_out);

/* flush_all: every item stored at or before `when` (rel time) is dead
 * once current_time reaches `when`; `when` == 0 means now.  Also records
 * the CAS boundary for same-second stores.  No walk of the cache. */
void item_flush_all(rel_time_t when);

/* Totals for "stats". */
struct storage_totals {
    uint64_t curr_items, total_items, bytes;
    uint64_t evictions, evicted_unfetched, evicted_active, reclaimed;
    uint64_t expired_unfetched, outofmemory;
    uint64_t total_malloced;      /* bytes of slab pages handed out */
    unsigned int hash_power_level;
    uint64_t hash_bytes;
    bool hash_is_expanding;
};
void storage_totals(struct storage_totals *t);

/* "stats items", "stats slabs" (engine part), "stats sizes". */
void item_stats(ADD_STAT add, void *cookie);
void item_stats_sizes(ADD_STAT add, void *cookie);

/* "stats cachedump": one "ITEM <key> [<bytes> b; <exptime> s]\r\n" line
 * per item of class clsid, most recently used first, at most `limit`
 * lines (0: all, capped at 2 MB of output), each passed to line(). */
void item_cachedump(unsigned int clsid, unsigned int limit,
                    void (*line)(const char *s, size_t len, void *cookie),
                    void *cookie);

/* Size of the item header + key + CAS for a given key length, and the
 * slab class an item with that total size would use (0: too large for
 * any class, i.e. chunked).  For stats and tests. */
size_t item_total_size(size_t nkey, size_t nbytes);

/* Engine-internal (assoc.c's expansion thread, unit tests): the striped
 * item locks.  Lock i covers every hash value whose low
 * item_lock_power() bits equal i, so item_lock(i) locks stripe i.  No
 * thread may block on a second item lock while holding one, except the
 * expansion thread (which holds no other lock while doing so). */
unsigned int item_lock_power(void);
void item_lock(uint32_t hv);
void item_unlock(uint32_t hv);

#endif /* ITEMS_H */
