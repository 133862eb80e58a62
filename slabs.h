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

/* Page counts (tests, automover); pages in the global pool. */
unsigned int slabs_npages(unsigned int id);
unsigned int slabs_pool_pages(void);

/* Page moves, for the slab mover (slab_mover.c); one at a time.
 * slabs_page_move_begin: start emptying a page of class src: its free
 * chunks leave the free list, and chunks of it freed from now on are
 * marked done instead of listed.  false if src has fewer than two pages,
 * a move is under way or memory is short. */
struct slab_page_move {
    unsigned int src;          /* class of the page */
    char *page;                /* its first byte */
    size_t chunk_size;
    unsigned int perslab;      /* chunks on it */
};
bool slabs_page_move_begin(unsigned int src, struct slab_page_move *pm);
/* Chunk k of the page being moved: free (done), data of a chunked item
 * (raw), or (as far as the allocator knows) an item. */
enum slab_chunk_state { SLAB_CHUNK_DONE, SLAB_CHUNK_RAW, SLAB_CHUNK_ITEM };
enum slab_chunk_state slabs_page_chunk_state(unsigned int k);
/* If every chunk of the page is done, give it to class dst (0 or an
 * invalid class: the global pool), end the move and return true. */
bool slabs_page_move_finish(unsigned int dst);

#endif /* SLABS_H */
