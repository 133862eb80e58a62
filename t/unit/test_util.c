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

const struct unit_test util_tests[] = {
    { "util: safe_strtoull", test_strtoull },
    { "util: safe_strtoul", test_strtoul },
    { "util: safe_strtol/strtoll", test_strtol },
    { NULL, NULL },
};
