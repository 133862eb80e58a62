/*
 * slab_mover.h: moving slab pages between classes ("slabs reassign" and
 * the automover); see slab_mover.c.
 */
#ifndef SLAB_MOVER_H
#define SLAB_MOVER_H

#include "items.h"

/* "slabs reassign src dst" (dst 0: the global page pool). */
enum reassign_result {
    REASSIGN_OK, REASSIGN_RUNNING, REASSIGN_BADCLASS, REASSIGN_NOSPARE,
    REASSIGN_SAME, REASSIGN_DISABLED
};
enum reassign_result slab_mover_reassign(int src, int dst);

/* The mover thread (moves pages, runs the automover once a second).
 * Started by engine_threads_start() when slab_reassign is on. */
bool slab_mover_start(void);
void slab_mover_stop(void);
/* Tests: run the requested move in the calling thread, at most `tries`
 * passes over the page.  true if the page moved. */
bool slab_mover_run(unsigned int tries);
/* "stats" slab_reassign_* and slabs_moved. */
void slab_mover_stats(struct slab_move_stats *out);

#endif /* SLAB_MOVER_H */
