/*
 * crawler.c: the LRU crawler, a background thread ("lru_crawler") that
 * walks class LRUs and reclaims expired and flushed items before they
 * cost an eviction, and the metadump/mgdump walks.
 *
 * A walk puts a cursor (lru.c's ITEM_CRAWLER fake item) at the tail of
 * each segment and steps it towards the head, one item per step; each
 * step holds the class's LRU lock only to move the cursor and try the
 * next item's lock, so writers wait at most for one item.  Schedule: a
 * crawl on demand ("lru_crawler crawl"), and each class on its own timer
 * that halves when the last crawl of it found more than 1% dead items
 * and doubles (up to an hour) when it found none.  The metadump lines
 * (key, expiry, last access, CAS, fetched, class, size) are formatted
 * here too.
 *
 * Locks: crawl_lock (a leaf) guards the request mask and the thread's
 * running state; the thread sleeps and stops through its bgthread.
 * `busy` (atomic) is claimed by one walk at a time (a crawl or a dump),
 * as the reference allows one crawler job.  Item locks are only tried,
 * under the LRU lock (lru.c).
 */
#include "crawler.h"
#include "base64.h"
#include "bgthread.h"
#include "item_layout.h"
#include "lru.h"
#include "slabs.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CRAWL_PER_SLEEP 1000      /* items checked between sleeps */
#define AUTO_INTERVAL_MIN 1       /* seconds between crawls of a class */
#define AUTO_INTERVAL_MAX 3600
#define AUTO_INTERVAL_START 60
#define CLASS_ID_MAX (MAX_SLAB_CLASSES - 2)  /* as the reference */

static pthread_mutex_t crawl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bgthread crawler = BGTHREAD_INITIALIZER;
static bool running;                      /* under crawl_lock */
static bool stopping;                     /* atomic */
static item *crawler_cursor;              /* the thread's, under crawl_lock */
static bool requested[MAX_SLAB_CLASSES];  /* under crawl_lock */
static bool busy;                         /* atomic */
static uint64_t starts;                   /* atomic */
/* Autocrawl schedule, owned by the crawler thread. */
static rel_time_t next_crawl[MAX_SLAB_CLASSES];
static rel_time_t interval[MAX_SLAB_CLASSES];

static rel_time_t now(void)
{
    return __atomic_load_n(&current_time, __ATOMIC_RELAXED);
}

