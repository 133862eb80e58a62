/*
 * clock.c: the coarse clock and the exptime conversion that depends on
 * it.  Linked into the daemon and the unit tests alike, so it uses no
 * libevent: the one-second timer that calls clock_tick() is an event of
 * the main thread's base, armed by main() next to the signal events.
 *
 * current_time counts seconds of CLOCK_MONOTONIC since clock_init()
 * (minus 2, see there), so setting the wall clock back or forth moves no
 * item's expiry; process_started is the wall-clock time of second 0,
 * used to convert absolute exptimes.  Only the main thread writes either
 * (after clock_init(), only clock_tick() writes current_time, with a
 * relaxed atomic store); no locks.
 */
#include "memcached.h"

volatile rel_time_t current_time;
volatile time_t process_started;
static struct timespec mono_start;  /* monotonic time at current_time 0 */

void clock_tick(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* Atomic: the engine's background threads read it with no other
     * synchronisation with this thread. */
    __atomic_store_n(&current_time,
                     (rel_time_t)(ts.tv_sec - mono_start.tv_sec),
                     __ATOMIC_RELAXED);
}

/* current_time starts at 2 so that REALTIME_EXPIRED (1) is already in
 * the past: a negative exptime must expire at once. */
void clock_init(void)
{
    clock_gettime(CLOCK_MONOTONIC, &mono_start);
    mono_start.tv_sec -= 2;
    process_started = time(NULL) - 2;
    clock_tick();
}

/*
 * exptime from the protocol to rel_time_t.  0 stays 0 (never).  Negative
 * means "already expired": REALTIME_EXPIRED is a time in the past as soon
 * as the clock has ticked once (the clock starts at 2, see clock_init).
 * Up to 30 days is relative; above that an absolute unix time, which, if
 * it lies before the process started, is also already expired.
 */
rel_time_t realtime(int64_t exptime)
{
    if (exptime == 0)
        return 0;
    if (exptime < 0)
        return REALTIME_EXPIRED;
    if (exptime > REALTIME_MAXDELTA) {
        if (exptime <= (int64_t)process_started)
            return REALTIME_EXPIRED;
        if (exptime - (int64_t)process_started > (int64_t)UINT32_MAX)
            return UINT32_MAX;
        return (rel_time_t)(exptime - process_started);
    }
    return (rel_time_t)(exptime + clock_now());
}
