/*
 * proto_common.h: what the protocols share (proto_common.c): the token
 * type of the text commands, noreply, the counting of gets and stores,
 * and the parsers and formatters whose exact behaviour the reference
 * fixes for every protocol alike.
 */
#ifndef PROTO_COMMON_H
#define PROTO_COMMON_H

#include "memcached.h"
#include "conn.h"
#include "items.h"

/* A command line split in place at spaces; value is NUL terminated. */
struct token {
    char *value;
    size_t length;
};

/* If the last token is "noreply", set c->noreply; returns c->noreply. */
bool set_noreply_maybe(conn *c, struct token *tok, int ntok);

/* Count a retrieval (get/gets, or touch/gat when `touch`) and a store in
 * the connection's thread stats, the same way for every protocol. */
void proto_count_get(conn *c, struct _stritem *it, enum get_status st,
                     bool touch);
void proto_count_store(conn *c, struct _stritem *it, enum store_op op,
                       enum store_result res);

/* The value of `it` ends in "\r\n", wherever its chunks put those two
 * bytes (a text value must; a shorter or other one is a bad chunk). */
bool proto_ends_in_crlf(struct _stritem *it);

/* Client flags: read as 64 bits (no minus sign), the low 32 kept, as
 * the reference does.  false on anything safe_strtoull refuses. */
bool proto_parse_flags(const char *s, uint32_t *flags);

/* exptime and value length: like the reference, read as a 64-bit number
 * and keep the low 32 bits as a signed value (so 4294967296 is 0). */
bool proto_parse_int32_wrapped(const char *s, int32_t *out);

/* The decimal digits of v at p (at most 20, no NUL); returns the end.
 * Used instead of snprintf on the hot path. */
char *proto_u64_to_text(uint64_t v, char *p);

#endif /* PROTO_COMMON_H */
