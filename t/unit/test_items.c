/*
 * test_items.c: store semantics, incr/decr, expiry and flush with a
 * manipulated clock, refcounts across replace/delete, LRU eviction order,
 * -M, chunked items and "stats items" names.
 */
#include "unit.h"
#include "slabs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_store_ops(void)
{
    char buf[256];
    enum get_status st;
    uint64_t cas;
    item *it;

    unit_settings();
    unit_start();
    ok(unit_store("a", "x", STORE_ADD, 0, 0, 0) == STORED, "add missing");
    ok(unit_store("a", "y", STORE_ADD, 0, 0, 0) == NOT_STORED,
       "add existing: NOT_STORED");
    ok(unit_store("b", "y", STORE_REPLACE, 0, 0, 0) == NOT_STORED,
       "replace missing: NOT_STORED");
    ok(unit_store("a", "z", STORE_REPLACE, 0, 0, 0) == STORED &&
       unit_get("a", buf, sizeof(buf)) && strcmp(buf, "z") == 0,
       "replace existing");
    ok(unit_store("b", "q", STORE_APPEND, 0, 0, 0) == NOT_STORED,
       "append missing: NOT_STORED");
    ok(unit_store("b", "q", STORE_PREPEND, 0, 0, 0) == NOT_STORED,
       "prepend missing: NOT_STORED");
    ok(unit_store("c", "mid", STORE_SET, 0, 7, 5000) == STORED, "set c");
    ok(unit_store("c", "END", STORE_APPEND, 0, 9, 0) == STORED &&
       unit_store("c", "beg", STORE_PREPEND, 0, 9, 0) == STORED &&
       unit_get("c", buf, sizeof(buf)) && strcmp(buf, "begmidEND") == 0,
       "append/prepend data");
    it = item_get("c", 1, &st);
    ok(it != NULL && it->client_flags == 7 && it->exptime == 5000,
       "append/prepend keep flags and exptime");
    cas = item_get_cas(it);
    item_release(it);
    ok(unit_store("d", "1", STORE_CAS, 5, 0, 0) == NOT_FOUND,
       "cas missing: NOT_FOUND");
    ok(unit_store("c", "1", STORE_CAS, cas + 100, 0, 0) == EXISTS,
       "cas mismatch: EXISTS");
    ok(unit_store("c", "2", STORE_CAS, cas, 0, 0) == STORED,
       "cas match: STORED");
    ok(unit_store("c", "3", STORE_CAS, cas, 0, 0) == EXISTS,
       "cas is new after a store");
    it = item_touch("c", 1, 1234, &st);
    ok(it != NULL && it->exptime == 1234, "touch sets exptime");
    cas = item_get_cas(it);
    item_release(it);
    it = item_get("c", 1, &st);
    ok(it != NULL && item_get_cas(it) == cas, "touch keeps the CAS");
    item_release(it);
    ok(item_delete("c", 1, cas + 1, NULL) == DELETE_EXISTS,
       "delete with wrong cas");
    ok(item_delete("c", 1, 0, NULL) == DELETE_OK, "delete");
    ok(item_delete("c", 1, 0, NULL) == DELETE_NOT_FOUND, "delete again");
    storage_shutdown();
}

static void test_too_large(void)
{
    enum alloc_result ar;
    item *it;
    size_t max = 1024 * 1024;

    unit_settings();
    unit_start();
    it = item_alloc("k", 1, 0, 0, max - item_total_size(1, 0), &ar);
    ok(it != NULL && ar == ALLOC_OK, "item of exactly -I fits (chunked)");
    if (it)
        item_release(it);
    it = item_alloc("k", 1, 0, 0, max - item_total_size(1, 0) + 1, &ar);
    ok(it == NULL && ar == ALLOC_TOO_LARGE, "one byte more: too large");
    storage_shutdown();

    unit_settings();
    settings.item_size_max = 1024;
    settings.slab_chunk_size_max = 1024;
    unit_start();
    {
        char big[900];

        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        ok(unit_store("x", big, STORE_SET, 0, 0, 0) == STORED, "900 set");
        ok(unit_store("x", big + 700, STORE_APPEND, 0, 0, 0) ==
           STORE_TOO_LARGE, "append over -I: STORE_TOO_LARGE");
    }
    storage_shutdown();
}

