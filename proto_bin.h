/*
 * proto_bin.h: the binary protocol (request magic 0x80, response 0x81).
 */
#ifndef PROTO_BIN_H
#define PROTO_BIN_H

#include "memcached.h"
#include "conn.h"

#define BIN_REQ_MAGIC 0x80
#define BIN_RES_MAGIC 0x81
#define BIN_HEADER_LEN 24

/* Take one request out of c->rbuf and serve it; false if more bytes are
 * needed first. */
bool proto_bin_try_command(conn *c);
/* A storage request's value has been read into c->item. */
void proto_bin_complete_nread(conn *c);

#endif /* PROTO_BIN_H */
