/*
 * test_background.c: segment moves of the LRU maintainer, the crawler's
 * reclaim, and slab page moves (with an item held on the moving page).
 */
#include "unit.h"
#include "crawler.h"
#include "maintainer.h"
#include "slab_mover.h"
#include "slabs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void bg_start(void)
{
    unit_settings();
    settings.maxbytes = 4 * 1024 * 1024;
    unit_start();
}

static uint64_t stat_of(const char *name)
{
    const char *s = unit_stats(item_stats), *p = strstr(s, name);

    return p ? strtoull(p + strlen(name) + 1, NULL, 10) : 0;
}

/* New items enter HOT; the maintainer moves them to COLD past the HOT
 * limit; an item fetched twice while COLD goes to WARM, not evicted. */
static void test_segments(void)
{
    char key[32], buf[64];
    int i;

    bg_start();
    for (i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        unit_store(key, "v", STORE_SET, 0, 0, 0);
    }
    ok(stat_of("items:1:number_hot") == 100, "new items are HOT");
    lru_maintainer_juggle(1);
    ok(stat_of("items:1:number_hot") <= 20, "HOT bounded by hot_lru_pct");
    ok(stat_of("items:1:number_cold") >= 80, "moved to COLD");
    ok(stat_of("items:1:moves_to_cold") >= 80, "moves_to_cold counted");
    ok(unit_get("k0", buf, sizeof(buf)) && unit_get("k0", buf, sizeof(buf)),
       "cold item fetched twice");
    lru_maintainer_juggle(1);
    ok(stat_of("items:1:moves_to_warm") >= 1, "ACTIVE COLD item moved");
    ok(stat_of("items:1:number_warm") >= 1, "and is in WARM");
    storage_shutdown();
}

/* Fill class 1 far past memory; a key fetched repeatedly survives. */
static void test_hot_key_survives(void)
{
    char key[32], buf[64];
    int i;
    bool alive = true;

    bg_start();
    unit_store("hot", "v", STORE_SET, 0, 0, 0);
    for (i = 0; i < 200000 && alive; i++) {
        snprintf(key, sizeof(key), "cold%d", i);
        unit_store(key, "v", STORE_SET, 0, 0, 0);
        if (i % 1000 == 0) {
            alive = unit_get("hot", buf, sizeof(buf));
            lru_maintainer_juggle(1);
        }
    }
    ok(alive, "hot key survived a scan of cold keys");
    ok(stat_of("items:1:evicted") > 0, "the scan evicted");
    storage_shutdown();
}

static void test_crawler_reclaims(void)
{
    char key[32];
    int i;

    bg_start();
    for (i = 0; i < 50; i++) {
        snprintf(key, sizeof(key), "t%d", i);
        unit_store(key, "v", STORE_SET, 0, 0, current_time + 2);
    }
    unit_store("keep", "v", STORE_SET, 0, 0, 0);
    current_time += 5;
    ok(crawler_start(), "crawler starts");
    ok(crawler_crawl("1") == CRAWLER_OK, "crawl requested");
    for (i = 0; i < 500 && stat_of("items:1:crawler_reclaimed") < 50; i++)
        usleep(10000);
    crawler_stop();
    ok(stat_of("items:1:crawler_reclaimed") == 50, "expired reclaimed");
    ok(stat_of("items:1:number") == 1, "live item kept");
    storage_shutdown();
}

struct reader_arg {
    item *it;
    volatile bool release;
};

static void *holder(void *arg)
{
    struct reader_arg *ra = arg;

    while (!__atomic_load_n(&ra->release, __ATOMIC_ACQUIRE))
        usleep(1000);
    item_release(ra->it);
    return NULL;
}

/* Move a page of class 1 to class 2 while a reader holds an item on it:
 * the move waits, then completes; the held item's bytes stay intact. */
static void test_page_move(void)
{
    struct engine_config c;
    struct reader_arg ra = {NULL, false};
    enum get_status st;
    pthread_t tid;
    char key[32], buf[64];
    unsigned int p1, p2;
    int i, found = 0;

    bg_start();
    engine_config_get(&c);
    c.slab_reassign = true;
    engine_config_set(&c);
    for (i = 0; i < 15000; i++) {
        snprintf(key, sizeof(key), "m%d", i);
        unit_store(key, "value", STORE_SET, 0, 0, 0);
    }
    p1 = slabs_npages(1);
    p2 = slabs_npages(2);
    ok(p1 >= 2, "class 1 has two pages");
    ok(slab_mover_reassign(1, 1) == REASSIGN_SAME, "SAME");
    ok(slab_mover_reassign(1, 99) == REASSIGN_BADCLASS, "BADCLASS");
    ok(slab_mover_reassign(3, 1) == REASSIGN_NOSPARE, "NOSPARE");
    ra.it = item_get("m0", 2, &st);   /* first item: on the first page */
    ok(ra.it != NULL, "reader holds an item");
    ok(slab_mover_reassign(1, 2) == REASSIGN_OK, "OK");
    ok(slab_mover_reassign(1, 2) == REASSIGN_RUNNING, "BUSY while moving");
    ok(!slab_mover_run(20), "held item delays the move");
    pthread_create(&tid, NULL, holder, &ra);
    ok(memcmp(item_key(ra.it), "m0", 2) == 0, "held item intact");
    __atomic_store_n(&ra.release, true, __ATOMIC_RELEASE);
    ok(slab_mover_run(5000), "move completes after release");
    pthread_join(tid, NULL);
    ok(slabs_npages(1) == p1 - 1 && slabs_npages(2) == p2 + 1,
       "page moved from class 1 to 2");
    printf("# pages: class 1 %u -> %u, class 2 %u -> %u\n", p1,
           slabs_npages(1), p2, slabs_npages(2));
    for (i = 0; i < 15000; i++) {
        snprintf(key, sizeof(key), "m%d", i);
        if (unit_get(key, buf, sizeof(buf))) {
            found++;
            if (strcmp(buf, "value") != 0)
                break;
        }
    }
    ok(i == 15000, "every surviving item holds its value");
    ok(found > 0, "items survive (rescued or elsewhere)");
    storage_shutdown();
}

const struct unit_test background_tests[] = {
    {"segments", test_segments},
    {"hot_key_survives", test_hot_key_survives},
    {"crawler_reclaims", test_crawler_reclaims},
    {"page_move", test_page_move},
    {NULL, NULL},
};
