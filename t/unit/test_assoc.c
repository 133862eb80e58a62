/*
 * test_assoc.c: hash functions, and the hash table growing while four
 * threads insert, read and delete concurrently (run this under TSan).
 */
#include "unit.h"
#include "assoc.h"
#include "hash.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 4
#define NKEYS 6000

static void test_hash(void)
{
    const char *fs = "Four score and seven years ago";

    settings_init();
    ok(hash("", 0) == 0, "murmur3 of empty is 0");
    ok(hash("hello", 5) == 0x248bfa47, "murmur3 hello");
    ok(hash_select("jenkins") && settings.hash_algorithm == HASH_JENKINS,
       "select jenkins");
    ok(hash("", 0) == 0xdeadbeef, "lookup3 of empty");
    ok(hash(fs, strlen(fs)) == 0x17770551, "lookup3 known vector");
    ok(!hash_select("md5"), "unknown name refused");
    ok(hash_select("murmur3") && settings.hash_algorithm == HASH_MURMUR3,
       "select murmur3");
}

static void wait_expanded(void)
{
    int i;

    for (i = 0; i < 2000; i++) {
        if (!assoc_is_expanding() &&
            assoc_count() <= ((uint64_t)1 << assoc_hashpower()) * 3 / 2)
            return;
        usleep(5000);
    }
}

static void test_grow_single(void)
{
    char key[32], v[32];
    bool found = true;
    int i;

    unit_settings();
    settings.hashpower_init = 4;
    unit_start();
    ok(assoc_hashpower() == 4, "starts at 2^4");
    for (i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        unit_store(key, key, STORE_SET, 0, 0, 0);
    }
    wait_expanded();
    ok(assoc_hashpower() == 10, "grew to 2^10 for 1000 items");
    for (i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        found = found && unit_get(key, v, sizeof(v)) && !strcmp(v, key);
    }
    ok(found, "every key found after growth");
    storage_shutdown();

    unit_settings();
    settings.hashpower_init = 4;
    settings.hashexpand = false;
    unit_start();
    for (i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        unit_store(key, key, STORE_SET, 0, 0, 0);
    }
    ok(assoc_hashpower() == 4 && !assoc_is_expanding(),
       "no_hashexpand: stays at 2^4");
    storage_shutdown();
}

struct worker {
    int id;
    int errors;
    int oom;
};

/* Insert NKEYS keys, read each back right away, delete the odd ones. */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char key[32], v[32];
    int i;

    for (i = 0; i < NKEYS; i++) {
        snprintf(key, sizeof(key), "t%d-%d", w->id, i);
        if (unit_store(key, key, STORE_SET, 0, 0, 0) != STORED)
            w->errors++;
        if (!unit_get(key, v, sizeof(v)) || strcmp(v, key) != 0)
            w->errors++;
        if (i % 2 && item_delete(key, strlen(key), 0, NULL) != DELETE_OK)
            w->errors++;
    }
    return NULL;
}

/* Run fn in NTHREADS threads on a fresh store whose table starts at
 * 2^4; returns the errors they counted. */
static int run_on_small_table(void *(*fn)(void *))
{
    struct worker w[NTHREADS];
    pthread_t tid[NTHREADS];
    int t, errors = 0;

    unit_settings();
    settings.hashpower_init = 4;
    unit_start();
    for (t = 0; t < NTHREADS; t++) {
        w[t].id = t;
        w[t].errors = w[t].oom = 0;
        pthread_create(&tid[t], NULL, fn, &w[t]);
    }
    for (t = 0; t < NTHREADS; t++) {
        pthread_join(tid[t], NULL);
        errors += w[t].errors;
    }
    return errors;
}

static void test_grow_threads(void)
{
    char key[32], v[32];
    int i, t, bad = 0;
    int errors = run_on_small_table(worker_main);

    ok(errors == 0, "no errors while the table grows under 4 threads");
    wait_expanded();
    ok(assoc_hashpower() > 4, "table grew");
    for (t = 0; t < NTHREADS; t++) {
        for (i = 0; i < NKEYS; i++) {
            bool hit;

            snprintf(key, sizeof(key), "t%d-%d", t, i);
            hit = unit_get(key, v, sizeof(v));
            if (hit != !(i % 2))
                bad++;
        }
    }
    ok(bad == 0, "every kept key found, every deleted key gone");
    ok(assoc_count() == NTHREADS * NKEYS / 2, "item count right");
    storage_shutdown();
}

