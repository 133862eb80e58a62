/*
 * util.c: strict number parsing, the stats line helper and logging.
 *
 * The parsers are the only way client-supplied numbers enter the daemon.
 * They reject what strtoull() would quietly accept: an empty field,
 * trailing junk, out-of-range values and a minus sign in an unsigned
 * field ("-1" would otherwise come back as 2^64-1).  No locks here; the
 * logging helper writes whole lines with one fprintf, which stdio makes
 * atomic with respect to other threads' lines.
 */
#include "memcached.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The common case on the request path: nothing but 1..19 decimal
 * digits, which cannot overflow 64 bits.  Anything else (signs, spaces,
 * 20 digits, junk) goes through strtoull and its checks below; the
 * answers are the same, only cheaper (strtol was 8% of a set). */
static bool fast_digits(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0;

    while (s[n] >= '0' && s[n] <= '9') {
        if (n == 19)
            return false;
        v = v * 10 + (uint64_t)(s[n] - '0');
        n++;
    }
    if (n == 0 || s[n] != '\0')
        return false;
    *out = v;
    return true;
}

bool safe_strtoull(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (fast_digits(s, out))
        return true;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno == ERANGE || end == s)
        return false;
    if (*end != '\0' && !isspace((unsigned char)*end))
        return false;
    if (*end != '\0')
        return false;
    /* strtoull negates "-5" into a huge value; refuse any minus sign. */
    if (memchr(s, '-', (size_t)(end - s)) != NULL)
        return false;
    *out = v;
    return true;
}

bool safe_strtoul(const char *s, uint32_t *out)
{
    uint64_t v;

    if (!safe_strtoull(s, &v) || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool safe_strtoll(const char *s, int64_t *out)
{
    char *end;
    long long v;
    uint64_t u;

    /* 1..18 digits fit in int64_t. */
    if (fast_digits(s, &u) && u <= (uint64_t)INT64_MAX) {
        *out = (int64_t)u;
        return true;
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno == ERANGE || end == s || *end != '\0')
        return false;
    *out = v;
    return true;
}

bool safe_strtol(const char *s, int32_t *out)
{
    int64_t v;

    if (!safe_strtoll(s, &v) || v < INT32_MIN || v > INT32_MAX)
        return false;
    *out = (int32_t)v;
    return true;
}

bool safe_strtod(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno == ERANGE || end == s || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* "64", "1k", "2M", "3g": bytes, the suffix (either case) multiplying
 * by 2^10, 2^20, 2^30; false also when the product overflows.  Inputs
 * of 32 characters or more are refused (no size needs that many). */
bool safe_strtosize(const char *s, uint64_t *out)
{
    char buf[32];
    size_t len = strlen(s);
    uint64_t mult = 1, v;

    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len + 1);
    switch (tolower((unsigned char)buf[len - 1])) {
    case 'k': mult = 1024; break;
    case 'm': mult = 1024 * 1024; break;
    case 'g': mult = 1024ULL * 1024 * 1024; break;
    default: break;
    }
    if (mult != 1)
        buf[len - 1] = '\0';
    if (!safe_strtoull(buf, &v) || v > UINT64_MAX / mult)
        return false;
    *out = v * mult;
    return true;
}

void append_stat(ADD_STAT add, void *cookie, const char *name,
                 const char *fmt, ...)
{
    char val[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(val))
        n = sizeof(val) - 1;
    add(name, strlen(name), val, (size_t)n, cookie);
}

void log_msg(int level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (verbose_level() < level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}
