/*
 * stats.c: adding up and printing the counters behind "stats".
 *
 * Per-request counters are kept per worker thread (worker.h) so the hot
 * path never takes a shared lock; this module sums them when asked.
 * Server-wide counters that change rarely (connections) live in
 * stats_state under stats_lock.  Storage figures come from the engine
 * (storage_totals, item_stats, slabs_stats), which locks for itself.
 *
 * Locks: stats_lock (a leaf) guards stats_state and the per-thread
 * reset baselines; prefix_lock (a leaf) guards the "stats detail"
 * prefix table.  Workers' counters are read without a lock (relaxed
 * loads of single-writer counters, see worker.h).  The table of groups
 * registered by higher modules is written before the workers start and
 * only read afterwards, so it needs no lock.
 */
#include "memcached.h"
#include "items.h"
#include "slabs.h"
#include "stats.h"
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct stats_state stats_state;
pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

void stats_init(void)
{
    memset(&stats_state, 0, sizeof(stats_state));
}

#define NCOUNTERS (sizeof(struct thread_stats) / sizeof(uint64_t))

/* Sum every worker's counters since the last reset.  stats_lock keeps
 * a reset from moving the baselines under us. */
void threadlocal_stats_aggregate(struct thread_stats *out)
{
    uint64_t *dst = (uint64_t *)out;
    int i, n = worker_count();
    size_t k;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&stats_lock);
    for (i = 0; i < n; i++) {
        struct worker *t = worker_get(i);
        uint64_t *cur = (uint64_t *)&t->stats;
        const uint64_t *base = (const uint64_t *)&t->stats_base;

        for (k = 0; k < NCOUNTERS; k++)
            dst[k] += __atomic_load_n(&cur[k], __ATOMIC_RELAXED) - base[k];
    }
    pthread_mutex_unlock(&stats_lock);
}

