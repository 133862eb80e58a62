/*
 * testapp.c: runs the unit test tables (t/unit/test_*.c) and prints TAP.
 * Exit status is non-zero if any test point failed.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int npoints, nfailed;

bool unit_ok(bool cond, const char *name, const char *file, int line)
{
    npoints++;
    if (cond) {
        printf("ok %d - %s\n", npoints, name);
    } else {
        nfailed++;
        printf("not ok %d - %s\n", npoints, name);
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return cond;
}

void unit_settings(void)
{
    settings_init();
    settings.hashexpand = true;
    current_time = 1000;
    process_started = time(NULL) - 1000;
}

void unit_start(void)
{
    if (!storage_init()) {
        printf("Bail out! storage_init failed\n");
        exit(1);
    }
}

enum store_result unit_store(const char *key, const char *val,
                             enum store_op op, uint64_t cas,
                             uint32_t flags, rel_time_t exptime)
{
    size_t nval = strlen(val), off = 0;
    enum alloc_result ar;
    enum store_result res;
    item *it;
    char tmp[4096];

    it = item_alloc(key, strlen(key), flags, exptime, nval + 2, &ar);
    if (it == NULL)
        return ar == ALLOC_TOO_LARGE ? STORE_TOO_LARGE : STORE_NO_MEMORY;
    if (nval + 2 > sizeof(tmp))
        abort();
    memcpy(tmp, val, nval);
    memcpy(tmp + nval, "\r\n", 2);
    while (off < nval + 2) {
        char *p;
        size_t n = item_data_span(it, off, &p);

        memcpy(p, tmp + off, n);
        off += n;
    }
    res = item_store(it, op, cas, NULL);
    item_release(it);
    return res;
}

bool unit_get(const char *key, char *buf, size_t len)
{
    enum get_status st;
    item *it = item_get(key, strlen(key), &st);
    char *p;
    size_t n;

    if (it == NULL)
        return false;
    n = item_data_span(it, 0, &p);
    if (n != it->nbytes || n - 2 >= len)
        abort();
    memcpy(buf, p, n - 2);
    buf[n - 2] = '\0';
    item_release(it);
    return true;
}

static char statbuf[65536];
static size_t statlen;

void unit_stat_add(const char *key, size_t klen, const char *val,
                   size_t vlen, void *cookie)
{
    (void)cookie;
    if (statlen + klen + vlen + 3 >= sizeof(statbuf))
        return;
    memcpy(statbuf + statlen, key, klen);
    statlen += klen;
    statbuf[statlen++] = ' ';
    memcpy(statbuf + statlen, val, vlen);
    statlen += vlen;
    statbuf[statlen++] = '\n';
    statbuf[statlen] = '\0';
}

const char *unit_stats(void (*fn)(ADD_STAT, void *))
{
    statlen = 0;
    statbuf[0] = '\0';
    fn(unit_stat_add, NULL);
    return statbuf;
}

static void run_table(const struct unit_test *t)
{
    for (; t->name != NULL; t++) {
        printf("# %s\n", t->name);
        t->fn();
    }
}

int main(void)
{
    run_table(util_tests);
    run_table(slabs_tests);
    run_table(items_tests);
    run_table(background_tests);
    run_table(assoc_tests);
    run_table(mutation_tests);
    printf("1..%d\n", npoints);
    if (nfailed)
        printf("# %d of %d test points failed\n", nfailed, npoints);
    return nfailed ? 1 : 0;
}
