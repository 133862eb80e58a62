/*
 * test_mutation.c: the engine's mutation hook (mutation.h).  An observer
 * records every event; each engine call must produce exactly the events
 * the header promises, in order, with the right key and CAS, and never
 * one with no observer registered.
 */
#include "unit.h"
#include "mutation.h"

#include <stdio.h>
#include <string.h>

#define LOG_MAX 64

static struct {
    enum mutation_kind kind;
    char key[32];
    uint64_t cas;
    rel_time_t when;
    rel_time_t exptime;
    bool linked;
} events[LOG_MAX];
static int nevents;

static void record(const struct mutation *m, void *arg)
{
    int *calls = arg;

    (*calls)++;
    if (nevents == LOG_MAX)
        return;
    events[nevents].kind = m->kind;
    snprintf(events[nevents].key, sizeof(events[0].key), "%.*s",
             (int)m->nkey, m->key ? m->key : "");
    events[nevents].cas = m->cas;
    events[nevents].when = m->when;
    events[nevents].exptime = m->it ? m->it->exptime : 0;
    events[nevents].linked = m->it && (m->it->it_flags & ITEM_LINKED);
    nevents++;
}

/* Exactly one event since the last call, of this kind and key. */
static bool one(enum mutation_kind kind, const char *key)
{
    bool r = nevents == 1 && events[0].kind == kind &&
             strcmp(events[0].key, key) == 0;

    if (!r && nevents > 0)
        printf("# got %d events, first kind %d key '%s'\n", nevents,
               events[0].kind, events[0].key);
    nevents = 0;
    return r;
}

static uint64_t cas_of(const char *key)
{
    enum get_status st;
    item *it = item_get(key, strlen(key), &st);
    uint64_t c = it ? item_get_cas(it) : 0;

    if (it)
        item_release(it);
    return c;
}

static void test_classic_paths(void)
{
    static int calls;
    enum get_status st;
    char buf[32];
    item *it;

    unit_settings();
    unit_start();
    engine_set_observer(record, &calls);
    nevents = 0;

    unit_store("a", "1", STORE_SET, 0, 0, 0);
    ok(nevents == 1 && events[0].kind == MUT_STORE &&
       strcmp(events[0].key, "a") == 0 && events[0].linked &&
       events[0].cas == cas_of("a"), "set: STORE with key and new CAS");
    nevents = 0;
    unit_store("a", "2", STORE_SET, 0, 0, 0);
    ok(one(MUT_STORE, "a"), "overwrite: one STORE");
    ok(unit_store("a", "x", STORE_ADD, 0, 0, 0) == NOT_STORED &&
       nevents == 0, "failed add: no event");
    unit_store("a", "3", STORE_APPEND, 0, 0, 0);
    ok(one(MUT_STORE, "a"), "append: STORE of the new item");
    unit_store("a", "0", STORE_PREPEND, 0, 0, 0);
    ok(one(MUT_STORE, "a"), "prepend: STORE");
    ok(unit_store("a", "9", STORE_CAS, 12345, 0, 0) == EXISTS &&
       nevents == 0, "cas mismatch: no event");
    ok(unit_store("a", "9", STORE_CAS, cas_of("a"), 0, 0) == STORED &&
       one(MUT_STORE, "a"), "cas match: STORE");

    unit_store("n", "10", STORE_SET, 0, 0, 0);
    nevents = 0;
    ok(item_add_delta("n", 1, true, 5, buf, NULL, NULL) == DELTA_OK &&
       one(MUT_UPDATE, "n"), "incr in place: UPDATE");
    ok(item_add_delta("n", 1, true, 1000, buf, NULL, NULL) == DELTA_OK &&
       one(MUT_STORE, "n"), "incr to a longer number: STORE");
    ok(item_add_delta("zz", 2, true, 1, buf, NULL, NULL) == DELTA_MISS &&
       nevents == 0, "incr miss: no event");

    it = item_touch("n", 1, current_time + 100, &st);
    ok(it != NULL && nevents == 1 && events[0].kind == MUT_UPDATE &&
       events[0].exptime == current_time + 100,
       "touch: UPDATE showing the new exptime");
    nevents = 0;
    item_release(it);
    it = item_get("n", 1, &st);
    ok(it != NULL && nevents == 0, "get: no event");
    item_release(it);

    ok(item_delete("n", 1, 0, NULL) == DELETE_OK &&
       nevents == 1 && events[0].kind == MUT_DELETE &&
       events[0].linked, "delete: DELETE, told while still linked");
    nevents = 0;
    ok(item_delete("n", 1, 0, NULL) == DELETE_NOT_FOUND && nevents == 0,
       "delete miss: no event");

    unit_store("e", "1", STORE_SET, 0, 0, current_time + 5);
    nevents = 0;
    current_time += 5;
    ok(item_get("e", 1, &st) == NULL && st == GET_EXPIRED &&
       one(MUT_EXPIRE, "e"), "expired item found by get: EXPIRE");

    item_flush_all(0);
    ok(nevents == 1 && events[0].kind == MUT_FLUSH && events[0].when == 0 &&
       events[0].key[0] == '\0', "flush_all: FLUSH, no item");
    nevents = 0;
    item_flush_all(current_time + 30);
    ok(nevents == 1 && events[0].when == current_time + 30,
       "delayed flush_all: FLUSH with its time");
    nevents = 0;

    engine_set_observer(NULL, NULL);
    calls = 0;
    unit_store("q", "1", STORE_SET, 0, 0, 0);
    item_delete("q", 1, 0, NULL);
    ok(calls == 0, "no observer: never called");
    storage_shutdown();
}

