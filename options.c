/*
 * options.c: the command line: -h's usage text, -i's license, the long
 * option names, and the parse of argv (and of -o's extended options)
 * into `settings`.  Moved here from memcached.c as they were; the one
 * table of options that will generate both the parser and the usage
 * text is a later step.
 *
 * Runs in main() before any other thread exists, so it writes settings
 * freely and exits (with the reference's exit codes and messages) on
 * anything invalid.  No data of its own beyond the constant tables, no
 * locks.
 */
#include "memcached.h"
#include "options.h"
#include "hash.h"
#include "items.h"
#include "sasl_auth.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf(PACKAGE_STRING "\n"
"-p, --port=<num>          TCP port to listen on (default: 11211; 0: any free\n"
"                          port, see --port-file)\n"
"-U, --udp-port=<num>      UDP port (default: 0, off)\n"
"-s, --unix-socket=<file>  listen on this unix socket instead of TCP\n"
"-a, --unix-mask=<mask>    permission mask of the unix socket, octal\n"
"                          (default: 700)\n"
"-A, --enable-shutdown     allow the \"shutdown\" command\n"
"-l, --listen=<addr>       addresses to listen on, comma separated, each\n"
"                          host, host:port, [ipv6] or [ipv6]:port\n"
"                          (default: every interface, IPv4 and IPv6)\n"
"-d, --daemon              run in the background\n"
"-r, --enable-coredumps    raise the core file size limit to the maximum\n"
"-u, --user=<user>         run as this user (required when started as root)\n"
"-m, --memory-limit=<num>  item memory in megabytes (default: 64)\n"
"-M, --disable-evictions   answer an error when memory is full instead of\n"
"                          evicting items\n"
"-c, --conn-limit=<num>    most simultaneous connections (default: 1024)\n"
"-k, --lock-memory         lock all memory into RAM (mlockall)\n"
"-v, --verbose             log errors and warnings; -vv also commands and\n"
"                          replies; -vvv also connection state changes\n"
"-h, --help                print this help and exit\n"
"-i, --license             print the license and exit\n"
"-V, --version             print the version and exit\n"
"-P, --pidfile=<file>      write the process id to this file (with -d);\n"
"                          removed again at a clean exit\n"
"-f, --slab-growth-factor=<num> size class growth factor (default: 1.25)\n"
"-n, --slab-min-size=<bytes> key+value+flags space of the smallest class\n"
"                          (default: 48)\n"
"-L, --enable-largepages   preallocate all item memory at start\n"
"-D <char>                 key prefix delimiter for \"stats detail\" (default:\n"
"                          ':'); giving it turns detail collection on\n"
"-t, --threads=<num>       worker threads (default: 4)\n"
"-R, --max-reqs-per-event  commands one connection may run before others\n"
"                          get a turn (default: 20)\n"
"-C, --disable-cas         no CAS values (saves 8 bytes per item)\n"
"-b, --listen-backlog=<num> listen queue length (default: 1024)\n"
"-B, --protocol=<name>     ascii, binary, or auto: the first byte of each\n"
"                          connection decides (default: auto)\n"
"-I, --max-item-size=<num> largest item, k/m suffix allowed (default: 1m,\n"
"                          min: 1k, max: 1024m)\n"
"-S, --enable-sasl         require SASL authentication (binary protocol\n"
"                          only; Cyrus SASL, service \"memcached\", its\n"
"                          config in $SASL_CONF_PATH/memcached.conf)\n"
"-F, --disable-flush-all   refuse the flush_all command\n"
"-X, --disable-dumping     refuse stats cachedump and lru_crawler metadump\n"
"-W, --disable-watch       refuse the watch command\n"
"-Y, --auth-file=<file>    require a login: lines \"user:password\"; a client\n"
"                          first sends \"set <any key> 0 0 <n>\" with the\n"
"                          value \"<user> <password>\"\n"
"-e, --memory-file=<file>  restartable cache in a mapped file (not built yet)\n"
"    --port-file=<file>    write the bound ports to this file, one line each\n"
"                          (\"TCP INET: 11211\"), as the environment\n"
"                          variable MEMCACHED_PORT_FILENAME also does\n");
    /* Two strings: C99 promises no more than 4095 bytes in one. */
    printf(
"-o, --extended            comma separated extended options:\n"
"   - hashpower=<n>        log2 of the initial hash table size (12..32;\n"
"                          default: 16); the table grows by itself\n"
"   - no_hashexpand        never grow the hash table\n"
"   - hash_algorithm=<name> murmur3 (default) or jenkins\n"
"   - idle_timeout=<sec>   close connections idle this long (default: 0,\n"
"                          never)\n"
"   - maxconns_fast / no_maxconns_fast  at the connection limit, refuse new\n"
"                          connections at once (default) or stop accepting\n"
"   - slab_chunk_max=<bytes> largest slab chunk (default: 524288); must\n"
"                          divide -I and the 1 MB page\n"
"   - tail_repair_time=<sec> accepted for compatibility\n");
    printf(
"   - lru_maintainer / no_lru_maintainer  segmented LRU (HOT, WARM, COLD)\n"
"                          kept by a background thread (default) / one\n"
"                          plain LRU per class\n"
"   - hot_lru_pct=<n>      %% of a class's memory HOT may hold (default: 20)\n"
"   - warm_lru_pct=<n>     %% WARM may hold (default: 40; hot+warm <= 80)\n"
"   - hot_max_factor=<f>   HOT items older than COLD's tail age times this\n"
"                          move to COLD (default: 0.2)\n"
"   - warm_max_factor=<f>  likewise for WARM (default: 2.0)\n"
"   - temporary_ttl=<sec>  items with a TTL below this go to the TEMP LRU\n"
"                          and are never evicted early (default: off, 61)\n"
"   - lru_crawler / no_lru_crawler  background reclaim of expired items\n"
"                          (default: on)\n"
"   - lru_crawler_sleep=<us> pause per 1000 items crawled (default: 100)\n"
"   - lru_crawler_tocrawl=<n> items checked per LRU per crawl (0: all)\n"
"   - slab_reassign / no_slab_reassign  allow moving slab pages between\n"
"                          classes (default: on)\n"
"   - slab_automove=<0|1|2> move pages to evicting classes: off, on\n"
"                          (default), aggressive\n"
"   - slab_automove_ratio=<f>, slab_automove_window=<sec>  tuning of\n"
"                          automove 1 (defaults: 0.8, 30)\n"
"   - modern               accepted; its settings are the defaults\n");
}

