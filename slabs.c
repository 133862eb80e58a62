/*
 * slabs.c: the slab allocator.  Owns all item memory.
 *
 * Memory is taken in pages of settings.slab_page_size (1 MB) up to
 * settings.maxbytes.  Each page belongs to one size class and is cut into
 * equal chunks when it is assigned.  Class 1 holds sizeof(item) +
 * settings.chunk_size bytes; each next class is settings.factor times
 * larger, rounded up to 8 bytes; the last class is exactly
 * settings.slab_chunk_size_max.  Larger items are chained from chunks of
 * the last class by items.c.  Free chunks of a class form a singly linked
 * list threaded through their first word.  Pages are never given back or
 * moved between classes (no slab rebalancing).
 *
 * Memory limit: a class with no page yet may always take its first page,
 * even past the limit, so every class can hold at least one item (the
 * reference behaves the same way); otherwise a page is taken only while
 * mem_malloced + page <= limit.  With -L the whole limit is malloc'd once
 * at start and pages are carved from it.
 *
 * Lock: slabs_lock protects everything in this file.  It is last in the
 * lock order (item lock -> LRU lock -> slabs lock): nothing is called
 * with it held except malloc when a page is taken.
 */
#include "slabs.h"
#include "items.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_ALIGN 8

struct slabclass {
    size_t size;          /* chunk size, bytes */
    unsigned int perslab; /* chunks per page */
    void *free_list;      /* free chunks, linked through first word */
    unsigned int nfree;   /* length of free_list */
    unsigned int npages;  /* pages assigned to this class */
    unsigned int pages_cap;
    void **pages;         /* the pages (freed at shutdown) */
    uint64_t requested;   /* bytes asked for in chunks handed out */
};

static struct slabclass slabclass[MAX_SLAB_CLASSES];
static unsigned int power_largest;  /* id of the last class */
static size_t mem_limit;            /* bytes; 0: none */
static size_t mem_malloced;         /* bytes of pages handed out */
static char *mem_base;              /* -L: the preallocated region */
static size_t mem_base_size;
static size_t mem_base_used;
static pthread_mutex_t slabs_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t align_up(size_t n)
{
    if (n % CHUNK_ALIGN)
        n += CHUNK_ALIGN - n % CHUNK_ALIGN;
    return n;
}

/* The largest chunk: -o slab_chunk_max, but never above a page or -I. */
static size_t chunk_size_max(void)
{
    size_t m = (size_t)settings.slab_chunk_size_max;

    if (m > (size_t)settings.slab_page_size)
        m = (size_t)settings.slab_page_size;
    if (m > (size_t)settings.item_size_max)
        m = (size_t)settings.item_size_max;
    return m;
}

/* Fill slabclass[] from settings; same algorithm as the reference so the
 * default table is 96, 120, 152, ... 524288. */
static void build_class_table(void)
{
    size_t size = sizeof(item) + (size_t)settings.chunk_size;
    size_t max = chunk_size_max();
    size_t page = (size_t)settings.slab_page_size;
    unsigned int i = 0;

    memset(slabclass, 0, sizeof(slabclass));
    while (++i < MAX_SLAB_CLASSES - 1) {
        if ((double)size >= (double)max / settings.factor)
            break;
        size = align_up(size);
        slabclass[i].size = size;
        slabclass[i].perslab = (unsigned int)(page / size);
        size = (size_t)((double)size * settings.factor);
    }
    power_largest = i;
    slabclass[i].size = max;
    slabclass[i].perslab = (unsigned int)(page / max);
}

bool slabs_init(void)
{
    unsigned int i;

    if (settings.factor <= 1.0 || settings.chunk_size <= 0 ||
        settings.slab_page_size <= 0 || settings.item_size_max <= 0 ||
        chunk_size_max() < sizeof(item) + (size_t)settings.chunk_size) {
        fprintf(stderr, "slabs: bad size settings (factor, -n, -I, "
                "slab_chunk_max)\n");
        return false;
    }
    build_class_table();
    mem_limit = settings.maxbytes;
    mem_malloced = 0;
    if (settings.prealloc && mem_limit > 0) {
        mem_base_size = mem_limit - mem_limit %
                        (size_t)settings.slab_page_size;
        mem_base = malloc(mem_base_size);
        if (mem_base == NULL) {
            fprintf(stderr, "slabs: cannot preallocate %zu bytes\n",
                    mem_base_size);
            return false;
        }
        mem_base_used = 0;
    }
    for (i = 1; i <= power_largest; i++)
        log_msg(2, "slab class %3u: chunk size %9zu perslab %7u", i,
                slabclass[i].size, slabclass[i].perslab);
    return true;
}

void slabs_shutdown(void)
{
    unsigned int i, j;

    pthread_mutex_lock(&slabs_lock);
    for (i = 1; i <= power_largest; i++) {
        if (mem_base == NULL) {
            for (j = 0; j < slabclass[i].npages; j++)
                free(slabclass[i].pages[j]);
        }
        free(slabclass[i].pages);
    }
    free(mem_base);
    mem_base = NULL;
    mem_base_size = mem_base_used = 0;
    memset(slabclass, 0, sizeof(slabclass));
    power_largest = 0;
    mem_malloced = 0;
    pthread_mutex_unlock(&slabs_lock);
}

unsigned int slabs_clsid(size_t size)
{
    unsigned int i;

    /* Linear scan: at most 63 classes, and classes are few in practice. */
    if (size == 0)
        return 0;
    for (i = 1; i <= power_largest; i++) {
        if (size <= slabclass[i].size)
            return i;
    }
    return 0;
}

