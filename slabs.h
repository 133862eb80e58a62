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

#endif /* SLABS_H */
