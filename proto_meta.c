/*
 * proto_meta.c: the meta commands mg, ms, md, ma, mn and me, answered
 * byte for byte as the reference (memcached 1.6.18) answers them.
 *
 * A meta command is "<cmd> <key> [<datalen>] <flag>*": each flag is one
 * letter, some followed by a token (T30, Oopaque, C1234).  Parsing has
 * two passes, as the reference's: meta_preparse() checks every flag once
 * (unknown, duplicate, bad token) and records what it asks for; the reply
 * is then built by walking the flags again in the client's order, which
 * matters: "mg k t T30" shows the TTL before T is applied, "mg k T30 t"
 * after.  The engine does the work under its own lock (items.c's "meta
 * support" section) and hands back snapshots; nothing here reads a
 * linked item's mutable fields (exptime, CAS, flags) directly.
 *
 * ms reads a value like set: the flags needed once the value is in (mode,
 * CAS, reply flags) are parked in the connection's ms slot (struct
 * text_state) until ms_value_done().  Only the connection's
 * worker touches it, so it needs no lock (UDP conns are per worker too).
 *
 * Quiet mode (q) hides only the "nothing to see" answer: EN for mg; HD
 * for ms, md and ma (ma's VA as well, as the reference does).  Errors are
 * always sent.  Key too long, too many tokens and a bad ms length are
 * refused before the flags are looked at; an ms refused after that has
 * its data block swallowed.
 */
#include "memcached.h"
#include "items.h"
#include "proto_text.h"
#include "proto_meta.h"
#include "base64.h"
#include "stats.h"
#include "reply.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define META_MAX_TOKENS 20   /* a line with this many tokens is refused */
#define OPAQUE_MAX 32        /* bytes of an O token, the letter included */
#define REPLY_MAX 1024       /* a reply line: key (base64) + flags fit */

/* What the flags of one command ask for (meta_preparse). */
struct meta_flags {
    bool key_binary, no_reply, value, no_bump, vivify, set_ttl, recache;
    bool has_cas, set_stale;
    char mode;
    rel_time_t exptime, viv_exptime, recache_time;
    uint32_t client_flags;
    uint64_t req_cas, initial, delta;
    int t_pos, n_pos, r_pos;   /* token index of T, N, R; 0: absent */
    int bad_o_pos;             /* first O token over OPAQUE_MAX; 0: none */
    bool locked;               /* N, T, R, h or l: the reference bumps the
                                  item only after building the reply */
};

/* ------------------------------------------------------------------ */
/* Reply lines                                                        */

struct reply {
    char buf[REPLY_MAX];
    size_t n;
};

static void r_str(struct reply *r, const char *s, size_t n)
{
    if (n > sizeof(r->buf) - r->n)
        n = sizeof(r->buf) - r->n;   /* cannot happen: REPLY_MAX bounds */
    memcpy(r->buf + r->n, s, n);
    r->n += n;
}

/* v in decimal. */
static void r_uint(struct reply *r, uint64_t v)
{
    char tmp[20];

    r_str(r, tmp, (size_t)(proto_u64_to_text(v, tmp) - tmp));
}

/* v in decimal, a '-' first if negative (printf's %d). */
static void r_int(struct reply *r, int64_t v)
{
    if (v < 0) {
        r_str(r, "-", 1);
        r_uint(r, (uint64_t)0 - (uint64_t)v);
    } else {
        r_uint(r, (uint64_t)v);
    }
}

/* " <flag><v>" */
static void r_u64(struct reply *r, char flag, uint64_t v)
{
    char tmp[2] = {' ', flag};

    r_str(r, tmp, 2);
    r_uint(r, v);
}

/* The key as text: itself, or base64 for a binary key. */
static void r_keytext(struct reply *r, const char *key, size_t nkey,
                      bool bin)
{
    char enc[BASE64_ENCODED_LEN(KEY_MAX_LENGTH)];

    if (!bin)
        r_str(r, key, nkey);
    else
        r_str(r, enc, base64_encode((const unsigned char *)key, nkey, enc));
}

