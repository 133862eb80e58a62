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
#include "engine_config.h"

typedef struct _stritem item;

/* Flag bits in it->it_flags that other modules may test. */
#define ITEM_LINKED   0x01   /* in the hash table and an LRU */
#define ITEM_CAS      0x02   /* carries a 64-bit CAS */
#define ITEM_SLABBED  0x04   /* free, back in its slab class */
#define ITEM_FETCHED  0x08   /* read at least once since stored */
#define ITEM_CHUNKED  0x10   /* value spread over chunks */
#define ITEM_ACTIVE   0x20   /* fetched again since its last LRU move */
#define ITEM_CRAWLER  0x40   /* not an item: a crawler's place holder */

/* The segments of a class's LRU (it->lru_seg).  Without the segmented
 * LRU every item lives in LRU_COLD, as in the reference. */
enum lru_seg { LRU_HOT, LRU_WARM, LRU_COLD, LRU_TEMP, LRU_NSEGS };

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
    uint8_t lru_seg;          /* enum lru_seg; atomic, changed under the
                                 LRU lock */
    uint8_t mflags;           /* ITEM_META_* (meta support, below);
                                 written only under the item lock */
    uint8_t pad_[1];
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

/* Start-up and shutdown of the whole engine (slabs, assoc, LRUs, the
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
    uint64_t crawler_reclaimed, crawler_items_checked, lrutail_reflocked;
    uint64_t moves_to_cold, moves_to_warm, moves_within_lru;
    uint64_t direct_reclaims;
    uint64_t lru_maintainer_juggles;  /* maintainer passes */
    uint64_t lru_crawler_starts;      /* crawls begun */
    bool lru_crawler_running;
    struct slab_move_stats {          /* slab_mover.c */
        uint64_t rescues, evictions_nomem, busy_items, slabs_moved;
        uint64_t global_page_pool;    /* pages not in any class */
        bool running;
    } slab;
    uint64_t total_malloced;      /* bytes of slab pages handed out */
    unsigned int hash_power_level;
    uint64_t hash_bytes;
    bool hash_is_expanding;
};
void storage_totals(struct storage_totals *t);

/* "stats items", "stats slabs" (engine part), "stats sizes".
 * item_stats_hits() also takes the hits_to_* counts per class and LRU
 * segment (hits[clsid][seg]), which the workers count (stats.c);
 * item_stats() reports them as 0. */
void item_stats(ADD_STAT add, void *cookie);
void item_stats_hits(ADD_STAT add, void *cookie,
                     const uint64_t (*hits)[LRU_NSEGS]);
/* The LRU segment an item is in now (enum lru_seg), read without a lock:
 * for statistics only. */
unsigned int item_lru_segment(const item *it);
void item_stats_sizes(ADD_STAT add, void *cookie);

/* "stats cachedump": one "ITEM <key> [<bytes> b; <exptime> s]\r\n" line
 * per item of class clsid, most recently used first, at most `limit`
 * lines (0: all, capped at 2 MB of output), each passed to line(). */
void item_cachedump(unsigned int clsid, unsigned int limit,
                    void (*line)(const char *s, size_t len, void *cookie),
                    void *cookie);

/* Size of the item header + key + CAS for a given key length and value
 * size.  For stats and tests. */
size_t item_total_size(size_t nkey, size_t nbytes);

/* Take one more reference to an item: the caller holds the item's lock
 * (as the mutation hook's observer does) or already a reference. */
void item_hold(item *it);

/* Start and stop the LRU maintainer, crawler and slab mover threads, as
 * configured (engine_config.h).  Called by main() after storage_init(). */
bool engine_threads_start(void);
void engine_threads_stop(void);

/* ---------------------------------------------------------------------
 * Meta support: what the meta commands (proto_meta.c) need beyond the
 * classic ones.  Every function takes the item lock itself, like the rest
 * of this header; the state below lives in it->mflags, which only these
 * functions touch, always under the item lock.
 * ------------------------------------------------------------------- */

#define ITEM_META_STALE      0x01  /* invalidated (md I, ms I): serve, but
                                      hand out a win token to refetch */
