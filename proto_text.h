/*
 * proto_text.h: the classic text protocol.
 */
#ifndef PROTO_TEXT_H
#define PROTO_TEXT_H

#include "memcached.h"
#include "conn.h"
#include "items.h"
#include "proto_common.h"

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

/* The text protocol (classic and meta commands), for conn_set_protocols. */
extern const struct protocol proto_text_ops;

#endif /* PROTO_TEXT_H */