/* " k<key>", followed by " b" for a binary key. */
static void r_key(struct reply *r, const char *key, size_t nkey, bool bin)
{
    r_str(r, " k", 2);
    r_keytext(r, key, nkey, bin);
    if (bin)
        r_str(r, " b", 2);
}

/* " t<seconds left>", or " t-1" for no expiry. */
static void r_ttl(struct reply *r, rel_time_t exptime)
{
    if (exptime == 0)
        r_str(r, " t-1", 4);
    else
        r_u64(r, 't', (uint32_t)(exptime - clock_now()));
}

static void r_opaque(struct reply *r, const struct token *t)
{
    r_str(r, " ", 1);
    r_str(r, t->value, t->length);
}

/* Queue the line.  Every handler has set conn_new_cmd on entry (quiet
 * answers queue nothing); a reply that cannot be queued ends the
 * connection, as out_string() does. */
static void r_send(conn *c, struct reply *r)
{
    r_str(r, "\r\n", 2);
    if (!out_bytes(c, r->buf, r->n))
        conn_close_after_reply(c);
}

/* A quiet command's answer: nothing, and over UDP no datagram either
 * (out_string's noreply path marks the message skipped). */
static void r_quiet(conn *c)
{
    c->noreply = true;
    out_string(c, "");
}

/* The k and O flags, for answers without an item (EN, NF, EX, NS). */
static void r_key_opaque(struct reply *r, struct token *tok, int ntok,
                         int start, const struct meta_flags *of)
{
    int i;

    for (i = start; i < ntok; i++) {
        if (tok[i].value[0] == 'k')
            r_key(r, tok[1].value, tok[1].length, of->key_binary);
        else if (tok[i].value[0] == 'O')
            r_opaque(r, &tok[i]);
    }
}

/* ------------------------------------------------------------------ */
/* Flag parsing                                                       */

/* A TTL token: 32-bit signed seconds; negative means already expired
 * (the reference maps it to an absolute time in the past). */
static bool parse_ttl(const char *s, rel_time_t *out)
{
    int32_t v;

    if (!safe_strtol(s, &v))
        return false;
    *out = realtime(v < 0 ? REALTIME_MAXDELTA + 1 : v);
    return true;
}

/* Record why a flag's token was refused. */
static bool refuse(const char **err, const char *msg)
{
    *err = msg;
    return false;
}

/* The flags that take a token.  Returns false with *err set (F keeps the
 * default message, as in the reference). */
static bool parse_token_flag(struct token *t, int i, struct meta_flags *of,
                             const char **err)
{
    static const char bad_token[] =
        "CLIENT_ERROR bad token in command line format";
    const char *arg = t->value + 1;

    switch (t->value[0]) {
    case 'N':
        of->vivify = true;
        of->n_pos = i;
        return parse_ttl(arg, &of->viv_exptime) || refuse(err, bad_token);
    case 'T':
        of->set_ttl = true;
        of->t_pos = i;
        return parse_ttl(arg, &of->exptime) || refuse(err, bad_token);
    case 'R':
        of->recache = true;
        of->r_pos = i;
        return parse_ttl(arg, &of->recache_time) || refuse(err, bad_token);
    case 'F':
        return proto_parse_flags(arg, &of->client_flags);
    case 'C':
        of->has_cas = true;
        return safe_strtoull(arg, &of->req_cas) || refuse(err, bad_token);
    case 'M':
        if (t->length != 2)
            return refuse(err, "CLIENT_ERROR incorrect length for M token");
        of->mode = arg[0];
        return true;
    case 'J':
        return safe_strtoull(arg, &of->initial) ||
               refuse(err, "CLIENT_ERROR invalid numeric initial value");
    case 'D':
        return safe_strtoull(arg, &of->delta) ||
               refuse(err, "CLIENT_ERROR invalid numeric delta value");
    }
    return true;
}