/* Caller holds slabs_lock.  Get one more page for class p, cut it into
 * chunks and put them on its free list.  false at the memory limit. */
static bool do_slabs_newpage(struct slabclass *p)
{
    size_t page = (size_t)settings.slab_page_size;
    char *mem;
    unsigned int k;

    if (mem_limit && p->npages > 0 && mem_malloced + page > mem_limit)
        return false;
    if (p->npages == p->pages_cap) {
        unsigned int cap = p->pages_cap ? p->pages_cap * 2 : 16;
        void **np = realloc(p->pages, cap * sizeof(*np));

        if (np == NULL)
            return false;
        p->pages = np;
        p->pages_cap = cap;
    }
    if (mem_base != NULL) {
        if (mem_base_used + page > mem_base_size)
            return false;
        mem = mem_base + mem_base_used;
        mem_base_used += page;
    } else {
        mem = malloc(page);
        if (mem == NULL)
            return false;
    }
    p->pages[p->npages++] = mem;
    mem_malloced += page;
    /* Push in reverse so chunks are handed out in address order. */
    for (k = p->perslab; k-- > 0;) {
        void **chunk = (void **)(mem + (size_t)k * p->size);

        *chunk = p->free_list;
        p->free_list = chunk;
    }
    p->nfree += p->perslab;
    return true;
}

void *slabs_alloc(size_t size, unsigned int id)
{
    struct slabclass *p;
    void **chunk = NULL;

    if (id < 1 || id > power_largest)
        return NULL;
    p = &slabclass[id];
    assert(size <= p->size);
    pthread_mutex_lock(&slabs_lock);
    if (p->free_list != NULL || do_slabs_newpage(p)) {
        chunk = p->free_list;
        p->free_list = *chunk;
        p->nfree--;
        p->requested += size;
    }
    pthread_mutex_unlock(&slabs_lock);
    return chunk;
}

void slabs_free(void *ptr, size_t size, unsigned int id)
{
    struct slabclass *p;

    assert(id >= 1 && id <= power_largest);
    p = &slabclass[id];
    pthread_mutex_lock(&slabs_lock);
    assert(p->requested >= size);
    *(void **)ptr = p->free_list;
    p->free_list = ptr;
    p->nfree++;
    p->requested -= size;
    pthread_mutex_unlock(&slabs_lock);
}

size_t slabs_chunk_size(unsigned int id)
{
    if (id < 1 || id > power_largest)
        return 0;
    return slabclass[id].size;
}

unsigned int slabs_largest_class(void)
{
    return power_largest;
}

/* Preallocated memory cannot grow or shrink: refuse, as the reference. */
bool slabs_set_memlimit(size_t bytes)
{
    bool ok = true;

    pthread_mutex_lock(&slabs_lock);
    if (mem_base != NULL || bytes == 0)
        ok = false;
    else
        mem_limit = bytes;
    pthread_mutex_unlock(&slabs_lock);
    return ok;
}

uint64_t slabs_total_malloced(void)
{
    uint64_t n;

    pthread_mutex_lock(&slabs_lock);
    n = mem_malloced;
    pthread_mutex_unlock(&slabs_lock);
    return n;
}

uint64_t slabs_mem_requested(unsigned int id)
{
    uint64_t n = 0;

    if (id < 1 || id > power_largest)
        return 0;
    pthread_mutex_lock(&slabs_lock);
    n = slabclass[id].requested;
    pthread_mutex_unlock(&slabs_lock);
    return n;
}

struct class_snap {
    size_t size;
    unsigned int perslab, npages, nfree;
};

static void emit_class(ADD_STAT add, void *cookie, unsigned int id,
                       const struct class_snap *s)
{
    char key[64];
    uint64_t total = (uint64_t)s->perslab * s->npages;

#define CLS_STAT(name, fmt, val) do { \
        snprintf(key, sizeof(key), "%u:%s", id, name); \
        append_stat(add, cookie, key, fmt, val); \
    } while (0)
    CLS_STAT("chunk_size", "%zu", s->size);
    CLS_STAT("chunks_per_page", "%u", s->perslab);
    CLS_STAT("total_pages", "%u", s->npages);
    CLS_STAT("total_chunks", "%llu", (unsigned long long)total);
    CLS_STAT("used_chunks", "%llu", (unsigned long long)(total - s->nfree));
    CLS_STAT("free_chunks", "%u", s->nfree);
    CLS_STAT("free_chunks_end", "%u", 0u);
#undef CLS_STAT
}

/* Snapshot under the lock, emit without it (add may be slow). */
void slabs_stats(ADD_STAT add, void *cookie, SLAB_CLASS_EXTRA class_extra)
{
    struct class_snap snap[MAX_SLAB_CLASSES];
    unsigned int i, n, active = 0;
    uint64_t malloced;

    pthread_mutex_lock(&slabs_lock);
    n = power_largest;
    for (i = 1; i <= n; i++) {
        snap[i].size = slabclass[i].size;
        snap[i].perslab = slabclass[i].perslab;
        snap[i].npages = slabclass[i].npages;
        snap[i].nfree = slabclass[i].nfree;
    }
    malloced = mem_malloced;
    pthread_mutex_unlock(&slabs_lock);

    for (i = 1; i <= n; i++) {
        if (snap[i].npages == 0)
            continue;
        active++;
        emit_class(add, cookie, i, &snap[i]);
        if (class_extra != NULL)
            class_extra(i, add, cookie);
    }
    append_stat(add, cookie, "active_slabs", "%u", active);
    append_stat(add, cookie, "total_malloced", "%llu",
                (unsigned long long)malloced);
}
