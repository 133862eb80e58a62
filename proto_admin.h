/*
 * proto_admin.h: text admin commands for the background machinery
 * (lru_crawler, slabs, lru).  Rows in proto_text.c's commands[] table.
 */
#ifndef PROTO_ADMIN_H
#define PROTO_ADMIN_H

#include "proto_common.h"

void cmd_lru_crawler(conn *c, struct token *tok, int ntok);
void cmd_slabs(conn *c, struct token *tok, int ntok);
void cmd_lru(conn *c, struct token *tok, int ntok);

#endif /* PROTO_ADMIN_H */
