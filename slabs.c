/*
 * slabs.c: the slab allocator.  Owns all item memory.
 *
 * Memory is taken in pages of settings.slab_page_size (1 MB) up to
 * settings.maxbytes.  Each page belongs to one size class and is cut into
 * equal chunks when it is assigned.  Class 1 holds sizeof(item) +
 * settings.chunk_size bytes; each next class is settings.factor times
 * larger, rounded up to 8 bytes; the last class is exactly
 * settings.slab_chunk_size_max.  Larger items are chained from chunks of
 * the last class by items.c (item_layout.h).  Free chunks of a class form a singly linked
 * list threaded through their first word.  Pages are never given back
 * to the system; "slabs reassign" and the automover (slab_mover.c) move
 * a page between classes through the page-move primitives at the end of
 * this file, keeping pages with no class in a global pool.  This file
 * calls nothing above it: the mover empties the page, the allocator only
 * keeps count of which of its chunks are free.
 *
 * Memory limit: a class with no page yet may always take its first page,
 * even past the limit, so every class can hold at least one item (the
 * reference behaves the same way); otherwise a page is taken only while
 * mem_malloced + page <= limit.  With -L the whole limit is malloc'd once
 * at start and pages are carved from it.
 *
 * Lock: slabs_lock protects everything in this file.  It is last in the
 * lock order (item lock -> LRU lock -> slabs lock): nothing that takes
 * a lock is called with it held (malloc/realloc/calloc/free of pages and
 * page arrays are).
 */
#include "slabs.h"
#include "items.h"

#include <assert.h>
#include <errno.h>
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
    uint8_t **raw;        /* largest class: per page, raw-chunk bitmap */
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

/* Global page pool (dst 0 of a reassign): empty pages of no class. */
static void **pool_pages;
static unsigned int pool_n, pool_cap;

/* The page being moved; all fields under slabs_lock. */
static struct {
    unsigned int src;       /* its class; 0: no move under way */
    char *page;             /* the page being emptied */
    unsigned int pidx;      /* its index in slabclass[src].pages */
    uint8_t *done;          /* per chunk: free or freed since the start */
    unsigned int ndone;
} mv;

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
        for (j = 0; j < slabclass[i].npages; j++) {
            if (mem_base == NULL)
                free(slabclass[i].pages[j]);
            free(slabclass[i].raw[j]);
        }
        free(slabclass[i].pages);
        free(slabclass[i].raw);
    }
    for (j = 0; j < pool_n && mem_base == NULL; j++)
        free(pool_pages[j]);
    free(pool_pages);
    pool_pages = NULL;
    pool_n = pool_cap = 0;
    free(mv.done);
    memset(&mv, 0, sizeof(mv));
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

/* Caller holds slabs_lock.  Room for one more page in p's arrays (the
 * raw bitmap of the largest class is allocated here too). */
static bool do_pages_grow(struct slabclass *p)
{
    unsigned int cap;
    void **np;
    uint8_t **nr;

    if (p->npages < p->pages_cap)
        return true;
    cap = p->pages_cap ? p->pages_cap * 2 : 16;
    np = realloc(p->pages, cap * sizeof(*np));
    if (np == NULL)
        return false;
    p->pages = np;
    nr = realloc(p->raw, cap * sizeof(*nr));
    if (nr == NULL)
        return false;
    p->raw = nr;
    p->pages_cap = cap;
    return true;
}

/* Caller holds slabs_lock and made room (do_pages_grow).  Zero the page,
 * cut it into chunks marked free, push them on p's free list. */
static void do_slabs_add_page(struct slabclass *p, char *mem)
{
    size_t bits = (p->perslab + 7) / 8;
    unsigned int k;

    memset(mem, 0, (size_t)settings.slab_page_size);
    p->raw[p->npages] = NULL;
    if (p == &slabclass[power_largest])
        p->raw[p->npages] = calloc(1, bits);   /* NULL: no raw chunks */
    p->pages[p->npages++] = mem;
    /* Push in reverse so chunks are handed out in address order. */
    for (k = p->perslab; k-- > 0;) {
        item *it = (item *)(mem + (size_t)k * p->size);

        __atomic_store_n(&it->it_flags, ITEM_SLABBED, __ATOMIC_RELAXED);
        it->next = p->free_list;
        p->free_list = it;
    }
    p->nfree += p->perslab;
}

/* Caller holds slabs_lock.  Get one more page for class p, cut it into
 * chunks and put them on its free list.  false at the memory limit. */
