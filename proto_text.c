/*
 * proto_text.c: the classic text protocol, byte for byte as the
 * reference memcached answers it.
 *
 * A command is one line ending in "\n" (a "\r" before it is dropped).
 * proto_text_try_command() (run by conn.c through proto_text_ops) cuts
 * the line out of the connection's read buffer, splits it into at most
 * MAX_TOKENS space-separated tokens in place, finds the command in
 * `commands[]` (name plus allowed token counts; a count outside them is
 * answered "ERROR", as the reference does) and calls its handler.
 * Storage commands read their value with conn_read_value() and finish in
 * store_done() (login_done() for a -Y login) once it is in the item.
 * Adding a command is adding a table row and a handler.
 *
 * Per-connection state (struct text_state, proto_text.h) is made when a
 * connection is found to speak text and shared with proto_meta.c.
 * Replies go through out_string() and friends (reply.c), which queue
 * them on the connection; values are queued by reference to the item.
 * No locks here: the storage engine takes its own inside the calls made,
 * never across them.
 */
#include "memcached.h"
#include "items.h"
#include "proto_text.h"
#include "proto_admin.h"
#include "proto_meta.h"
#include "slabs.h"
#include "stats.h"
#include "reply.h"
#include "auth.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_TOKENS 24
/* A line without "\n" longer than this is only allowed for get/gets,
 * whose key lists may be long; anything else closes the connection. */
#define LINE_MAX_NO_NEWLINE 2048
#define MAX_VERBOSITY_LEVEL 2

struct command {
    const char *name;
    cmd_handler handler;
    int min_tokens;     /* counting the command itself */
    int max_tokens;     /* -1: no limit */
};

/* Split `line` at spaces, in place.  At most MAX_TOKENS tokens; if the
 * line has more, the last token holds the unsplit rest.  Returns the
 * number of tokens (empty ones from repeated spaces are skipped). */
static int tokenize(char *line, size_t len, struct token *tok)
{
    char *s = line, *end = line + len;
    int n = 0;

    while (s < end) {
        char *sp;

        while (s < end && *s == ' ')
            s++;
        if (s == end)
            break;
        if (n == MAX_TOKENS - 1) {
            tok[n].value = s;
            tok[n].length = (size_t)(end - s);
            n++;
            break;
        }
        sp = memchr(s, ' ', (size_t)(end - s));
        if (sp == NULL)
            sp = end;
        *sp = '\0';
        tok[n].value = s;
        tok[n].length = (size_t)(sp - s);
        n++;
        s = sp + 1;
    }
    return n;
}

static void stat_to_conn(const char *key, size_t klen, const char *val,
                         size_t vlen, void *cookie)
{
    conn *c = cookie;

    out_bytes(c, "STAT ", 5);
    out_bytes(c, key, klen);
    out_bytes(c, " ", 1);
    out_bytes(c, val, vlen);
    out_bytes(c, "\r\n", 2);
}

/* ------------------------------------------------------------------ */
/* Retrieval                                                          */

/* Queue "VALUE key flags bytes [cas]\r\n" and the value; takes over the
 * reference to `it`. */
static bool out_value(conn *c, item *it, bool return_cas)
{
    char *start = out_reserve(c, 6 + KEY_MAX_LENGTH + 3 * 21 + 2), *p;

    if (start == NULL) {
        item_release(it);
        return false;
    }
    p = start;
    memcpy(p, "VALUE ", 6);
    p += 6;
    memcpy(p, item_key(it), it->nkey);
    p += it->nkey;
    *p++ = ' ';
    p = proto_u64_to_text(it->client_flags, p);
    *p++ = ' ';
    p = proto_u64_to_text(it->nbytes - 2, p);
    if (return_cas) {
        *p++ = ' ';
        p = proto_u64_to_text(item_get_cas(it), p);
    }
    *p++ = '\r';
    *p++ = '\n';
    if (!out_commit(c, (size_t)(p - start))) {
        item_release(it);
        return false;
    }
    return out_item_value(c, it);
}

