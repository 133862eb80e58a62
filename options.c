/*
 * options.c: the command line.  One table, `opts`, lists every option
 * once: its short flag, long name and "-o" key, how its value is parsed
 * and checked, where it is stored (a field of `settings`, of the
 * engine's tunables or of this file's `cmdline`), its -h text and its
 * "stats settings" line.  Everything else is generated from the table:
 * getopt's short-option string and long-option array, the parse of
 * "-o a,b=c", -h's usage text and the "stats settings" group (which
 * main() registers with stats.c).  Two short lists keep orders no row
 * can: stats_order (the reference's "stats settings" order) and
 * long_order (getopt's long-option array, for glibc's messages).
 * README.md's option table is checked against -h by t/options.t.  -i's
 * license and -V are here too.
 *
 * options_parse runs in main() before any other thread exists: it
 * writes settings, `cmdline` and a private copy of the engine's
 * tunables (handed to engine_config_set at the end), and exits with the
 * reference's exit codes and messages on anything invalid.
 * options_stats runs on workers and only reads: fields admin commands
 * change by atomic loads, the engine's tunables by engine_config_get.
 * No locks; no data but the constant table, the getopt arrays built
 * from it and those two parse-time copies.
 */
#include "memcached.h"
#include "options.h"
#include "crawler.h"
#include "engine_config.h"
#include "hash.h"
#include "sasl_auth.h"

#include <assert.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a row's value is parsed.  The typed kinds die with the row's
 * message (`err`, or for "-o" keys without one a generic message) on a
 * missing or bad value; a SET/CLEAR "-o" key ignores any "=value". */
enum opt_kind {
    OPT_SET,     /* bool field = true (no field: accepted, no effect) */
    OPT_CLEAR,   /* bool field = false */
    OPT_INT,     /* int field, safe_strtol, min <= v <= max */
    OPT_UINT,    /* uint32_t field, safe_strtoul, min <= v <= max */
    OPT_DOUBLE,  /* double field, safe_strtod, v > min */
    OPT_STRING,  /* char * field = the argument (argv outlives us) */
    OPT_CHOICE,  /* int field = value of the choice named by the argument */
    OPT_CUSTOM,  /* fn parses, checks and stores */
    OPT_NONE,    /* no flag or key: a "stats settings" line only */
};

/* Whether a CUSTOM row's flag takes an argument; the other kinds' follow
 * from the kind (SET/CLEAR: none, the rest: required).
 *
 * ARG_NEXT_WORD is room for a flag whose argument is optional and given
 * as a separate word, which getopt cannot express: replication will
 * make "-X" alone mean "disable dumping", as now, and "-X 11212" a
 * port.  getopt is told the flag takes no argument; when the flag stood
 * alone as a word and takes() says the next argv word is its argument,
 * the parser steps past that word (GNU getopt copes with optind moved
 * between its calls) and hands it to fn; otherwise fn gets NULL.  So
 * the row would be
 *     {'X', "disable-dumping", NULL, OPT_CUSTOM, S(dump_enabled),
 *      .arg = ARG_NEXT_WORD, .takes = is_port, .fn = dumping_or_port,
 *      ...}
 * with dumping_or_port() clearing dump_enabled when given NULL. */
enum opt_arg {
    ARG_NONE,
    ARG_REQUIRED,
    ARG_LONG_OPTIONAL,  /* "--name=x" allowed; the short flag takes none */
    ARG_NEXT_WORD,      /* see above */
};

#define UNUSED __attribute__((unused))

/* Whose field `off` is an offset into. */
enum opt_where { W_NONE, W_SETTINGS, W_ENGINE, W_CMDLINE };

/* How a row's "stats settings" line prints its field. */
enum stat_fmt {
    ST_NONE,     /* no line */
    ST_INT,      /* int, %d */
    ST_UINT,     /* unsigned int, %u */
    ST_SIZE,     /* size_t, %llu */
    ST_DOUBLE2,  /* double, %.2f */
    ST_DOUBLE3,  /* double, %.3f */
    ST_YESNO,    /* bool, yes/no */
    ST_ONOFF,    /* bool, on/off */
    ST_STR,      /* char *, NULL as "NULL" */
    ST_OCTAL,    /* int, %o */
    ST_CHAR,     /* char, %c */
    ST_CHOICE,   /* int, the choice's stat name */
    ST_SHOW,     /* show() */
};

struct opt_choice {
    const char *name;   /* as given on the command line */
    int value;
    const char *stat;   /* as "stats settings" shows it (NULL: name) */
};

struct opt;
/* CUSTOM rows: parse `arg` (NULL when none was given) and store it.
 * Other rows: an extra step run after the value is stored.  Dies on a
 * bad value. */
typedef void (*opt_fn)(const struct opt *o, char *arg);

struct opt {
    char flag;               /* short flag, or 0 */
    const char *lname;       /* long name, or NULL */
    const char *key;         /* "-o" key, or NULL */
    enum opt_kind kind;
    enum opt_where where;    /* the field: whose, */
    size_t off, size;        /* its offset and size */
    long long min, max;      /* INT/UINT range; DOUBLE: v > min */
    const struct opt_choice *choices;  /* CHOICE: ends with a NULL name */
    enum opt_arg arg;        /* CUSTOM rows: does the flag take one */
    opt_fn fn;               /* see opt_fn */
    bool (*takes)(const char *word);  /* ARG_NEXT_WORD: is it ours? */
    int code;                /* exit code on a bad value (0: 1) */
    const char *err;         /* its message: printf format, one %s (the
                                value) at most */
    const char *meta;        /* -h: "<num>" after the name */
    const char *join;        /* -h: shown after the previous row's name,
                                after this separator, sharing its text */
    const char *help;        /* -h text, each "\n" going on at HELP_COL;
                                NULL and no join: not shown */
    const char *stat;        /* "stats settings" name, or NULL */
    enum stat_fmt sfmt;      /* how it prints */
    const char *(*show)(void);  /* ST_SHOW: the value */
};

