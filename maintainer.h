/*
 * maintainer.h: the LRU maintainer thread (see maintainer.c).
 */
#ifndef MAINTAINER_H
#define MAINTAINER_H

#include "memcached.h"

/* Start and stop the thread ("-o lru_maintainer", "lru mode"). */
bool lru_maintainer_start(void);
void lru_maintainer_stop(void);
/* One pass of the maintainer over class id, in the calling thread
 * (tests).  Returns the items moved or freed. */
int lru_maintainer_juggle(unsigned int id);
/* Passes made so far ("stats" lru_maintainer_juggles). */
uint64_t maintainer_juggles(void);

#endif /* MAINTAINER_H */