static bool claim_busy(void)
{
    bool f = false;

    return __atomic_compare_exchange_n(&busy, &f, true, false,
                                       __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

static void release_busy(void)
{
    __atomic_store_n(&busy, false, __ATOMIC_RELEASE);
}

/* "all" or a comma list of ids ("1,,2" allowed, as the reference). */
static bool parse_classes(const char *s, bool *mask)
{
    char buf[256], *tok, *save = NULL;

    memset(mask, 0, MAX_SLAB_CLASSES * sizeof(*mask));
    if (strcmp(s, "all") == 0 || strcmp(s, "hash") == 0) {
        unsigned int i;

        for (i = 1; i <= CLASS_ID_MAX; i++)
            mask[i] = true;
        return true;
    }
    if (strlen(s) >= sizeof(buf))
        return false;
    strcpy(buf, s);
    for (tok = strtok_r(buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        uint32_t id;

        if (!safe_strtoul(tok, &id) || id < 1 || id > CLASS_ID_MAX)
            return false;
        mask[id] = true;
    }
    return true;
}

/* Walk one segment with cursor cur; fn gets each item (item lock held).
 * Returns items seen; stops after `max` (0: no limit). */
static uint32_t walk_seg(item *cur, unsigned int id, enum lru_seg seg,
                         uint32_t max, unsigned int sleep_us,
                         bool (*fn)(item *it, uint32_t hv, unsigned int id,
                                    void *arg),
                         void *arg)
{
    uint32_t seen = 0;
    enum crawl_step st;
    item *it;
    uint32_t hv;

    lru_cursor_link(cur, id, seg);
    while ((st = lru_cursor_step(cur, id, &it, &hv)) != CRAWL_DONE) {
        bool go_on;

        if (st == CRAWL_SKIP) {
            sched_yield();
            continue;
        }
        go_on = fn(it, hv, id, arg);
        lru_cursor_release(it, hv);
        seen++;
        if (!go_on || (max != 0 && seen >= max))
            break;
        if (sleep_us > 0 && seen % CRAWL_PER_SLEEP == 0)
            usleep(sleep_us);
    }
    lru_cursor_unlink(cur, id);
    return seen;
}

struct reclaim_arg {
    uint64_t reclaimed;
};

static bool reclaim_fn(item *it, uint32_t hv, unsigned int id, void *arg)
{
    struct reclaim_arg *ra = arg;

    if (lru_cursor_reclaim(it, hv, id))
        ra->reclaimed++;
    return !__atomic_load_n(&stopping, __ATOMIC_RELAXED);
}

/* Crawl class id; reschedule its autocrawl by what was found. */
static void crawl_class(item *cur, unsigned int id,
                        const struct engine_config *c)
{
    struct reclaim_arg ra = {0};
    uint64_t seen = 0;
    unsigned int seg;

    for (seg = 0; seg < LRU_NSEGS; seg++)
        seen += walk_seg(cur, id, (enum lru_seg)seg, c->crawler_tocrawl,
                         c->crawler_sleep, reclaim_fn, &ra);
    if (interval[id] == 0)
        interval[id] = AUTO_INTERVAL_START;
    if (ra.reclaimed * 100 > seen)
        interval[id] = interval[id] / 2 > AUTO_INTERVAL_MIN
                           ? interval[id] / 2 : AUTO_INTERVAL_MIN;
    else if (ra.reclaimed == 0)
        interval[id] = interval[id] * 2 < AUTO_INTERVAL_MAX
                           ? interval[id] * 2 : AUTO_INTERVAL_MAX;
    next_crawl[id] = now() + interval[id];
}

enum pick { PICK_NONE, PICK_REQUESTED, PICK_TIMED };

/* Caller holds crawl_lock.  Which classes to crawl now: the requested
 * ones (whose requester already holds `busy` for this walk), else those
 * whose autocrawl time has come. */
static enum pick do_pick(bool *mask)
{
    unsigned int i, n = slabs_largest_class();
    bool any = false;

    for (i = 1; i <= CLASS_ID_MAX; i++) {
        mask[i] = requested[i];
        any |= mask[i];
        requested[i] = false;
    }
    if (any)
        return PICK_REQUESTED;
    for (i = 1; i <= n && i <= CLASS_ID_MAX; i++) {
        if (next_crawl[i] == 0)
            next_crawl[i] = now() + AUTO_INTERVAL_START;
        if (now() >= next_crawl[i]) {
            mask[i] = true;
            any = true;
        }
    }
    return any ? PICK_TIMED : PICK_NONE;
}

static void crawler_run(struct bgthread *t)
{
    item *cur = t->arg;
    bool mask[MAX_SLAB_CLASSES];

    do {
        struct engine_config c;
        unsigned int i;
        enum pick got;

        pthread_mutex_lock(&crawl_lock);
        got = do_pick(mask);
        pthread_mutex_unlock(&crawl_lock);
        /* A requested walk's requester claimed `busy` for it; a timed one
         * claims it here, and waits if a dump or a request holds it. */
        if (got == PICK_NONE || (got == PICK_TIMED && !claim_busy()))
            continue;
        __atomic_add_fetch(&starts, 1, __ATOMIC_RELAXED);
        engine_config_get(&c);
        for (i = 1; i <= CLASS_ID_MAX &&
                    !__atomic_load_n(&stopping, __ATOMIC_RELAXED); i++)
            if (mask[i] && i <= slabs_largest_class())
                crawl_class(cur, i, &c);
        release_busy();
    } while (bgthread_sleep(t, 1000000));
}

bool crawler_start(void)
{
    item *cur;
    bool ok;

    pthread_mutex_lock(&crawl_lock);
    if (running) {
        pthread_mutex_unlock(&crawl_lock);
        return false;
    }
    cur = lru_cursor_new();
    if (cur == NULL) {
        pthread_mutex_unlock(&crawl_lock);
        return false;
    }
    __atomic_store_n(&stopping, false, __ATOMIC_RELAXED);
    ok = bgthread_start(&crawler, "mc-crawler", crawler_run, cur);
    if (ok) {
        running = true;
        crawler_cursor = cur;
    }
    pthread_mutex_unlock(&crawl_lock);
    if (!ok)
        free(cur);
    return ok;
}

void crawler_stop(void)
{
    unsigned int i;

    pthread_mutex_lock(&crawl_lock);
    if (!running) {
        pthread_mutex_unlock(&crawl_lock);
        return;
    }
    __atomic_store_n(&stopping, true, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&crawl_lock);
    bgthread_stop(&crawler);
    pthread_mutex_lock(&crawl_lock);
    running = false;
    free(crawler_cursor);
    crawler_cursor = NULL;
    /* A request the thread never picked up still holds `busy`. */
    for (i = 1; i <= CLASS_ID_MAX; i++) {
        if (requested[i]) {
            release_busy();
            break;
        }
    }
    memset(requested, 0, sizeof(requested));
    pthread_mutex_unlock(&crawl_lock);
}

bool crawler_running(void)
{
    bool r;

    pthread_mutex_lock(&crawl_lock);
    r = running;
    pthread_mutex_unlock(&crawl_lock);
    return r;
}

void crawler_totals(uint64_t *n, bool *run)
{
    *n = __atomic_load_n(&starts, __ATOMIC_RELAXED);
    *run = __atomic_load_n(&busy, __ATOMIC_RELAXED);
}

enum crawler_result crawler_crawl(const char *classes)
{
    bool mask[MAX_SLAB_CLASSES];
    unsigned int i;

    if (!crawler_running())
        return CRAWLER_NOTSTARTED;
    if (!parse_classes(classes, mask))
        return CRAWLER_BADCLASS;
    if (!claim_busy())
        return CRAWLER_RUNNING;
    pthread_mutex_lock(&crawl_lock);
    if (!running) {             /* stopped meanwhile: nobody would walk */
        pthread_mutex_unlock(&crawl_lock);
        release_busy();
        return CRAWLER_NOTSTARTED;
    }
    for (i = 1; i <= CLASS_ID_MAX; i++)
        requested[i] = mask[i];
    pthread_mutex_unlock(&crawl_lock);
    bgthread_wake(&crawler);
    return CRAWLER_OK;
}

/* Keys are printed URL-encoded in metadump, as the reference does. */
static size_t key_urlencode(const char *k, size_t n, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)k[i];

        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
            ch == '_' || ch == '~') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    return o;
}

/* Caller holds the item lock.  A "key=... exp=..." metadump line (with
 * "\n") or, if mg, an "mg <key>\r\n" line; 0 if the item is dead. */
static size_t metadump_line(item *it, bool mg, char *buf, size_t len)
{
    rel_time_t t_now = now();
    char key[KEY_MAX_LENGTH * 3 + 1];
    size_t nk, i;
    int n;

    if (len < sizeof(key) + 160 || !(iflags(it) & ITEM_LINKED) ||
        item_is_dead(it, t_now))
        return 0;
    if (mg) {
        bool plain = true;

        for (i = 0; i < it->nkey; i++)
            if ((unsigned char)item_key(it)[i] <= ' ')
                plain = false;
        if (plain)
            n = snprintf(buf, len, "mg %.*s\r\n", (int)it->nkey,
                         item_key(it));
        else {
            nk = base64_encode((const unsigned char *)item_key(it), it->nkey,
                               key);
            n = snprintf(buf, len, "mg %.*s b\r\n", (int)nk, key);
        }
        return n > 0 ? (size_t)n : 0;
    }
    nk = key_urlencode(item_key(it), it->nkey, key);
    n = snprintf(buf, len,
                 "key=%.*s exp=%lld la=%lld cas=%llu fetch=%s cls=%u "
                 "size=%zu\n",
                 (int)nk, key,
                 it->exptime == 0 ? -1LL
                                  : (long long)it->exptime + process_started,
                 (long long)itime(it) + process_started,
                 (unsigned long long)item_get_cas(it),
                 (iflags(it) & ITEM_FETCHED) ? "yes" : "no",
                 (unsigned int)it->slabs_clsid,
                 /* The reference keeps non-zero client flags in the
                  * item (4 bytes); report its figure. */
                 item_ntotal(it) + (it->client_flags ? 4 : 0));
    return n > 0 ? (size_t)n : 0;
}

struct dump_arg {
    bool mg;
    char buf[1024];
    size_t len;
};

/* Format under the item lock; the caller sends after the release. */
static bool dump_fn(item *it, uint32_t hv, unsigned int id, void *arg)
{
    struct dump_arg *da = arg;

    (void)hv;
    (void)id;
    da->len = metadump_line(it, da->mg, da->buf, sizeof(da->buf));
    return false;    /* one item per walk_seg call; see crawler_dump */
}

/* Like walk_seg, but each line goes out after the item's lock is
 * dropped (line() may allocate). */
static void dump_seg(item *cur, unsigned int id, enum lru_seg seg,
                     struct dump_arg *da,
                     void (*line)(const char *s, size_t len, void *cookie),
                     void *cookie)
{
    enum crawl_step st;
    item *it;
    uint32_t hv;

    lru_cursor_link(cur, id, seg);
    while ((st = lru_cursor_step(cur, id, &it, &hv)) != CRAWL_DONE) {
        if (st == CRAWL_SKIP) {
            sched_yield();
            continue;
        }
        dump_fn(it, hv, id, da);
        lru_cursor_release(it, hv);
        if (da->len > 0)
            line(da->buf, da->len, cookie);
    }
    lru_cursor_unlink(cur, id);
}

enum crawler_result crawler_dump(const char *classes, bool mg,
                                 void (*line)(const char *s, size_t len,
                                              void *cookie),
                                 void *cookie)
{
    bool mask[MAX_SLAB_CLASSES];
    struct dump_arg *da;
    item *cur;
    unsigned int i, seg;

    if (!crawler_running())
        return CRAWLER_NOTSTARTED;
    if (!parse_classes(classes, mask))
        return CRAWLER_BADCLASS;
    if (!claim_busy())
        return CRAWLER_RUNNING;
    da = calloc(1, sizeof(*da));
    cur = lru_cursor_new();
    if (da == NULL || cur == NULL)
        goto out_free;
    da->mg = mg;
    for (i = 1; i <= CLASS_ID_MAX && i <= slabs_largest_class(); i++) {
        if (!mask[i])
            continue;
        for (seg = 0; seg < LRU_NSEGS; seg++)
            dump_seg(cur, i, (enum lru_seg)seg, da, line, cookie);
    }
out_free:
    free(cur);
    free(da);
    release_busy();
    return CRAWLER_OK;
}

