/*
 * lru.h: the per-class LRUs and the indexes an item is linked into (see
 * lru.c).  For the engine's own modules: items.c, maintainer.c,
 * crawler.c and slab_mover.c.  A do_ prefix means the caller holds the
 * item lock of the item's key (hv); the others take what they need.
 */
#ifndef LRU_H
#define LRU_H

#include "items.h"
#include "engine_config.h"

void lru_init(void);
void lru_shutdown(void);

/* Caller holds the item lock of hv.  `it` has its time, CAS and link
 * reference (items.c does that): put it in the hash table and at the
 * head of its LRU segment (by its TTL and the LRU mode). */
void do_lru_link(item *it, uint32_t hv, rel_time_t now);
/* Caller holds the item lock of hv.  Take `it` out of the hash table and
 * its LRU and drop the link reference, which may free it. */
void do_lru_unlink(item *it, uint32_t hv);
/* Caller holds the item lock of hv.  `it` (prepared as for do_lru_link)
 * takes linked `old`'s place; old's link reference is dropped. */
void do_lru_replace(item *old, item *it, uint32_t hv, rel_time_t now);
/* Caller holds the item lock.  A fetch.  Segmented: no LRU lock; the
 * second fetch marks the item ACTIVE and the maintainer (or the next
 * eviction that meets it) moves it.  Outside COLD the access time is
 * refreshed so HOT/WARM age limits see it as recent. */
void do_lru_bump(item *it, rel_time_t now);
/* Caller holds the item lock.  Refresh the access time without a fetch
 * (failed add, incr in place), as the reference does. */
void do_lru_update(item *it, rel_time_t now);

/* Flags of lru_pull_tail. */
#define PULL_EVICT 1   /* COLD: evict the tail if nothing dead is found */
#define PULL_FORCE 2   /* HOT/WARM: move the tail down whatever its age */
#define PULL_MAINT 4   /* counted as the maintainer's, not inline */
enum pull_result { PULL_NONE, PULL_MOVED, PULL_FREED };

/*
 * Work on the tail of segment seg of class id: among the last few items
 * (cursors and held items skipped), reclaim a dead one, or do the
 * segment's move (HOT/WARM: down to COLD when older than max_age or
 * over their share, or, if ACTIVE, to WARM; COLD: ACTIVE to WARM, else
 * evict with PULL_EVICT; TEMP: only reclaims).  PULL_FREED when a chunk
 * was freed.
 */
enum pull_result lru_pull_tail(unsigned int id, unsigned int seg,
                               rel_time_t max_age, unsigned int flags,
                               const struct engine_config *c);
/* Seconds since the tail item of segment seg of class id was used. */
rel_time_t lru_tail_age(unsigned int id, unsigned int seg);

/* A chunk of class id for `size` bytes (raw: chunked data of the
 * largest class), evicting from LRU lru_id as needed; NULL (counted as
 * the class's outofmemory) if nothing could be freed. */
void *lru_alloc(size_t size, unsigned int id, unsigned int lru_id, bool raw);

/* Figures: add the LRUs' counters to *t; "stats items" (hits[id][seg]
 * from the workers, may be NULL); "stats cachedump" (see items.h); per
 * class evictions and COLD tail age, for the automover. */
void lru_totals(struct storage_totals *t);
void lru_stats_items(ADD_STAT add, void *cookie,
                     const uint64_t (*hits)[LRU_NSEGS]);
void lru_cachedump(unsigned int clsid, unsigned int limit,
                   void (*line)(const char *s, size_t len, void *cookie),
                   void *cookie);
void lru_class_figures(unsigned int id, uint64_t *evicted, rel_time_t *age);

/* The crawler's cursors.  A cursor is a fake item (ITEM_CRAWLER) placed
 * in an LRU segment and moved from the tail towards the head one item
 * per step; all LRU walkers skip cursors.  Each step returns the item
 * passed over, referenced and with its item lock held (*hv), or says the
 * walk is done or that this item was busy and skipped. */
enum crawl_step { CRAWL_DONE, CRAWL_SKIP, CRAWL_ITEM };
item *lru_cursor_new(void);           /* free() it when done */
void lru_cursor_link(item *cur, unsigned int id, enum lru_seg seg);
void lru_cursor_unlink(item *cur, unsigned int id);
enum crawl_step lru_cursor_step(item *cur, unsigned int id, item **it,
                                uint32_t *hv);
/* Caller holds the item lock (from a step): reclaim it if dead (counts
 * it for the class as crawler_reclaimed); true if it was reclaimed. */
bool lru_cursor_reclaim(item *it, uint32_t hv, unsigned int id);
/* Drop the step's reference and item lock. */
void lru_cursor_release(item *it, uint32_t hv);

/* The slab mover: free the chunk at `p` of class id so its page can move
 * (rescue the item into another chunk of the class if one is free, else
 * evict it).  EVAC_BUSY: try again later. */
enum evac_result { EVAC_DONE, EVAC_RESCUED, EVAC_EVICTED, EVAC_BUSY };
enum evac_result lru_evacuate(void *p, unsigned int id, const char *page,
                              size_t page_len);
/* Evict chunked items whose data chunks lie in [page, page+len).
 * Returns how many were busy (held by readers). */
unsigned int lru_evacuate_chunked(const char *page, size_t len);

#endif /* LRU_H */