/* get/gets/gat/gats: keys from `s` to `end`, any number of them. */
static void process_get(conn *c, char *s, char *end, bool return_cas,
                        bool touch, rel_time_t exptime)
{
    /* A failed multi-get takes back the replies already queued.  The
     * reference sends only the error: it drops the VALUEs of this get
     * and also the unsent replies of the commands before it in the same
     * read (t/badinput.t), so the mark is the empty queue, not
     * reply_mark() taken here. */
    const struct reply_mark mark = REPLY_MARK_EMPTY;
    int nkeys = 0;

    while (s < end) {
        enum get_status st;
        char *key, *sp;
        size_t nkey;
        item *it;

        while (s < end && (*s == ' ' || *s == '\0'))
            s++;
        if (s == end)
            break;
        key = s;
        sp = s;
        while (sp < end && *sp != ' ' && *sp != '\0')
            sp++;
        nkey = (size_t)(sp - key);
        s = sp;
        /* Over UDP every key after the first starts a reply message,
         * as the reference numbers its datagrams. */
        if (nkeys++ > 0)
            reply_begin_message(c);
        if (nkey > KEY_MAX_LENGTH) {
            reply_rollback(c, &mark);
            reply_begin_message(c);
            out_string(c, "CLIENT_ERROR bad command line format");
            return;
        }
        it = touch ? item_touch(key, nkey, exptime, &st)
                   : item_get(key, nkey, &st);
        proto_count_get(c, it, st, touch);
        if (stats_detail_enabled())
            stats_prefix_record(key, nkey, PREFIX_GET, it != NULL);
        if (it != NULL && !out_value(c, it, return_cas)) {
            reply_rollback(c, &mark);
            out_errstring(c, "SERVER_ERROR out of memory writing get "
                          "response");
            return;
        }
    }
    out_string(c, "END");
}

/* The tokens after the command: the keys start at tok[first]. */
static void get_keys(conn *c, struct token *tok, int ntok, int first,
                     bool return_cas, bool touch, rel_time_t exptime)
{
    char *s, *end;

    if (first >= ntok) {        /* "gat 10" with no key: just END */
        out_string(c, "END");
        return;
    }
    s = tok[first].value;
    end = tok[ntok - 1].value + tok[ntok - 1].length;
    process_get(c, s, end, return_cas, touch, exptime);
}

static void cmd_get(conn *c, struct token *tok, int ntok)
{
    get_keys(c, tok, ntok, 1, false, false, 0);
}

static void cmd_gets(conn *c, struct token *tok, int ntok)
{
    get_keys(c, tok, ntok, 1, true, false, 0);
}

static void gat_common(conn *c, struct token *tok, int ntok, bool cas)
{
    int32_t exptime;

    if (!proto_parse_int32_wrapped(tok[1].value, &exptime)) {
        out_string(c, "CLIENT_ERROR invalid exptime argument");
        return;
    }
    get_keys(c, tok, ntok, 2, cas, true, realtime(exptime));
}

static void cmd_gat(conn *c, struct token *tok, int ntok)
{
    gat_common(c, tok, ntok, false);
}

static void cmd_gats(conn *c, struct token *tok, int ntok)
{
    gat_common(c, tok, ntok, true);
}

/* ------------------------------------------------------------------ */
/* Storage                                                            */

static void reply_after_swallow(conn *c)
{
    struct text_state *ts = text_state(c);

    c->noreply = ts->swallow_noreply;
    out_string(c, ts->swallow_msg);
}

/* -Y: the value of the first "set" is "<user> <password>".  It is
 * checked, never stored; the answer ignores noreply, as the reference's. */
