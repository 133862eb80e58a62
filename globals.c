/*
 * globals.c: the server-wide settings, the coarse clock, and the exptime
 * conversion that depends on both.  Linked into the daemon and the unit
 * tests alike (which is why it is not in memcached.c, home of main()).
 *
 * `settings` is written by main() before threads start and later only by
 * admin commands on single fields; `current_time` only by the main
 * thread's clock timer (memcached.c) or by a unit test.
 */
#include "memcached.h"
#include "hash.h"

#include <string.h>

struct settings settings;
volatile rel_time_t current_time;
volatile time_t process_started;

void settings_init(void)
{
    memset(&settings, 0, sizeof(settings));
    settings.maxbytes = 64 * 1024 * 1024;
    settings.maxconns = 1024;
    settings.port = 11211;
    settings.udpport = 0;
    settings.verbose = 0;
    settings.evict_to_free = true;
    settings.access = 0700;
    settings.factor = 1.25;
    settings.chunk_size = 48;
    settings.num_threads = 4;
    settings.prefix_delimiter = ':';
    settings.reqs_per_event = 20;
    settings.use_cas = true;
    settings.backlog = 1024;
    settings.item_size_max = ITEM_SIZE_MAX_DEFAULT;
    settings.slab_page_size = SLAB_PAGE_SIZE;
    settings.slab_chunk_size_max = SLAB_PAGE_SIZE / 2;
    settings.maxconns_fast = true;
    settings.hashpower_init = 0;   /* 0: the engine's default (16) */
    settings.hash_algorithm = HASH_MURMUR3;
    settings.hashexpand = true;
    settings.flush_enabled = true;
    settings.dump_enabled = true;
    settings.watch_enabled = true;
    settings.binding_protocol = BIND_AUTO;
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
