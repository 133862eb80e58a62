/*
 * assoc.c: the hash table from keys to items.
 *
 * Open hashing: 2^hashpower buckets, each a singly linked chain through
 * it->h_next.  Item lock stripe i covers bucket b iff (b & lockmask) == i;
 * item_locks_init() makes the stripe count <= the initial bucket count, so one
 * bucket is always under exactly one item lock.  When the table holds
 * more than 1.5 items per bucket an insert wakes the expansion thread,
 * which doubles the table without ever holding more than one item lock:
 *   1. allocates the new table, sets exp_old/exp_new/exp_oldpower and
 *      expand_bucket = 0, then publishes expanding = true.  Lookups in
 *      either mode still find everything in the old table;
 *   2. moves old bucket b under its item lock, then publishes
 *      expand_bucket = b + 1.  While expanding, hash hv lives in the old
 *      table iff (hv & oldmask) >= expand_bucket; the caller's item lock
 *      keeps that answer fixed during its lookup;
 *   3. sets primary/hashpower to the new table, publishes expanding =
 *      false, then locks and unlocks every stripe in turn: after that
 *      sweep no lookup can still be using the old state, and the old
 *      table is freed.  Requests never wait for the whole rehash.
 * Locks: this file also owns the striped item locks (item_lock() and
 * friends): stripe i covers every hash value whose low item_lock_power()
 * bits equal i, so it guards those buckets' chains and, by the engine's
 * rules (items.h), every field of the items on them but the LRU links.
 * The table itself needs no other lock (the caller's item lock guards its
 * bucket; the shared pointers are atomics written only by the expansion
 * thread).  The expansion thread's wake-up goes through its bgthread's
 * lock (bgthread.c), which is taken under an item lock (so last in the
 * order) and never held while taking item locks.
 */
#include "assoc.h"
#include "bgthread.h"
#include "hash.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASHPOWER_DEFAULT 16
#define HASHPOWER_MAX 31
#define hashsize(n) ((uint64_t)1 << (n))
#define hashmask(n) (hashsize(n) - 1)

static item **primary_hashtable;   /* atomic; the table when idle */
static unsigned int hashpower;     /* atomic; of primary_hashtable */
static bool expanding;             /* atomic; exp_* below are valid */
static item **exp_old;             /* while expanding: the old table */
static item **exp_new;             /*   the new one, twice as large */
static unsigned int exp_oldpower;  /*   power of exp_old */
static uint64_t expand_bucket;     /* atomic: old buckets below are moved */
static uint64_t hash_items;        /* atomic */

static struct bgthread expander = BGTHREAD_INITIALIZER;

#define ITEM_LOCK_POWER_MAX 13   /* 8192 striped item locks */
static pthread_mutex_t *item_locks;
static unsigned int item_lock_pow;

/* ---- the striped item locks ---- */

/* 2^13 stripes for 4+ threads, 2^12 below; never more stripes than
 * initial hash buckets, so each bucket is under exactly one lock (the
 * table only grows).  That is why -o hashpower may be small in tests. */
static bool item_locks_init(unsigned int hp)
{
    unsigned int pw = settings.num_threads >= 4 ? ITEM_LOCK_POWER_MAX
                                                : ITEM_LOCK_POWER_MAX - 1;
    size_t i, n;

    if (pw > hp)
        pw = hp;
    n = (size_t)1 << pw;
    item_locks = calloc(n, sizeof(*item_locks));
    if (item_locks == NULL)
        return false;
    for (i = 0; i < n; i++)
        pthread_mutex_init(&item_locks[i], NULL);
    item_lock_pow = pw;
    return true;
}

static void item_locks_free(void)
{
    size_t i, n = (size_t)1 << item_lock_pow;

    for (i = 0; i < n && item_locks != NULL; i++)
        pthread_mutex_destroy(&item_locks[i]);
    free(item_locks);
    item_locks = NULL;
}