static bool do_slabs_newpage(struct slabclass *p)
{
    size_t page = (size_t)settings.slab_page_size;
    char *mem;

    if (pool_n == 0 && mem_limit && p->npages > 0 &&
        mem_malloced + page > mem_limit)
        return false;
    if (!do_pages_grow(p))
        return false;
    if (pool_n > 0) {
        mem = pool_pages[--pool_n];
        do_slabs_add_page(p, mem);
        return true;
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
    mem_malloced += page;
    do_slabs_add_page(p, mem);
    return true;
}

static void *slabs_alloc_grow(size_t size, unsigned int id, bool grow)
{
    struct slabclass *p;
    void **chunk = NULL;

    if (id < 1 || id > power_largest)
        return NULL;
    p = &slabclass[id];
    assert(size <= p->size);
    pthread_mutex_lock(&slabs_lock);
    if (p->free_list != NULL || (grow && do_slabs_newpage(p))) {
        chunk = p->free_list;
        p->free_list = *chunk;
        p->nfree--;
        p->requested += size;
    }
    pthread_mutex_unlock(&slabs_lock);
    return chunk;
}

void *slabs_alloc(size_t size, unsigned int id)
{
    return slabs_alloc_grow(size, id, true);
}

void *slabs_alloc_free_chunk(size_t size, unsigned int id)
{
    return slabs_alloc_grow(size, id, false);
}

/* Caller holds slabs_lock.  The raw-bitmap byte and bit of chunk ptr
 * of the largest class, or NULL if its page has no bitmap. */
static uint8_t *do_raw_bit(void *ptr, uint8_t *bit)
{
    struct slabclass *p = &slabclass[power_largest];
    size_t page = (size_t)settings.slab_page_size;
    unsigned int i;

    /* Linear scan: the largest class has few pages (one per 1 MB of
     * large values at most). */
    for (i = 0; i < p->npages; i++) {
        char *b = p->pages[i];
        size_t k;

        if ((char *)ptr < b || (char *)ptr >= b + page)
            continue;
        if (p->raw[i] == NULL)
            return NULL;
        k = (size_t)((char *)ptr - b) / p->size;
        *bit = (uint8_t)(1u << (k % 8));
        return &p->raw[i][k / 8];
    }
    return NULL;
}

void *slabs_alloc_raw(size_t size)
{
    void *p = slabs_alloc(size, power_largest);
    uint8_t bit, *b;

    if (p == NULL)
        return NULL;
    pthread_mutex_lock(&slabs_lock);
    b = do_raw_bit(p, &bit);
    if (b != NULL)
        *b |= bit;
    pthread_mutex_unlock(&slabs_lock);
    return p;
}

/* Caller holds slabs_lock.  Index of the chunk in the page being moved,
 * or -1 if ptr is not on it. */
static long do_moving_index(const void *ptr)
{
    size_t page = (size_t)settings.slab_page_size;

    if (mv.page == NULL || (const char *)ptr < mv.page ||
        (const char *)ptr >= mv.page + page)
        return -1;
    return (long)(((const char *)ptr - mv.page) / slabclass[mv.src].size);
}

void slabs_free(void *ptr, size_t size, unsigned int id)
{
    struct slabclass *p;
    uint8_t bit, *b;
    long k;

    assert(id >= 1 && id <= power_largest);
    p = &slabclass[id];
    pthread_mutex_lock(&slabs_lock);
    assert(p->requested >= size);
    p->requested -= size;
    if (id == power_largest && (b = do_raw_bit(ptr, &bit)) != NULL)
        *b &= (uint8_t)~bit;
    __atomic_store_n(&((item *)ptr)->it_flags, ITEM_SLABBED,
                     __ATOMIC_RELEASE);
    k = do_moving_index(ptr);
    if (k >= 0 && id == mv.src) {
        /* On the page being moved: keep it off the free list. */
        if (!mv.done[k]) {
            mv.done[k] = 1;
            mv.ndone++;
        }
    } else {
        *(void **)ptr = p->free_list;
        p->free_list = ptr;
        p->nfree++;
    }
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

/* ---- figures for the maintainer and the automover ---- */

unsigned int slabs_free_chunks(unsigned int id)
{
    unsigned int n;

    if (id < 1 || id > power_largest)
        return 0;
    pthread_mutex_lock(&slabs_lock);
    n = slabclass[id].nfree;
    pthread_mutex_unlock(&slabs_lock);
    return n;
}

unsigned int slabs_perslab(unsigned int id)
{
    if (id < 1 || id > power_largest)
        return 0;
    return slabclass[id].perslab;
}

unsigned int slabs_npages(unsigned int id)
{
    unsigned int n;

    if (id > power_largest)
        return 0;
    pthread_mutex_lock(&slabs_lock);
    n = slabclass[id].npages;
    pthread_mutex_unlock(&slabs_lock);
    return n;
}

bool slabs_can_grow(unsigned int id)
{
    size_t page = (size_t)settings.slab_page_size;
    bool ok;

    pthread_mutex_lock(&slabs_lock);
    ok = pool_n > 0 || mem_limit == 0 || slabclass[id].npages == 0 ||
         mem_malloced + page <= mem_limit;
    pthread_mutex_unlock(&slabs_lock);
    return ok;
}

unsigned int slabs_pool_pages(void)
{
    unsigned int n;

    pthread_mutex_lock(&slabs_lock);
    n = pool_n;
    pthread_mutex_unlock(&slabs_lock);
    return n;
}

/* ---- page moves (for slab_mover.c) ---- */

/* Caller holds slabs_lock; mv.src is set.  Start emptying the first page
 * of the source: take its free chunks off the free list.  The done
 * array is allocated by the caller (no malloc under the lock). */
static void do_move_begin(uint8_t *done)
{
    struct slabclass *p = &slabclass[mv.src];
    void **pp;

    mv.pidx = 0;
    mv.page = p->pages[0];
    mv.done = done;
    mv.ndone = 0;
    for (pp = &p->free_list; *pp != NULL;) {
        long k = do_moving_index(*pp);

        if (k >= 0) {
            mv.done[k] = 1;
            mv.ndone++;
            p->nfree--;
            *pp = *(void **)*pp;
        } else {
            pp = (void **)*pp;
        }
    }
}

bool slabs_page_move_begin(unsigned int src, struct slab_page_move *pm)
{
    unsigned int perslab;
    uint8_t *done;
    void **np;

    if (src < 1 || src > power_largest)
        return false;
    perslab = slabclass[src].perslab;
    done = calloc(perslab, 1);
    pthread_mutex_lock(&slabs_lock);
    np = malloc((pool_cap + 1) * sizeof(*np));
    if (done == NULL || np == NULL || mv.src != 0 ||
        slabclass[src].npages < 2) {
        pthread_mutex_unlock(&slabs_lock);
        free(done);
        free(np);
        return false;
    }
    /* Reserve a pool slot so finishing never allocates; only one move
     * runs at a time, so one free slot is enough and the pool grows only
     * when it is full (not by one per move ever made).  (malloc under
     * slabs_lock here: nothing that allocates takes this lock.) */
    if (pool_n == pool_cap) {
        if (pool_n > 0)
            memcpy(np, pool_pages, pool_n * sizeof(*np));
        free(pool_pages);
        pool_pages = np;
        pool_cap++;
    } else {
        free(np);
    }
    mv.src = src;
    do_move_begin(done);
    pm->src = src;
    pm->page = mv.page;
    pm->chunk_size = slabclass[src].size;
    pm->perslab = perslab;
    pthread_mutex_unlock(&slabs_lock);
    return true;
}

enum slab_chunk_state slabs_page_chunk_state(unsigned int k)
{
    enum slab_chunk_state st = SLAB_CHUNK_ITEM;
    uint8_t *rb;

    pthread_mutex_lock(&slabs_lock);
    rb = slabclass[mv.src].raw[mv.pidx];
    if (mv.done[k] != 0)
        st = SLAB_CHUNK_DONE;
    else if (rb != NULL && (rb[k / 8] & (1u << (k % 8))))
        st = SLAB_CHUNK_RAW;
    pthread_mutex_unlock(&slabs_lock);
    return st;
}

/* Caller holds slabs_lock; every chunk of the page is done.  Give the
 * page to class dst or the global pool (dst 0). */
static void do_move_finish(unsigned int dst)
{
    struct slabclass *p = &slabclass[mv.src];
    char *page = mv.page;

    free(p->raw[mv.pidx]);   /* free() under the lock: no allocation */
    p->pages[mv.pidx] = p->pages[p->npages - 1];
    p->raw[mv.pidx] = p->raw[p->npages - 1];
    p->npages--;
    if (dst == 0 || dst > power_largest ||
        !do_pages_grow(&slabclass[dst])) {
        if (pool_n == pool_cap) {
            /* A slot was reserved when the move began; writing past the
             * pool would corrupt memory. */
            fprintf(stderr, "slabs: no page pool slot for a moved page\n");
            abort();
        }
        memset(page, 0, (size_t)settings.slab_page_size);
        pool_pages[pool_n++] = page;
    } else {
        do_slabs_add_page(&slabclass[dst], page);
    }
}

bool slabs_page_move_finish(unsigned int dst)
{
    bool finished = false;

    pthread_mutex_lock(&slabs_lock);
    if (mv.src != 0 && mv.ndone == slabclass[mv.src].perslab) {
        do_move_finish(dst);
        free(mv.done);
        memset(&mv, 0, sizeof(mv));
        finished = true;
    }
    pthread_mutex_unlock(&slabs_lock);
    return finished;
}