#define ITEM_META_TOKEN_SENT 0x02  /* a client holds the win token */
#define ITEM_META_KEY_BINARY 0x04  /* stored by ms with a base64 key: k
                                      returns it base64 encoded */

/* mg: what to do under the lock.  Expiry times are rel_time_t, already
 * converted.  The caller resolves token order: viv_exptime is the TTL a
 * vivified item ends with, exptime the one an existing item gets when
 * set_exptime; recache_sees_t says which TTL R compares (the T token's
 * when T came first, else the item's). */
struct meta_get_req {
    bool vivify;               /* N: create an empty item on a miss */
    rel_time_t viv_exptime;
    bool set_exptime;          /* T */
    rel_time_t exptime;
    bool recache;              /* R */
    rel_time_t recache_time;
    bool recache_sees_t;       /* T came before R */
    bool no_bump;              /* u: no LRU bump, not marked fetched */
    bool no_token;             /* the reply is an error: hand out no
                                  win token (W is not marked sent) */
};
/* mg results: the item state as it was before this access, and the
 * W/X/Z decisions (the token is marked sent when win is set). */
struct meta_get_res {
    enum get_status st;
    bool created;              /* vivified by this call */
    bool win, stale, token_was_sent, key_binary;
    bool was_fetched;          /* h */
    rel_time_t was_time;       /* l: last access before this one */
    rel_time_t old_exptime;    /* before T (0 for a created item) */
    uint64_t cas;
};
/* Referenced item or NULL (miss without vivify, or no memory). */
item *item_meta_get(const char *key, size_t nkey,
                    const struct meta_get_req *rq, struct meta_get_res *rs);

/* ms: item_store plus invalidation.  With `invalidate` and STORE_CAS, a
 * req_cas lower than the item's (but not 0) still stores: the new item
 * keeps the old TTL and is marked stale (and token-sent if the old one
 * was).  With STORE_CAS a req_cas of 0 never matches (EXISTS), even an
 * item without a CAS under -C.  key_binary marks the stored item
 * ITEM_META_KEY_BINARY (plain stores only; append/prepend build a new
 * item without it). */
enum store_result item_meta_store(item *it, enum store_op op,
                                  uint64_t req_cas, bool invalidate,
                                  bool key_binary, uint64_t *cas_out);

/* md.  has_cas: compare (C0 included) -> DELETE_EXISTS on mismatch.
 * invalidate: instead of unlinking, mark stale, clear the token, give a
 * new CAS and, if set_exptime, the new TTL. */
enum delete_result item_meta_delete(const char *key, size_t nkey,
                                    bool has_cas, uint64_t req_cas,
                                    bool invalidate, bool set_exptime,
                                    rel_time_t exptime, unsigned *clsid_out);

/* ma.  req_cas 0: no compare.  On a miss with vivify, store `initial`
 * with TTL viv_exptime (MDELTA_OK, created).  On a hit, set_exptime sets
 * the TTL after the update.  buf gets the new value (>= 24 bytes). */
enum meta_delta_result {
    MDELTA_OK, MDELTA_NON_NUMERIC, MDELTA_NO_MEMORY, MDELTA_MISS,
    MDELTA_EXISTS
};
struct meta_delta_req {
    bool incr;
    uint64_t delta, req_cas, initial;
    bool vivify;
    rel_time_t viv_exptime;
    bool set_exptime;
    rel_time_t exptime;
};
struct meta_delta_res {
    bool created;
    uint64_t cas;
    rel_time_t old_exptime;    /* before T (0 for a created item) */
    unsigned clsid;
};
enum meta_delta_result item_meta_delta(const char *key, size_t nkey,
                                       const struct meta_delta_req *rq,
                                       char *buf, struct meta_delta_res *rs);

/* me: a live item's metadata, without bumping it.  false: no such item. */
struct meta_peek {
    rel_time_t exptime, time;
    uint64_t cas;
    bool fetched, key_binary;
    unsigned clsid;
    size_t size;               /* bytes, as the reference reports them */
};
bool item_meta_peek(const char *key, size_t nkey, struct meta_peek *out);

#endif /* ITEMS_H */