static void license(void)
{
    printf(PACKAGE_STRING ": a memcached-compatible cache daemon.\n"
           "Distributed under the BSD 3-clause license.\n");
}

void options_die(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

/* "64", "1k", "2m" and so on; false on junk or overflow. */
static bool parse_size(const char *s, uint64_t *out)
{
    char buf[32];
    size_t len = strlen(s);
    uint64_t mult = 1, v;

    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len + 1);
    switch (tolower((unsigned char)buf[len - 1])) {
    case 'k': mult = 1024; break;
    case 'm': mult = 1024 * 1024; break;
    case 'g': mult = 1024ULL * 1024 * 1024; break;
    default: break;
    }
    if (mult != 1)
        buf[len - 1] = '\0';
    if (!safe_strtoull(buf, &v) || v > UINT64_MAX / mult)
        return false;
    *out = v * mult;
    return true;
}

static int int_arg(const char *s, int bad)
{
    int32_t v;

    return safe_strtol(s, &v) ? v : bad;
}

static void parse_extended(char *subopts)
{
    char *opt, *save = NULL;

    for (opt = strtok_r(subopts, ",", &save); opt != NULL;
         opt = strtok_r(NULL, ",", &save)) {
        char *val = strchr(opt, '=');
        int32_t n;
        enum opt_result res;

        if (val != NULL)
            *val++ = '\0';
        if (strcmp(opt, "hashpower") == 0) {
            if (val == NULL || !safe_strtol(val, &n))
                options_die(1, "Missing numeric argument for hashpower");
            if (n < 12)
                options_die(1, "Initial hashtable multiplier of %d is too low",
                            n);
            if (n > 32)
                options_die(1, "Initial hashtable multiplier of %d is too "
                            "high\nChoose a value based on "
                            "\"STAT hash_power_level\" from a running "
                            "instance", n);
            settings.hashpower_init = n;
        } else if (strcmp(opt, "no_hashexpand") == 0) {
            settings.hashexpand = false;
        } else if (strcmp(opt, "hash_algorithm") == 0) {
            if (val == NULL || !hash_select(val))
                options_die(1, "Unknown hash_algorithm option (jenkins, "
                            "murmur3)");
            settings.hash_algorithm = strcmp(val, "jenkins") == 0
                                          ? HASH_JENKINS : HASH_MURMUR3;
        } else if (strcmp(opt, "idle_timeout") == 0) {
            if (val == NULL || !safe_strtol(val, &n) || n < 0)
                options_die(1, "idle_timeout takes a number of seconds");
            settings.idle_timeout = n;
        } else if (strcmp(opt, "tail_repair_time") == 0) {
            if (val == NULL || !safe_strtol(val, &n) || n < 0)
                options_die(1, "tail_repair_time takes a number of seconds");
            settings.tail_repair_time = n;
        } else if (strcmp(opt, "slab_chunk_max") == 0) {
            /* Bytes, as the reference reads it (its help says KB). */
            if (val == NULL || !safe_strtol(val, &n) || n <= 0)
                options_die(1, "slab_chunk_max takes a size in bytes");
            settings.slab_chunk_size_max = n;
        } else if (strcmp(opt, "maxconns_fast") == 0) {
            settings.maxconns_fast = true;
        } else if (strcmp(opt, "no_maxconns_fast") == 0) {
            settings.maxconns_fast = false;
        } else if ((res = engine_option(opt, val)) != OPT_UNKNOWN) {
            /* The engine's background work; OPT_BAD already said why. */
            if (res == OPT_BAD)
                exit(1);
        } else if (strcmp(opt, "track_sizes") == 0 ||
                   strcmp(opt, "read_buf_mem_limit") == 0) {
            options_die(1, "-o %s: not supported by this build yet", opt);
        } else {
            options_die(1, "Illegal suboption \"%s\"", opt);
        }
    }
}

