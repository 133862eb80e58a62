/*
 * net.h: listening sockets and the accept loop (net.c, main thread).
 */
#ifndef NET_H
#define NET_H

#include <event.h>
#include <stdbool.h>

/* -U: bind the UDP sockets (every -l address).  Before the workers
 * start: each worker attaches a conn to every one.  false, with a message
 * on stderr, if one cannot be bound. */
bool net_udp_open(void);
/* Open the unix socket (-s) or the TCP listeners on base, and write the
 * port file.  false, with a message on stderr, on failure. */
bool net_listen(struct event_base *base);
/* Close the listeners (and remove the unix socket's file). */
void net_listen_close(void);
/* Close the UDP sockets, once the workers have stopped. */
void net_udp_close(void);

#endif /* NET_H */
