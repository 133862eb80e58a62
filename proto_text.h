/*
 * proto_text.h: the classic text protocol.
 */
#ifndef PROTO_TEXT_H
#define PROTO_TEXT_H

#include "memcached.h"

/* Try to take one command out of c->rbuf and run it.  Returns false if
 * no complete line is there yet (more bytes needed). */
bool proto_text_try_command(conn *c);
/* A value has been read completely into c->item: store it and reply. */
void proto_text_complete_nread(conn *c);

#endif /* PROTO_TEXT_H */
