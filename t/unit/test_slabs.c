/*
 * test_slabs.c: class table for several -f/-n/-I, the memory limit,
 * alloc/free round trips and "stats slabs" names.
 */
#include "unit.h"
#include "slabs.h"

#include <stdio.h>
#include <string.h>

/* The reference's table for default settings (memcached 1.6 -vv). */
static const size_t ref_sizes[] = {
    96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 944, 1184, 1480,
    1856, 2320, 2904, 3632, 4544, 5680, 7104, 8880, 11104, 13880, 17352,
    21696, 27120, 33904, 42384, 52984, 66232, 82792, 103496, 129376,
    161720, 202152, 252696, 315872, 394840, 524288,
};

static void test_default_table(void)
{
    unsigned int i, n = sizeof(ref_sizes) / sizeof(ref_sizes[0]);
    bool same = true;

    unit_settings();
    ok(slabs_init(), "slabs_init with defaults");
    ok(slabs_largest_class() == n, "39 classes, as the reference");
    for (i = 1; i <= n; i++)
        same = same && slabs_chunk_size(i) == ref_sizes[i - 1];
    ok(same, "chunk sizes equal the reference's");
    ok(slabs_clsid(1) == 1 && slabs_clsid(96) == 1 && slabs_clsid(97) == 2,
       "slabs_clsid boundaries");
    ok(slabs_clsid(524288) == n && slabs_clsid(524289) == 0,
       "larger than the largest class gives 0");
    slabs_shutdown();

    unit_settings();
    settings.item_size_max = 16 * 1024 * 1024;
    ok(slabs_init() && slabs_largest_class() == n &&
       slabs_chunk_size(n) == 524288, "-I 16m keeps the same table");
    slabs_shutdown();
}

static void test_other_tables(void)
{
    unsigned int i, n;
    bool aligned = true;

    unit_settings();
    settings.factor = 2;
    settings.chunk_size = 100;
    ok(slabs_init(), "slabs_init -f 2 -n 100");
    ok(slabs_chunk_size(1) == 152 && slabs_chunk_size(2) == 304 &&
       slabs_chunk_size(3) == 608, "-f 2 -n 100: 152 304 608");
    slabs_shutdown();

    unit_settings();
    settings.factor = 1.01;
    ok(slabs_init(), "slabs_init -f 1.01");
    n = slabs_largest_class();
    ok(n == MAX_SLAB_CLASSES - 1, "at most 63 classes");
    ok(slabs_chunk_size(n) == (size_t)settings.slab_chunk_size_max,
       "last class is slab_chunk_size_max");
    for (i = 1; i < n; i++)
        aligned = aligned && slabs_chunk_size(i) % 8 == 0 &&
                  slabs_chunk_size(i) <= slabs_chunk_size(i + 1);
    ok(aligned, "classes 8-byte aligned and non-decreasing");
    ok(slabs_chunk_size(2) == 96 && slabs_chunk_size(n - 1) == 96,
       "-f 1.01 repeats 96 like the reference (96 * 1.01 truncates)");
    slabs_shutdown();

    unit_settings();
    settings.item_size_max = 64 * 1024;
    settings.slab_chunk_size_max = 64 * 1024;
    ok(slabs_init() && slabs_chunk_size(slabs_largest_class()) == 65536,
       "-I 64k -o slab_chunk_max=64k: last class 64k");
    slabs_shutdown();
}

static void test_memory_limit(void)
{
    unsigned int n = 0, per;
    void *p, *first = NULL;

    unit_settings();
    settings.maxbytes = 2 * 1024 * 1024;
    ok(slabs_init(), "slabs_init -m 2");
    per = (unsigned int)(1024 * 1024 / slabs_chunk_size(1));
    while ((p = slabs_alloc(90, 1)) != NULL) {
        if (first == NULL)
            first = p;
        n++;
    }
    ok(n == 2 * per, "class 1 gets exactly two pages");
    ok(slabs_total_malloced() == 2 * 1024 * 1024, "total_malloced 2 MB");
    ok(slabs_mem_requested(1) == (uint64_t)n * 90, "mem_requested");
    p = slabs_alloc(200, 5);
    ok(p != NULL, "an empty class may still take its first page");
    slabs_free(p, 200, 5);
    slabs_free(first, 90, 1);
    ok(slabs_alloc(90, 1) == first, "freed chunk is reused");
    slabs_shutdown();
}

static void slabs_stats_nox(ADD_STAT add, void *cookie)
{
    slabs_stats(add, cookie, NULL);
}

static void test_stats_and_prealloc(void)
{
    const char *s;
    void *p;

    unit_settings();
    ok(slabs_init(), "slabs_init defaults");
    p = slabs_alloc(60, 1);
    s = unit_stats(slabs_stats_nox);
    ok(strstr(s, "1:chunk_size 96\n1:chunks_per_page 10922\n"
                 "1:total_pages 1\n1:total_chunks 10922\n"
                 "1:used_chunks 1\n1:free_chunks 10921\n"
                 "1:free_chunks_end 0\nactive_slabs 1\n"
                 "total_malloced 1048576\n") == s,
       "stats slabs names and order");
    slabs_free(p, 60, 1);
    ok(slabs_set_memlimit(8 * 1024 * 1024), "cache_memlimit adjusts");
    slabs_shutdown();

    unit_settings();
    settings.maxbytes = 4 * 1024 * 1024;
    settings.prealloc = true;
    ok(slabs_init(), "slabs_init -L -m 4");
    ok(!slabs_set_memlimit(8 * 1024 * 1024),
       "cache_memlimit refused when preallocated");
    while (slabs_alloc(1000, slabs_clsid(1000)) != NULL)
        ;
    ok(slabs_total_malloced() == 4 * 1024 * 1024,
       "preallocated region is the limit");
    slabs_shutdown();
}

const struct unit_test slabs_tests[] = {
    { "slabs: default class table", test_default_table },
    { "slabs: -f/-n/-I tables", test_other_tables },
    { "slabs: memory limit", test_memory_limit },
    { "slabs: stats and prealloc", test_stats_and_prealloc },
    { NULL, NULL },
};
