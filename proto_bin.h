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

/* The binary protocol, for conn_set_protocols. */
extern const struct protocol proto_bin_ops;

#endif /* PROTO_BIN_H */