unsigned int item_lock_power(void)
{
    return item_lock_pow;
}

static inline pthread_mutex_t *lock_for(uint32_t hv)
{
    return &item_locks[hv & ((1u << item_lock_pow) - 1)];
}

void item_lock(uint32_t hv)
{
    pthread_mutex_lock(lock_for(hv));
}

bool item_trylock(uint32_t hv)
{
    return pthread_mutex_trylock(lock_for(hv)) == 0;
}

void item_unlock(uint32_t hv)
{
    pthread_mutex_unlock(lock_for(hv));
}

/* ---- the table ---- */

bool assoc_init(int hashpower_init)
{
    unsigned int hp = hashpower_init ? (unsigned int)hashpower_init
                                     : HASHPOWER_DEFAULT;

    if (hashpower_init < 0 || hp > HASHPOWER_MAX) {
        fprintf(stderr, "assoc: hashpower must be 1..%d\n", HASHPOWER_MAX);
        return false;
    }
    if (!item_locks_init(hp)) {
        fprintf(stderr, "items: cannot allocate item locks\n");
        return false;
    }
    primary_hashtable = calloc(hashsize(hp), sizeof(item *));
    if (primary_hashtable == NULL) {
        fprintf(stderr, "assoc: cannot allocate the hash table\n");
        item_locks_free();
        return false;
    }
    hashpower = hp;
    expanding = false;
    exp_old = exp_new = NULL;
    expand_bucket = 0;
    hash_items = 0;
    return true;
}

void assoc_shutdown(void)
{
    assert(!bgthread_running(&expander));
    assert(!expanding);
    free(primary_hashtable);
    primary_hashtable = NULL;
    item_locks_free();
}

#define LOAD(v) __atomic_load_n(&(v), __ATOMIC_RELAXED)
#define STORE(v, x) __atomic_store_n(&(v), (x), __ATOMIC_RELAXED)

/* Caller holds the item lock of hv.  The head pointer of hv's chain. */
static item **bucket_of(uint32_t hv)
{
    if (__atomic_load_n(&expanding, __ATOMIC_ACQUIRE)) {
        uint64_t ob = hv & hashmask(LOAD(exp_oldpower));

        if (ob >= __atomic_load_n(&expand_bucket, __ATOMIC_ACQUIRE))
            return &LOAD(exp_old)[ob];
        return &LOAD(exp_new)[hv & hashmask(LOAD(exp_oldpower) + 1)];
    }
    return &LOAD(primary_hashtable)[hv & hashmask(LOAD(hashpower))];
}

item *assoc_find(const char *key, size_t nkey, uint32_t hv)
{
    item *it = *bucket_of(hv);

    while (it != NULL) {
        if (it->nkey == nkey && memcmp(item_key(it), key, nkey) == 0)
            return it;
        it = it->h_next;
    }
    return NULL;
}

bool assoc_insert(item *it, uint32_t hv)
{
    item **b = bucket_of(hv);
    uint64_t n;

    assert(assoc_find(item_key(it), it->nkey, hv) == NULL);
    it->h_next = *b;
    *b = it;
    n = __atomic_add_fetch(&hash_items, 1, __ATOMIC_RELAXED);
    if (!LOAD(expanding) && n > hashsize(LOAD(hashpower)) * 3 / 2 &&
        LOAD(hashpower) < HASHPOWER_MAX)
        bgthread_wake(&expander);
    return true;
}

/* `it` (same key) takes old's place in its chain; the count is unchanged,
 * so a replacing store touches no shared counter here. */
void assoc_replace(item *old, item *it, uint32_t hv)
{
    item **pp = bucket_of(hv);

    while (*pp != NULL && *pp != old)
        pp = &(*pp)->h_next;
    assert(*pp == old && "assoc_replace: old item not in table");
    it->h_next = old->h_next;
    *pp = it;
    old->h_next = NULL;
}