static void test_delta(void)
{
    char buf[32], v[64];
    uint64_t cas1, cas2;
    enum get_status st;
    item *it;

    unit_settings();
    unit_start();
    ok(item_add_delta("n", 1, true, 1, buf, NULL, NULL) == DELTA_MISS,
       "incr missing");
    unit_store("n", "99", STORE_SET, 0, 3, 0);
    ok(item_add_delta("n", 1, true, 1, buf, &cas1, NULL) == DELTA_OK &&
       strcmp(buf, "100") == 0, "incr 99 -> 100");
    ok(unit_get("n", v, sizeof(v)) && strcmp(v, "100") == 0,
       "length change stored as a new item");
    it = item_get("n", 1, &st);
    ok(it && it->client_flags == 3 && item_get_cas(it) == cas1,
       "flags kept, new cas reported");
    item_release(it);
    ok(item_add_delta("n", 1, false, 1, buf, &cas2, NULL) == DELTA_OK &&
       strcmp(buf, "99") == 0 && cas2 != cas1, "decr 100 -> 99, new cas");
    ok(unit_get("n", v, sizeof(v)) && strcmp(v, "99 ") == 0,
       "shorter value rewritten in place, space padded (reference)");
    ok(item_add_delta("n", 1, false, 1000, buf, NULL, NULL) == DELTA_OK &&
       strcmp(buf, "0") == 0, "decr floors at 0");
    unit_store("m", "18446744073709551615", STORE_SET, 0, 0, 0);
    ok(item_add_delta("m", 1, true, 2, buf, NULL, NULL) == DELTA_OK &&
       strcmp(buf, "1") == 0, "incr wraps at 2^64");
    unit_store("s", " 5", STORE_SET, 0, 0, 0);
    ok(item_add_delta("s", 1, true, 1, buf, NULL, NULL) == DELTA_OK &&
       strcmp(buf, "6") == 0, "leading space accepted (reference)");
    unit_store("s", "abc", STORE_SET, 0, 0, 0);
    ok(item_add_delta("s", 1, true, 1, buf, NULL, NULL) ==
       DELTA_NON_NUMERIC, "non-numeric");
    unit_store("s", "", STORE_SET, 0, 0, 0);
    ok(item_add_delta("s", 1, true, 1, buf, NULL, NULL) ==
       DELTA_NON_NUMERIC, "empty value is non-numeric");
    unit_store("s", "18446744073709551616", STORE_SET, 0, 0, 0);
    ok(item_add_delta("s", 1, true, 1, buf, NULL, NULL) ==
       DELTA_NON_NUMERIC, "2^64 is non-numeric");
    /* A reader holding the item forces a copy: its bytes stay put. */
    unit_store("h", "50", STORE_SET, 0, 0, 0);
    it = item_get("h", 1, &st);
    ok(item_add_delta("h", 1, false, 1, buf, NULL, NULL) == DELTA_OK &&
       memcmp(item_key(it) + 2, "50\r\n", 4) == 0,
       "held item unchanged by decr");
    item_release(it);
    storage_shutdown();
}

static void test_expiry_flush(void)
{
    char v[16];
    enum get_status st;
    item *it;

    unit_settings();
    unit_start();
    unit_store("e", "1", STORE_SET, 0, 0, current_time + 10);
    current_time += 9;
    ok(unit_get("e", v, sizeof(v)), "alive before exptime");
    current_time += 1;
    it = item_get("e", 1, &st);
    ok(it == NULL && st == GET_EXPIRED, "dead at exptime");
    unit_store("e", "1", STORE_SET, 0, 0, REALTIME_EXPIRED);
    ok(unit_store("e", "2", STORE_ADD, 0, 0, 0) == STORED,
       "add over an expired item");

    unit_store("f", "1", STORE_SET, 0, 0, 0);
    item_flush_all(0);
    it = item_get("f", 1, &st);
    ok(it == NULL && st == GET_FLUSHED, "flush_all kills older items");
    unit_store("g", "1", STORE_SET, 0, 0, 0);
    ok(unit_get("g", v, sizeof(v)), "set in the same second is visible");
    current_time += 5;
    ok(unit_get("g", v, sizeof(v)), "and stays visible");

    item_flush_all(current_time + 10);
    current_time += 9;
    ok(unit_get("g", v, sizeof(v)), "delayed flush: alive before");
    current_time += 1;
    ok(!unit_get("g", v, sizeof(v)), "delayed flush: dead after");
    storage_shutdown();

    unit_settings();
    settings.use_cas = false;
    unit_start();
    unit_store("a", "1", STORE_SET, 0, 0, 0);
    it = item_get("a", 1, &st);
    ok(it && item_get_cas(it) == 0 && !(it->it_flags & ITEM_CAS),
       "-C: no CAS");
    item_release(it);
    item_flush_all(0);
    unit_store("b", "1", STORE_SET, 0, 0, 0);
    ok(!unit_get("a", v, sizeof(v)) && !unit_get("b", v, sizeof(v)),
       "-C: flush kills the whole second (reference)");
    current_time++;
    unit_store("b", "1", STORE_SET, 0, 0, 0);
    ok(unit_get("b", v, sizeof(v)), "-C: next second is alive");
    storage_shutdown();
}

