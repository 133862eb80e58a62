/*
 * proto_common.c: helpers every protocol uses the same way, so that the
 * text, meta and binary commands count, parse and format alike: the
 * noreply token, the get/store counters in the worker's thread_stats,
 * the "\r\n" check of a value read into an item, the client-flags and
 * 32-bit-wrapped number parsers, and the decimal formatter.
 *
 * No data and no locks: counters are the connection's worker's own
 * (single writer, stats_add in worker.h); items are read through
 * item_data_span() under the caller's reference.
 */
#include "memcached.h"
#include "proto_common.h"

#include <string.h>

/* A trailing "noreply" token silences the command's answer. */
bool set_noreply_maybe(conn *c, struct token *tok, int ntok)
{
    if (ntok > 1 && strcmp(tok[ntok - 1].value, "noreply") == 0)
        c->noreply = true;
    return c->noreply;
}

void proto_count_get(conn *c, item *it, enum get_status st, bool touch)
{
    if (touch) {
        STATS_ADD(c, touch_cmds, 1);
        if (it != NULL)
            STATS_ADD(c, slab[it->slabs_clsid].touch_hits, 1);
        else
            STATS_ADD(c, touch_misses, 1);
    } else {
        STATS_ADD(c, get_cmds, 1);
        if (it != NULL) {
            STATS_ADD(c, slab[it->slabs_clsid].get_hits, 1);
            STATS_ADD(c, slab[it->slabs_clsid].hits_to[item_lru_segment(it)],
                      1);
        } else
            STATS_ADD(c, get_misses, 1);
    }
    if (st == GET_EXPIRED)
        STATS_ADD(c, get_expired, 1);
    else if (st == GET_FLUSHED)
        STATS_ADD(c, get_flushed, 1);
}

void proto_count_store(conn *c, item *it, enum store_op op,
                       enum store_result res)
{
    struct slab_stats *s = &c->worker->stats.slab[it->slabs_clsid];

    stats_add(&s->set_cmds, 1);
    if (op == STORE_CAS) {
        if (res == STORED)
            stats_add(&s->cas_hits, 1);
        else if (res == EXISTS)
            stats_add(&s->cas_badval, 1);
        else if (res == NOT_FOUND)
            STATS_ADD(c, cas_misses, 1);
    }
}

bool proto_ends_in_crlf(item *it)
{
    char *p;

    if (it->nbytes < 2)
        return false;
    item_data_span(it, it->nbytes - 2, &p);
    if (*p != '\r')
        return false;
    item_data_span(it, it->nbytes - 1, &p);
    return *p == '\n';
}

bool proto_parse_flags(const char *s, uint32_t *flags)
{
    uint64_t v;

    if (!safe_strtoull(s, &v))
        return false;
    *flags = (uint32_t)v;
    return true;
}

bool proto_parse_int32_wrapped(const char *s, int32_t *out)
{
    int64_t v;

    if (!safe_strtoll(s, &v))
        return false;
    *out = (int32_t)(uint32_t)(uint64_t)v;
    return true;
}

/* (snprintf was an eighth of a get's instructions.) */
char *proto_u64_to_text(uint64_t v, char *p)
{
    char tmp[20];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}