void assoc_delete(const char *key, size_t nkey, uint32_t hv)
{
    item **pp = bucket_of(hv);

    while (*pp != NULL) {
        item *it = *pp;

        if (it->nkey == nkey && memcmp(item_key(it), key, nkey) == 0) {
            *pp = it->h_next;
            it->h_next = NULL;
            __atomic_sub_fetch(&hash_items, 1, __ATOMIC_RELAXED);
            return;
        }
        pp = &it->h_next;
    }
    assert(0 && "assoc_delete: key not in table");
}

/* Lock and unlock every stripe in turn: afterwards every lookup that
 * began before the call has finished. */
static void sweep_item_locks(void)
{
    uint32_t i, n = (uint32_t)hashsize(item_lock_power());

    for (i = 0; i < n; i++) {
        item_lock(i);
        item_unlock(i);
    }
}

/* Caller holds the item lock of old bucket b. */
static void move_old_bucket(uint64_t b)
{
    item *it = exp_old[b];

    while (it != NULL) {
        item *next = it->h_next;
        uint32_t hv = hash(item_key(it), it->nkey);
        item **nb = &exp_new[hv & hashmask(exp_oldpower + 1)];

        it->h_next = *nb;
        *nb = it;
        it = next;
    }
    exp_old[b] = NULL;
}

/* One full doubling of the table; see the file header for the steps. */
static void assoc_expand(void)
{
    unsigned int oldpower = LOAD(hashpower);
    item **nt = calloc(hashsize(oldpower + 1), sizeof(item *));
    uint64_t b;

    if (nt == NULL) {
        log_msg(1, "assoc: hash table expansion failed: out of memory");
        return;
    }
    assert(oldpower >= item_lock_power());
    STORE(exp_old, LOAD(primary_hashtable));
    STORE(exp_new, nt);
    STORE(exp_oldpower, oldpower);
    __atomic_store_n(&expand_bucket, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&expanding, true, __ATOMIC_RELEASE);

    for (b = 0; b < hashsize(oldpower); b++) {
        item_lock((uint32_t)b);
        move_old_bucket(b);
        __atomic_store_n(&expand_bucket, b + 1, __ATOMIC_RELEASE);
        item_unlock((uint32_t)b);
    }

    STORE(primary_hashtable, nt);
    STORE(hashpower, oldpower + 1);
    __atomic_store_n(&expanding, false, __ATOMIC_RELEASE);
    sweep_item_locks();
    free(exp_old);
    STORE(exp_old, NULL);
    STORE(exp_new, NULL);
    log_msg(2, "assoc: hash table expanded to 2^%u buckets", oldpower + 1);
}

static bool needs_expand(void)
{
    unsigned int hp = __atomic_load_n(&hashpower, __ATOMIC_RELAXED);

    return hp < HASHPOWER_MAX &&
           __atomic_load_n(&hash_items, __ATOMIC_RELAXED) >
               hashsize(hp) * 3 / 2;
}

/* Sleeps until an insert finds the table too full; an expansion in
 * progress when a stop is asked for is finished first (it is bounded). */
static void expander_run(struct bgthread *t)
{
    while (bgthread_sleep(t, 0)) {
        /* Items may have kept coming during a doubling: repeat. */
        while (needs_expand())
            assoc_expand();
    }
}

bool assoc_start_expand_thread(void)
{
    return bgthread_start(&expander, "mc-hashexpand", expander_run, NULL);
}

void assoc_stop_expand_thread(void)
{
    bgthread_stop(&expander);
}

unsigned int assoc_hashpower(void)
{
    return __atomic_load_n(&hashpower, __ATOMIC_RELAXED);
}

bool assoc_is_expanding(void)
{
    return __atomic_load_n(&expanding, __ATOMIC_RELAXED);
}

uint64_t assoc_count(void)
{
    return __atomic_load_n(&hash_items, __ATOMIC_RELAXED);
}