/* What main() takes from the command line besides settings. */
static struct cmdline {
    char *user;         /* -u */
    bool daemonize;     /* -d */
    bool max_core;      /* -r */
} cmdline;

/* The engine's tunables while parsing; engine_config_set at the end. */
static struct engine_config ecfg;

#define S(f) .where = W_SETTINGS, .off = offsetof(struct settings, f), \
             .size = sizeof(((struct settings *)0)->f)
#define E(f) .where = W_ENGINE, .off = offsetof(struct engine_config, f), \
             .size = sizeof(((struct engine_config *)0)->f)
#define C(f) .where = W_CMDLINE, .off = offsetof(struct cmdline, f), \
             .size = sizeof(((struct cmdline *)0)->f)

void options_die(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

/* ------------------------------------------------------------------ */
/* Storing a value                                                    */

/* The row's field, the engine's tunables taken from *engine. */
static void *field_in(const struct opt *o, struct engine_config *engine)
{
    switch (o->where) {
    case W_SETTINGS: return (char *)&settings + o->off;
    case W_ENGINE: return (char *)engine + o->off;
    case W_CMDLINE: return (char *)&cmdline + o->off;
    case W_NONE: break;
    }
    return NULL;
}

/* Dies with the row's message (or a "-o" key's generic one). */
static __attribute__((noreturn)) void bad_value(const struct opt *o,
                                                const char *arg)
{
    if (o->err != NULL)
        options_die(o->code ? o->code : 1, o->err, arg ? arg : "");
    if (o->kind == OPT_DOUBLE)
        options_die(1, "-o %s takes a number greater than %lld", o->key,
                    o->min);
    options_die(1, "-o %s takes a number from %lld to %lld", o->key, o->min,
                o->max);
}

static void set_int(const struct opt *o, const char *arg)
{
    int32_t v;

    if (arg == NULL || !safe_strtol(arg, &v) || v < o->min || v > o->max)
        bad_value(o, arg);
    *(int *)field_in(o, &ecfg) = v;
}

static void set_uint(const struct opt *o, const char *arg)
{
    uint32_t v;

    if (arg == NULL || !safe_strtoul(arg, &v) || v < o->min || v > o->max)
        bad_value(o, arg);
    *(uint32_t *)field_in(o, &ecfg) = v;
}

static void set_double(const struct opt *o, const char *arg)
{
    double v;

    /* "<=", not "!(v > min)": NaN is let through, as it always was. */
    if (arg == NULL || !safe_strtod(arg, &v) || v <= (double)o->min)
        bad_value(o, arg);
    *(double *)field_in(o, &ecfg) = v;
}

static void set_choice(const struct opt *o, const char *arg)
{
    const struct opt_choice *ch;

    for (ch = o->choices; arg != NULL && ch->name != NULL; ch++) {
        if (strcmp(arg, ch->name) == 0) {
            *(int *)field_in(o, &ecfg) = ch->value;
            return;
        }
    }
    bad_value(o, arg);
}

/* Parse and store one option's value (arg: NULL if none was given). */
static void apply(const struct opt *o, char *arg)
{
    switch (o->kind) {
    case OPT_SET:
    case OPT_CLEAR:
        if (o->where != W_NONE)
            *(bool *)field_in(o, &ecfg) = o->kind == OPT_SET;
        break;
    case OPT_INT: set_int(o, arg); break;
    case OPT_UINT: set_uint(o, arg); break;
    case OPT_DOUBLE: set_double(o, arg); break;
    case OPT_STRING:
        if (arg == NULL)
            bad_value(o, arg);
        *(char **)field_in(o, &ecfg) = arg;
        break;
    case OPT_CHOICE: set_choice(o, arg); break;
    case OPT_CUSTOM: o->fn(o, arg); return;
    case OPT_NONE: assert(!"a stats-only row has no flag or key"); return;
    }
    if (o->fn != NULL)
        o->fn(o, arg);
}

/* ------------------------------------------------------------------ */
/* The odd ones (CUSTOM rows and extra steps)                         */

static void set_unix_mask(const struct opt *o UNUSED, char *arg)
{
    char *end;
    long mask = strtol(arg, &end, 8);

    if (*arg == '\0' || *end != '\0' || mask < 0 || mask > 0777)
        options_die(64, "Invalid unix socket mask: %s", arg);
    settings.access = (int)mask;
}

static void set_memory_limit(const struct opt *o UNUSED, char *arg)
{
    uint64_t mb;

    /* Junk and 0 end at the reference's "1/2 of memory max" check in
     * check_sizes(); a negative size, which the reference takes as a
     * huge one, is refused here. */
    if (strchr(arg, '-') != NULL || !safe_strtoull(arg, &mb))
        mb = 0;
    if (strchr(arg, '-') != NULL || mb > (UINT64_MAX >> 21))
        options_die(64, "Memory limit must be a positive number of "
                    "megabytes, not \"%s\"", arg);
    settings.maxbytes = (size_t)(mb * 1024 * 1024);
}

/* -v, -vv...; "--verbose=x" counts once, x ignored. */
static void add_verbose(const struct opt *o UNUSED, char *arg UNUSED)
{
    settings.verbose++;
}

static void usage(void);

static void print_and_exit(const struct opt *o, char *arg UNUSED)
{
    if (o->flag == 'h')
        usage();
    else if (o->flag == 'i')
        printf(PACKAGE_STRING ": a memcached-compatible cache daemon.\n"
               "Distributed under the BSD 3-clause license.\n");
    else
        printf(PACKAGE_STRING "\n");
    exit(EXIT_SUCCESS);
}

static void set_delimiter(const struct opt *o UNUSED, char *arg)
{
    if (arg[0] == '\0')
        options_die(1, "No delimiter specified");
    settings.prefix_delimiter = arg[0];
    settings.detail_enabled = true;
}

static void warn_threads(const struct opt *o UNUSED, char *arg UNUSED)
{
    if (settings.num_threads > 64)
        fprintf(stderr, "WARNING: Setting a high number of worker"
                "threads is not recommended.\n"
                " Set this value to the number of cores in"
                " your machine or less.\n");
}

static void set_item_size(const struct opt *o UNUSED, char *arg)
{
    uint64_t size;

    if (!safe_strtosize(arg, &size) || size < ITEM_SIZE_MAX_LOWER)
        options_die(64, "Item max size cannot be less than 1024 bytes.");
    if (size > ITEM_SIZE_MAX_UPPER)
        options_die(64, "Cannot set item size limit higher than 1 GB.");
    settings.item_size_max = (int)size;
}

static void need_sasl(const struct opt *o UNUSED, char *arg UNUSED)
{
    if (!sasl_available())
        options_die(64, "-S: this build has no SASL support "
                    "(configure found no libsasl2)");
}

/* Options of features not built yet: refused with the row's message. */
static void refuse(const struct opt *o, char *arg UNUSED)
{
    options_die(o->code ? o->code : 1, o->err, o->key ? o->key : "");
}

static void set_hashpower(const struct opt *o UNUSED, char *arg)
{
    int32_t n;

    if (arg == NULL || !safe_strtol(arg, &n))
        options_die(1, "Missing numeric argument for hashpower");
    if (n < 12)
        options_die(1, "Initial hashtable multiplier of %d is too low", n);
    if (n > 32)
        options_die(1, "Initial hashtable multiplier of %d is too high\n"
                    "Choose a value based on \"STAT hash_power_level\" "
                    "from a running instance", n);
    settings.hashpower_init = n;
}

/* The maintainer keeps the segments; without it there is one LRU. */
static void sync_segmented(const struct opt *o UNUSED, char *arg UNUSED)
{
    ecfg.lru_segmented = ecfg.lru_maintainer;
}

static void check_lru_pct(const struct opt *o UNUSED, char *arg UNUSED)
{
    if (ecfg.hot_lru_pct + ecfg.warm_lru_pct > 80)
        options_die(1, "hot_lru_pct + warm_lru_pct cannot be more than "
                    "80%% combined");
}

static void enable_temp_lru(const struct opt *o UNUSED, char *arg UNUSED)
{
    ecfg.temp_lru = true;
}

/* "slab_automove" alone means 1. */
static void set_automove(const struct opt *o, char *arg)
{
    set_uint(o, arg != NULL ? arg : "1");
}

/* A choice list's first entry is the default, and what "stats
 * settings" shows for a value not in the list. */
static const struct opt_choice protocols[] = {
    {"auto", BIND_AUTO, "auto-negotiate"}, {"binary", BIND_BINARY, NULL},
    {"ascii", BIND_ASCII, NULL}, {NULL, 0, NULL}
};

static const struct opt_choice hashes[] = {
    {"murmur3", HASH_MURMUR3, NULL}, {"jenkins", HASH_JENKINS, NULL},
    {NULL, 0, NULL}
};

static const char *show_crawler(void)
{
    return crawler_running() ? "yes" : "no";
}

static const char *show_ascii_auth(void)
{
    return settings.auth_file != NULL ? "yes" : "no";
}

static const char *show_no(void)
{
    return "no";
}

#define ST(name, fmt) .stat = name, .sfmt = ST_##fmt  /* its stats line */
#define INTS .min = 1, .max = INT32_MAX      /* a positive int */
#define NATS .min = 0, .max = INT32_MAX      /* 0 or a positive int */

static void parse_extended(const struct opt *o, char *arg);

/*
 * The options, in -h order: flags, then "-o" keys, then those -h does
 * not show.  A flag's row order does not matter to getopt (long_order
 * below keeps its long-option array as it was).
 */
static const struct opt opts[] = {
    {'p', "port", NULL, OPT_INT, S(port), .min = 0, .max = 65535,
     .code = 64, .err = "ERROR: Invalid port number %s.", .meta = "<num>",
     .help = "TCP port to listen on (default: 11211; 0: any free\n"
             "port, see --port-file)", ST("tcpport", INT)},
    {'U', "udp-port", NULL, OPT_INT, S(udpport), .min = 0, .max = 65535,
     .code = 64, .err = "ERROR: Invalid port number %s.", .meta = "<num>",
     .help = "UDP port (default: 0, off)", ST("udpport", INT)},
    {'s', "unix-socket", NULL, OPT_STRING, S(socketpath), .meta = "<file>",
     .help = "listen on this unix socket instead of TCP",
     ST("domain_socket", STR)},
    {'a', "unix-mask", NULL, OPT_CUSTOM, S(access), .arg = ARG_REQUIRED,
     .fn = set_unix_mask, .meta = "<mask>",
     .help = "permission mask of the unix socket, octal\n(default: 700)",
     ST("umask", OCTAL)},
    {'A', "enable-shutdown", NULL, OPT_SET, S(shutdown_command),
     .help = "allow the \"shutdown\" command", ST("shutdown_command", YESNO)},
    {'l', "listen", NULL, OPT_STRING, S(inter), .meta = "<addr>",
     .help = "addresses to listen on, comma separated, each\n"
             "host, host:port, [ipv6] or [ipv6]:port\n"
             "(default: every interface, IPv4 and IPv6)", ST("inter", STR)},
    {'d', "daemon", NULL, OPT_SET, C(daemonize),
     .help = "run in the background"},
    {'r', "enable-coredumps", NULL, OPT_SET, C(max_core),
     .help = "raise the core file size limit to the maximum"},
    {'u', "user", NULL, OPT_STRING, C(user), .meta = "<user>",
     .help = "run as this user (required when started as root)"},
    {'m', "memory-limit", NULL, OPT_CUSTOM, S(maxbytes),
     .arg = ARG_REQUIRED, .fn = set_memory_limit, .meta = "<num>",
     .help = "item memory in megabytes (default: 64)", ST("maxbytes", SIZE)},
    {'M', "disable-evictions", NULL, OPT_CLEAR, S(evict_to_free),
     .help = "answer an error when memory is full instead of\n"
             "evicting items", ST("evictions", ONOFF)},
    {'c', "conn-limit", NULL, OPT_INT, S(maxconns), INTS,
     .err = "Maximum connections must be greater than 0", .meta = "<num>",
     .help = "most simultaneous connections (default: 1024)",
     ST("maxconns", INT)},
    {'k', "lock-memory", NULL, OPT_SET, S(lock_memory),
     .help = "lock all memory into RAM (mlockall)"},
    {'v', "verbose", NULL, OPT_CUSTOM, S(verbose),
     .arg = ARG_LONG_OPTIONAL, .fn = add_verbose,
     .help = "log errors and warnings; -vv also commands and\n"
             "replies; -vvv also connection state changes",
     ST("verbosity", INT)},
    {'h', "help", NULL, OPT_CUSTOM, .fn = print_and_exit,
     .help = "print this help and exit"},
    {'i', "license", NULL, OPT_CUSTOM, .fn = print_and_exit,
     .help = "print the license and exit"},
    {'V', "version", NULL, OPT_CUSTOM, .fn = print_and_exit,
     .help = "print the version and exit"},
    {'P', "pidfile", NULL, OPT_STRING, S(pid_file), .meta = "<file>",
     .help = "write the process id to this file (with -d);\n"
             "removed again at a clean exit"},
    {'f', "slab-growth-factor", NULL, OPT_DOUBLE, S(factor), .min = 1,
     .err = "Factor must be greater than 1", .meta = "<num>",
     .help = "size class growth factor (default: 1.25)",
     ST("growth_factor", DOUBLE2)},
    {'n', "slab-min-size", NULL, OPT_INT, S(chunk_size), INTS,
     .err = "Chunk size must be greater than 0", .meta = "<bytes>",
     .help = "key+value+flags space of the smallest class\n(default: 48)",
     ST("chunk_size", INT)},
    {'L', "enable-largepages", NULL, OPT_SET, S(prealloc),
     .help = "preallocate all item memory at start"},
    {'D', NULL, NULL, OPT_CUSTOM, S(prefix_delimiter), .arg = ARG_REQUIRED,
     .fn = set_delimiter, .meta = "<char>",
     .help = "key prefix delimiter for \"stats detail\" (default:\n"
             "':'); giving it turns detail collection on",
     ST("stat_key_prefix", CHAR)},
    {'t', "threads", NULL, OPT_INT, S(num_threads), INTS,
     .fn = warn_threads, .err = "Number of threads must be greater than 0",
     .meta = "<num>", .help = "worker threads (default: 4)",
     ST("num_threads", INT)},
    {'R', "max-reqs-per-event", NULL, OPT_INT, S(reqs_per_event), INTS,
     .err = "Number of requests per event must be greater than 0",
     .help = "commands one connection may run before others\n"
             "get a turn (default: 20)", ST("reqs_per_event", INT)},
    {'C', "disable-cas", NULL, OPT_CLEAR, S(use_cas),
     .help = "no CAS values (saves 8 bytes per item)",
     ST("cas_enabled", YESNO)},
    {'b', "listen-backlog", NULL, OPT_INT, S(backlog), NATS,
     .err = "Invalid listen backlog: %s", .meta = "<num>",
     .help = "listen queue length (default: 1024)", ST("tcp_backlog", INT)},
    {'B', "protocol", NULL, OPT_CHOICE, S(binding_protocol),
     .choices = protocols, .code = 64,
     .err = "Invalid value for binding protocol: %s\n"
            " -- should be one of auto, binary, or ascii",
     .meta = "<name>",
     .help = "ascii, binary, or auto: the first byte of each\n"
             "connection decides (default: auto)",
     ST("binding_protocol", CHOICE)},
    {'I', "max-item-size", NULL, OPT_CUSTOM, S(item_size_max),
     .arg = ARG_REQUIRED, .fn = set_item_size, .meta = "<num>",
     .help = "largest item, k/m suffix allowed (default: 1m,\n"
             "min: 1k, max: 1024m)", ST("item_size_max", INT)},
    {'S', "enable-sasl", NULL, OPT_SET, S(sasl), .fn = need_sasl,
     .help = "require SASL authentication (binary protocol\n"
             "only; Cyrus SASL, service \"memcached\", its\n"
             "config in $SASL_CONF_PATH/memcached.conf)",
     ST("auth_enabled_sasl", YESNO)},
    {'F', "disable-flush-all", NULL, OPT_CLEAR, S(flush_enabled),
     .help = "refuse the flush_all command", ST("flush_enabled", YESNO)},
    {'X', "disable-dumping", NULL, OPT_CLEAR, S(dump_enabled),
     .help = "refuse stats cachedump and lru_crawler metadump",
     ST("dump_enabled", YESNO)},
    {'W', "disable-watch", NULL, OPT_CLEAR, S(watch_enabled),
     .help = "refuse the watch command", ST("watch_enabled", YESNO)},
    {'Y', "auth-file", NULL, OPT_STRING, S(auth_file), .meta = "<file>",
     .help = "require a login: lines \"user:password\"; a client\n"
             "first sends \"set <any key> 0 0 <n>\" with the\n"
             "value \"<user> <password>\"",
     ST("auth_enabled_ascii", SHOW), .show = show_ascii_auth},
    {'e', "memory-file", NULL, OPT_CUSTOM, .arg = ARG_REQUIRED,
     .fn = refuse, .code = 64,
     .err = "-e: memory files are not supported by this build yet",
     .meta = "<file>",
     .help = "restartable cache in a mapped file (not built yet)"},
    {0, "port-file", NULL, OPT_STRING, S(port_file), .meta = "<file>",
     .help = "write the bound ports to this file, one line each\n"
             "(\"TCP INET: 11211\"), as the environment\n"
             "variable MEMCACHED_PORT_FILENAME also does"},
    {'o', "extended", NULL, OPT_CUSTOM, .arg = ARG_REQUIRED,
     .fn = parse_extended, .help = "comma separated extended options:"},

    /* "-o" keys.  Those without `err` get "-o <key> takes a number ...". */
    {0, NULL, "hashpower", OPT_CUSTOM, S(hashpower_init),
     .fn = set_hashpower, .meta = "<n>",
     .help = "log2 of the initial hash table size (12..32;\n"
             "default: 16); the table grows by itself",
     ST("hashpower_init", INT)},
    {0, NULL, "no_hashexpand", OPT_CLEAR, S(hashexpand),
     .help = "never grow the hash table"},
    {0, NULL, "hash_algorithm", OPT_CHOICE, S(hash_algorithm),
     .choices = hashes,
     .err = "Unknown hash_algorithm option (jenkins, murmur3)",
     .meta = "<name>", .help = "murmur3 (default) or jenkins",
     ST("hash_algorithm", CHOICE)},
    {0, NULL, "idle_timeout", OPT_INT, S(idle_timeout), NATS,
     .err = "idle_timeout takes a number of seconds", .meta = "<sec>",
     .help = "close connections idle this long (default: 0,\nnever)",
     ST("idle_timeout", INT)},
    {0, NULL, "maxconns_fast", OPT_SET, S(maxconns_fast),
     .help = "at the connection limit, refuse new\n"
             "connections at once (default) or stop accepting",
     ST("maxconns_fast", YESNO)},
    {0, NULL, "no_maxconns_fast", OPT_CLEAR, S(maxconns_fast),
     .join = " / "},
    /* Bytes, as the reference reads it (its help says KB). */
    {0, NULL, "slab_chunk_max", OPT_INT, S(slab_chunk_size_max), INTS,
     .err = "slab_chunk_max takes a size in bytes", .meta = "<bytes>",
     .help = "largest slab chunk (default: 524288); must\n"
             "divide -I and the 1 MB page", ST("slab_chunk_max", INT)},
    {0, NULL, "tail_repair_time", OPT_INT, S(tail_repair_time), NATS,
     .err = "tail_repair_time takes a number of seconds", .meta = "<sec>",
     .help = "accepted for compatibility", ST("tail_repair_time", INT)},
    {0, NULL, "lru_maintainer", OPT_SET, E(lru_maintainer),
     .fn = sync_segmented,
     .help = "segmented LRU (HOT, WARM, COLD)\n"
             "kept by a background thread (default) / one\n"
             "plain LRU per class", ST("lru_maintainer_thread", YESNO)},
    {0, NULL, "no_lru_maintainer", OPT_CLEAR, E(lru_maintainer),
     .fn = sync_segmented, .join = " / "},
    {0, NULL, "hot_lru_pct", OPT_UINT, E(hot_lru_pct), .max = 80,
     .fn = check_lru_pct, .meta = "<n>",
     .help = "% of a class's memory HOT may hold (default: 20)",
     ST("hot_lru_pct", UINT)},
    {0, NULL, "warm_lru_pct", OPT_UINT, E(warm_lru_pct), .max = 80,
     .fn = check_lru_pct, .meta = "<n>",
     .help = "% WARM may hold (default: 40; hot+warm <= 80)",
     ST("warm_lru_pct", UINT)},
    {0, NULL, "hot_max_factor", OPT_DOUBLE, E(hot_max_factor),
     .meta = "<f>",
     .help = "HOT items older than COLD's tail age times this\n"
             "move to COLD (default: 0.2)", ST("hot_max_factor", DOUBLE2)},
    {0, NULL, "warm_max_factor", OPT_DOUBLE, E(warm_max_factor),
     .meta = "<f>", .help = "likewise for WARM (default: 2.0)",
     ST("warm_max_factor", DOUBLE2)},
    {0, NULL, "temporary_ttl", OPT_UINT, E(temporary_ttl), NATS,
     .fn = enable_temp_lru, .meta = "<sec>",
     .help = "items with a TTL below this go to the TEMP LRU\n"
             "and are never evicted early (default: off, 61)",
     ST("temporary_ttl", INT)},
    {0, NULL, "lru_crawler", OPT_SET, E(lru_crawler),
     .help = "background reclaim of expired items\n(default: on)",
     ST("lru_crawler", SHOW), .show = show_crawler},
    {0, NULL, "no_lru_crawler", OPT_CLEAR, E(lru_crawler), .join = " / "},
    {0, NULL, "lru_crawler_sleep", OPT_UINT, E(crawler_sleep),
     .max = 1000000, .meta = "<us>",
     .help = "pause per 1000 items crawled (default: 100)",
     ST("lru_crawler_sleep", UINT)},
    {0, NULL, "lru_crawler_tocrawl", OPT_UINT, E(crawler_tocrawl),
     .max = UINT32_MAX, .meta = "<n>",
     .help = "items checked per LRU per crawl (0: all)",
     ST("lru_crawler_tocrawl", UINT)},
    {0, NULL, "slab_reassign", OPT_SET, E(slab_reassign),
     .help = "allow moving slab pages between\nclasses (default: on)",
     ST("slab_reassign", YESNO)},
    {0, NULL, "no_slab_reassign", OPT_CLEAR, E(slab_reassign),
     .join = " / "},
    {0, NULL, "slab_automove", OPT_CUSTOM, E(slab_automove), .max = 2,
     .fn = set_automove, .meta = "<0|1|2>",
     .help = "move pages to evicting classes: off, on\n"
             "(default), aggressive", ST("slab_automove", INT)},
    {0, NULL, "slab_automove_ratio", OPT_DOUBLE, E(slab_automove_ratio),
     .meta = "<f>", .help = "tuning of\nautomove 1 (defaults: 0.8, 30)",
     ST("slab_automove_ratio", DOUBLE2)},
    {0, NULL, "slab_automove_window", OPT_UINT, E(slab_automove_window),
     .max = 3600, .meta = "<sec>", .join = ", ",
     ST("slab_automove_window", UINT)},
    /* Everything "modern" turns on is already the default. */
    {0, NULL, "modern", OPT_SET,
     .help = "accepted; its settings are the defaults"},

    /* Not in -h. */
    {'Z', "enable-ssl", NULL, OPT_CUSTOM, .fn = refuse, .code = 64,
     .err = "-Z: TLS is not supported by this build"},
    {0, NULL, "track_sizes", OPT_CUSTOM, .fn = refuse,
     .err = "-o %s: not supported by this build yet",
     ST("track_sizes", SHOW), .show = show_no},
    {0, NULL, "read_buf_mem_limit", OPT_CUSTOM, .fn = refuse,
     .err = "-o %s: not supported by this build yet"},

    /* "stats settings" lines no option sets. */
    {0, NULL, NULL, OPT_NONE, S(oldest_live), ST("oldest", UINT)},
    {0, NULL, NULL, OPT_NONE, S(num_threads), ST("num_threads_per_udp", INT)},
    {0, NULL, NULL, OPT_NONE, S(detail_enabled), ST("detail_enabled", YESNO)},
    {0, NULL, NULL, OPT_NONE, E(lru_segmented), ST("lru_segmented", YESNO)},
    {0, NULL, NULL, OPT_NONE, E(temp_lru), ST("temp_lru", YESNO)},
    {0, NULL, NULL, OPT_NONE, E(slab_automove_freeratio),
     ST("slab_automove_freeratio", DOUBLE3)},
};

/* "stats settings" prints the rows' lines in the reference's order. */
static const char *const stats_order[] = {
    "maxbytes", "maxconns", "tcpport", "udpport", "inter", "verbosity",
    "oldest", "evictions", "domain_socket", "umask", "shutdown_command",
    "growth_factor", "chunk_size", "num_threads", "num_threads_per_udp",
    "stat_key_prefix", "detail_enabled", "reqs_per_event", "cas_enabled",
    "tcp_backlog", "binding_protocol", "auth_enabled_sasl",
    "auth_enabled_ascii", "item_size_max", "maxconns_fast", "hashpower_init",
    "slab_reassign", "slab_automove", "slab_automove_ratio",
    "slab_automove_window", "slab_chunk_max", "lru_crawler",
    "lru_crawler_sleep", "lru_crawler_tocrawl", "tail_repair_time",
    "flush_enabled", "dump_enabled", "hash_algorithm",
    "lru_maintainer_thread", "lru_segmented", "hot_lru_pct", "warm_lru_pct",
    "hot_max_factor", "warm_max_factor", "temp_lru", "temporary_ttl",
    "slab_automove_freeratio", "idle_timeout", "track_sizes",
    "watch_enabled",
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))
#define NSTATS (sizeof(stats_order) / sizeof(stats_order[0]))
#define LONG_ONLY 256     /* getopt's value for opts[i] with no flag: +i */
#define HELP_COL 26       /* -h: where the help text starts */

