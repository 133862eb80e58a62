/*
 * slabs.h: the slab allocator (see slabs.c's header for the design).
 * All functions take the slabs lock themselves unless named do_*.
 */
#ifndef SLABS_H
#define SLABS_H

#include "memcached.h"

/* Build the class table from settings (factor, chunk_size, item_size_max,
 * slab_chunk_size_max, maxbytes, prealloc).  Prints the table at -vv. */
bool slabs_init(void);
void slabs_shutdown(void);

/* Class id for an allocation of `size` bytes, 0 if larger than the
 * largest class (the caller then chains chunks). */
unsigned int slabs_clsid(size_t size);

/* A chunk of class `id`, or NULL if the class has none free and no new
 * page may be taken (memory limit).  Caller evicts and retries. */
void *slabs_alloc(size_t size, unsigned int id);
void slabs_free(void *ptr, size_t size, unsigned int id);

/* Chunk size of a class; largest class id. */
size_t slabs_chunk_size(unsigned int id);
unsigned int slabs_largest_class(void);

/* cache_memlimit: change the limit (bytes) at run time.  Lowering it does
 * not free pages already handed out.  false if below what is needed. */
bool slabs_set_memlimit(size_t bytes);

/* "stats slabs": for each class in use, its chunk figures, then
 * class_extra(id, ...) adds the per-class command counters kept by the
 * worker threads (may be NULL); then active_slabs and total_malloced. */
typedef void (*SLAB_CLASS_EXTRA)(unsigned int id, ADD_STAT add, void *cookie);
void slabs_stats(ADD_STAT add, void *cookie, SLAB_CLASS_EXTRA class_extra);
uint64_t slabs_total_malloced(void);

/* Bytes callers asked for (the `size` passed to slabs_alloc) in chunks of
 * class `id` currently handed out ("stats items" mem_requested). */
uint64_t slabs_mem_requested(unsigned int id);

/* A raw chunk of the largest class (chunked item data, no item header):
 * marked so the page mover can tell it from an item. */
void *slabs_alloc_raw(size_t size);
/* Only a chunk already free, never a new page (the mover's rescues). */
void *slabs_alloc_free_chunk(size_t size, unsigned int id);

/* Figures for the LRU maintainer and the automover. */
unsigned int slabs_free_chunks(unsigned int id);
unsigned int slabs_perslab(unsigned int id);
bool slabs_can_grow(unsigned int id);  /* a new page could be had */

/* "slabs reassign src dst" (dst 0: the global page pool). */
enum reassign_result {
    REASSIGN_OK, REASSIGN_RUNNING, REASSIGN_BADCLASS, REASSIGN_NOSPARE,
    REASSIGN_SAME, REASSIGN_DISABLED
};
enum reassign_result slabs_reassign(int src, int dst);

/* The slab mover thread (moves pages, runs the automover once a
 * second).  Started by engine_threads_start() when slab_reassign. */
bool slabs_mover_start(void);
void slabs_mover_stop(void);
/* Tests: run the requested move to its end in the calling thread, at
 * most `tries` passes over the page.  true if the page moved. */
bool slabs_move_now(unsigned int tries);
/* Page counts (tests, automover). */
unsigned int slabs_npages(unsigned int id);

struct slab_move_stats;
void slabs_move_stats(struct slab_move_stats *out);

#endif /* SLABS_H */
