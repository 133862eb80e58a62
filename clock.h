/*
 * clock.h: the coarse clock.  Item times are seconds since the process
 * started (rel_time_t), kept in `current_time`: written once a second by
 * the main thread's timer through clock_tick() (or by a unit test), read
 * everywhere through clock_now() without a lock -- a relaxed atomic load
 * of an aligned 32-bit value, one second stale at worst, which is
 * harmless.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>
#include <time.h>

/* Seconds since the process started (plus a small offset, see
 * clock_init()).  Item times are stored in this unit. */
typedef unsigned int rel_time_t;

#define REALTIME_MAXDELTA (60 * 60 * 24 * 30) /* 30 days: above, absolute */

/* The coarse clock: written by the main thread once a second. */
extern volatile rel_time_t current_time;
/* Read the clock: atomic because the main thread writes it meanwhile. */
static inline rel_time_t clock_now(void)
{
    return __atomic_load_n(&current_time, __ATOMIC_RELAXED);
}

/* Unix time at which current_time was 0. */
extern volatile time_t process_started;

/* Start the clock at 2 (so REALTIME_EXPIRED is already past).  Main
 * thread, before any other thread starts. */
void clock_init(void);
/* Bring current_time up to the monotonic clock (the 1 s timer). */
void clock_tick(void);

/* Convert a protocol exptime (0, negative, relative <= 30 days, or absolute
 * unix time) to rel_time_t.  Negative gives a time already in the past
 * (REALTIME_EXPIRED). */
#define REALTIME_EXPIRED ((rel_time_t)1)
rel_time_t realtime(int64_t exptime);

#endif /* CLOCK_H */