static const struct opt *find_key(const char *key)
{
    size_t i;

    for (i = 0; i < NOPTS; i++)
        if (opts[i].key != NULL && strcmp(opts[i].key, key) == 0)
            return &opts[i];
    return NULL;
}

/* -o a,b=c: each key's row, in order; empty items are skipped. */
static void parse_extended(const struct opt *o UNUSED, char *arg)
{
    char *key, *save = NULL;

    for (key = strtok_r(arg, ",", &save); key != NULL;
         key = strtok_r(NULL, ",", &save)) {
        char *val = strchr(key, '=');
        const struct opt *k;

        if (val != NULL)
            *val++ = '\0';
        k = find_key(key);
        if (k == NULL)
            options_die(1, "Illegal suboption \"%s\"", key);
        apply(k, val);
    }
}

/* ------------------------------------------------------------------ */
/* -h                                                                 */

/* One row's name as -h shows it; returns the number of bytes printed. */
static int help_name(const struct opt *o, const char *prefix)
{
    const char *eq = o->meta != NULL ? "=" : "";
    const char *meta = o->meta != NULL ? o->meta : "";

    if (o->key != NULL)
        return printf("%s%s%s%s", prefix, o->key, eq, meta);
    if (o->lname == NULL)
        return printf("-%c%s%s", o->flag, *meta ? " " : "", meta);
    if (o->flag == 0)
        return printf("    --%s%s%s", o->lname, eq, meta);
    return printf("-%c, --%s%s%s", o->flag, o->lname, eq, meta);
}