static void test_refcounts(void)
{
    enum get_status st;
    item *a, *b;
    char v[16];

    unit_settings();
    unit_start();
    unit_store("r", "old", STORE_SET, 0, 0, 0);
    a = item_get("r", 1, &st);
    ok(a && a->refcount == 2, "linked + reader = 2");
    unit_store("r", "new", STORE_SET, 0, 0, 0);
    ok(!(a->it_flags & ITEM_LINKED) && a->refcount == 1,
       "replaced item unlinked, still held");
    ok(memcmp(item_key(a) + 2, "old\r\n", 5) == 0, "its bytes unchanged");
    ok(unit_get("r", v, sizeof(v)) && strcmp(v, "new") == 0,
       "readers see the new one");
    /* Fill class 1 so the released chunk would be reused at once. */
    b = item_get("r", 1, &st);
    ok(item_delete("r", 1, 0, NULL) == DELETE_OK, "delete held item");
    ok(memcmp(item_key(b) + 2, "new\r\n", 5) == 0 &&
       !(b->it_flags & ITEM_SLABBED), "deleted held item intact");
    unit_store("r", "xyz", STORE_SET, 0, 0, 0);
    ok(memcmp(item_key(b) + 2, "new\r\n", 5) == 0 &&
       memcmp(item_key(a) + 2, "old\r\n", 5) == 0,
       "new stores do not reuse held memory");
    item_release(a);
    item_release(b);
    ok(a->it_flags == ITEM_SLABBED && b->it_flags == ITEM_SLABBED,
       "freed on last release");
    storage_shutdown();
}

/* Fill class 1 (one page, -m 1) with n items "k%05d". */
static unsigned int fill_class1(void)
{
    char key[16];
    unsigned int i;

    for (i = 0;; i++) {
        snprintf(key, sizeof(key), "k%05u", i);
        if (unit_store(key, "0123456789", STORE_SET, 0, 0, 0) != STORED)
            return i;
        if (slabs_mem_requested(1) / item_total_size(6, 12) >=
            1024 * 1024 / 96)
            return i + 1;
    }
}

static void test_eviction(void)
{
    struct storage_totals t;
    enum get_status st;
    unsigned int n;
    char v[32];
    item *held;

    unit_settings();
    settings.maxbytes = 1024 * 1024;
    unit_start();
    n = fill_class1();
    ok(n == 1024 * 1024 / 96, "one page of class 1 filled");
    ok(unit_store("new1", "0123456789", STORE_SET, 0, 0, 0) == STORED,
       "store into a full class evicts");
    ok(!unit_get("k00000", v, sizeof(v)), "the LRU tail went first");
    held = item_get("k00001", 6, &st);
    unit_store("new2", "0123456789", STORE_SET, 0, 0, 0);
    ok(unit_get("k00001", v, sizeof(v)) && !unit_get("k00002", v, 32),
       "held tail item skipped, the next one evicted");
    item_release(held);
    current_time += 61;
    ok(unit_get("k00001", v, sizeof(v)), "fetch bumps k00001 to the head");
    unit_store("new3", "0123456789", STORE_SET, 0, 0, 0);
    ok(unit_get("k00001", v, sizeof(v)) && !unit_get("k00003", v, 32),
       "bumped item survives, k00003 evicted");
    storage_totals(&t);
    ok(t.evictions == 3 && t.evicted_unfetched == 3 &&
       t.curr_items == n, "eviction counters");
    ok(strstr(unit_stats(item_stats), "items:1:number 10922\n"
              "items:1:number_hot ") != NULL &&
       strstr(unit_stats(item_stats), "items:1:number_cold ") != NULL,
       "stats items names");
    ok(strstr(unit_stats(item_stats), "items:1:lrutail_reflocked 1\n")
       != NULL, "lrutail_reflocked counted");
    ok(strcmp(unit_stats(item_stats_sizes), "sizes_status disabled\n") == 0,
       "stats sizes disabled");

    /* Dead items at the tail are reclaimed, not evicted. */
    item_flush_all(0);
    current_time++;
    unit_store("new4", "0123456789", STORE_SET, 0, 0, 0);
    storage_totals(&t);
    ok(t.evictions == 3 && t.reclaimed == 1 && t.expired_unfetched == 1,
       "flushed tail item reclaimed");
    storage_shutdown();
}

