/*
 * proto_meta.h: the meta text commands (mg, ms, md, ma, mn, me).
 */
#ifndef PROTO_META_H
#define PROTO_META_H

#include "memcached.h"
#include "conn.h"
#include "proto_text.h"

/* c->store_op of a connection reading an ms value: the value is then
 * finished by proto_meta_complete_nread(), not by the classic path. */
#define PROTO_META_STORE_OP 0x6d73

/* Handlers for proto_text.c's commands[] table. */
void cmd_mg(conn *c, struct token *tok, int ntok);
void cmd_ms(conn *c, struct token *tok, int ntok);
void cmd_md(conn *c, struct token *tok, int ntok);
void cmd_ma(conn *c, struct token *tok, int ntok);
void cmd_mn(conn *c, struct token *tok, int ntok);
void cmd_me(conn *c, struct token *tok, int ntok);

/* An ms value has been read completely into c->item: store it, reply,
 * release the item. */
void proto_meta_complete_nread(conn *c);
/* Free what the meta commands keep in ts (the connection is closing). */
void proto_meta_release(struct text_state *ts);

#endif /* PROTO_META_H */
