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
