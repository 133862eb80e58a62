/*
 * proto_admin.c: the text admin commands of the background machinery:
 *   lru_crawler enable|disable|crawl|metadump|mgdump|sleep|tocrawl
 *   slabs reassign <src> <dst> | slabs automove 0|1|2
 *   lru mode flat|segmented | lru tune ... | lru temp_ttl <ttl>
 * Replies are byte for byte the reference's (1.6.18), errors included;
 * mgdump, absent from 1.6.18, answers like later releases.
 *
 * No state and no locks of its own: settings change through
 * engine_config_get/set (engine_config.c, a leaf lock), work is done by
 * the crawler (crawler.c) and the slab mover (slab_mover.c), which lock for
 * themselves.  A metadump runs in the calling worker thread; it holds
 * no lock while its lines are queued on the connection.
 */
#include "proto_admin.h"
#include "reply.h"
#include "crawler.h"
#include "items.h"
#include "slab_mover.h"
#include "slabs.h"

#include <string.h>

#define CRAWLER_SLEEP_MAX 1000000   /* microseconds */

static void crawler_reply(conn *c, enum crawler_result r)
{
    switch (r) {
    case CRAWLER_OK:
        out_string(c, "OK");
        break;
    case CRAWLER_RUNNING:
        out_string(c, "BUSY currently processing crawler request");
        break;
    case CRAWLER_BADCLASS:
        out_string(c, "BADCLASS invalid class id");
        break;
    case CRAWLER_NOTSTARTED:
        out_string(c, "CLIENT_ERROR lru crawler disabled");
        break;
    }
}

static void dump_line(const char *s, size_t len, void *cookie)
{
    out_bytes(cookie, s, len);
}

static void crawler_dump_cmd(conn *c, const char *classes, bool mg)
{
    enum crawler_result r;

    if (!settings.dump_enabled) {
        out_string(c, "ERROR metadump not allowed");
        return;
    }
    r = crawler_dump(classes, mg, dump_line, c);
    if (r != CRAWLER_OK)
        crawler_reply(c, r);
    else
        out_string(c, mg ? "EN" : "END");
}

static void crawler_onoff(conn *c, bool on)
{
    struct engine_config cfg;

    if (on && !crawler_start()) {
        out_string(c, "ERROR failed to start lru crawler thread");
        return;
    }
    if (!on)
        crawler_stop();
    engine_config_get(&cfg);
    cfg.lru_crawler = on;
    engine_config_set(&cfg);
    out_string(c, "OK");
}

/* sleep and tocrawl: numbers, as the reference parses them. */
static void crawler_number(conn *c, const char *what, const char *val)
{
    struct engine_config cfg;
    uint64_t v;

    if (!safe_strtoull(val, &v)) {
        out_string(c, "CLIENT_ERROR bad command line format");
        return;
    }
    engine_config_get(&cfg);
    if (strcmp(what, "sleep") == 0) {
        if (v > CRAWLER_SLEEP_MAX) {
            out_string(c, "CLIENT_ERROR sleep must be one second or less");
            return;
        }
        cfg.crawler_sleep = (unsigned int)v;
    } else {
        cfg.crawler_tocrawl = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    }
    engine_config_set(&cfg);
    out_string(c, "OK");
}

void cmd_lru_crawler(conn *c, struct token *tok, int ntok)
{
    const char *sub = tok[1].value;

    if (ntok == 2 && strcmp(sub, "enable") == 0)
        crawler_onoff(c, true);
    else if (ntok == 2 && strcmp(sub, "disable") == 0)
        crawler_onoff(c, false);
    else if (ntok != 3)
        out_string(c, "ERROR");
    else if (strcmp(sub, "crawl") == 0)
        crawler_reply(c, crawler_crawl(tok[2].value));
    else if (strcmp(sub, "metadump") == 0)
        crawler_dump_cmd(c, tok[2].value, false);
    else if (strcmp(sub, "mgdump") == 0)
        crawler_dump_cmd(c, tok[2].value, true);
    else if (strcmp(sub, "sleep") == 0 || strcmp(sub, "tocrawl") == 0)
        crawler_number(c, sub, tok[2].value);
    else
        out_string(c, "ERROR");
}

