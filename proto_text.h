/*
 * proto_text.h: the classic text protocol.
 */
#ifndef PROTO_TEXT_H
#define PROTO_TEXT_H

#include "memcached.h"
#include "conn.h"
#include "items.h"

/* A command line split in place at spaces; value is NUL terminated. */
struct token {
    char *value;
    size_t length;
};

/* A text command handler: tok[0] is the command, ntok counts tokens
 * (between the command table's min_tokens and max_tokens).  Handlers
 * for other modules' commands (proto_admin.c, proto_meta.c, ...) have
 * this type and a row in proto_text.c's commands[] table. */
typedef void (*cmd_handler)(conn *c, struct token *tok, int ntok);

/*
 * A text connection's own state (c->pstate), made when the connection
 * is found to speak text and kept until it closes.  The classic commands
 * (proto_text.c) and the meta commands (proto_meta.c) share it.
 */
struct ms_pending;
struct text_state {
    uint64_t req_cas;               /* cas: the unique, until the value is
                                       in */
    const char *swallow_msg;        /* reply once a refused value has been
                                       swallowed */
    struct ms_pending *ms;          /* meta ms: its flags until its value
                                       is in; made on the first ms
                                       (proto_meta.c) */
    enum store_op store_op;         /* of the command whose value is
                                       being read */
    bool swallow_noreply;           /* noreply of the refused command */
    bool authenticated;             /* -Y: logged in */
};

static inline struct text_state *text_state(conn *c)
{
    return c->pstate;
}

/* If the last token is "noreply", set c->noreply; returns c->noreply. */
bool set_noreply_maybe(conn *c, struct token *tok, int ntok);

/* Count a retrieval (get/gets, or touch/gat when `touch`) and a store in
 * the connection's thread stats, the same way for every protocol. */
void proto_count_get(conn *c, struct _stritem *it, enum get_status st,
                     bool touch);
void proto_count_store(conn *c, struct _stritem *it, enum store_op op,
                       enum store_result res);

/* The text protocol (classic and meta commands), for conn_set_protocols. */
extern const struct protocol proto_text_ops;

#endif /* PROTO_TEXT_H */