/*
 * Check the flags tok[start..ntok) once each.  An unknown or repeated
 * flag stops at once; a bad token is remembered and parsing goes on (so
 * a later unknown flag still wins, as in the reference).  A b flag
 * decodes the key token in place.  Returns false with *err set.
 */
static bool meta_preparse(struct token *tok, int ntok, int start,
                          struct meta_flags *of, const char **err)
{
    bool seen[128] = {false}, ok = true;
    int i;

    memset(of, 0, sizeof(*of));
    of->delta = 1;
    *err = "CLIENT_ERROR bad command line format";
    for (i = start; i < ntok; i++) {
        unsigned char o = (unsigned char)tok[i].value[0];

        if (o >= 127 || seen[o]) {
            *err = "CLIENT_ERROR duplicate flag";
            return false;
        }
        seen[o] = true;
        if (strchr("bNTRlOPLkstcfvhuqFCMJDI", o) == NULL || o == 0) {
            *err = "CLIENT_ERROR invalid flag";
            return false;
        }
        if (strchr("NTRhl", o) != NULL)
            of->locked = true;
        if (o == 'O' && tok[i].length > OPAQUE_MAX && of->bad_o_pos == 0)
            of->bad_o_pos = i;
        switch (o) {
        case 'b':
            of->key_binary = true;
            tok[1].length = base64_decode_inplace(tok[1].value,
                                                  tok[1].length);
            if (tok[1].length == 0) {
                *err = "CLIENT_ERROR error decoding key";
                ok = false;
            }
            break;
        case 'v': of->value = true; break;
        case 'u': of->no_bump = true; break;
        case 'q': of->no_reply = true; break;
        case 'I': of->set_stale = true; break;
        default:
            if (!parse_token_flag(&tok[i], i, of, err))
                ok = false;
            break;
        }
    }
    return ok;
}

/*
 * mg and ma apply T and N while walking the flags to build the reply, and
 * an over-long O stops that walk (the reference then sends only the
 * error): the TTL a created item ends with, and whether T applies to an
 * existing one.  Without a bad O: the later of T and N wins.
 */
static rel_time_t walk_ttl(const struct meta_flags *of, bool *t_applies)
{
    int stop = of->bad_o_pos ? of->bad_o_pos : META_MAX_TOKENS;
    bool t = of->set_ttl && of->t_pos < stop;
    bool n = of->vivify && of->n_pos < stop;

    *t_applies = t;
    if (t && (!n || of->t_pos > of->n_pos))
        return of->exptime;
    return n ? of->viv_exptime : 0;
}

/*
 * The reference reads a command line as a C string: a NUL byte ends it,
 * and every byte after it is ignored (the tokens after it, the rest of
 * the token holding it).  Returns the token count left; the command is
 * then checked as if the client had sent the shorter line.
 */
static int meta_cut_at_nul(struct token *tok, int ntok)
{
    int i;

    for (i = 1; i < ntok; i++) {
        size_t n = strlen(tok[i].value);

        if (n < tok[i].length) {
            tok[i].length = n;
            return n > 0 ? i + 1 : i;
        }
    }
    return ntok;
}

/* The checks every keyed meta command starts with.  `too_many` is the
 * command's message for a line with too many tokens. */
static bool meta_line_ok(conn *c, struct token *tok, int ntok,
                         const char *too_many)
{
    if (ntok < 2) {             /* the key was cut away by a NUL */
        out_string(c, "ERROR");
        return false;
    }
    if (tok[1].length > KEY_MAX_LENGTH) {
        out_errstring(c, "CLIENT_ERROR bad command line format");
        return false;
    }
    if (ntok >= META_MAX_TOKENS) {
        out_errstring(c, too_many);
        return false;
    }
    return true;
}

/* The start mg, md and ma share: cut the line at a NUL, check the key
 * and the token count, parse the flags.  bad_flag is the reply to a bad
 * flag, or NULL for meta_preparse()'s own message.  false once an error
 * reply is queued. */
