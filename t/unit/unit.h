/*
 * unit.h: a tiny TAP harness for the engine's unit tests.
 *
 * Each ok() is one TAP test point ("ok N - name" / "not ok N - name");
 * the plan "1..N" is printed at the end.  Test functions are listed in
 * the table in testapp.c.  Helpers shared by the test files live here
 * too (engine setup with a given configuration, store/get by string).
 */
#ifndef UNIT_H
#define UNIT_H

#include "memcached.h"
#include "items.h"

#include <stdbool.h>
#include <stddef.h>

struct unit_test {
    const char *name;
    void (*fn)(void);
};

#define ok(cond, name) unit_ok(!!(cond), (name), __FILE__, __LINE__)
bool unit_ok(bool cond, const char *name, const char *file, int line);

/* settings_init() + the clock at 1000, then the caller's tweaks. */
void unit_settings(void);
/* storage_init() that fails the test run if it fails. */
void unit_start(void);
/* Store a string value with op; returns the store result (or
 * STORE_NO_MEMORY/STORE_TOO_LARGE when the alloc fails). */
enum store_result unit_store(const char *key, const char *val,
                             enum store_op op, uint64_t cas,
                             uint32_t flags, rel_time_t exptime);
/* Value (without "\r\n") into buf; false on a miss. */
bool unit_get(const char *key, char *buf, size_t len);
/* "STAT"-style output of a stats function collected into one string:
 * "name value\n" per line. */
const char *unit_stats(void (*fn)(ADD_STAT, void *));
void unit_stat_add(const char *key, size_t klen, const char *val,
                   size_t vlen, void *cookie);

/* Test lists of each file. */
extern const struct unit_test slabs_tests[], items_tests[], assoc_tests[],
    util_tests[], background_tests[], mutation_tests[];

#endif /* UNIT_H */