/* Overwrite the same keys again and again, alternating a short and a
 * long value (two slab classes), while the table grows: every overwrite
 * swaps the new item into the old one's hash-chain slot. */
#define NREPL 1500
static void *replace_main(void *arg)
{
    struct worker *w = arg;
    char key[32], val[600], v[600];
    int i, round;

    for (round = 0; round < 6; round++) {
        for (i = 0; i < NREPL; i++) {
            size_t n = round % 2 ? 500 : 8;

            int k;

            snprintf(key, sizeof(key), "r%d-%d", w->id, i);
            k = snprintf(val, sizeof(val), "%d:%d:", round, i);
            memset(val + k, 'a' + round, n - (size_t)k);
            val[n] = '\0';
            if (unit_store(key, val, STORE_SET, 0, 0, 0) != STORED)
                w->errors++;
            if (!unit_get(key, v, sizeof(v)) || strcmp(v, val) != 0)
                w->errors++;
        }
    }
    return NULL;
}

static void test_replace_threads(void)
{
    char key[32], v[600], want[32];
    int i, t, bad = 0;
    int errors = run_on_small_table(replace_main);

    ok(errors == 0, "overwrites read back right while the table grows");
    wait_expanded();
    for (t = 0; t < NTHREADS; t++) {
        for (i = 0; i < NREPL; i++) {
            snprintf(key, sizeof(key), "r%d-%d", t, i);
            snprintf(want, sizeof(want), "5:%d:", i);
            if (!unit_get(key, v, sizeof(v)) || strlen(v) != 500 ||
                strncmp(v, want, strlen(want)) != 0)
                bad++;
        }
    }
    ok(bad == 0, "each key holds its last value");
    ok(assoc_count() == NTHREADS * NREPL,
       "overwrites do not change the item count");
    storage_shutdown();
}

/* Sets and gets on a full cache: eviction races with readers. */
static void *evict_main(void *arg)
{
    struct worker *w = arg;
    char key[32], v[32];
    int i;

    for (i = 0; i < 3 * NKEYS; i++) {
        snprintf(key, sizeof(key), "e%d", (i * 7 + w->id) % 20000);
        if (unit_store(key, key, STORE_SET, 0, 0, 0) != STORED)
            w->oom++;
        if (unit_get(key, v, sizeof(v)) && strcmp(v, key) != 0)
            w->errors++;
    }
    return NULL;
}

static void test_evict_threads(void)
{
    struct worker w[NTHREADS];
    pthread_t tid[NTHREADS];
    struct storage_totals t;
    int i, errors = 0;

    unit_settings();
    settings.maxbytes = 1024 * 1024;
    settings.hashpower_init = 6;
    unit_start();
    for (i = 0; i < NTHREADS; i++) {
        w[i].id = i;
        w[i].errors = w[i].oom = 0;
        pthread_create(&tid[i], NULL, evict_main, &w[i]);
    }
    for (i = 0; i < NTHREADS; i++) {
        pthread_join(tid[i], NULL);
        errors += w[i].errors;
        printf("# thread %d: %d out-of-memory stores\n", i, w[i].oom);
    }
    storage_totals(&t);
    ok(errors == 0, "sets and gets right while evicting under 4 threads");
    ok(t.evictions > 0 && t.total_malloced == 1024 * 1024,
       "evictions happened within -m 1");
    storage_shutdown();
}

const struct unit_test assoc_tests[] = {
    { "assoc: hash functions", test_hash },
    { "assoc: growth, one thread", test_grow_single },
    { "assoc: growth under 4 threads", test_grow_threads },
    { "assoc: overwrites under 4 threads", test_replace_threads },
    { "items: eviction under 4 threads", test_evict_threads },
    { NULL, NULL },
};