static void slabs_reassign_cmd(conn *c, const char *s, const char *d)
{
    struct engine_config cfg;
    int32_t src, dst;

    engine_config_get(&cfg);
    if (!cfg.slab_reassign) {
        out_string(c, "CLIENT_ERROR slab reassignment disabled");
        return;
    }
    if (!safe_strtol(s, &src) || !safe_strtol(d, &dst)) {
        out_string(c, "CLIENT_ERROR bad command line format");
        return;
    }
    switch (slab_mover_reassign(src, dst)) {
    case REASSIGN_OK:
        out_string(c, "OK");
        break;
    case REASSIGN_RUNNING:
        out_string(c, "BUSY currently processing reassign request");
        break;
    case REASSIGN_BADCLASS:
        out_string(c, "BADCLASS invalid src or dst class id");
        break;
    case REASSIGN_NOSPARE:
        out_string(c, "NOSPARE source class has no spare pages");
        break;
    case REASSIGN_SAME:
        out_string(c, "SAME src and dst class are identical");
        break;
    case REASSIGN_DISABLED:
        out_string(c, "CLIENT_ERROR slab reassignment disabled");
        break;
    }
}

void cmd_slabs(conn *c, struct token *tok, int ntok)
{
    struct engine_config cfg;
    uint32_t v;

    if (ntok == 4 && strcmp(tok[1].value, "reassign") == 0) {
        slabs_reassign_cmd(c, tok[2].value, tok[3].value);
    } else if (ntok == 3 && strcmp(tok[1].value, "automove") == 0) {
        if (!safe_strtoul(tok[2].value, &v)) {
            out_string(c, "CLIENT_ERROR bad command line format");
            return;
        }
        if (v > 2) {
            out_string(c, "ERROR");
            return;
        }
        engine_config_get(&cfg);
        cfg.slab_automove = (int)v;
        engine_config_set(&cfg);
        out_string(c, "OK");
    } else {
        out_string(c, "ERROR");
    }
}

static void lru_tune(conn *c, struct token *tok)
{
    struct engine_config cfg;
    uint32_t hot, warm;
    double hf, wf;

    if (!safe_strtoul(tok[2].value, &hot) ||
        !safe_strtoul(tok[3].value, &warm) ||
        !safe_strtod(tok[4].value, &hf) || !safe_strtod(tok[5].value, &wf)) {
        out_string(c, "ERROR");
        return;
    }
    if (hot + (uint64_t)warm > 80) {
        out_string(c, "ERROR hot and warm pcts must not exceed 80");
        return;
    }
    if (hf <= 0 || wf <= 0) {
        out_string(c, "ERROR hot/warm age factors must be greater than 0");
        return;
    }
    engine_config_get(&cfg);
    cfg.hot_lru_pct = hot;
    cfg.warm_lru_pct = warm;
    cfg.hot_max_factor = hf;
    cfg.warm_max_factor = wf;
    engine_config_set(&cfg);
    out_string(c, "OK");
}

void cmd_lru(conn *c, struct token *tok, int ntok)
{
    struct engine_config cfg;
    int32_t ttl;

    engine_config_get(&cfg);
    if (ntok >= 6 && strcmp(tok[1].value, "tune") == 0) {
        lru_tune(c, tok);
    } else if (ntok >= 3 && strcmp(tok[1].value, "mode") == 0 &&
               cfg.lru_maintainer &&
               (strcmp(tok[2].value, "flat") == 0 ||
                strcmp(tok[2].value, "segmented") == 0)) {
        cfg.lru_segmented = strcmp(tok[2].value, "segmented") == 0;
        engine_config_set(&cfg);
        out_string(c, "OK");
    } else if (ntok >= 3 && strcmp(tok[1].value, "temp_ttl") == 0) {
        if (!safe_strtol(tok[2].value, &ttl)) {
            out_string(c, "ERROR");
            return;
        }
        cfg.temp_lru = ttl >= 0;
        if (ttl >= 0)
            cfg.temporary_ttl = ttl;
        engine_config_set(&cfg);
        out_string(c, "OK");
    } else {
        out_string(c, "ERROR");
    }
}
