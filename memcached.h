/*
 * memcached.h: types and globals shared by every module of the daemon.
 *
 * Holds the server-wide `settings` (written at start-up by main() and
 * afterwards only by the documented admin commands; settings.c), the
 * coarse clock (clock.h, included here because nearly every module reads
 * it), and the small helpers every module uses.  Nothing private to one
 * module lives here.
 *
 * Lock order for the whole daemon is written once, in thread.c's header.
 */
#ifndef MEMCACHED_H
#define MEMCACHED_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "clock.h"

#define KEY_MAX_LENGTH 250
#define SLAB_PAGE_SIZE (1024 * 1024)
#define ITEM_SIZE_MAX_DEFAULT (1024 * 1024)
#define ITEM_SIZE_MAX_LOWER 1024
#define ITEM_SIZE_MAX_UPPER (1024 * 1024 * 1024)
#define MAX_SLAB_CLASSES 64  /* ids 1..63 used; 0 means "no class" */

/*
 * The settings.  Every field: meaning, unit, who writes it.  All are set
 * by main() before any thread starts; the few changed at run time say so.
 */
struct settings {
    size_t maxbytes;          /* -m, bytes; cache_memlimit changes it */
    int maxconns;             /* -c, connections */
    int port;                 /* -p, TCP port (0: kernel picks) */
    int udpport;              /* -U, UDP port (0: off) */
    char *inter;              /* -l, comma list of listen addresses */
    int verbose;              /* -v count; verbosity command changes it */
    rel_time_t oldest_live;   /* flush_all: items stored at or before are
                                 dead once current_time >= this; 0: none */
    uint64_t oldest_cas;      /* flush_all: items with a lower CAS are dead
                                 (separates same-second sets); 0: none */
    bool evict_to_free;       /* false with -M: answer OOM, don't evict */
    char *socketpath;         /* -s, unix socket path, NULL: TCP */
    int access;               /* -a, unix socket permission mask */
    double factor;            /* -f, slab growth factor */
    int chunk_size;           /* -n, bytes of key+value in smallest class */
    int num_threads;          /* -t, worker threads */
    char prefix_delimiter;    /* -D, stats detail key prefix delimiter */
    bool detail_enabled;      /* stats detail on|off, -D turns on */
    int reqs_per_event;       /* -R, commands per connection per event */
    bool use_cas;             /* false with -C */
    int backlog;              /* -b, listen backlog */
    int item_size_max;        /* -I, bytes */
    int slab_page_size;       /* bytes per slab page (1 MB) */
    int slab_chunk_size_max;  /* -o slab_chunk_max, bytes; largest class */
    bool prealloc;            /* -L, allocate all pages at start */
    bool lock_memory;         /* -k, mlockall */
    bool maxconns_fast;       /* -o maxconns_fast: reject at the limit */
    int hashpower_init;       /* -o hashpower, log2 of initial buckets */
    int hash_algorithm;       /* -o hash_algorithm: HASH_MURMUR3/HASH_JENKINS */
    bool hashexpand;          /* false with -o no_hashexpand */
    bool shutdown_command;    /* -A */
    bool flush_enabled;       /* false with -F */
    bool dump_enabled;        /* false with -X */
    bool watch_enabled;       /* false with -W */
    int idle_timeout;         /* -o idle_timeout, seconds, 0: never */
    int tail_repair_time;     /* -o tail_repair_time, seconds */
    int binding_protocol;     /* -B: BIND_AUTO, BIND_ASCII, BIND_BINARY */
    char *auth_file;          /* -Y, text-protocol auth file */
    bool sasl;                /* -S, SASL over the binary protocol */
    char *pid_file;           /* -P */
    char *port_file;          /* --port-file (ours): write bound ports */
};

enum { BIND_AUTO = 0, BIND_ASCII = 1, BIND_BINARY = 2 };

extern struct settings settings;

/* Settings that admin commands change while workers run (verbosity,
 * cache_memlimit) are read and written through these. */
static inline int verbose_level(void)
{
    return __atomic_load_n(&settings.verbose, __ATOMIC_RELAXED);
}

static inline void set_verbose_level(int level)
{
    __atomic_store_n(&settings.verbose, level, __ATOMIC_RELAXED);
}

static inline size_t maxbytes_now(void)
{
    return __atomic_load_n(&settings.maxbytes, __ATOMIC_RELAXED);
}

/* Install default settings (settings.c). */
void settings_init(void);

/*
 * Stats callback: one "STAT key value" line.  The cookie is the caller's
 * (a connection, or a test's buffer).  klen/vlen are byte counts.
 */
typedef void (*ADD_STAT)(const char *key, size_t klen, const char *val,
                         size_t vlen, void *cookie);
/* printf-style helper around an ADD_STAT (stats.c) */
void append_stat(ADD_STAT add, void *cookie, const char *name,
                 const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Strict number parsers (util.c): reject empty input, trailing junk
 * (a single trailing space or \r\n is not allowed either: callers pass
 * NUL-terminated tokens), ERANGE, and a '-' in an unsigned field. */
bool safe_strtoull(const char *s, uint64_t *out);
bool safe_strtoul(const char *s, uint32_t *out);
bool safe_strtoll(const char *s, int64_t *out);
bool safe_strtol(const char *s, int32_t *out);
bool safe_strtod(const char *s, double *out);
/* A byte count with an optional k/m/g suffix ("1m"), as -I takes it. */
bool safe_strtosize(const char *s, uint64_t *out);

/* Logging gated on settings.verbose (util.c). One line per call. */
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* MEMCACHED_H */