static const struct option long_options[] = {
    {"unix-mask", required_argument, 0, 'a'},
    {"enable-shutdown", no_argument, 0, 'A'},
    {"port", required_argument, 0, 'p'},
    {"unix-socket", required_argument, 0, 's'},
    {"udp-port", required_argument, 0, 'U'},
    {"memory-limit", required_argument, 0, 'm'},
    {"disable-evictions", no_argument, 0, 'M'},
    {"conn-limit", required_argument, 0, 'c'},
    {"lock-memory", no_argument, 0, 'k'},
    {"help", no_argument, 0, 'h'},
    {"license", no_argument, 0, 'i'},
    {"version", no_argument, 0, 'V'},
    {"enable-coredumps", no_argument, 0, 'r'},
    {"verbose", optional_argument, 0, 'v'},
    {"daemon", no_argument, 0, 'd'},
    {"listen", required_argument, 0, 'l'},
    {"user", required_argument, 0, 'u'},
    {"pidfile", required_argument, 0, 'P'},
    {"slab-growth-factor", required_argument, 0, 'f'},
    {"slab-min-size", required_argument, 0, 'n'},
    {"enable-largepages", no_argument, 0, 'L'},
    {"threads", required_argument, 0, 't'},
    {"max-reqs-per-event", required_argument, 0, 'R'},
    {"disable-cas", no_argument, 0, 'C'},
    {"listen-backlog", required_argument, 0, 'b'},
    {"protocol", required_argument, 0, 'B'},
    {"max-item-size", required_argument, 0, 'I'},
    {"enable-sasl", no_argument, 0, 'S'},
    {"disable-flush-all", no_argument, 0, 'F'},
    {"disable-dumping", no_argument, 0, 'X'},
    {"disable-watch", no_argument, 0, 'W'},
    {"auth-file", required_argument, 0, 'Y'},
    {"memory-file", required_argument, 0, 'e'},
    {"enable-ssl", no_argument, 0, 'Z'},
    {"extended", required_argument, 0, 'o'},
    {"port-file", required_argument, 0, 1000},
    {0, 0, 0, 0}
};