static bool meta_start(conn *c, struct token *tok, int *ntok,
                       const char *too_many, const char *bad_flag,
                       struct meta_flags *of)
{
    const char *err;

    *ntok = meta_cut_at_nul(tok, *ntok);
    if (!meta_line_ok(c, tok, *ntok, too_many))
        return false;
    if (!meta_preparse(tok, *ntok, 2, of, &err)) {
        out_errstring(c, bad_flag != NULL ? bad_flag : err);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* mg                                                                 */

static void mg_request(const struct meta_flags *of, struct meta_get_req *rq)
{
    memset(rq, 0, sizeof(*rq));
    rq->vivify = of->vivify;
    rq->viv_exptime = walk_ttl(of, &rq->set_exptime);
    rq->exptime = of->exptime;
    rq->recache = of->recache;
    rq->recache_time = of->recache_time;
    rq->recache_sees_t = of->set_ttl && of->t_pos < of->r_pos;
    /* A bad O: the reply is an error, so no token is handed out, and a
     * "locked" fetch (one the reference bumps late) is not bumped. */
    rq->no_token = of->bad_o_pos != 0;
    rq->no_bump = of->no_bump || (rq->no_token && of->locked);
}

/* The flags of a mg hit, in the client's order, then Z, X, W. */
static void mg_hit_flags(struct reply *r, item *it, struct token *tok,
                         int ntok, const struct meta_flags *of,
                         const struct meta_get_res *rs)
{
    rel_time_t exp = rs->old_exptime, now = clock_now();
    int i;

    for (i = 2; i < ntok; i++) {
        switch (tok[i].value[0]) {
        case 'T': exp = of->exptime; break;
        case 'N': if (rs->created) exp = of->viv_exptime; break;
        case 's': r_u64(r, 's', it->nbytes - 2); break;
        case 't': r_ttl(r, exp); break;
        case 'c': r_u64(r, 'c', rs->cas); break;
        case 'f': r_u64(r, 'f', it->client_flags); break;
        case 'l': r_u64(r, 'l', (uint32_t)(now - rs->was_time)); break;
        case 'h': r_str(r, rs->was_fetched ? " h1" : " h0", 3); break;
        case 'O': r_opaque(r, &tok[i]); break;
        case 'k':
            r_key(r, item_key(it), it->nkey, rs->key_binary);
            break;
        }
    }
    if (rs->token_was_sent)
        r_str(r, " Z", 2);
    if (rs->stale)
        r_str(r, " X", 2);
    if (rs->win)
        r_str(r, " W", 2);
}

void cmd_mg(conn *c, struct token *tok, int ntok)
{
    struct meta_flags of;
    struct meta_get_req rq;
    struct meta_get_res rs;
    struct reply r;
    item *it;

    conn_set_state(c, conn_new_cmd);

    if (!meta_start(c, tok, &ntok, "CLIENT_ERROR options flags are too long",
                    NULL, &of))
        return;
    /* An over-long O is found while the reply is built: the fetch (T
     * before it, vivify, a miss's stats) has happened by then. */
    mg_request(&of, &rq);
    it = item_meta_get(tok[1].value, tok[1].length, &rq, &rs);
    /* a hit is counted once its answer is built, a miss at once */
    if (it == NULL || !rq.no_token)
        proto_count_get(c, it, it != NULL ? GET_HIT : rs.st,
                        it != NULL && of.set_ttl);
    if (rq.no_token) {
        if (it != NULL)
            item_release(it);
        out_errstring(c, "CLIENT_ERROR opaque token too long");
        return;
    }
    r.n = 0;
    if (it == NULL) {
        if (of.no_reply) {
            r_quiet(c);
            return;
        }
        r_str(&r, "EN", 2);
        r_key_opaque(&r, tok, ntok, 2, &of);
        r_send(c, &r);
        return;
    }
    if (of.value) {
        r_str(&r, "VA ", 3);
        r_uint(&r, it->nbytes - 2);
    } else {
        r_str(&r, "HD", 2);
    }
    mg_hit_flags(&r, it, tok, ntok, &of, &rs);
    r_send(c, &r);
    if (!of.value)
        item_release(it);
    else if (!out_item_value(c, it))      /* takes the reference */
        conn_close_after_reply(c);
}

/* ------------------------------------------------------------------ */
/* ms                                                                 */

/* What an ms needs once its value is in (text_state's ms slot). */
struct ms_pending {
    conn *owner;                /* NULL: free */
    int op;                     /* enum store_op */
    uint64_t req_cas;
    bool invalidate, key_binary, no_reply;
    char order[4];              /* reply flags k, O, c in client order */
    char opaque[OPAQUE_MAX + 1];
    size_t nopaque;
};

/* The connection's own slot, made on its first ms and freed with the
 * connection: only its worker touches it, so no lock. */
static bool pending_put(conn *c, const struct ms_pending *p)
{
    struct text_state *ts = text_state(c);

    if (ts->ms == NULL) {
        ts->ms = malloc(sizeof(*ts->ms));
        if (ts->ms == NULL)
            return false;
    }
    *ts->ms = *p;
    ts->ms->owner = c;
    return true;
}

static bool pending_take(conn *c, struct ms_pending *p)
{
    struct text_state *ts = text_state(c);

    if (ts->ms == NULL || ts->ms->owner != c)
        return false;
    *p = *ts->ms;
    ts->ms->owner = NULL;
    return true;
}

void proto_meta_release(struct text_state *ts)
{
    free(ts->ms);
    ts->ms = NULL;
}

static void ms_after_swallow(conn *c)
{
    out_errstring(c, text_state(c)->swallow_msg);
}

/* Refuse an ms whose data block must still be read and dropped. */
static void ms_refuse(conn *c, const char *msg, int32_t vlen)
{
    struct text_state *ts = text_state(c);

    ts->swallow_msg = msg;
    ts->swallow_noreply = false;
    conn_swallow_bytes(c, (size_t)vlen + 2, ms_after_swallow);
}

/* The store operation of ms's M mode (with C: compare-and-swap). */
static bool ms_op(const struct meta_flags *of, struct ms_pending *p)
{
    switch (of->mode) {
    case 0:
    case 'S': p->op = STORE_SET; break;
    case 'E': p->op = STORE_ADD; break;
    case 'A': p->op = STORE_APPEND; break;
    case 'P': p->op = STORE_PREPEND; break;
    case 'R': p->op = STORE_REPLACE; break;
    default: return false;
    }
    /* add ignores C; append/prepend compare it themselves */
    if (of->has_cas && (p->op == STORE_SET || p->op == STORE_REPLACE))
        p->op = STORE_CAS;
    p->req_cas = p->op == STORE_ADD ? 0 : of->req_cas;
    return true;
}

static void ms_remember(struct token *tok, int ntok,
                        const struct meta_flags *of, struct ms_pending *p)
{
    int i, n = 0;

    p->invalidate = of->set_stale;
    p->key_binary = of->key_binary;
    p->no_reply = of->no_reply;
    for (i = 3; i < ntok && n < 3; i++) {
        char f = tok[i].value[0];

        if (f == 'k' || f == 'c' || f == 'O')
            p->order[n++] = f;
        if (f == 'O') {
            p->nopaque = tok[i].length - 1;
            memcpy(p->opaque, tok[i].value + 1, p->nopaque);
        }
    }
}

static void ms_value_done(conn *c, item *it);

/* Allocate the item for the value and start reading it. */
static void ms_read_value(conn *c, struct token *tok,
                          const struct meta_flags *of, struct ms_pending *p,
                          int32_t vlen)
{
    enum alloc_result ar;
    item *it;

    it = item_alloc(tok[1].value, tok[1].length, of->client_flags,
                    of->set_ttl ? of->exptime : 0, (size_t)vlen + 2, &ar);
    if (it == NULL) {
        if (ar == ALLOC_TOO_LARGE)
            STATS_ADD(c, store_too_large, 1);
        else
            STATS_ADD(c, store_no_memory, 1);
        /* Whatever the mode, the old value goes (as the reference):
         * the client meant to change it and must not read it again. */
        item_delete(tok[1].value, tok[1].length, 0, NULL);
        ms_refuse(c, ar == ALLOC_TOO_LARGE
                         ? "SERVER_ERROR object too large for cache"
                         : "SERVER_ERROR out of memory storing object",
                  vlen);
        return;
    }
    if (!pending_put(c, p)) {
        item_release(it);
        ms_refuse(c, "SERVER_ERROR out of memory storing object", vlen);
        return;
    }
    conn_read_value(c, it, (size_t)vlen + 2, ms_value_done);
}

void cmd_ms(conn *c, struct token *tok, int ntok)
{
    struct meta_flags of;
    struct ms_pending p;
    const char *err;
    int32_t vlen;

    conn_set_state(c, conn_new_cmd);

    ntok = meta_cut_at_nul(tok, ntok);
    if (ntok < 2) {
        out_string(c, "ERROR");
        return;
    }
    if (ntok < 3) {
        out_errstring(c, "CLIENT_ERROR bad command line format");
        return;
    }
    if (!meta_line_ok(c, tok, ntok, "CLIENT_ERROR options flags too long"))
        return;
    /* the length wraps at 32 bits, as the classic commands' */
    if (!proto_parse_int32_wrapped(tok[2].value, &vlen) || vlen < 0 ||
        vlen > INT32_MAX - 2) {
        out_errstring(c, "CLIENT_ERROR bad command line format");
        return;
    }
    memset(&p, 0, sizeof(p));
    if (!meta_preparse(tok, ntok, 3, &of, &err)) {
        ms_refuse(c, err, vlen);
        return;
    }
    if (!ms_op(&of, &p)) {
        ms_refuse(c, "CLIENT_ERROR invalid mode for ms M token", vlen);
        return;
    }
    if (of.bad_o_pos != 0) {
        ms_refuse(c, "CLIENT_ERROR opaque token too long", vlen);
        return;
    }
    ms_remember(tok, ntok, &of, &p);
    ms_read_value(c, tok, &of, &p, vlen);
}

static void ms_reply(conn *c, item *it, const struct ms_pending *p,
                     enum store_result res, uint64_t cas)
{
    static const char *const codes[] = {
        [STORED] = "HD", [NOT_STORED] = "NS", [EXISTS] = "EX",
        [NOT_FOUND] = "NF", [STORE_TOO_LARGE] = "NS",
    };
    struct reply r;
    int i;

    if (res == STORE_NO_MEMORY) {
        out_errstring(c, "SERVER_ERROR out of memory storing object");
        return;
    }
    if (res == STORED && p->no_reply) {
        r_quiet(c);
        return;
    }
    r.n = 0;
    r_str(&r, codes[res], 2);
    for (i = 0; i < 3 && p->order[i] != 0; i++) {
        if (p->order[i] == 'k') {
            r_key(&r, item_key(it), it->nkey, p->key_binary);
        } else if (p->order[i] == 'c') {
            r_u64(&r, 'c', res == STORED ? cas : 0);
        } else {
            r_str(&r, " O", 2);
            r_str(&r, p->opaque, p->nopaque);
        }
    }
    r_send(c, &r);
}

/* The value of an ms is in: store it, reply, release the item. */
static void ms_value_done(conn *c, item *it)
{
    struct ms_pending p;
    enum store_result res;
    uint64_t cas = 0;

    conn_set_state(c, conn_new_cmd);

    if (!pending_take(c, &p)) {
        /* cannot happen: ms_read_value filled the slot */
        out_errstring(c, "SERVER_ERROR out of memory storing object");
    } else if (!proto_ends_in_crlf(it)) {
        STATS_ADD(c, slab[it->slabs_clsid].set_cmds, 1);
        out_errstring(c, "CLIENT_ERROR bad data chunk");
    } else {
        res = item_meta_store(it, (enum store_op)p.op, p.req_cas,
                              p.invalidate, p.key_binary, &cas);
        proto_count_store(c, it, (enum store_op)p.op, res);
        ms_reply(c, it, &p, res, cas);
    }
    item_release(it);
}

/* ------------------------------------------------------------------ */
/* md                                                                 */

void cmd_md(conn *c, struct token *tok, int ntok)
{
    struct meta_flags of;
    struct reply r;
    unsigned clsid = 0;
    enum delete_result res;

    conn_set_state(c, conn_new_cmd);

    if (!meta_start(c, tok, &ntok, "CLIENT_ERROR options flags too long",
                    "CLIENT_ERROR invalid or duplicate flag", &of))
        return;
    if (of.bad_o_pos != 0) {
        out_errstring(c, "CLIENT_ERROR opaque token too long");
        return;
    }
    res = item_meta_delete(tok[1].value, tok[1].length, of.has_cas,
                           of.req_cas, of.set_stale, of.set_ttl,
                           of.exptime, &clsid);
    r.n = 0;
    if (res == DELETE_OK) {
        if (!of.set_stale)      /* marking stale is not counted */
            STATS_ADD(c, slab[clsid].delete_hits, 1);
        if (of.no_reply) {
            r_quiet(c);
            return;
        }
        r_str(&r, "HD", 2);
    } else {
        STATS_ADD(c, delete_misses, 1);
        r_str(&r, res == DELETE_EXISTS ? "EX" : "NF", 2);
    }
    r_key_opaque(&r, tok, ntok, 2, &of);
    r_send(c, &r);
}

/* ------------------------------------------------------------------ */
/* ma                                                                 */

static bool ma_request(const struct meta_flags *of,
                       struct meta_delta_req *rq)
{
    memset(rq, 0, sizeof(*rq));
    switch (of->mode) {
    case 0: case 'I': case '+': rq->incr = true; break;
    case 'D': case '-': rq->incr = false; break;
    default: return false;
    }
    rq->delta = of->delta;
    rq->req_cas = of->req_cas;
    rq->initial = of->initial;
    rq->vivify = of->vivify;
    rq->viv_exptime = walk_ttl(of, &rq->set_exptime);
    rq->exptime = of->exptime;
    return true;
}

/* The answer to a successful ma, flags in the client's order. */
static void ma_reply(conn *c, struct token *tok, int ntok,
                     const struct meta_flags *of,
                     const struct meta_delta_res *rs, const char *buf)
{
    rel_time_t exp = rs->old_exptime;
    size_t n = strlen(buf);
    struct reply r;
    int i;

    r.n = 0;
    if (of->value) {
        r_str(&r, "VA ", 3);
        r_uint(&r, n);
    } else {
        r_str(&r, "HD", 2);
    }
    for (i = 2; i < ntok; i++) {
        switch (tok[i].value[0]) {
        case 'c': r_u64(&r, 'c', rs->cas); break;
        case 't': r_ttl(&r, exp); break;
        case 'T': exp = of->exptime; break;
        case 'N': if (rs->created) exp = of->viv_exptime; break;
        case 'O': r_opaque(&r, &tok[i]); break;
        case 'k':
            r_key(&r, tok[1].value, tok[1].length, of->key_binary);
            break;
        }
    }
    if (of->value) {
        r_str(&r, "\r\n", 2);
        r_str(&r, buf, n);
    }
    r_send(c, &r);
}

static void ma_count(conn *c, enum meta_delta_result res,
                     const struct meta_delta_req *rq,
                     const struct meta_delta_res *rs)
{
    if (res == MDELTA_OK && !rs->created) {
        if (rq->incr)
            STATS_ADD(c, slab[rs->clsid].incr_hits, 1);
        else
            STATS_ADD(c, slab[rs->clsid].decr_hits, 1);
    } else if (res == MDELTA_MISS) {
        if (rq->incr)
            STATS_ADD(c, incr_misses, 1);
        else
            STATS_ADD(c, decr_misses, 1);
    }
}

void cmd_ma(conn *c, struct token *tok, int ntok)
{
    struct meta_flags of;
    struct meta_delta_req rq;
    struct meta_delta_res rs;
    struct reply r;
    char buf[32];
    enum meta_delta_result res;

    conn_set_state(c, conn_new_cmd);

    if (!meta_start(c, tok, &ntok, "CLIENT_ERROR options flags too long",
                    "CLIENT_ERROR invalid or duplicate flag", &of))
        return;
    if (!ma_request(&of, &rq)) {
        out_errstring(c, "CLIENT_ERROR invalid mode for ma M token");
        return;
    }
    res = item_meta_delta(tok[1].value, tok[1].length, &rq, buf, &rs);
    ma_count(c, res, &rq, &rs);
    /* as the reference: the update is done, then the O token refused */
    if (res != MDELTA_NON_NUMERIC && res != MDELTA_NO_MEMORY &&
        of.bad_o_pos != 0) {
        out_errstring(c, "CLIENT_ERROR opaque token too long");
        return;
    }
    r.n = 0;
    switch (res) {
    case MDELTA_OK:
        /* q hides an update's answer, not a vivify's (as the
         * reference) */
        if (!of.no_reply || rs.created)
            ma_reply(c, tok, ntok, &of, &rs, buf);
        else
            r_quiet(c);
        return;
    case MDELTA_NON_NUMERIC:
        out_errstring(c, "CLIENT_ERROR cannot increment or decrement "
                         "non-numeric value");
        return;
    case MDELTA_NO_MEMORY:
        out_errstring(c, "SERVER_ERROR out of memory");
        return;
    case MDELTA_MISS:
        r_str(&r, "NF", 2);
        break;
    case MDELTA_EXISTS:
        r_str(&r, "EX", 2);
        break;
    }
    r_key_opaque(&r, tok, ntok, 2, &of);
    r_send(c, &r);
}

/* ------------------------------------------------------------------ */
/* mn, me                                                             */

void cmd_mn(conn *c, struct token *tok, int ntok)
{
    (void)tok;
    (void)ntok;
    out_string(c, "MN");
}

/* "ME <key> exp=<s> la=<s> cas=<n> fetch=<yes|no> cls=<id> size=<b>":
 * exp is negative seconds left (-1: never), as the reference prints. */
void cmd_me(conn *c, struct token *tok, int ntok)
{
    struct meta_peek pk;
    struct reply r;
    rel_time_t now = clock_now();

    conn_set_state(c, conn_new_cmd);

    ntok = meta_cut_at_nul(tok, ntok);
    if (ntok != 2 || tok[1].length > KEY_MAX_LENGTH) {
        out_errstring(c, "CLIENT_ERROR bad command line format");
        return;
    }
    STATS_ADD(c, meta_cmds, 1);
    if (!item_meta_peek(tok[1].value, tok[1].length, &pk)) {
        out_string(c, "EN");
        return;
    }
    r.n = 0;
    r_str(&r, "ME ", 3);
    r_keytext(&r, tok[1].value, tok[1].length, pk.key_binary);
    r_str(&r, " exp=", 5);
    r_int(&r, pk.exptime == 0 ? -1 : (int)(now - pk.exptime));
    r_str(&r, " la=", 4);
    r_uint(&r, (rel_time_t)(now - pk.time));
    r_str(&r, " cas=", 5);
    r_uint(&r, pk.cas);
    r_str(&r, pk.fetched ? " fetch=yes" : " fetch=no",
          pk.fetched ? 10 : 9);
    r_str(&r, " cls=", 5);
    r_uint(&r, pk.clsid);
    r_str(&r, " size=", 6);
    r_uint(&r, pk.size);
    r_send(c, &r);
}
