/*
 * proto_bin.c: the binary protocol, answering as the reference does.
 *
 * A request is a 24-byte header (magic 0x80, opcode, key length, extras
 * length, body length, opaque, CAS) and a body of extras, key and value.
 * proto_bin_try_command() waits for the header, checks it against the
 * opcode's row in `bin_cmds[]` (extras size, key required or not, value
 * allowed or not), then waits for the body up to the value and calls the
 * handler.  A malformed header is answered "Invalid arguments" and the
 * connection is closed, as the reference does; an unknown opcode is
 * answered "Unknown command" and its body skipped.  Values of storage
 * requests are read straight into the item (conn_read_value) and finished
 * in bin_value_done().
 *
 * Every response echoes the opaque and carries a CAS; quiet opcodes send
 * nothing on success (gets: nothing on a miss), so a pipeline of quiet
 * gets ended by a NoOp returns only the hits, in order.  Items are stored
 * with the text protocol's trailing "\r\n" so both protocols share them.
 * No locks of its own; storage and stats lock inside the calls made.
 */
#include "memcached.h"
#include "items.h"
#include "proto_bin.h"
#include "proto_common.h"
#include "stats.h"
#include "reply.h"
#include "sasl_auth.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum bin_opcode {
    OP_GET = 0x00, OP_SET = 0x01, OP_ADD = 0x02, OP_REPLACE = 0x03,
    OP_DELETE = 0x04, OP_INCREMENT = 0x05, OP_DECREMENT = 0x06,
    OP_QUIT = 0x07, OP_FLUSH = 0x08, OP_GETQ = 0x09, OP_NOOP = 0x0a,
    OP_VERSION = 0x0b, OP_GETK = 0x0c, OP_GETKQ = 0x0d, OP_APPEND = 0x0e,
    OP_PREPEND = 0x0f, OP_STAT = 0x10, OP_SETQ = 0x11, OP_ADDQ = 0x12,
    OP_REPLACEQ = 0x13, OP_DELETEQ = 0x14, OP_INCREMENTQ = 0x15,
    OP_DECREMENTQ = 0x16, OP_QUITQ = 0x17, OP_FLUSHQ = 0x18,
    OP_APPENDQ = 0x19, OP_PREPENDQ = 0x1a, OP_VERBOSITY = 0x1b,
    OP_TOUCH = 0x1c, OP_GAT = 0x1d, OP_GATQ = 0x1e, OP_SASL_LIST = 0x20,
    OP_SASL_AUTH = 0x21, OP_SASL_STEP = 0x22, OP_GATK = 0x23,
    OP_GATKQ = 0x24
};

enum bin_status {
    ST_SUCCESS = 0x00, ST_KEY_ENOENT = 0x01, ST_KEY_EEXISTS = 0x02,
    ST_E2BIG = 0x03, ST_EINVAL = 0x04, ST_NOT_STORED = 0x05,
    ST_DELTA_BADVAL = 0x06, ST_AUTH_ERROR = 0x20, ST_AUTH_CONTINUE = 0x21,
    ST_UNKNOWN_COMMAND = 0x81, ST_ENOMEM = 0x82
};

/* A SASL request's body (mechanism as key, data as value) is small and
 * read whole into rbuf; anything longer is refused. */
#define SASL_BODY_MAX 4096

enum key_rule { KEY_NONE, KEY_REQUIRED, KEY_OPTIONAL };

/* The request being served: its header, parsed. */
struct bin_request {
    uint8_t opcode;
    uint8_t extlen;
    uint16_t keylen;
    uint32_t bodylen;
    uint32_t opaque;
    uint64_t cas;
};

/* A binary connection's own state (c->pstate), made when the connection
 * is found to speak binary and kept until it closes. */
struct bin_state {
    struct bin_request req;         /* the request being served */
    struct sasl_session *sasl;      /* -S: this connection's exchange */
    bool authenticated;             /* -S: logged in */
};

static inline struct bin_state *bin_state(conn *c)
{
    return c->pstate;
}

static inline struct bin_request *bin_req(conn *c)
{
    return &bin_state(c)->req;
}

typedef void (*bin_handler)(conn *c, const char *ext, const char *key);