void options_parse(int argc, char **argv, char **user, bool *daemonize_me,
                   bool *max_core)
{
    const char *shortopts = "a:Ap:s:U:m:Mc:khiVrvdl:u:P:f:n:Lt:D:R:Cb:B:"
                            "I:SFXWY:e:Zo:";
    uint64_t size;
    uint64_t mb = 64;
    int c, v;

    while ((c = getopt_long(argc, argv, shortopts, long_options, NULL))
           != -1) {
        switch (c) {
        case 'a': {
            char *end;
            long mask = strtol(optarg, &end, 8);

            if (*optarg == '\0' || *end != '\0' || mask < 0 || mask > 0777)
                options_die(64, "Invalid unix socket mask: %s", optarg);
            settings.access = (int)mask;
            break;
        }
        case 'A': settings.shutdown_command = true; break;
        case 'p':
        case 'U':
            v = int_arg(optarg, -1);
            if (v < 0 || v > 65535)
                options_die(64, "ERROR: Invalid port number %s.", optarg);
            if (c == 'p')
                settings.port = v;
            else
                settings.udpport = v;
            break;
        case 's': settings.socketpath = optarg; break;
        case 'm':
            /* Junk and 0 end at the reference's "1/2 of memory max"
             * check below; a negative size, which the reference takes
             * as a huge one, is refused here. */
            if (strchr(optarg, '-') != NULL || !safe_strtoull(optarg, &mb))
                mb = 0;
            if (strchr(optarg, '-') != NULL || mb > (UINT64_MAX >> 21))
                options_die(64, "Memory limit must be a positive number of "
                            "megabytes, not \"%s\"", optarg);
            break;
        case 'M': settings.evict_to_free = false; break;
        case 'c':
            settings.maxconns = int_arg(optarg, 0);
            if (settings.maxconns <= 0)
                options_die(1, "Maximum connections must be greater than 0");
            break;
        case 'k': settings.lock_memory = true; break;
        case 'h': usage(); exit(EXIT_SUCCESS);
        case 'i': license(); exit(EXIT_SUCCESS);
        case 'V': printf(PACKAGE_STRING "\n"); exit(EXIT_SUCCESS);
        case 'r': *max_core = true; break;
        case 'v': settings.verbose++; break;
        case 'd': *daemonize_me = true; break;
        case 'l': settings.inter = optarg; break;
        case 'u': *user = optarg; break;
        case 'P': settings.pid_file = optarg; break;
        case 'f':
            if (!safe_strtod(optarg, &settings.factor) ||
                settings.factor <= 1.0)
                options_die(1, "Factor must be greater than 1");
            break;
        case 'n':
            settings.chunk_size = int_arg(optarg, 0);
            if (settings.chunk_size <= 0)
                options_die(1, "Chunk size must be greater than 0");
            break;
        case 'L': settings.prealloc = true; break;
        case 't':
            settings.num_threads = int_arg(optarg, 0);
            if (settings.num_threads <= 0)
                options_die(1, "Number of threads must be greater than 0");
            if (settings.num_threads > 64)
                fprintf(stderr, "WARNING: Setting a high number of worker"
                        "threads is not recommended.\n"
                        " Set this value to the number of cores in"
                        " your machine or less.\n");
            break;
        case 'D':
            if (optarg[0] == '\0')
                options_die(1, "No delimiter specified");
            settings.prefix_delimiter = optarg[0];
            settings.detail_enabled = true;
            break;
        case 'R':
            settings.reqs_per_event = int_arg(optarg, 0);
            if (settings.reqs_per_event <= 0)
                options_die(1, "Number of requests per event must be greater "
                            "than 0");
            break;
        case 'C': settings.use_cas = false; break;
        case 'b':
            settings.backlog = int_arg(optarg, -1);
            if (settings.backlog < 0)
                options_die(1, "Invalid listen backlog: %s", optarg);
            break;
        case 'B':
            if (strcmp(optarg, "auto") == 0)
                settings.binding_protocol = BIND_AUTO;
            else if (strcmp(optarg, "binary") == 0)
                settings.binding_protocol = BIND_BINARY;
            else if (strcmp(optarg, "ascii") == 0)
                settings.binding_protocol = BIND_ASCII;
            else
                options_die(64, "Invalid value for binding protocol: %s\n"
                            " -- should be one of auto, binary, or ascii",
                            optarg);
            break;
        case 'I':
            if (!parse_size(optarg, &size) || size < ITEM_SIZE_MAX_LOWER)
                options_die(64, "Item max size cannot be less than 1024 "
                            "bytes.");
            if (size > ITEM_SIZE_MAX_UPPER)
                options_die(64,
                            "Cannot set item size limit higher than 1 GB.");
            settings.item_size_max = (int)size;
            break;
        case 'S':
            if (!sasl_available())
                options_die(64, "-S: this build has no SASL support "
                            "(configure found no libsasl2)");
            settings.sasl = true;
            break;
        case 'F': settings.flush_enabled = false; break;
        case 'X': settings.dump_enabled = false; break;
        case 'W': settings.watch_enabled = false; break;
        case 'Y': settings.auth_file = optarg; break;
        case 'e':
            options_die(64, "-e: memory files are not supported by this "
                        "build yet");
        case 'Z':
            options_die(64, "-Z: TLS is not supported by this build");
        case 'o': parse_extended(optarg); break;
        case 1000: settings.port_file = optarg; break;
        default:
            options_die(1, "Illegal argument \"%c\"", c);
        }
    }
    if (optind < argc)
        options_die(1, "Unexpected argument \"%s\"", argv[optind]);
    settings.maxbytes = (size_t)(mb * 1024 * 1024);
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