static void test_meta_paths(void)
{
    static int calls;
    struct meta_get_req rq;
    struct meta_get_res rs;
    struct meta_delta_req dq;
    struct meta_delta_res dr;
    unsigned clsid;
    char buf[32];
    item *it;

    unit_settings();
    unit_start();
    engine_set_observer(record, &calls);
    nevents = 0;

    memset(&rq, 0, sizeof(rq));
    rq.vivify = true;
    rq.viv_exptime = current_time + 30;
    it = item_meta_get("v", 1, &rq, &rs);
    ok(it != NULL && rs.created && one(MUT_STORE, "v"),
       "mg N on a miss: STORE of the vivified item");
    item_release(it);
    memset(&rq, 0, sizeof(rq));
    rq.set_exptime = true;
    rq.exptime = current_time + 60;
    it = item_meta_get("v", 1, &rq, &rs);
    ok(it != NULL && one(MUT_UPDATE, "v"), "mg T: UPDATE");
    item_release(it);
    ok(item_meta_delete("v", 1, false, 0, true, false, 0, &clsid) ==
           DELETE_OK && one(MUT_UPDATE, "v"), "md I: UPDATE");
    ok(item_meta_delete("v", 1, false, 0, false, false, 0, &clsid) ==
           DELETE_OK && one(MUT_DELETE, "v"), "md: DELETE");

    memset(&dq, 0, sizeof(dq));
    dq.incr = true;
    dq.delta = 1;
    dq.vivify = true;
    dq.initial = 7;
    ok(item_meta_delta("c", 1, &dq, buf, &dr) == MDELTA_OK && dr.created &&
       one(MUT_STORE, "c"), "ma N on a miss: STORE");
    ok(item_meta_delta("c", 1, &dq, buf, &dr) == MDELTA_OK &&
       one(MUT_UPDATE, "c"), "ma in place: UPDATE");
    engine_set_observer(NULL, NULL);
    storage_shutdown();
}

/* Evictions reach the observer as EVICT, not as DELETE. */
static void test_evictions(void)
{
    static int calls;
    char key[16];
    int i, evicts = 0, others = 0;

    unit_settings();
    settings.maxbytes = 1024 * 1024;
    unit_start();
    engine_set_observer(record, &calls);
    for (i = 0; i < 20000; i++) {
        int k;

        nevents = 0;
        snprintf(key, sizeof(key), "k%05d", i);
        unit_store(key, "0123456789", STORE_SET, 0, 0, 0);
        for (k = 0; k < nevents; k++) {
            if (events[k].kind == MUT_EVICT)
                evicts++;
            else if (events[k].kind != MUT_STORE)
                others++;
        }
    }
    ok(evicts > 0 && others == 0,
       "sets past -m evict: EVICT events, nothing else");
    engine_set_observer(NULL, NULL);
    storage_shutdown();
}

const struct unit_test mutation_tests[] = {
    {"mutation hook: classic paths", test_classic_paths},
    {"mutation hook: meta paths", test_meta_paths},
    {"mutation hook: evictions", test_evictions},
    {NULL, NULL},
};