/* Each row with help text: its name (and those of the rows joined to
 * it) padded to HELP_COL with at least one space (two after joined
 * names, as the text always had it), then the text. */
static void usage(void)
{
    const char *s;
    size_t i, j;
    int gap;

    printf(PACKAGE_STRING "\n");
    for (i = 0; i < NOPTS; i = j) {
        j = i + 1;
        if (opts[i].help == NULL)
            continue;
        gap = HELP_COL - help_name(&opts[i], "   - ");
        if (gap < 1)
            gap = 1;
        for (; j < NOPTS && opts[j].join != NULL; j++) {
            help_name(&opts[j], opts[j].join);
            gap = 2;
        }
        printf("%*s", gap, "");
        for (s = opts[i].help; *s != '\0'; s++) {
            putchar(*s);
            if (*s == '\n')
                printf("%*s", HELP_COL, "");
        }
        putchar('\n');
    }
}

/* ------------------------------------------------------------------ */
/* getopt's tables                                                    */

/* glibc lists the candidates of an ambiguous abbreviation ("--u",
 * "--li", "--dis") in long-option array order, so the array keeps the
 * order it had: rows with these flags first, in this order (the
 * reference's), then the rest in table order.  New options need not be
 * added here. */
static const char long_order[] = "aApsUmMckhiVrvdluPfnLtRCbBISFXWYeZo";