/* The counters keep running; the current values become the zero. */
void threadlocal_stats_reset(void)
{
    int i, n = worker_count();
    size_t k;

    pthread_mutex_lock(&stats_lock);
    for (i = 0; i < n; i++) {
        struct worker *t = worker_get(i);
        uint64_t *cur = (uint64_t *)&t->stats;
        uint64_t *base = (uint64_t *)&t->stats_base;

        for (k = 0; k < NCOUNTERS; k++)
            base[k] = __atomic_load_n(&cur[k], __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&stats_lock);
}

void stats_reset(void)
{
    pthread_mutex_lock(&stats_lock);
    stats_state.total_conns = 0;
    stats_state.rejected_conns = 0;
    stats_state.listen_disabled_num = 0;
    pthread_mutex_unlock(&stats_lock);
    threadlocal_stats_reset();
    stats_prefix_clear();
}

static void slab_totals(const struct thread_stats *ts, struct slab_stats *t)
{
    int i;

    memset(t, 0, sizeof(*t));
    for (i = 0; i < MAX_SLAB_CLASSES; i++) {
        t->set_cmds += ts->slab[i].set_cmds;
        t->get_hits += ts->slab[i].get_hits;
        t->touch_hits += ts->slab[i].touch_hits;
        t->delete_hits += ts->slab[i].delete_hits;
        t->cas_hits += ts->slab[i].cas_hits;
        t->cas_badval += ts->slab[i].cas_badval;
        t->incr_hits += ts->slab[i].incr_hits;
        t->decr_hits += ts->slab[i].decr_hits;
    }
}

#define U64(x) ((unsigned long long)(x))

static void process_stats(ADD_STAT add, void *c)
{
    struct rusage ru;
    struct stats_state ss;

    getrusage(RUSAGE_SELF, &ru);
    pthread_mutex_lock(&stats_lock);
    ss = stats_state;
    pthread_mutex_unlock(&stats_lock);

    append_stat(add, c, "pid", "%ld", (long)getpid());
    append_stat(add, c, "uptime", "%u", clock_now());
    append_stat(add, c, "time", "%ld",
                (long)(process_started + clock_now()));
    append_stat(add, c, "version", "%s", VERSION);
    append_stat(add, c, "libevent", "%s", event_get_version());
    append_stat(add, c, "pointer_size", "%d", (int)(8 * sizeof(void *)));
    append_stat(add, c, "rusage_user", "%ld.%06ld", (long)ru.ru_utime.tv_sec,
                (long)ru.ru_utime.tv_usec);
    append_stat(add, c, "rusage_system", "%ld.%06ld",
                (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec);
    append_stat(add, c, "max_connections", "%d", settings.maxconns);
    /* Listening sockets are conns too; like the reference, one of them
     * is not shown. */
    append_stat(add, c, "curr_connections", "%llu",
                U64(ss.curr_conns ? ss.curr_conns - 1 : 0));
    append_stat(add, c, "total_connections", "%llu", U64(ss.total_conns));
    append_stat(add, c, "rejected_connections", "%llu",
                U64(ss.rejected_conns));
    append_stat(add, c, "connection_structures", "%llu",
                U64(ss.conn_structs));
    append_stat(add, c, "reserved_fds", "%u", ss.reserved_fds);
}

static void command_stats(ADD_STAT add, void *c, const struct thread_stats *ts)
{
    struct slab_stats t;

    slab_totals(ts, &t);
    append_stat(add, c, "cmd_get", "%llu", U64(ts->get_cmds));
    append_stat(add, c, "cmd_set", "%llu", U64(t.set_cmds));
    append_stat(add, c, "cmd_flush", "%llu", U64(ts->flush_cmds));
    append_stat(add, c, "cmd_touch", "%llu", U64(ts->touch_cmds));
    append_stat(add, c, "cmd_meta", "%llu", U64(ts->meta_cmds));
    append_stat(add, c, "get_hits", "%llu", U64(t.get_hits));
    append_stat(add, c, "get_misses", "%llu", U64(ts->get_misses));
    append_stat(add, c, "get_expired", "%llu", U64(ts->get_expired));
    append_stat(add, c, "get_flushed", "%llu", U64(ts->get_flushed));
    append_stat(add, c, "delete_misses", "%llu", U64(ts->delete_misses));
    append_stat(add, c, "delete_hits", "%llu", U64(t.delete_hits));
    append_stat(add, c, "incr_misses", "%llu", U64(ts->incr_misses));
    append_stat(add, c, "incr_hits", "%llu", U64(t.incr_hits));
    append_stat(add, c, "decr_misses", "%llu", U64(ts->decr_misses));
    append_stat(add, c, "decr_hits", "%llu", U64(t.decr_hits));
    append_stat(add, c, "cas_misses", "%llu", U64(ts->cas_misses));
    append_stat(add, c, "cas_hits", "%llu", U64(t.cas_hits));
    append_stat(add, c, "cas_badval", "%llu", U64(t.cas_badval));
    append_stat(add, c, "touch_hits", "%llu", U64(t.touch_hits));
    append_stat(add, c, "touch_misses", "%llu", U64(ts->touch_misses));
    append_stat(add, c, "store_too_large", "%llu", U64(ts->store_too_large));
    append_stat(add, c, "store_no_memory", "%llu", U64(ts->store_no_memory));
    append_stat(add, c, "auth_cmds", "%llu", U64(ts->auth_cmds));
    append_stat(add, c, "auth_errors", "%llu", U64(ts->auth_errors));
    if (settings.idle_timeout > 0)   /* printed only then, as the reference */
        append_stat(add, c, "idle_kicks", "%llu", U64(ts->idle_kicks));
    append_stat(add, c, "bytes_read", "%llu", U64(ts->bytes_read));
    append_stat(add, c, "bytes_written", "%llu", U64(ts->bytes_written));
}

/* The slab mover, crawler and maintainer counters (after
 * hash_is_expanding). */
static void engine_general_stats(ADD_STAT add, void *c,
                                 const struct storage_totals *t)
{
    append_stat(add, c, "slab_reassign_rescues", "%llu", U64(t->slab.rescues));
    append_stat(add, c, "slab_reassign_chunk_rescues", "%d", 0);
    append_stat(add, c, "slab_reassign_evictions_nomem", "%llu",
                U64(t->slab.evictions_nomem));
    append_stat(add, c, "slab_reassign_inline_reclaim", "%d", 0);
    append_stat(add, c, "slab_reassign_busy_items", "%llu",
                U64(t->slab.busy_items));
    append_stat(add, c, "slab_reassign_busy_deletes", "%d", 0);
    append_stat(add, c, "slab_reassign_running", "%d",
                t->slab.running ? 1 : 0);
    append_stat(add, c, "slabs_moved", "%llu", U64(t->slab.slabs_moved));
    append_stat(add, c, "lru_crawler_running", "%d",
                t->lru_crawler_running ? 1 : 0);
    append_stat(add, c, "lru_crawler_starts", "%llu",
                U64(t->lru_crawler_starts));
    append_stat(add, c, "lru_maintainer_juggles", "%llu",
                U64(t->lru_maintainer_juggles));
}

static void general_stats(ADD_STAT add, void *c)
{
    struct thread_stats ts;
    struct storage_totals st;

    threadlocal_stats_aggregate(&ts);
    storage_totals(&st);
    process_stats(add, c);
    command_stats(add, c, &ts);
    append_stat(add, c, "limit_maxbytes", "%llu", U64(maxbytes_now()));
    append_stat(add, c, "accepting_conns", "%u",
                stats_state.accepting_conns ? 1u : 0u);
    append_stat(add, c, "listen_disabled_num", "%llu",
                U64(stats_state.listen_disabled_num));
    append_stat(add, c, "time_in_listen_disabled_us", "%d", 0);
    append_stat(add, c, "threads", "%d", settings.num_threads);
    append_stat(add, c, "conn_yields", "%llu", U64(ts.conn_yields));
    append_stat(add, c, "hash_power_level", "%u", st.hash_power_level);
    append_stat(add, c, "hash_bytes", "%llu", U64(st.hash_bytes));
    append_stat(add, c, "hash_is_expanding", "%d",
                st.hash_is_expanding ? 1 : 0);
    engine_general_stats(add, c, &st);
    append_stat(add, c, "malloc_fails", "%d", 0);
    append_stat(add, c, "bytes", "%llu", U64(st.bytes));
    append_stat(add, c, "curr_items", "%llu", U64(st.curr_items));
    append_stat(add, c, "total_items", "%llu", U64(st.total_items));
    append_stat(add, c, "slab_global_page_pool", "%llu",
                U64(st.slab.global_page_pool));
    append_stat(add, c, "expired_unfetched", "%llu",
                U64(st.expired_unfetched));
    append_stat(add, c, "evicted_unfetched", "%llu",
                U64(st.evicted_unfetched));
    append_stat(add, c, "evicted_active", "%llu", U64(st.evicted_active));
    append_stat(add, c, "evictions", "%llu", U64(st.evictions));
    append_stat(add, c, "reclaimed", "%llu", U64(st.reclaimed));
    append_stat(add, c, "crawler_reclaimed", "%llu",
                U64(st.crawler_reclaimed));
    append_stat(add, c, "crawler_items_checked", "%llu",
                U64(st.crawler_items_checked));
    append_stat(add, c, "lrutail_reflocked", "%llu",
                U64(st.lrutail_reflocked));
    append_stat(add, c, "moves_to_cold", "%llu", U64(st.moves_to_cold));
    append_stat(add, c, "moves_to_warm", "%llu", U64(st.moves_to_warm));
    append_stat(add, c, "moves_within_lru", "%llu",
                U64(st.moves_within_lru));
    append_stat(add, c, "direct_reclaims", "%llu", U64(st.direct_reclaims));
    append_stat(add, c, "lru_bumps_dropped", "%d", 0);
}

void stats_slab_class_extra(unsigned int id, ADD_STAT add, void *c)
{
    struct thread_stats ts;
    const struct slab_stats *s;
    char name[64];

    if (id >= MAX_SLAB_CLASSES)
        return;
    threadlocal_stats_aggregate(&ts);
    s = &ts.slab[id];
#define SLAB_STAT(field)                                               \
    do {                                                               \
        snprintf(name, sizeof(name), "%u:" #field, id);                \
        append_stat(add, c, name, "%llu", U64(s->field));              \
    } while (0)
    SLAB_STAT(get_hits);
    snprintf(name, sizeof(name), "%u:cmd_set", id);
    append_stat(add, c, name, "%llu", U64(s->set_cmds));
    SLAB_STAT(delete_hits);
    SLAB_STAT(incr_hits);
    SLAB_STAT(decr_hits);
    SLAB_STAT(cas_hits);
    SLAB_STAT(cas_badval);
    SLAB_STAT(touch_hits);
#undef SLAB_STAT
}

/* "stats items": the engine's figures plus the workers' hits_to_*. */
_Static_assert(LRU_NSEGS == sizeof(((struct slab_stats *)0)->hits_to) /
                                sizeof(uint64_t),
               "slab_stats.hits_to has one counter per LRU segment");

static void items_group(ADD_STAT add, void *cookie)
{
    uint64_t hits[MAX_SLAB_CLASSES][LRU_NSEGS];
    struct thread_stats ts;
    unsigned int i, g;

    threadlocal_stats_aggregate(&ts);
    for (i = 0; i < MAX_SLAB_CLASSES; i++)
        for (g = 0; g < LRU_NSEGS; g++)
            hits[i][g] = ts.slab[i].hits_to[g];
    item_stats_hits(add, cookie, (const uint64_t (*)[LRU_NSEGS])hits);
}

/* Groups of modules above this one ("conns": conn.c; "settings":
 * options.c, which knows every option's line), registered by
 * main() before the workers start and only read afterwards, so no lock.
 * A linear scan: there are a handful. */
#define STATS_GROUPS_MAX 8

static struct {
    const char *name;
    stats_group_fn fn;
} groups[STATS_GROUPS_MAX];
static int ngroups;

bool stats_register_group(const char *name, stats_group_fn fn)
{
    if (ngroups == STATS_GROUPS_MAX)
        return false;
    groups[ngroups].name = name;
    groups[ngroups].fn = fn;
    ngroups++;
    return true;
}

static bool registered_group(const char *group, ADD_STAT add, void *cookie)
{
    int i;

    for (i = 0; i < ngroups; i++) {
        if (strcmp(group, groups[i].name) == 0) {
            groups[i].fn(add, cookie);
            return true;
        }
    }
    return false;
}

bool stats_group(const char *group, ADD_STAT add, void *cookie)
{
    if (group == NULL || *group == '\0')
        general_stats(add, cookie);
    else if (strcmp(group, "items") == 0)
        items_group(add, cookie);
    else if (strcmp(group, "slabs") == 0)
        slabs_stats(add, cookie, stats_slab_class_extra);
    else if (strcmp(group, "sizes") == 0)
        item_stats_sizes(add, cookie);
    else
        return registered_group(group, add, cookie);
    return true;
}

/* ------------------------------------------------------------------ */
/* Per-prefix stats ("stats detail"), off unless -D or "stats detail on".
 * Keys are grouped by what comes before settings.prefix_delimiter; keys
 * without it are not counted.  A small chained hash table of prefixes,
 * entries allocated on first sight and freed by "stats reset" and at
 * exit; prefix_lock (a leaf) guards it.  Costs nothing when off.       */

#define PREFIX_BUCKETS 256

struct prefix_stats {
    struct prefix_stats *next;
    uint64_t gets, hits, sets, deletes;
    size_t len;
    char prefix[];
};

static struct prefix_stats *prefix_table[PREFIX_BUCKETS];
static pthread_mutex_t prefix_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t prefix_count;
#define PREFIX_MAX_COUNT 100000    /* stop tracking new prefixes past this */

bool stats_detail_enabled(void)
{
    return __atomic_load_n(&settings.detail_enabled, __ATOMIC_RELAXED);
}

void stats_detail_set(bool on)
{
    __atomic_store_n(&settings.detail_enabled, on, __ATOMIC_RELAXED);
}

/* Caller holds prefix_lock.  NULL if the key has no prefix. */
static struct prefix_stats *do_prefix_find(const char *key, size_t nkey)
{
    const char *d = memchr(key, settings.prefix_delimiter, nkey);
    struct prefix_stats *p;
    uint32_t h = 2166136261u;
    size_t len, i;

    if (d == NULL)
        return NULL;
    len = (size_t)(d - key);
    for (i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 16777619u;
    h %= PREFIX_BUCKETS;
    for (p = prefix_table[h]; p != NULL; p = p->next)
        if (p->len == len && memcmp(p->prefix, key, len) == 0)
            return p;
    if (prefix_count >= PREFIX_MAX_COUNT)
        return NULL;
    p = calloc(1, sizeof(*p) + len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p->prefix, key, len);
    p->len = len;
    p->next = prefix_table[h];
    prefix_table[h] = p;
    prefix_count++;
    return p;
}

void stats_prefix_record(const char *key, size_t nkey, enum prefix_op op,
                         bool hit)
{
    struct prefix_stats *p;

    pthread_mutex_lock(&prefix_lock);
    p = do_prefix_find(key, nkey);
    if (p != NULL) {
        switch (op) {
        case PREFIX_GET:
            p->gets++;
            if (hit)
                p->hits++;
            break;
        case PREFIX_SET: p->sets++; break;
        case PREFIX_DELETE: p->deletes++; break;
        }
    }
    pthread_mutex_unlock(&prefix_lock);
}

void stats_prefix_dump(void (*line)(const char *s, size_t len, void *cookie),
                       void *cookie)
{
    struct prefix_stats *p;
    char buf[KEY_MAX_LENGTH + 128];
    int i, n;

    pthread_mutex_lock(&prefix_lock);
    for (i = 0; i < PREFIX_BUCKETS; i++) {
        for (p = prefix_table[i]; p != NULL; p = p->next) {
            n = snprintf(buf, sizeof(buf),
                         "PREFIX %.*s get %llu hit %llu set %llu del %llu\r\n",
                         (int)p->len, p->prefix, U64(p->gets), U64(p->hits),
                         U64(p->sets), U64(p->deletes));
            if (n > 0 && (size_t)n < sizeof(buf))
                line(buf, (size_t)n, cookie);
        }
    }
    pthread_mutex_unlock(&prefix_lock);
}

void stats_prefix_clear(void)
{
    struct prefix_stats *p, *next;
    int i;

    pthread_mutex_lock(&prefix_lock);
    for (i = 0; i < PREFIX_BUCKETS; i++) {
        for (p = prefix_table[i]; p != NULL; p = next) {
            next = p->next;
            free(p);
        }
        prefix_table[i] = NULL;
    }
    prefix_count = 0;
    pthread_mutex_unlock(&prefix_lock);
}
