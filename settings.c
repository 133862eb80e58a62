/*
 * settings.c: the server-wide settings and their defaults.  Linked into
 * the daemon and the unit tests alike (which is why it is not in
 * memcached.c, home of main()).
 *
 * `settings` is written by main() before any thread starts and later
 * only by admin commands on single fields, through the atomic
 * accessors in memcached.h.  No locks.
 */
#include "memcached.h"
#include "hash.h"

#include <string.h>

struct settings settings;

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