static void test_no_evict(void)
{
    struct storage_totals t;
    enum alloc_result ar;
    unsigned int n;
    item *it;

    unit_settings();
    settings.maxbytes = 1024 * 1024;
    settings.evict_to_free = false;
    unit_start();
    n = fill_class1();
    it = item_alloc("zz", 2, 0, 0, 12, &ar);
    ok(it == NULL && ar == ALLOC_NO_MEMORY, "-M: ALLOC_NO_MEMORY");
    storage_totals(&t);
    ok(t.outofmemory == 1 && t.evictions == 0 && t.curr_items == n,
       "-M: outofmemory counted, nothing evicted");
    item_flush_all(0);
    current_time++;
    it = item_alloc("zz", 2, 0, 0, 12, &ar);
    ok(it != NULL, "-M: dead items are still reclaimed");
    item_release(it);
    storage_shutdown();
}

static void test_chunked(void)
{
    size_t nb = 10 * 1024 * 1024 + 2, off, n;
    struct storage_totals t;
    enum alloc_result ar;
    enum get_status st;
    bool same = true;
    item *it;
    char *p;
    int i;

    unit_settings();
    settings.item_size_max = 16 * 1024 * 1024;
    settings.maxbytes = 32 * 1024 * 1024;
    unit_start();
    it = item_alloc("big", 3, 42, 0, nb, &ar);
    ok(it && (it->it_flags & ITEM_CHUNKED), "10 MB item is chunked");
    for (off = 0; off < nb; off += n) {
        n = item_data_span(it, off, &p);
        for (size_t j = 0; j < n; j++)
            p[j] = (char)((off + j) * 7 % 251);
    }
    ok(item_store(it, STORE_SET, 0, NULL) == STORED, "store 10 MB");
    item_release(it);
    it = item_get("big", 3, &st);
    for (off = 0; it && off < nb; off += n) {
        n = item_data_span(it, off, &p);
        for (size_t j = 0; j < n; j++)
            same = same && p[j] == (char)((off + j) * 7 % 251);
    }
    ok(it && same && it->nbytes == nb && it->client_flags == 42,
       "10 MB round trip via item_data_span");
    if (it)
        item_release(it);
    ok(unit_store("big", "tail", STORE_APPEND, 0, 0, 0) == STORED,
       "append to a chunked item");
    storage_totals(&t);
    ok(t.total_malloced <= settings.maxbytes + 2 * 1024 * 1024,
       "chunks count against -m");
    for (i = 0; i < 4; i++) {
        char key[16];

        snprintf(key, sizeof(key), "b%d", i);
        it = item_alloc(key, 2, 0, 0, nb, &ar);
        ok(it != NULL, "another 10 MB item (evicting)");
        if (it) {
            ok(item_store(it, STORE_SET, 0, NULL) == STORED, "stored");
            item_release(it);
        }
    }
    storage_totals(&t);
    ok(t.evictions >= 2 && t.total_malloced <= 34 * 1024 * 1024,
       "big items evicted to stay within -m");
    storage_shutdown();
}

const struct unit_test items_tests[] = {
    { "items: store ops", test_store_ops },
    { "items: too large", test_too_large },
    { "items: incr/decr", test_delta },
    { "items: expiry and flush_all", test_expiry_flush },
    { "items: refcounts", test_refcounts },
    { "items: LRU eviction", test_eviction },
    { "items: -M no eviction", test_no_evict },
    { "items: chunked", test_chunked },
    { NULL, NULL },
};