static void complete_login(conn *c, item *it)
{
    char token[256];
    size_t len = it->nbytes - 2, off = 0;
    enum auth_result res = AUTH_BAD_FORMAT;

    if (proto_ends_in_crlf(it) && len < sizeof(token)) {
        while (off < len) {
            char *p;
            size_t n = item_data_span(it, off, &p);

            if (n > len - off)
                n = len - off;
            memcpy(token + off, p, n);
            off += n;
        }
        res = auth_check_token(token, len);
    }
    /* As the reference counts: checked logins, and the failed ones; a
     * malformed token counts as neither. */
    if (res != AUTH_BAD_FORMAT) {
        STATS_ADD(c, auth_cmds, 1);
        if (res == AUTH_FAILED)
            STATS_ADD(c, auth_errors, 1);
    }
    if (res == AUTH_OK) {
        text_state(c)->authenticated = true;
        out_errstring(c, "STORED");
        return;
    }
    out_errstring(c, res == AUTH_FAILED
                         ? "CLIENT_ERROR authentication failure"
                         : "CLIENT_ERROR bad authentication token format");
    conn_drop_input(c);     /* pipelined commands behind it are dropped */
}

/* The value of a login "set" is in: check it; the item is never stored. */
static void login_done(conn *c, item *it)
{
    complete_login(c, it);
    item_release(it);
}

/* The value of a set, add, replace, append, prepend or cas is in. */
static void store_done(conn *c, item *it)
{
    struct text_state *ts = text_state(c);
    enum store_result res;

    if (!proto_ends_in_crlf(it)) {
        STATS_ADD(c, slab[it->slabs_clsid].set_cmds, 1);
        out_string(c, "CLIENT_ERROR bad data chunk");
    } else {
        if (stats_detail_enabled())
            stats_prefix_record(item_key(it), it->nkey, PREFIX_SET, false);
        res = item_store(it, ts->store_op, ts->req_cas, NULL);
        proto_count_store(c, it, ts->store_op, res);
        switch (res) {
        case STORED: out_string(c, "STORED"); break;
        case EXISTS: out_string(c, "EXISTS"); break;
        case NOT_FOUND: out_string(c, "NOT_FOUND"); break;
        case NOT_STORED: out_string(c, "NOT_STORED"); break;
        case STORE_TOO_LARGE:
            /* append/prepend whose result would exceed -I, as the
             * reference answers it */
            out_string(c, "NOT_STORED");
            break;
        case STORE_NO_MEMORY:
            out_string(c, "SERVER_ERROR out of memory storing object");
            break;
        }
    }
    item_release(it);
}


/* A storage command: allocate the item and read the value into it.  A
 * -Y login (`login`) reads its value the same way but only checks it. */
static void process_update(conn *c, struct token *tok, int ntok,
                           enum store_op op, bool login)
{
    struct text_state *ts = text_state(c);
    bool handle_cas = op == STORE_CAS;
    enum alloc_result ares;
    uint32_t flags;
    int32_t exptime, vlen;
    uint64_t req_cas = 0;
    item *it;

    set_noreply_maybe(c, tok, ntok);
    if (tok[1].length > KEY_MAX_LENGTH ||
        !proto_parse_flags(tok[2].value, &flags) ||
        !proto_parse_int32_wrapped(tok[3].value, &exptime) ||
        !proto_parse_int32_wrapped(tok[4].value, &vlen) ||
        (handle_cas && !safe_strtoull(tok[5].value, &req_cas)) ||
        vlen < 0 || vlen > INT32_MAX - 2) {
        out_string(c, "CLIENT_ERROR bad command line format");
        return;
    }
    vlen += 2;
    it = item_alloc(tok[1].value, tok[1].length, flags, realtime(exptime),
                    (size_t)vlen, &ares);
    if (it == NULL) {
        if (ares == ALLOC_TOO_LARGE)
            STATS_ADD(c, store_too_large, 1);
        else
            STATS_ADD(c, store_no_memory, 1);
        /* The error is queued once the refused block has been read and
         * thrown away, as the reference answers; replies before it go
         * out meanwhile. */
        ts->swallow_msg = ares == ALLOC_TOO_LARGE
                              ? "SERVER_ERROR object too large for cache"
                              : "SERVER_ERROR out of memory storing object";
        ts->swallow_noreply = c->noreply;
        /* A failed set must not leave the old value readable: the
         * client believes it replaced it.  Not for a -Y login "set",
         * which names no key of the cache: it would let a client that
         * has not logged in delete any key. */
        if (op == STORE_SET && !login)
            item_delete(tok[1].value, tok[1].length, 0, NULL);
        conn_swallow_bytes(c, (size_t)vlen, reply_after_swallow);
        return;
    }
    ts->store_op = op;
    ts->req_cas = req_cas;
    conn_read_value(c, it, (size_t)vlen, login ? login_done : store_done);
}