struct bin_cmd {
    bin_handler handler;    /* NULL: unknown opcode */
    uint8_t ext_min;
    uint8_t ext_max;
    uint8_t key_rule;
    bool value;             /* body carries a value after key + extras */
    bool inline_value;      /* ... read whole into rbuf, not an item */
};

static const char *status_text(enum bin_status st)
{
    switch (st) {
    case ST_KEY_ENOENT: return "Not found";
    case ST_KEY_EEXISTS: return "Data exists for key.";
    case ST_E2BIG: return "Too large.";
    case ST_EINVAL: return "Invalid arguments";
    case ST_NOT_STORED: return "Not stored.";
    case ST_DELTA_BADVAL:
        return "Non-numeric server-side value for incr or decr";
    case ST_AUTH_ERROR: return "Auth failure.";
    case ST_UNKNOWN_COMMAND: return "Unknown command";
    case ST_ENOMEM: return "Out of memory";
    default: return "UNHANDLED ERROR";
    }
}

static uint32_t get32(const char *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return ntohl(v);
}

static uint64_t get64(const char *p)
{
    return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

static void put64(char *p, uint64_t v)
{
    uint32_t hi = htonl((uint32_t)(v >> 32)), lo = htonl((uint32_t)v);

    memcpy(p, &hi, 4);
    memcpy(p + 4, &lo, 4);
}

/* Queue a response header for the current request. */
static bool write_header(conn *c, enum bin_status st, uint8_t extlen,
                         uint16_t keylen, uint32_t bodylen, uint64_t cas)
{
    char h[BIN_HEADER_LEN];
    uint16_t kl = htons(keylen), s = htons((uint16_t)st);
    uint32_t bl = htonl(bodylen), op = htonl(bin_req(c)->opaque);

    h[0] = (char)BIN_RES_MAGIC;
    h[1] = (char)bin_req(c)->opcode;
    memcpy(h + 2, &kl, 2);
    h[4] = (char)extlen;
    h[5] = 0;
    memcpy(h + 6, &s, 2);
    memcpy(h + 8, &bl, 4);
    memcpy(h + 12, &op, 4);
    put64(h + 16, cas);
    return out_bytes(c, h, sizeof(h));
}

static void reply_done(conn *c, bool ok)
{
    if (ok)
        conn_set_state(c, conn_new_cmd);
    else
        conn_close_after_reply(c);
}

static void write_error(conn *c, enum bin_status st)
{
    const char *msg = status_text(st);
    size_t len = strlen(msg);

    reply_done(c, write_header(c, st, 0, 0, (uint32_t)len, 0) &&
                      out_bytes(c, msg, len));
}

static void write_success(conn *c, uint64_t cas)
{
    reply_done(c, write_header(c, ST_SUCCESS, 0, 0, 0, cas));
}

/* The quiet opcodes answer only failures. */
static bool is_quiet(uint8_t op)
{
    switch (op) {
    case OP_GETQ: case OP_GETKQ: case OP_SETQ: case OP_ADDQ:
    case OP_REPLACEQ: case OP_DELETEQ: case OP_INCREMENTQ:
    case OP_DECREMENTQ: case OP_QUITQ: case OP_FLUSHQ: case OP_APPENDQ:
    case OP_PREPENDQ: case OP_GATQ: case OP_GATKQ:
        return true;
    default:
        return false;
    }
}

static void no_reply(conn *c)
{
    conn_set_state(c, conn_new_cmd);
}

/* ------------------------------------------------------------------ */
/* Retrieval and touch                                                */

static void bin_get(conn *c, const char *ext, const char *key)
{
    uint8_t op = bin_req(c)->opcode;
    bool touch = op == OP_TOUCH || op == OP_GAT || op == OP_GATQ ||
                 op == OP_GATK || op == OP_GATKQ;
    bool with_key = op == OP_GETK || op == OP_GETKQ || op == OP_GATK ||
                    op == OP_GATKQ;
    size_t nkey = bin_req(c)->keylen;
    enum get_status st;
    uint32_t flags;
    item *it;
    bool ok;

    if (touch)
        it = item_touch(key, nkey, realtime((int64_t)get32(ext)), &st);
    else
        it = item_get(key, nkey, &st);
    proto_count_get(c, it, st, touch);
    if (stats_detail_enabled())
        stats_prefix_record(key, nkey, PREFIX_GET, it != NULL);
    if (it == NULL) {
        if (is_quiet(op))
            no_reply(c);
        else if (with_key)
            reply_done(c, write_header(c, ST_KEY_ENOENT, 0, (uint16_t)nkey,
                                       (uint32_t)nkey, 0) &&
                              out_bytes(c, key, nkey));
        else
            write_error(c, ST_KEY_ENOENT);
        return;
    }
    flags = htonl(it->client_flags);
    if (op == OP_TOUCH) {
        ok = write_header(c, ST_SUCCESS, 4, 0, 4, item_get_cas(it)) &&
             out_bytes(c, (const char *)&flags, 4);
        item_release(it);
        reply_done(c, ok);
        return;
    }
    ok = write_header(c, ST_SUCCESS, 4, with_key ? (uint16_t)nkey : 0,
                      4 + (with_key ? (uint32_t)nkey : 0) + it->nbytes - 2,
                      item_get_cas(it)) &&
         out_bytes(c, (const char *)&flags, 4) &&
         (!with_key || out_bytes(c, key, nkey));
    if (!ok) {
        item_release(it);
        reply_done(c, false);
        return;
    }
    reply_done(c, out_item_data(c, it, it->nbytes - 2));
}

/* ------------------------------------------------------------------ */
/* Storage                                                            */

static enum store_op store_op_of(uint8_t op)
{
    switch (op) {
    case OP_ADD: case OP_ADDQ: return STORE_ADD;
    case OP_REPLACE: case OP_REPLACEQ: return STORE_REPLACE;
    case OP_APPEND: case OP_APPENDQ: return STORE_APPEND;
    case OP_PREPEND: case OP_PREPENDQ: return STORE_PREPEND;
    default: return STORE_SET;
    }
}

/* The store operation of the request: a CAS makes set, add and replace
 * a compare-and-swap. */
static enum store_op bin_store_op(const struct bin_request *r)
{
    enum store_op op = store_op_of(r->opcode);

    if (r->cas != 0 && (op == STORE_SET || op == STORE_ADD ||
                        op == STORE_REPLACE))
        op = STORE_CAS;
    return op;
}

static void bin_value_done(conn *c, item *it);

static void bin_update(conn *c, const char *ext, const char *key)
{
    const struct bin_request *rq = bin_req(c);
    size_t nkey = rq->keylen;
    size_t vlen = rq->bodylen - nkey - rq->extlen;
    uint32_t flags = 0;
    int64_t exptime = 0;
    enum alloc_result ares;
    item *it;

    if (rq->extlen == 8) {
        flags = get32(ext);
        exptime = (int64_t)get32(ext + 4);
    }
    it = item_alloc(key, nkey, flags, realtime(exptime), vlen + 2, &ares);
    if (it == NULL) {
        if (ares == ALLOC_TOO_LARGE)
            STATS_ADD(c, store_too_large, 1);
        else
            STATS_ADD(c, store_no_memory, 1);
        write_error(c, ares == ALLOC_TOO_LARGE ? ST_E2BIG : ST_ENOMEM);
        /* As in the text protocol: a failed set drops the old value. */
        if (store_op_of(rq->opcode) == STORE_SET)
            item_delete(key, nkey, 0, NULL);
        if (c->state == conn_new_cmd)
            conn_swallow_bytes(c, vlen, NULL);
        return;
    }
    conn_read_value(c, it, vlen, bin_value_done);
}

static void put_crlf(item *it)
{
    char *p;

    item_data_span(it, it->nbytes - 2, &p);
    *p = '\r';
    item_data_span(it, it->nbytes - 1, &p);
    *p = '\n';
}

/* A storage request's value is in: store it, answer, release it. */
static void bin_value_done(conn *c, item *it)
{
    const struct bin_request *rq = bin_req(c);
    enum store_op op = bin_store_op(rq);
    enum store_result res;
    uint64_t cas = 0;

    put_crlf(it);
    if (stats_detail_enabled())
        stats_prefix_record(item_key(it), it->nkey, PREFIX_SET, false);
    res = item_store(it, op, rq->cas, &cas);
    proto_count_store(c, it, op, res);
    switch (res) {
    case STORED:
        if (is_quiet(rq->opcode))
            no_reply(c);
        else
            write_success(c, cas);
        break;
    case EXISTS: write_error(c, ST_KEY_EEXISTS); break;
    case NOT_FOUND: write_error(c, ST_KEY_ENOENT); break;
    case NOT_STORED:
        if (op == STORE_ADD)
            write_error(c, ST_KEY_EEXISTS);
        else if (op == STORE_REPLACE)
            write_error(c, ST_KEY_ENOENT);
        else
            write_error(c, ST_NOT_STORED);
        break;
    case STORE_TOO_LARGE: write_error(c, ST_E2BIG); break;
    case STORE_NO_MEMORY: write_error(c, ST_ENOMEM); break;
    }
    item_release(it);
}

/* ------------------------------------------------------------------ */
/* Delete and arithmetic                                              */

static void bin_delete(conn *c, const char *ext, const char *key)
{
    unsigned clsid = 0;

    (void)ext;
    if (stats_detail_enabled())
        stats_prefix_record(key, bin_req(c)->keylen, PREFIX_DELETE, false);
    switch (item_delete(key, bin_req(c)->keylen, bin_req(c)->cas, &clsid)) {
    case DELETE_OK:
        STATS_ADD(c, slab[clsid].delete_hits, 1);
        if (is_quiet(bin_req(c)->opcode))
            no_reply(c);
        else
            write_success(c, 0);
        break;
    case DELETE_NOT_FOUND:
        STATS_ADD(c, delete_misses, 1);
        write_error(c, ST_KEY_ENOENT);
        break;
    case DELETE_EXISTS:
        write_error(c, ST_KEY_EEXISTS);
        break;
    }
}

static void write_counter(conn *c, uint64_t value, uint64_t cas)
{
    char body[8];

    if (is_quiet(bin_req(c)->opcode)) {
        no_reply(c);
        return;
    }
    put64(body, value);
    reply_done(c, write_header(c, ST_SUCCESS, 0, 0, 8, cas) &&
                      out_bytes(c, body, 8));
}

/* incr/decr on a missing key with an expiration other than all ones
 * creates it with the initial value.  false if another client created
 * it first (the caller retries the arithmetic). */
static bool create_counter(conn *c, const char *key, uint64_t initial,
                           uint32_t exptime)
{
    char num[32];
    int len = snprintf(num, sizeof(num), "%llu\r\n",
                       (unsigned long long)initial);
    enum alloc_result ares;
    enum store_result res;
    uint64_t cas = 0;
    item *it;
    size_t off = 0;

    it = item_alloc(key, bin_req(c)->keylen, 0, realtime((int64_t)exptime),
                    (size_t)len, &ares);
    if (it == NULL) {
        write_error(c, ST_ENOMEM);
        return true;
    }
    while (off < (size_t)len) {
        char *p;
        size_t n = item_data_span(it, off, &p);

        memcpy(p, num + off, n);
        off += n;
    }
    res = item_store(it, STORE_ADD, 0, &cas);
    item_release(it);
    if (res == NOT_STORED)
        return false;
    if (res != STORED)
        write_error(c, ST_ENOMEM);
    else
        write_counter(c, initial, cas);
    return true;
}

static void bin_arithmetic(conn *c, const char *ext, const char *key)
{
    bool incr = bin_req(c)->opcode == OP_INCREMENT ||
                bin_req(c)->opcode == OP_INCREMENTQ;
    uint64_t delta = get64(ext), initial = get64(ext + 8), cas = 0;
    uint32_t exptime = get32(ext + 16);
    unsigned clsid = 0;
    char buf[32];
    int tries;

    for (tries = 0; tries < 2; tries++) {
        switch (item_add_delta(key, bin_req(c)->keylen, incr, delta, buf, &cas,
                               &clsid)) {
        case DELTA_OK:
            if (incr)
                STATS_ADD(c, slab[clsid].incr_hits, 1);
            else
                STATS_ADD(c, slab[clsid].decr_hits, 1);
            write_counter(c, strtoull(buf, NULL, 10), cas);
            return;
        case DELTA_NON_NUMERIC:
            write_error(c, ST_DELTA_BADVAL);
            return;
        case DELTA_NO_MEMORY:
            write_error(c, ST_ENOMEM);
            return;
        case DELTA_MISS:
            break;
        }
        if (incr)
            STATS_ADD(c, incr_misses, 1);
        else
            STATS_ADD(c, decr_misses, 1);
        if (exptime == 0xffffffffu) {
            write_error(c, ST_KEY_ENOENT);
            return;
        }
        if (create_counter(c, key, initial, exptime))
            return;
    }
    write_error(c, ST_KEY_EEXISTS);
}

/* ------------------------------------------------------------------ */
/* Server commands                                                    */

static void bin_quit(conn *c, const char *ext, const char *key)
{
    (void)ext;
    (void)key;
    if (bin_req(c)->opcode == OP_QUIT)
        write_header(c, ST_SUCCESS, 0, 0, 0, 0);
    conn_close_after_reply(c);
}

static void bin_flush(conn *c, const char *ext, const char *key)
{
    int64_t delay = bin_req(c)->extlen == 4 ? (int64_t)get32(ext) : 0;

    (void)key;
    STATS_ADD(c, flush_cmds, 1);
    if (!settings.flush_enabled) {
        write_error(c, ST_EINVAL);
        return;
    }
    item_flush_all(delay > 0 ? realtime(delay) - 1 : 0);
    if (is_quiet(bin_req(c)->opcode))
        no_reply(c);
    else
        write_success(c, 0);
}

static void bin_noop(conn *c, const char *ext, const char *key)
{
    (void)ext;
    (void)key;
    write_success(c, 0);
}

static void bin_version(conn *c, const char *ext, const char *key)
{
    size_t len = strlen(VERSION);

    (void)ext;
    (void)key;
    reply_done(c, write_header(c, ST_SUCCESS, 0, 0, (uint32_t)len, 0) &&
                      out_bytes(c, VERSION, len));
}

/* The reference sets the level and sends no response. */
static void bin_verbosity(conn *c, const char *ext, const char *key)
{
    uint32_t level = get32(ext);

    (void)key;
    set_verbose_level(level > 2 ? 2 : (int)level);
    no_reply(c);
}

/* One response per stat: key = name, value = value; an empty one ends. */
static void stat_to_bin(const char *key, size_t klen, const char *val,
                        size_t vlen, void *cookie)
{
    conn *c = cookie;

    write_header(c, ST_SUCCESS, 0, (uint16_t)klen, (uint32_t)(klen + vlen),
                 0);
    out_bytes(c, key, klen);
    out_bytes(c, val, vlen);
}

static void bin_stat(conn *c, const char *ext, const char *key)
{
    char group[KEY_MAX_LENGTH + 1];
    size_t nkey = bin_req(c)->keylen;

    (void)ext;
    memcpy(group, key, nkey);
    group[nkey] = '\0';
    if (strcmp(group, "reset") == 0) {
        stats_reset();
    } else if (strcmp(group, "detail") == 0 ||
               !stats_group(nkey ? group : NULL, stat_to_bin, c)) {
        write_error(c, ST_KEY_ENOENT);
        return;
    }
    write_success(c, 0);
}

/* ------------------------------------------------------------------ */
/* SASL (-S)                                                          */

static bool is_sasl_op(uint8_t op)
{
    return op == OP_SASL_LIST || op == OP_SASL_AUTH || op == OP_SASL_STEP;
}

static void bin_sasl_list(conn *c, const char *ext, const char *key)
{
    const char *mechs;
    size_t len;

    (void)ext;
    (void)key;
    if (!sasl_list_mechs(&bin_state(c)->sasl, &mechs, &len)) {
        write_error(c, ST_AUTH_ERROR);
        return;
    }
    reply_done(c, write_header(c, ST_SUCCESS, 0, 0, (uint32_t)len, 0) &&
                      out_bytes(c, mechs, len));
}

/* SASL auth (start, mechanism in the key) and step. */
static void bin_sasl_auth(conn *c, const char *ext, const char *key)
{
    const struct bin_request *rq = bin_req(c);
    const char *data = key + rq->keylen, *out;
    size_t dlen = rq->bodylen - rq->keylen - rq->extlen, olen;
    enum sasl_step_result r;

    (void)ext;
    if (rq->opcode == OP_SASL_AUTH)
        r = sasl_auth_start(&bin_state(c)->sasl, key, rq->keylen,
                            data, dlen, &out, &olen);
    else
        r = sasl_auth_step(&bin_state(c)->sasl, data, dlen, &out, &olen);
    STATS_ADD(c, auth_cmds, 1);
    if (r == SASL_STEP_FAIL)
        STATS_ADD(c, auth_errors, 1);
    switch (r) {
    case SASL_STEP_OK:
        bin_state(c)->authenticated = true;
        reply_done(c, write_header(c, ST_SUCCESS, 0, 0, 13, 0) &&
                          out_bytes(c, "Authenticated", 13));
        break;
    case SASL_STEP_CONTINUE:
        reply_done(c, write_header(c, ST_AUTH_CONTINUE, 0, 0,
                                   (uint32_t)olen, 0) &&
                          out_bytes(c, out, olen));
        break;
    case SASL_STEP_FAIL:
        write_error(c, ST_AUTH_ERROR);
        break;
    }
}

#define GETS_ROW {bin_get, 0, 0, KEY_REQUIRED, false, false}
#define UPDATE_ROW(e) {bin_update, e, e, KEY_REQUIRED, true, false}
#define TOUCH_ROW {bin_get, 4, 4, KEY_REQUIRED, false, false}

static const struct bin_cmd bin_cmds[256] = {
    [OP_GET] = GETS_ROW,
    [OP_GETQ] = GETS_ROW,
    [OP_GETK] = GETS_ROW,
    [OP_GETKQ] = GETS_ROW,
    [OP_SET] = UPDATE_ROW(8),
    [OP_SETQ] = UPDATE_ROW(8),
    [OP_ADD] = UPDATE_ROW(8),
    [OP_ADDQ] = UPDATE_ROW(8),
    [OP_REPLACE] = UPDATE_ROW(8),
    [OP_REPLACEQ] = UPDATE_ROW(8),
    [OP_APPEND] = UPDATE_ROW(0),
    [OP_APPENDQ] = UPDATE_ROW(0),
    [OP_PREPEND] = UPDATE_ROW(0),
    [OP_PREPENDQ] = UPDATE_ROW(0),
    [OP_DELETE] = {bin_delete, 0, 0, KEY_REQUIRED, false, false},
    [OP_DELETEQ] = {bin_delete, 0, 0, KEY_REQUIRED, false, false},
    [OP_INCREMENT] = {bin_arithmetic, 20, 20, KEY_REQUIRED, false, false},
    [OP_INCREMENTQ] = {bin_arithmetic, 20, 20, KEY_REQUIRED, false, false},
    [OP_DECREMENT] = {bin_arithmetic, 20, 20, KEY_REQUIRED, false, false},
    [OP_DECREMENTQ] = {bin_arithmetic, 20, 20, KEY_REQUIRED, false, false},
    [OP_QUIT] = {bin_quit, 0, 0, KEY_NONE, false, false},
    [OP_QUITQ] = {bin_quit, 0, 0, KEY_NONE, false, false},
    [OP_FLUSH] = {bin_flush, 0, 4, KEY_NONE, false, false},
    [OP_FLUSHQ] = {bin_flush, 0, 4, KEY_NONE, false, false},
    [OP_NOOP] = {bin_noop, 0, 0, KEY_NONE, false, false},
    [OP_VERSION] = {bin_version, 0, 0, KEY_NONE, false, false},
    [OP_STAT] = {bin_stat, 0, 0, KEY_OPTIONAL, false, false},
    [OP_VERBOSITY] = {bin_verbosity, 4, 4, KEY_NONE, false, false},
    [OP_TOUCH] = TOUCH_ROW,
    [OP_GAT] = TOUCH_ROW,
    [OP_GATQ] = TOUCH_ROW,
    [OP_GATK] = TOUCH_ROW,
    [OP_GATKQ] = TOUCH_ROW,
    [OP_SASL_LIST] = {bin_sasl_list, 0, 0, KEY_NONE, false, false},
    [OP_SASL_AUTH] = {bin_sasl_auth, 0, 0, KEY_REQUIRED, true, true},
    [OP_SASL_STEP] = {bin_sasl_auth, 0, 0, KEY_REQUIRED, true, true},
};

/* ------------------------------------------------------------------ */
/* Framing                                                            */

static void parse_header(struct bin_request *rq, const unsigned char *h)
{
    uint16_t kl;
    uint32_t bl, op;

    rq->opcode = h[1];
    memcpy(&kl, h + 2, 2);
    rq->keylen = ntohs(kl);
    rq->extlen = h[4];
    memcpy(&bl, h + 8, 4);
    rq->bodylen = ntohl(bl);
    memcpy(&op, h + 12, 4);
    rq->opaque = ntohl(op);
    rq->cas = get64((const char *)h + 16);
}

static bool header_valid(const struct bin_cmd *cmd,
                         const struct bin_request *r)
{
    if (r->extlen < cmd->ext_min || r->extlen > cmd->ext_max)
        return false;
    if (cmd->ext_max == 4 && cmd->ext_min == 0 && r->extlen != 0 &&
        r->extlen != 4)
        return false;
    if (cmd->key_rule == KEY_REQUIRED && r->keylen == 0)
        return false;
    if (cmd->key_rule == KEY_NONE && r->keylen != 0)
        return false;
    if (r->keylen > KEY_MAX_LENGTH)
        return false;
    if (!cmd->value && r->bodylen != (uint32_t)r->keylen + r->extlen)
        return false;
    return true;
}

static bool proto_bin_try_command(conn *c)
{
    const unsigned char *h = (const unsigned char *)c->rcurr;
    struct bin_request *rq = bin_req(c);
    const struct bin_cmd *cmd;
    size_t need;
    const char *body;

    if (c->rbytes < BIN_HEADER_LEN)
        return false;
    if (h[0] != BIN_REQ_MAGIC) {
        log_msg(1, "%d: invalid binary magic 0x%02x", c->sfd, h[0]);
        conn_set_state(c, conn_closing);
        return true;
    }
    parse_header(rq, h);
    if ((uint32_t)rq->keylen + rq->extlen > rq->bodylen) {
        conn_consume(c, BIN_HEADER_LEN);
        write_error(c, ST_UNKNOWN_COMMAND);
        conn_close_after_reply(c);
        return true;
    }
    cmd = &bin_cmds[rq->opcode];
    /* Without -S the SASL opcodes are unknown, as in the reference. */
    if (cmd->handler == NULL ||
        (is_sasl_op(rq->opcode) && !settings.sasl)) {
        conn_consume(c, BIN_HEADER_LEN);
        write_error(c, ST_UNKNOWN_COMMAND);
        conn_swallow_bytes(c, rq->bodylen, NULL);
        return true;
    }
    if (!header_valid(cmd, rq) ||
        (cmd->inline_value && rq->bodylen > SASL_BODY_MAX)) {
        conn_consume(c, BIN_HEADER_LEN);
        write_error(c, ST_EINVAL);
        conn_close_after_reply(c);
        return true;
    }
    /* -S: nothing but SASL before the login; the reference closes. */
    if (settings.sasl && !bin_state(c)->authenticated &&
        !is_sasl_op(rq->opcode)) {
        conn_consume(c, BIN_HEADER_LEN);
        write_error(c, ST_AUTH_ERROR);
        conn_close_after_reply(c);
        return true;
    }
    /* Extras and key must be in rbuf (at most 24 + 20 + 250 bytes); a
     * value is read later straight into its item. */
    need = BIN_HEADER_LEN + rq->extlen + rq->keylen;
    if (cmd->inline_value)
        need = BIN_HEADER_LEN + rq->bodylen;
    if (c->rbytes < need)
        return false;
    body = conn_consume(c, need) + BIN_HEADER_LEN;
    reply_begin_message(c);
    cmd->handler(c, body, body + rq->extlen);
    return true;
}

static bool bin_attach(conn *c)
{
    c->pstate = calloc(1, sizeof(struct bin_state));
    return c->pstate != NULL;
}

static void bin_detach(conn *c)
{
    struct bin_state *bs = c->pstate;

    sasl_session_free(bs->sasl);
    free(bs);
    c->pstate = NULL;
}

const struct protocol proto_bin_ops = {
    .name = "binary",
    .magic = BIN_REQ_MAGIC,
    .attach = bin_attach,
    .detach = bin_detach,
    .try_command = proto_bin_try_command,
    .line_may_grow = NULL,
};
