/*
 * proto_meta.h: the meta text commands (mg, ms, md, ma, mn, me).
 */
#ifndef PROTO_META_H
#define PROTO_META_H

#include "memcached.h"
#include "conn.h"
#include "proto_text.h"

/* Handlers for proto_text.c's commands[] table. */
void cmd_mg(conn *c, struct token *tok, int ntok);
void cmd_ms(conn *c, struct token *tok, int ntok);
void cmd_md(conn *c, struct token *tok, int ntok);
void cmd_ma(conn *c, struct token *tok, int ntok);
void cmd_mn(conn *c, struct token *tok, int ntok);
void cmd_me(conn *c, struct token *tok, int ntok);

/* Free what the meta commands keep in ts (the connection is closing). */
void proto_meta_release(struct text_state *ts);

#endif /* PROTO_META_H */