static void cmd_set(conn *c, struct token *tok, int ntok)
{
    process_update(c, tok, ntok, STORE_SET, false);
}

static void cmd_add(conn *c, struct token *tok, int ntok)
{
    process_update(c, tok, ntok, STORE_ADD, false);
}

static void cmd_replace(conn *c, struct token *tok, int ntok)
{
    process_update(c, tok, ntok, STORE_REPLACE, false);
}

static void cmd_append(conn *c, struct token *tok, int ntok)
{
    process_update(c, tok, ntok, STORE_APPEND, false);
}

static void cmd_prepend(conn *c, struct token *tok, int ntok)
{
    process_update(c, tok, ntok, STORE_PREPEND, false);
}

static void cmd_cas(conn *c, struct token *tok, int ntok)
{
    process_update(c, tok, ntok, STORE_CAS, false);
}

/* ------------------------------------------------------------------ */
/* Other item commands                                                */

static void cmd_delete(conn *c, struct token *tok, int ntok)
{
    unsigned clsid = 0;

    if (ntok > 2) {
        bool hold_is_zero = strcmp(tok[2].value, "0") == 0;
        bool noreply = set_noreply_maybe(c, tok, ntok);
        bool valid = (ntok == 3 && (hold_is_zero || noreply)) ||
                     (ntok == 4 && hold_is_zero && noreply);

        if (!valid) {
            out_string(c, "CLIENT_ERROR bad command line format.  "
                          "Usage: delete <key> [noreply]");
            return;
        }
    }
    if (tok[1].length > KEY_MAX_LENGTH) {
        out_string(c, "CLIENT_ERROR bad command line format");
        return;
    }
    if (stats_detail_enabled())
        stats_prefix_record(tok[1].value, tok[1].length, PREFIX_DELETE,
                            false);
    if (item_delete(tok[1].value, tok[1].length, 0, &clsid) == DELETE_OK) {
        STATS_ADD(c, slab[clsid].delete_hits, 1);
        out_string(c, "DELETED");
    } else {
        STATS_ADD(c, delete_misses, 1);
        out_string(c, "NOT_FOUND");
    }
}

static void arithmetic(conn *c, struct token *tok, int ntok, bool incr)
{
    char buf[32];
    uint64_t delta;
    unsigned clsid = 0;
    enum delta_result res;

    set_noreply_maybe(c, tok, ntok);
    if (tok[1].length > KEY_MAX_LENGTH) {
        out_string(c, "CLIENT_ERROR bad command line format");
        return;
    }
    if (!safe_strtoull(tok[2].value, &delta)) {
        out_string(c, "CLIENT_ERROR invalid numeric delta argument");
        return;
    }
    res = item_add_delta(tok[1].value, tok[1].length, incr, delta, buf,
                         NULL, &clsid);
    switch (res) {
    case DELTA_OK:
        if (incr)
            STATS_ADD(c, slab[clsid].incr_hits, 1);
        else
            STATS_ADD(c, slab[clsid].decr_hits, 1);
        out_string(c, buf);
        break;
    case DELTA_NON_NUMERIC:
        out_string(c, "CLIENT_ERROR cannot increment or decrement "
                      "non-numeric value");
        break;
    case DELTA_NO_MEMORY:
        out_string(c, "SERVER_ERROR out of memory");
        break;
    case DELTA_MISS:
        if (incr)
            STATS_ADD(c, incr_misses, 1);
        else
            STATS_ADD(c, decr_misses, 1);
        out_string(c, "NOT_FOUND");
        break;
    }
}