static int getopt_has_arg(const struct opt *o)
{
    if (o->kind == OPT_SET || o->kind == OPT_CLEAR)
        return no_argument;
    if (o->kind != OPT_CUSTOM || o->arg == ARG_REQUIRED)
        return required_argument;
    return o->arg == ARG_LONG_OPTIONAL ? optional_argument : no_argument;
}

static size_t long_rank(const struct opt *o)
{
    const char *p = o->flag != 0 ? strchr(long_order, o->flag) : NULL;

    return p != NULL ? (size_t)(p - long_order) : sizeof(long_order);
}

static char shortopts[3 * NOPTS + 1];
static struct option longopts[NOPTS + 1];

static void build_getopt(void)
{
    size_t i, rank, n = 0;
    char *s = shortopts;

    for (i = 0; i < NOPTS; i++) {
        if (opts[i].flag == 0)
            continue;
        *s++ = opts[i].flag;
        if (getopt_has_arg(&opts[i]) == required_argument)
            *s++ = ':';
    }
    *s = '\0';
    for (rank = 0; rank <= sizeof(long_order); rank++) {
        for (i = 0; i < NOPTS; i++) {
            if (opts[i].lname == NULL || long_rank(&opts[i]) != rank)
                continue;
            longopts[n].name = opts[i].lname;
            longopts[n].has_arg = getopt_has_arg(&opts[i]);
            longopts[n].val = opts[i].flag ? opts[i].flag
                                           : LONG_ONLY + (int)i;
            n++;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Checks of the table (debug builds) and of the result               */

#ifndef NDEBUG
/* The field sizes a kind and a stats format go with (0: not checked). */
static const size_t kind_size[] = {
    [OPT_SET] = sizeof(bool), [OPT_CLEAR] = sizeof(bool),
    [OPT_INT] = sizeof(int), [OPT_UINT] = sizeof(uint32_t),
    [OPT_DOUBLE] = sizeof(double), [OPT_STRING] = sizeof(char *),
    [OPT_CHOICE] = sizeof(int), [OPT_CUSTOM] = 0, [OPT_NONE] = 0,
};

static const size_t stat_size[] = {
    [ST_NONE] = 0, [ST_INT] = sizeof(int), [ST_UINT] = sizeof(unsigned),
    [ST_SIZE] = sizeof(size_t), [ST_DOUBLE2] = sizeof(double),
    [ST_DOUBLE3] = sizeof(double), [ST_YESNO] = sizeof(bool),
    [ST_ONOFF] = sizeof(bool), [ST_STR] = sizeof(char *),
    [ST_OCTAL] = sizeof(int), [ST_CHAR] = sizeof(char),
    [ST_CHOICE] = sizeof(int), [ST_SHOW] = 0,
};

/* Each stats_order name is one row's, and each row's line is listed. */
static void check_stats_order(void)
{
    size_t i, j, n, rows = 0;

    for (j = 0; j < NOPTS; j++)
        rows += opts[j].stat != NULL;
    assert(rows == NSTATS);
    for (i = 0; i < NSTATS; i++) {
        for (n = j = 0; j < NOPTS; j++)
            n += opts[j].stat && strcmp(opts[j].stat, stats_order[i]) == 0;
        assert(n == 1);
    }
}

/* A wrong row fails every test that starts the debug binary. */
static void check_table(void)
{
    size_t i, j;

    for (i = 0; i < NOPTS; i++) {
        const struct opt *o = &opts[i];

        assert((o->kind == OPT_NONE) ==
               (o->flag == 0 && o->lname == NULL && o->key == NULL));
        assert((o->flag == 0 && o->lname == NULL) || o->key == NULL);
        assert(o->kind == OPT_CUSTOM ? o->fn != NULL : o->arg == ARG_NONE);
        assert(o->arg != ARG_NEXT_WORD || (o->flag != 0 && o->takes));
        assert(kind_size[o->kind] == 0 || o->where == W_NONE ||
               o->size == kind_size[o->kind]);
        assert((o->stat != NULL) == (o->sfmt != ST_NONE));
        assert(o->sfmt == ST_SHOW ? o->show != NULL
               : stat_size[o->sfmt] == 0 || o->size == stat_size[o->sfmt]);
        assert(o->where != W_NONE || o->kind == OPT_SET ||
               o->kind == OPT_CUSTOM);
        assert(o->where != W_CMDLINE || o->sfmt == ST_NONE);
        assert(o->key != NULL || o->err != NULL || o->kind == OPT_CUSTOM ||
               o->kind == OPT_SET || o->kind == OPT_CLEAR ||
               o->kind == OPT_STRING || o->kind == OPT_NONE);
        assert(o->kind != OPT_CHOICE || o->choices != NULL);
        assert(o->join == NULL || (o->help == NULL && i > 0));
        for (j = 0; j < i; j++) {
            assert(o->flag == 0 || o->flag != opts[j].flag);
            assert(o->lname == NULL || opts[j].lname == NULL ||
                   strcmp(o->lname, opts[j].lname) != 0);
            assert(o->key == NULL || opts[j].key == NULL ||
                   strcmp(o->key, opts[j].key) != 0);
        }
    }
    check_stats_order();
}
#endif

static void check_sizes(void)
{
    if ((uint64_t)settings.item_size_max > settings.maxbytes / 2)
        options_die(64, "Cannot set item size limit higher than 1/2 of memory "
                    "max.");
    if (settings.slab_chunk_size_max > settings.item_size_max)
        options_die(64, "slab_chunk_max (bytes: %d) cannot be larger than -I "
                    "(item_size_max %d)", settings.slab_chunk_size_max,
                    settings.item_size_max);
    if (settings.item_size_max % settings.slab_chunk_size_max != 0)
        options_die(64, "-I (item_size_max: %d) must be evenly divisible by "
                    "slab_chunk_max (bytes: %d)", settings.item_size_max,
                    settings.slab_chunk_size_max);
    if (settings.slab_page_size % settings.slab_chunk_size_max != 0)
        options_die(64, "slab_chunk_max (bytes: %d) must divide evenly into "
                    "%d (slab_page_size)", settings.slab_chunk_size_max,
                    settings.slab_page_size);
}

/* ------------------------------------------------------------------ */

static const struct opt *find_flag(int c)
{
    size_t i;

    if (c >= LONG_ONLY)
        return &opts[c - LONG_ONLY];
    for (i = 0; i < NOPTS; i++)
        if (opts[i].flag != 0 && opts[i].flag == c)
            return &opts[i];
    return NULL;
}

/* Did the flag just returned stand alone as argv[optind - 1]? */
static bool flag_was_word(const struct opt *o, char **argv)
{
    const char *w = argv[optind - 1];

    return (w[0] == '-' && w[1] == o->flag && w[2] == '\0') ||
           (o->lname != NULL && strncmp(w, "--", 2) == 0 &&
            strncmp(w + 2, o->lname, strlen(w + 2)) == 0);
}

void options_parse(int argc, char **argv, char **user, bool *daemonize_me,
                   bool *max_core)
{
    const struct opt *o;
    char *arg;
    int c;

#ifndef NDEBUG
    check_table();
#endif
    build_getopt();
    engine_config_get(&ecfg);
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        o = find_flag(c);
        if (o == NULL)
            options_die(1, "Illegal argument \"%c\"", c);
        arg = optarg;
        if (o->arg == ARG_NEXT_WORD && optind < argc &&
            flag_was_word(o, argv) && o->takes(argv[optind]))
            arg = argv[optind++];
        apply(o, arg);
    }
    if (optind < argc)
        options_die(1, "Unexpected argument \"%s\"", argv[optind]);
    check_sizes();
    engine_config_set(&ecfg);
    *user = cmdline.user;
    *daemonize_me = cmdline.daemonize;
    *max_core = cmdline.max_core;
}

/* ------------------------------------------------------------------ */
/* "stats settings"                                                   */

#define LOAD(type, p) __atomic_load_n((const type *)(p), __ATOMIC_RELAXED)

static const char *choice_stat(const struct opt *o, int value)
{
    const struct opt_choice *ch;

    for (ch = o->choices; ch->name != NULL; ch++)
        if (ch->value == value)
            break;
    if (ch->name == NULL)
        ch = o->choices;
    return ch->stat != NULL ? ch->stat : ch->name;
}

/* One row's line; *e is a snapshot of the engine's tunables.  Fields
 * only written before the workers start are read plainly. */
static void stat_line(const struct opt *o, struct engine_config *e,
                      ADD_STAT add, void *c)
{
    const void *p = field_in(o, e);
    char buf[32];
    const char *s, *v = buf;

    switch (o->sfmt) {
    case ST_INT: snprintf(buf, sizeof(buf), "%d", LOAD(int, p)); break;
    case ST_UINT: snprintf(buf, sizeof(buf), "%u", LOAD(unsigned, p)); break;
    case ST_SIZE:
        snprintf(buf, sizeof(buf), "%llu",
                 (unsigned long long)LOAD(size_t, p));
        break;
    case ST_DOUBLE2:
    case ST_DOUBLE3:
        snprintf(buf, sizeof(buf), "%.*f", o->sfmt == ST_DOUBLE2 ? 2 : 3,
                 *(const double *)p);
        break;
    case ST_YESNO: v = LOAD(bool, p) ? "yes" : "no"; break;
    case ST_ONOFF: v = LOAD(bool, p) ? "on" : "off"; break;
    case ST_STR:
        s = *(char *const *)p;
        v = s != NULL ? s : "NULL";
        break;
    case ST_OCTAL: snprintf(buf, sizeof(buf), "%o", LOAD(unsigned, p)); break;
    case ST_CHAR: snprintf(buf, sizeof(buf), "%c", *(const char *)p); break;
    case ST_CHOICE: v = choice_stat(o, LOAD(int, p)); break;
    case ST_SHOW: v = o->show(); break;
    case ST_NONE: return;
    }
    append_stat(add, c, o->stat, "%s", v);
}

void options_stats(ADD_STAT add, void *cookie)
{
    struct engine_config e;
    size_t i, j;

    engine_config_get(&e);
    for (i = 0; i < NSTATS; i++)
        for (j = 0; j < NOPTS; j++)
            if (opts[j].stat != NULL &&
                strcmp(opts[j].stat, stats_order[i]) == 0)
                stat_line(&opts[j], &e, add, cookie);
}
