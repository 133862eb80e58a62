/*
 * test_util.c: the strict number parsers (util.c).
 */
#include "unit.h"

static void test_strtoull(void)
{
    uint64_t v = 7;

    ok(safe_strtoull("0", &v) && v == 0, "strtoull 0");
    ok(safe_strtoull("18446744073709551615", &v) && v == UINT64_MAX,
       "strtoull max");
    ok(!safe_strtoull("18446744073709551616", &v), "strtoull max+1");
    ok(!safe_strtoull("-1", &v), "strtoull -1");
    ok(!safe_strtoull("", &v), "strtoull empty");
    ok(!safe_strtoull("12a", &v), "strtoull trailing junk");
    ok(!safe_strtoull("12 ", &v), "strtoull trailing space");
}

static void test_strtoul(void)
{
    uint32_t v;

    ok(safe_strtoul("0", &v) && v == 0, "strtoul 0");
    ok(safe_strtoul("4294967295", &v) && v == UINT32_MAX, "strtoul max");
    ok(!safe_strtoul("4294967296", &v), "strtoul max+1");
    ok(!safe_strtoul("-1", &v), "strtoul -1");
    ok(!safe_strtoul("", &v), "strtoul empty");
    ok(!safe_strtoul("1x", &v), "strtoul trailing junk");
}

static void test_strtol(void)
{
    int32_t v;
    int64_t w;

    ok(safe_strtol("0", &v) && v == 0, "strtol 0");
    ok(safe_strtol("2147483647", &v) && v == INT32_MAX, "strtol max");
    ok(!safe_strtol("2147483648", &v), "strtol max+1");
    ok(safe_strtol("-1", &v) && v == -1, "strtol -1");
    ok(safe_strtol("-2147483648", &v) && v == INT32_MIN, "strtol min");
    ok(!safe_strtol("", &v), "strtol empty");
    ok(!safe_strtol("5 x", &v), "strtol trailing junk");
    ok(safe_strtoll("9223372036854775807", &w) && w == INT64_MAX,
       "strtoll max");
    ok(!safe_strtoll("9223372036854775808", &w), "strtoll max+1");
    ok(safe_strtoll("-1", &w) && w == -1, "strtoll -1");
    ok(!safe_strtoll("", &w), "strtoll empty");
}

static void test_strtosize(void)
{
    uint64_t v;

    ok(safe_strtosize("0", &v) && v == 0, "strtosize 0");
    ok(safe_strtosize("1024", &v) && v == 1024, "strtosize no suffix");
    ok(safe_strtosize("1k", &v) && v == 1024, "strtosize k");
    ok(safe_strtosize("2M", &v) && v == 2 * 1024 * 1024, "strtosize M");
    ok(safe_strtosize("1g", &v) && v == 1024ULL * 1024 * 1024,
       "strtosize g");
    ok(safe_strtosize("17179869183g", &v) &&
       v == 17179869183ULL * 1024 * 1024 * 1024, "strtosize max g");
    ok(!safe_strtosize("17179869184g", &v), "strtosize g overflow");
    ok(safe_strtosize("18446744073709551615", &v) && v == UINT64_MAX,
       "strtosize max");
    ok(!safe_strtosize("18446744073709551616", &v), "strtosize max+1");
    ok(!safe_strtosize("-1k", &v), "strtosize -1k");
    ok(!safe_strtosize("", &v), "strtosize empty");
    ok(!safe_strtosize("k", &v), "strtosize suffix alone");
    ok(!safe_strtosize("1t", &v), "strtosize unknown suffix");
    ok(!safe_strtosize("1 k", &v), "strtosize space");
    ok(!safe_strtosize("00000000000000000000000000000001", &v),
       "strtosize 32 characters");
}

const struct unit_test util_tests[] = {
    { "util: safe_strtoull", test_strtoull },
    { "util: safe_strtoul", test_strtoul },
    { "util: safe_strtol/strtoll", test_strtol },
    { "util: safe_strtosize", test_strtosize },
    { NULL, NULL },
};