static void cmd_incr(conn *c, struct token *tok, int ntok)
{
    arithmetic(c, tok, ntok, true);
}

static void cmd_decr(conn *c, struct token *tok, int ntok)
{
    arithmetic(c, tok, ntok, false);
}

static void cmd_touch(conn *c, struct token *tok, int ntok)
{
    enum get_status st;
    int32_t exptime;
    item *it;

    set_noreply_maybe(c, tok, ntok);
    if (tok[1].length > KEY_MAX_LENGTH) {
        out_string(c, "CLIENT_ERROR bad command line format");
        return;
    }
    if (!proto_parse_int32_wrapped(tok[2].value, &exptime)) {
        out_string(c, "CLIENT_ERROR invalid exptime argument");
        return;
    }
    it = item_touch(tok[1].value, tok[1].length, realtime(exptime), &st);
    proto_count_get(c, it, st, true);
    if (it != NULL) {
        item_release(it);
        out_string(c, "TOUCHED");
    } else {
        out_string(c, "NOT_FOUND");
    }
}

/* ------------------------------------------------------------------ */
/* Server commands                                                    */

static void cmd_flush_all(conn *c, struct token *tok, int ntok)
{
    int64_t delay = 0;

    set_noreply_maybe(c, tok, ntok);
    STATS_ADD(c, flush_cmds, 1);
    if (!settings.flush_enabled) {
        out_string(c, "CLIENT_ERROR flush_all not allowed");
        return;
    }
    if (ntok != (c->noreply ? 2 : 1) &&
        !safe_strtoll(tok[1].value, &delay)) {
        out_string(c, "CLIENT_ERROR invalid exptime argument");
        return;
    }
    /* As the reference: a delay of N makes items stored up to N-1
     * seconds from now invalid from then on. */
    item_flush_all(delay > 0 ? realtime(delay) - 1 : 0);
    out_string(c, "OK");
}

static void cmd_version(conn *c, struct token *tok, int ntok)
{
    (void)tok;
    (void)ntok;
    out_string(c, "VERSION " VERSION);
}

static void cmd_verbosity(conn *c, struct token *tok, int ntok)
{
    uint32_t level;

    set_noreply_maybe(c, tok, ntok);
    if (!safe_strtoul(tok[1].value, &level)) {
        out_string(c, "CLIENT_ERROR bad command line format");
        return;
    }
    set_verbose_level(level > MAX_VERBOSITY_LEVEL ? MAX_VERBOSITY_LEVEL
                                                  : (int)level);
    out_string(c, "OK");
}

static void cmd_quit(conn *c, struct token *tok, int ntok)
{
    (void)tok;
    (void)ntok;
    /* A UDP socket is shared and stays: the reference answers with an
     * empty message.  Over TCP the replies of the commands pipelined
     * before quit are written first, then the connection closes. */
    if (conn_is_udp(c))
        conn_set_state(c, conn_new_cmd);
    else
        conn_close_after_reply(c);
}

static void cmd_shutdown(conn *c, struct token *tok, int ntok)
{
    if (!settings.shutdown_command) {
        out_string(c, "ERROR: shutdown not enabled");
        return;
    }
    if (ntok == 2 && strcmp(tok[1].value, "graceful") != 0) {
        out_string(c, "CLIENT_ERROR invalid shutdown mode");
        return;
    }
    /* The main thread's signal event does the orderly stop. */
    kill(getpid(), SIGTERM);
    conn_set_state(c, conn_closing);
}

static void cmd_cache_memlimit(conn *c, struct token *tok, int ntok)
{
    uint64_t mb;

    set_noreply_maybe(c, tok, ntok);
    if (!safe_strtoull(tok[1].value, &mb)) {
        out_string(c, "ERROR");
        return;
    }
    if (mb < 8) {
        out_string(c, "MEMLIMIT_TOO_SMALL cannot set maxbytes to less "
                      "than 8m");
    } else if (mb > 1000000000) {
        out_string(c, "MEMLIMIT_ADJUST_FAILED input value is megabytes "
                      "not bytes");
    } else if (slabs_set_memlimit((size_t)mb * 1024 * 1024)) {
        __atomic_store_n(&settings.maxbytes, (size_t)mb * 1024 * 1024,
                         __ATOMIC_RELAXED);
        out_string(c, "OK");
    } else {
        out_string(c, "MEMLIMIT_ADJUST_FAILED out of bounds or unable to "
                      "adjust");
    }
}

static void line_to_conn(const char *s, size_t len, void *cookie)
{
    out_bytes(cookie, s, len);
}

static void stats_detail(conn *c, struct token *tok, int ntok)
{
    const char *sub = ntok > 2 ? tok[2].value : "";

    if (strcmp(sub, "on") == 0) {
        stats_detail_set(true);
        out_string(c, "OK");
    } else if (strcmp(sub, "off") == 0) {
        stats_detail_set(false);
        out_string(c, "OK");
    } else if (strcmp(sub, "dump") == 0) {
        stats_prefix_dump(line_to_conn, c);
        out_string(c, "END");
    } else {
        out_string(c, "CLIENT_ERROR usage: stats detail on|off|dump");
    }
}

/* "stats cachedump <class> <limit>": the keys of one class, most
 * recently used first (limit 0: all, up to the engine's cap). */
static void stats_cachedump(conn *c, struct token *tok, int ntok)
{
    uint32_t id, limit;

    if (!settings.dump_enabled) {
        out_string(c, "CLIENT_ERROR stats cachedump not allowed");
        return;
    }
    if (ntok < 4) {
        out_string(c, "CLIENT_ERROR bad command line");
        return;
    }
    if (!safe_strtoul(tok[2].value, &id) ||
        !safe_strtoul(tok[3].value, &limit)) {
        out_string(c, "CLIENT_ERROR bad command line format");
        return;
    }
    if (id >= MAX_SLAB_CLASSES) {
        out_string(c, "CLIENT_ERROR Illegal slab id");
        return;
    }
    item_cachedump(id, limit, line_to_conn, c);
    out_string(c, "END");
}

static void cmd_stats(conn *c, struct token *tok, int ntok)
{
    const char *group = ntok > 1 ? tok[1].value : NULL;

    if (group != NULL && strcmp(group, "reset") == 0) {
        stats_reset();
        out_string(c, "RESET");
        return;
    }
    if (group != NULL && strcmp(group, "detail") == 0) {
        stats_detail(c, tok, ntok);
        return;
    }
    if (group != NULL && strcmp(group, "cachedump") == 0) {
        stats_cachedump(c, tok, ntok);
        return;
    }
    if (!stats_group(group, stat_to_conn, c)) {
        out_string(c, "ERROR");
        return;
    }
    out_string(c, "END");
}

static const struct command commands[] = {
    {"get", cmd_get, 2, -1},
    {"gets", cmd_gets, 2, -1},
    {"gat", cmd_gat, 2, -1},
    {"gats", cmd_gats, 2, -1},
    {"set", cmd_set, 5, 6},
    {"add", cmd_add, 5, 6},
    {"replace", cmd_replace, 5, 6},
    {"append", cmd_append, 5, 6},
    {"prepend", cmd_prepend, 5, 6},
    {"cas", cmd_cas, 6, 7},
    {"delete", cmd_delete, 2, 4},
    {"incr", cmd_incr, 3, 4},
    {"decr", cmd_decr, 3, 4},
    {"touch", cmd_touch, 3, 4},
    {"flush_all", cmd_flush_all, 1, 3},
    {"version", cmd_version, 1, -1},
    {"verbosity", cmd_verbosity, 2, 3},
    {"quit", cmd_quit, 1, -1},
    {"shutdown", cmd_shutdown, 1, 2},
    {"cache_memlimit", cmd_cache_memlimit, 2, 3},
    {"stats", cmd_stats, 1, -1},
    {"lru_crawler", cmd_lru_crawler, 2, 3},
    {"slabs", cmd_slabs, 3, 4},
    {"lru", cmd_lru, 3, -1},
    /* meta commands (proto_meta.c): they check their own token counts */
    {"mg", cmd_mg, 2, -1},
    {"ms", cmd_ms, 2, -1},
    {"md", cmd_md, 2, -1},
    {"ma", cmd_ma, 2, -1},
    {"mn", cmd_mn, 1, -1},
    {"me", cmd_me, 1, -1},
};

static void dispatch(conn *c, char *line, size_t len)
{
    struct text_state *ts = text_state(c);
    struct token tok[MAX_TOKENS];
    size_t i;
    int ntok;

    log_msg(2, "<%d %.*s", c->sfd, (int)(len > 512 ? 512 : len), line);
    ntok = tokenize(line, len, tok);
    if (ntok == 0) {
        out_string(c, "ERROR");
        return;
    }
    if (auth_enabled() && !ts->authenticated) {
        /* Only a login "set" gets through; a shared UDP socket never
         * logs in, or one client's login would serve every sender. */
        if (!conn_is_udp(c) && strcmp(tok[0].value, "set") == 0 &&
            (ntok == 5 || ntok == 6)) {
            process_update(c, tok, ntok, STORE_SET, true);
            c->noreply = false;
            return;
        }
        out_string(c, "CLIENT_ERROR unauthenticated");
        conn_drop_input(c);
        return;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const struct command *cmd = &commands[i];

        if (tok[0].value[0] != cmd->name[0] ||
            strcmp(tok[0].value, cmd->name) != 0)
            continue;
        if (ntok < cmd->min_tokens ||
            (cmd->max_tokens >= 0 && ntok > cmd->max_tokens))
            break;
        cmd->handler(c, tok, ntok);
        return;
    }
    out_string(c, "ERROR");
}

/* A line without "\n" yet: keep waiting, unless it is too long for
 * anything but a multi-get, in which case the connection is dropped
 * (the reference's answer to a client that does not speak the protocol). */
static bool proto_text_line_may_grow(conn *c)
{
    const char *p = c->rcurr, *end = c->rcurr + c->rbytes;

    if (c->rbytes <= LINE_MAX_NO_NEWLINE)
        return true;
    while (p < end && *p == ' ')
        p++;
    if (p - c->rcurr > 100)
        return false;
    return (size_t)(end - p) > 4 &&
           (strncmp(p, "get ", 4) == 0 || strncmp(p, "gets ", 5) == 0);
}

static bool proto_text_try_command(conn *c)
{
    char *el, *line;
    size_t len;

    if (c->rbytes == 0)
        return false;
    el = memchr(c->rcurr, '\n', c->rbytes);
    if (el == NULL) {
        if (proto_text_line_may_grow(c))
            return false;
        conn_set_state(c, conn_closing);
        return true;
    }
    line = conn_consume(c, (size_t)(el + 1 - c->rcurr));
    len = (size_t)(el - line);
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    reply_begin_message(c);
    dispatch(c, line, len);
    return true;
}

static bool text_attach(conn *c)
{
    c->pstate = calloc(1, sizeof(struct text_state));
    return c->pstate != NULL;
}

static void text_detach(conn *c)
{
    struct text_state *ts = c->pstate;

    proto_meta_release(ts);
    free(ts);
    c->pstate = NULL;
}

const struct protocol proto_text_ops = {
    .name = "ascii",
    .magic = -1,
    .attach = text_attach,
    .detach = text_detach,
    .try_command = proto_text_try_command,
    .line_may_grow = proto_text_line_may_grow,
};
