/*
 * loadgen.c: a small closed- or open-loop load generator for the memcached
 * text protocol, used by bench/run.sh to compare our daemon with the
 * reference one.
 *
 * Structure: N worker threads, each owning a slice of the connections and
 * one epoll set.  Every connection keeps a ring of outstanding requests
 * (at most `depth`, the pipelining depth), an output buffer and an input
 * buffer.  Replies are parsed from the input buffer by reply_parse(), which
 * returns "need more bytes" whenever a line or a value body is incomplete,
 * so any TCP segmentation is handled: the unparsed tail is kept and parsing
 * resumes from the start of the incomplete reply when more bytes arrive.
 *
 * Phases: an optional preload (every key set once, keys split between
 * threads), a barrier, then the measured phase (duration or request count).
 * Latency is taken from the moment a request is queued for sending (it is
 * written in the same loop iteration) to the moment its whole reply is
 * parsed, into a per-thread log-linear histogram merged at the end.
 *
 * No locks: threads share only read-only settings, the Zipf CDF and
 * atomics for the barrier and the fill-mode stop flag.  A SIGALRM hard
 * deadline ends the process whatever state it is in.
 *
 * Exit status: 0 ok, 1 usage, 2 connection failure or protocol error,
 * 3 hard deadline hit, 4 server error replies (SERVER_ERROR, NOT_STORED...).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_MGET 100
#define MAX_VALUE (1024 * 1024)
#define KEY_MAX 32
#define HIST_SUB 32                 /* sub-buckets per power of two (~3%) */
#define HIST_N (64 * HIST_SUB)

enum req_type { REQ_GET, REQ_SET };

/* Settings: parsed once in main(), read-only afterwards. */
static struct {
    const char *host;
    int port;
    int threads;
    int conns;          /* total connections, split across threads */
    int depth;          /* max outstanding requests per connection */
    int pdepth;         /* the same during preload and fill */
    uint64_t keys;
    double zipf;        /* 0 = uniform */
    int vmin, vmax;     /* value size range, bytes */
    double get_ratio;
    int mget;           /* keys per get request */
    bool get_set_miss;  /* on a get miss, set the key */
    bool preload;
    double duration;    /* seconds, 0 = use count */
    uint64_t count;     /* total generated requests, 0 = use duration */
    double rate;        /* total requests/s, 0 = unlimited */
    int hard;           /* hard deadline, seconds */
    bool fill;          /* set new keys until stats evictions > 0 */
    const char *prefix;
    const char *cmd;    /* one-shot command mode (stats, flush_all) */
    uint64_t seed;
} opt = {
    "127.0.0.1", 11211, 2, 50, 1, 16, 100000, 0, 100, 100, 0.9, 1, false,
    false, 5, 0, 0, 0, false, "key:", NULL, 1,
};

static double *zipf_cdf;             /* keys entries, read-only once built */
static char value_buf[MAX_VALUE + 2];
static atomic_int phase_barrier;
static atomic_bool fill_stop;
static int ring_size;                /* per-connection request ring */

struct req {
    enum req_type type;
    uint64_t key;       /* first key; mget keys are key_list */
    int nkeys;
    uint64_t t_sent;
    uint64_t klist[MAX_MGET];
};

struct conn {
    int fd;
    struct req *ring;   /* depth entries */
    int head, n;        /* oldest outstanding, number outstanding */
    char *in;
    size_t nin, cap_in;
    char *out;
    size_t nout, off_out, cap_out;
    bool want_out;
    uint64_t pending_set;   /* get-set-on-miss: key to set, +1 (0 none) */
    int pending_vlen;
};

struct stats {
    uint64_t ops, gets, sets, hits, misses, errors, keys_fetched;
    uint64_t hist[HIST_N];
};

struct worker {
    int id;
    pthread_t tid;
    int nconn;
    struct conn *c;
    int ep;
    uint64_t rng;
    uint64_t generated, quota;      /* measured-phase request budget */
    uint64_t pre_next, pre_end;     /* preload key range */
    uint64_t fill_next, fill_step;  /* fill mode key sequence */
    bool preloading, measuring;
    struct stats st;
    uint64_t t_start, t_end;
    int rr;                         /* round-robin index for paced sends */
    int depth;                      /* depth of the current phase */
    int ring;                       /* ring size: max(depth, pdepth) */
};

static void die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("loadgen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(code);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;            /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static double rng_double(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---------- histogram ---------- */

static int hist_index(uint64_t v)
{
    if (v < 2 * HIST_SUB)
        return (int)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 5;        /* keep the top 6 bits: 32..63 */
    int idx = (shift + 1) * HIST_SUB + (int)((v >> shift) - HIST_SUB);
    return idx < HIST_N ? idx : HIST_N - 1;
}

static double hist_value(int idx)
{
    if (idx < 2 * HIST_SUB)
        return idx;
    int shift = idx / HIST_SUB - 1;
    uint64_t sub = (uint64_t)(idx % HIST_SUB + HIST_SUB);
    double lo = (double)(sub << shift), hi = (double)((sub + 1) << shift);
    return (lo + hi) / 2;
}

static double hist_pct(const uint64_t *h, uint64_t total, double p)
{
    if (total == 0)
        return 0;
    uint64_t want = (uint64_t)ceil(p * (double)total), acc = 0;
    if (want == 0)
        want = 1;
    for (int i = 0; i < HIST_N; i++) {
        acc += h[i];
        if (acc >= want)
            return hist_value(i);
    }
    return hist_value(HIST_N - 1);
}

/* ---------- key choice ---------- */

/* CDF of Zipf(s) over ranks 1..keys; rank r maps to key r-1. */
static void zipf_build(void)
{
    zipf_cdf = malloc(sizeof(*zipf_cdf) * opt.keys);
    if (!zipf_cdf)
        die(1, "out of memory for zipf table");
    double sum = 0;
    for (uint64_t i = 0; i < opt.keys; i++) {
        sum += 1.0 / pow((double)(i + 1), opt.zipf);
        zipf_cdf[i] = sum;
    }
    for (uint64_t i = 0; i < opt.keys; i++)
        zipf_cdf[i] /= sum;
}

static uint64_t key_pick(struct worker *w)
{
    if (opt.zipf <= 0)
        return rng_next(&w->rng) % opt.keys;
    double u = rng_double(&w->rng);
    uint64_t lo = 0, hi = opt.keys - 1;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int vlen_pick(struct worker *w)
{
    if (opt.vmax <= opt.vmin)
        return opt.vmin;
    return opt.vmin + (int)(rng_next(&w->rng) %
                            (uint64_t)(opt.vmax - opt.vmin + 1));
}

static int key_fmt(char *buf, uint64_t k)
{
    return snprintf(buf, KEY_MAX, "%s%llu", opt.prefix, (unsigned long long)k);
}

/* ---------- buffers and requests ---------- */

static void buf_reserve(char **b, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    char *p = realloc(*b, n);
    if (!p)
        die(2, "out of memory");
    *b = p;
    *cap = n;
}

static void out_append(struct conn *c, const char *s, size_t n)
{
    buf_reserve(&c->out, &c->cap_out, c->nout + n);
    memcpy(c->out + c->nout, s, n);
    c->nout += n;
}

static struct req *req_push(struct conn *c, enum req_type t)
{
    struct req *r = &c->ring[(c->head + c->n) % ring_size];
    c->n++;
    r->type = t;
    r->nkeys = 1;
    r->t_sent = now_ns();
    return r;
}

static void send_set(struct conn *c, uint64_t key, int vlen)
{
    char line[KEY_MAX + 64], k[KEY_MAX];
    key_fmt(k, key);
    int n = snprintf(line, sizeof(line), "set %s 0 0 %d\r\n", k, vlen);
    out_append(c, line, (size_t)n);
    out_append(c, value_buf, (size_t)vlen);
    out_append(c, "\r\n", 2);
    struct req *r = req_push(c, REQ_SET);
    r->key = key;
}

static void send_get(struct worker *w, struct conn *c)
{
    char k[KEY_MAX];
    struct req *r = req_push(c, REQ_GET);
    r->nkeys = opt.mget;
    out_append(c, "get", 3);
    for (int i = 0; i < opt.mget; i++) {
        r->klist[i] = key_pick(w);
        int n = key_fmt(k, r->klist[i]);
        out_append(c, " ", 1);
        out_append(c, k, (size_t)n);
    }
    out_append(c, "\r\n", 2);
    r->key = r->klist[0];
}

/* Queue one new request on c if the current phase has one to give. */
static bool gen_one(struct worker *w, struct conn *c)
{
    if (w->preloading) {
        if (w->pre_next >= w->pre_end)
            return false;
        send_set(c, w->pre_next++, vlen_pick(w));
        return true;
    }
    if (opt.fill) {
        if (atomic_load(&fill_stop))
            return false;
        send_set(c, w->fill_next, opt.vmin);
        w->fill_next += w->fill_step;
        return true;
    }
    if (!w->measuring || (w->quota && w->generated >= w->quota))
        return false;
    w->generated++;
    if (rng_double(&w->rng) < opt.get_ratio)
        send_get(w, c);
    else
        send_set(c, key_pick(w), vlen_pick(w));
    return true;
}

/* ---------- reply parsing ---------- */

enum parse_res { P_DONE, P_MORE, P_BAD };

/* Find "\r\n" in [p, p+n); returns length of line without it, or -1. */
static long line_len(const char *p, size_t n)
{
    const char *e = memchr(p, '\n', n);
    if (!e)
        return -1;
    if (e == p || e[-1] != '\r')
        return -2;
    return (long)(e - p) - 1;
}

static bool is_prefix(const char *p, long n, const char *s)
{
    size_t ls = strlen(s);
    return (size_t)n >= ls && memcmp(p, s, ls) == 0;
}

/*
 * Parse one VALUE line at p (n bytes); check the key is the next one (in
 * order) the request asked for; set *body to the data length.
 */
static bool value_line(struct req *r, int *kpos, const char *p, long n,
                       size_t *body)
{
    char key[KEY_MAX + 8], want[KEY_MAX];
    unsigned flags;
    unsigned long long bytes;
    char tmp[512];
    if (n <= 6 || n >= (long)sizeof(tmp))
        return false;
    memcpy(tmp, p, (size_t)n);
    tmp[n] = '\0';
    if (sscanf(tmp, "VALUE %39s %u %llu", key, &flags, &bytes) != 3)
        return false;
    if (bytes > MAX_VALUE)
        return false;
    while (*kpos < r->nkeys) {
        key_fmt(want, r->klist[(*kpos)++]);
        if (strcmp(want, key) == 0) {
            *body = (size_t)bytes;
            return true;
        }
    }
    return false;
}

/*
 * Parse the complete reply to request r from buf; on P_DONE *used is the
 * number of bytes consumed.  hits counts VALUE blocks seen.
 */
static enum parse_res reply_parse(struct req *r, const char *buf, size_t n,
                                  size_t *used, int *hits, bool *srv_err)
{
    size_t pos = 0;
    int kpos = 0;
    *hits = 0;
    *srv_err = false;
    for (;;) {
        long ll = line_len(buf + pos, n - pos);
        if (ll == -1)
            return P_MORE;
        if (ll < 0)
            return P_BAD;
        const char *l = buf + pos;
        size_t next = pos + (size_t)ll + 2;
        if (is_prefix(l, ll, "SERVER_ERROR") || (r->type == REQ_SET &&
                (ll == 10 && memcmp(l, "NOT_STORED", 10) == 0))) {
            *srv_err = true;
            *used = next;
            return P_DONE;
        }
        if (r->type == REQ_SET) {
            if (ll != 6 || memcmp(l, "STORED", 6) != 0)
                return P_BAD;
            *used = next;
            return P_DONE;
        }
        if (ll == 3 && memcmp(l, "END", 3) == 0) {
            *used = next;
            return P_DONE;
        }
        size_t body;
        if (!is_prefix(l, ll, "VALUE ") || !value_line(r, &kpos, l, ll, &body))
            return P_BAD;
        if (n - next < body + 2)
            return P_MORE;
        if (buf[next + body] != '\r' || buf[next + body + 1] != '\n')
            return P_BAD;
        (*hits)++;
        pos = next + body + 2;
    }
}

static void record(struct worker *w, struct req *r, int hits, bool err)
{
    if (!w->measuring)
        return;
    struct stats *s = &w->st;
    s->ops++;
    s->hist[hist_index(now_ns() - r->t_sent)]++;
    if (err)
        s->errors++;
    if (r->type == REQ_SET) {
        s->sets++;
        return;
    }
    s->gets++;
    s->hits += (uint64_t)hits;
    s->misses += (uint64_t)(r->nkeys - hits);
    s->keys_fetched += (uint64_t)r->nkeys;
}

/* Parse every complete reply in c->in; returns false on protocol error. */
static bool conn_consume(struct worker *w, struct conn *c)
{
    size_t off = 0;
    while (c->n > 0) {
        struct req *r = &c->ring[c->head];
        size_t used;
        int hits;
        bool err;
        enum parse_res pr = reply_parse(r, c->in + off, c->nin - off, &used,
                                        &hits, &err);
        if (pr == P_MORE)
            break;
        if (pr == P_BAD) {
            long show = (long)(c->nin - off < 80 ? c->nin - off : 80);
            fprintf(stderr, "loadgen: protocol error, reply starts: %.*s\n",
                    (int)show, c->in + off);
            return false;
        }
        off += used;
        record(w, r, hits, err);
        if (opt.get_set_miss && r->type == REQ_GET && hits == 0 &&
            w->measuring)
            c->pending_set = r->key + 1;
        c->head = (c->head + 1) % ring_size;
        c->n--;
        /* Only the first pending miss is set back; depth>1 with -G may
         * drop some, which only matters for hit-ratio tests (use -d 1). */
        if (c->pending_set && c->n < w->depth) {
            send_set(c, c->pending_set - 1, vlen_pick(w));
            c->pending_set = 0;
        }
    }
    if (off > 0) {
        memmove(c->in, c->in + off, c->nin - off);
        c->nin -= off;
    }
    if (c->n == 0 && c->nin > 0) {
        fprintf(stderr, "loadgen: %zu unexpected bytes from server\n", c->nin);
        return false;
    }
    return true;
}

/* ---------- socket I/O ---------- */

static bool conn_flush(struct worker *w, struct conn *c)
{
    while (c->off_out < c->nout) {
        ssize_t k = write(c->fd, c->out + c->off_out, c->nout - c->off_out);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (k <= 0) {
            fprintf(stderr, "loadgen: write: %s\n", strerror(errno));
            return false;
        }
        c->off_out += (size_t)k;
    }
    if (c->off_out == c->nout)
        c->off_out = c->nout = 0;
    bool want = c->nout > 0;
    if (want != c->want_out) {
        struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0),
                                  .data.ptr = c };
        if (epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
            die(2, "epoll_ctl: %s", strerror(errno));
        c->want_out = want;
    }
    return true;
}

static bool conn_read(struct worker *w, struct conn *c)
{
    for (;;) {
        buf_reserve(&c->in, &c->cap_in, c->nin + 65536);
        ssize_t k = read(c->fd, c->in + c->nin, c->cap_in - c->nin);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (k == 0) {
            fprintf(stderr, "loadgen: server closed connection\n");
            return false;
        }
        if (k < 0) {
            fprintf(stderr, "loadgen: read: %s\n", strerror(errno));
            return false;
        }
        c->nin += (size_t)k;
        if (!conn_consume(w, c))
            return false;
        if ((size_t)k < 65536)
            return true;
    }
}

static int connect_one(void)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM }, *ai;
    char port[16];
    snprintf(port, sizeof(port), "%d", opt.port);
    if (getaddrinfo(opt.host, port, &hints, &ai) != 0)
        die(2, "cannot resolve %s", opt.host);
    int fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0)
        die(2, "socket: %s", strerror(errno));
    struct timeval tv = { 5, 0 };
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
        die(2, "connect %s:%d: %s", opt.host, opt.port, strerror(errno));
    freeaddrinfo(ai);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* ---------- worker ---------- */

static void worker_setup(struct worker *w)
{
    w->ep = epoll_create1(0);
    if (w->ep < 0)
        die(2, "epoll_create1: %s", strerror(errno));
    w->c = calloc((size_t)w->nconn, sizeof(*w->c));
    if (!w->c)
        die(2, "out of memory");
    for (int i = 0; i < w->nconn; i++) {
        struct conn *c = &w->c[i];
        c->fd = connect_one();
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        c->ring = calloc((size_t)ring_size, sizeof(*c->ring));
        if (!c->ring)
            die(2, "out of memory");
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
            die(2, "epoll_ctl: %s", strerror(errno));
    }
}

static int outstanding(struct worker *w)
{
    int n = 0;
    for (int i = 0; i < w->nconn; i++)
        n += w->c[i].n;
    return n;
}

/* Closed loop: top every connection up to depth. */
static bool fill_all(struct worker *w)
{
    for (int i = 0; i < w->nconn; i++) {
        struct conn *c = &w->c[i];
        while (c->n < w->depth && gen_one(w, c))
            ;
        if (!conn_flush(w, c))
            return false;
    }
    return true;
}

/*
 * Open loop: send what the schedule owes since *next, spread round-robin
 * over connections with room.  Lag beyond 100 ms is forgiven, so a stalled
 * server is not hit with a burst afterwards; returns ms to wait.
 */
static int pace(struct worker *w, uint64_t *next, double gap_ns)
{
    uint64_t t = now_ns();
    if (t > *next + 100000000ull)
        *next = t - 100000000ull;
    while (*next <= t) {
        int tries = 0;
        struct conn *c = NULL;
        while (tries++ < w->nconn) {
            c = &w->c[w->rr++ % w->nconn];
            if (c->n < w->depth)
                break;
            c = NULL;
        }
        if (!c || !gen_one(w, c))
            break;
        if (!conn_flush(w, c))
            return -2;
        *next += (uint64_t)gap_ns;
    }
    /* Never spin: epoll_wait(0) would steal a core from the server.  A
     * 1 ms floor makes the load arrive in 1 ms batches, which is fine for
     * the moderate rates this mode is for. */
    if (*next <= t)
        return 1;
    int ms = (int)((*next - t) / 1000000);
    return ms < 1 ? 1 : ms;
}

/* Run until the phase has nothing left to generate and all replies are in. */
static bool run_phase(struct worker *w, uint64_t stop_at, bool paced)
{
    struct epoll_event evs[256];
    double gap = paced ? 1e9 * opt.threads / opt.rate : 0;
    uint64_t next = now_ns();
    if (!paced && !fill_all(w))
        return false;
    for (;;) {
        if (stop_at && w->measuring && now_ns() >= stop_at)
            w->quota = w->generated ? w->generated : 1;
        int wait_ms = 10;
        if (paced) {
            wait_ms = pace(w, &next, gap);
            if (wait_ms == -2)
                return false;
        }
        if (!paced || (w->quota && w->generated >= w->quota))
            if (outstanding(w) == 0)
                return true;
        int ne = epoll_wait(w->ep, evs, 256, wait_ms);
        for (int i = 0; i < ne; i++) {
            struct conn *c = evs[i].data.ptr;
            if ((evs[i].events & EPOLLIN) && !conn_read(w, c))
                return false;
            if ((evs[i].events & (EPOLLERR | EPOLLHUP)) &&
                !(evs[i].events & EPOLLIN)) {
                fprintf(stderr, "loadgen: connection error/hangup\n");
                return false;
            }
            while (!paced && c->n < w->depth && gen_one(w, c))
                ;
            if (!conn_flush(w, c))
                return false;
        }
    }
}

static void barrier_wait(void)
{
    atomic_fetch_add(&phase_barrier, 1);
    while (atomic_load(&phase_barrier) < opt.threads)
        usleep(1000);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    worker_setup(w);
    if (opt.preload) {
        w->depth = opt.pdepth;
        w->preloading = true;
        if (!run_phase(w, 0, false))
            exit(2);
        w->preloading = false;
    }
    barrier_wait();
    w->depth = opt.fill ? opt.pdepth : opt.depth;
    w->measuring = true;
    w->t_start = now_ns();
    uint64_t stop_at = opt.duration > 0 && !opt.fill ?
        w->t_start + (uint64_t)(opt.duration * 1e9) : 0;
    if (!run_phase(w, stop_at, opt.rate > 0 && !opt.fill))
        exit(2);
    w->t_end = now_ns();
    return NULL;
}

/* ---------- one-shot command and fill-mode stats ---------- */

/* Send cmd on a blocking socket and read the reply into buf until END/OK. */
static size_t command_reply(int fd, const char *cmd, char *buf, size_t cap)
{
    size_t n = 0;
    char line[256];
    int k = snprintf(line, sizeof(line), "%s\r\n", cmd);
    if (write(fd, line, (size_t)k) != k)
        die(2, "write: %s", strerror(errno));
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0)
            die(2, "command %s: no reply", cmd);
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, "END\r\n") || strstr(buf, "OK\r\n") ||
            strstr(buf, "ERROR\r\n") || n >= cap - 1 ||
            (!strncmp(cmd, "version", 7) && strstr(buf, "\r\n")))
            return n;
    }
}

static uint64_t stat_get(const char *buf, const char *name)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "STAT %s ", name);
    const char *p = strstr(buf, pat);
    return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

/* Fill mode monitor: poll stats until evictions > 0; prints the figure. */
static void fill_monitor(void)
{
    static char buf[65536];
    int fd = connect_one();
    uint64_t items = 0, ev = 0;
    for (;;) {
        command_reply(fd, "stats", buf, sizeof(buf));
        ev = stat_get(buf, "evictions");
        items = stat_get(buf, "curr_items");
        if (ev > 0)
            break;
        usleep(2000);
    }
    atomic_store(&fill_stop, true);
    uint64_t maxb = stat_get(buf, "limit_maxbytes");
    double mb = maxb ? (double)maxb / 1048576.0 : 0;
    printf("fill_items=%llu evictions=%llu limit_mb=%.0f items_per_mb=%.1f\n",
           (unsigned long long)items, (unsigned long long)ev, mb,
           mb > 0 ? (double)items / mb : 0);
    close(fd);
}

/* ---------- main ---------- */

static void on_alarm(int sig)
{
    (void)sig;
    static const char m[] = "loadgen: hard deadline reached, aborting\n";
    ssize_t r = write(2, m, sizeof(m) - 1);
    (void)r;
    _exit(3);
}

static void usage(void)
{
    fputs(
"usage: loadgen [options]\n"
"  -s host -p port        server (127.0.0.1:11211)\n"
"  -t threads -c conns    worker threads, total connections (2, 50)\n"
"  -d depth               pipelined requests per connection (1)\n"
"  -D depth               the same for preload and fill (16)\n"
"  -k keys -z s           key count; Zipf exponent, 0 = uniform (100000, 0)\n"
"  -v min -V max          value size range in bytes (100, =min)\n"
"  -r ratio -m M          get fraction; keys per get (0.9, 1)\n"
"  -G                     get-then-set-on-miss (use -d 1)\n"
"  -P                     preload: set every key once before measuring\n"
"  -T secs | -n count     duration (5) or total generated requests\n"
"  -R rate                target requests/s in total (open loop)\n"
"  -H secs                hard deadline (default duration+60 or 300)\n"
"  -F                     fill: set new keys until stats evictions > 0\n"
"  -x prefix -S seed      key prefix (key:), RNG seed (1)\n"
"  -C cmd                 send one command (stats, flush_all), print reply\n",
    stderr);
    exit(1);
}

static void parse_args(int argc, char **argv)
{
    int ch;
    bool vmax_set = false;
    const char *optstr = "s:p:t:c:d:D:k:z:v:V:r:m:GPT:n:R:H:Fx:S:C:h";
    while ((ch = getopt(argc, argv, optstr)) != -1) {
        switch (ch) {
        case 's': opt.host = optarg; break;
        case 'p': opt.port = atoi(optarg); break;
        case 't': opt.threads = atoi(optarg); break;
        case 'c': opt.conns = atoi(optarg); break;
        case 'd': opt.depth = atoi(optarg); break;
        case 'D': opt.pdepth = atoi(optarg); break;
        case 'k': opt.keys = strtoull(optarg, NULL, 10); break;
        case 'z': opt.zipf = atof(optarg); break;
        case 'v': opt.vmin = atoi(optarg); break;
        case 'V': opt.vmax = atoi(optarg); vmax_set = true; break;
        case 'r': opt.get_ratio = atof(optarg); break;
        case 'm': opt.mget = atoi(optarg); break;
        case 'G': opt.get_set_miss = true; break;
        case 'P': opt.preload = true; break;
        case 'T': opt.duration = atof(optarg); break;
        case 'n': opt.count = strtoull(optarg, NULL, 10); opt.duration = 0;
                  break;
        case 'R': opt.rate = atof(optarg); break;
        case 'H': opt.hard = atoi(optarg); break;
        case 'F': opt.fill = true; break;
        case 'x': opt.prefix = optarg; break;
        case 'S': opt.seed = strtoull(optarg, NULL, 10); break;
        case 'C': opt.cmd = optarg; break;
        default: usage();
        }
    }
    ring_size = opt.depth > opt.pdepth ? opt.depth : opt.pdepth;
    if (!vmax_set)
        opt.vmax = opt.vmin;
    if (opt.threads < 1 || opt.conns < opt.threads || opt.depth < 1 ||
        opt.pdepth < 1 ||
        opt.keys < 1 || opt.vmin < 0 || opt.vmax > MAX_VALUE ||
        opt.vmax < opt.vmin || opt.mget < 1 || opt.mget > MAX_MGET ||
        strlen(opt.prefix) > 12 || opt.port <= 0)
        usage();
    if (!opt.hard)
        opt.hard = opt.count || opt.fill ? 300 : (int)opt.duration + 60;
}

static void report(struct worker *ws)
{
    static struct stats t;
    uint64_t t0 = UINT64_MAX, t1 = 0;
    for (int i = 0; i < opt.threads; i++) {
        struct stats *s = &ws[i].st;
        t.ops += s->ops; t.gets += s->gets; t.sets += s->sets;
        t.hits += s->hits; t.misses += s->misses; t.errors += s->errors;
        t.keys_fetched += s->keys_fetched;
        for (int j = 0; j < HIST_N; j++)
            t.hist[j] += s->hist[j];
        if (ws[i].t_start < t0) t0 = ws[i].t_start;
        if (ws[i].t_end > t1) t1 = ws[i].t_end;
    }
    double secs = (double)(t1 - t0) / 1e9;
    double hr = t.hits + t.misses ? (double)t.hits / (t.hits + t.misses) : 0;
    printf("ops=%llu ops_per_sec=%.0f keys_per_sec=%.0f p50_us=%.1f "
           "p99_us=%.1f p999_us=%.1f gets=%llu sets=%llu hits=%llu "
           "misses=%llu hit_ratio=%.4f errors=%llu elapsed_s=%.2f\n",
           (unsigned long long)t.ops, t.ops / secs, t.keys_fetched / secs,
           hist_pct(t.hist, t.ops, 0.50) / 1e3,
           hist_pct(t.hist, t.ops, 0.99) / 1e3,
           hist_pct(t.hist, t.ops, 0.999) / 1e3,
           (unsigned long long)t.gets, (unsigned long long)t.sets,
           (unsigned long long)t.hits, (unsigned long long)t.misses, hr,
           (unsigned long long)t.errors, secs);
    if (t.errors)
        exit(4);
}

static void run_command(void)
{
    static char buf[1 << 20];
    int fd = connect_one();
    size_t n = command_reply(fd, opt.cmd, buf, sizeof(buf));
    fwrite(buf, 1, n, stdout);
    close(fd);
    exit(strstr(buf, "ERROR") ? 2 : 0);
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    alarm((unsigned)opt.hard);
    if (opt.cmd)
        run_command();
    memset(value_buf, 'v', sizeof(value_buf));
    if (opt.zipf > 0)
        zipf_build();
    struct worker *ws = calloc((size_t)opt.threads, sizeof(*ws));
    if (!ws)
        die(2, "out of memory");
    for (int i = 0; i < opt.threads; i++) {
        struct worker *w = &ws[i];
        w->id = i;
        w->nconn = opt.conns / opt.threads + (i < opt.conns % opt.threads);
        w->rng = (opt.seed * 0x9E3779B97F4A7C15ull) ^ (uint64_t)(i + 1) * 7919;
        w->rng = w->rng ? w->rng : 1;
        if (opt.count)
            w->quota = opt.count / opt.threads +
                       ((uint64_t)i < opt.count % opt.threads);
        w->pre_next = opt.keys * (uint64_t)i / (uint64_t)opt.threads;
        w->pre_end = opt.keys * (uint64_t)(i + 1) / (uint64_t)opt.threads;
        w->fill_next = (uint64_t)i;
        w->fill_step = (uint64_t)opt.threads;
        if (pthread_create(&w->tid, NULL, worker_main, w) != 0)
            die(2, "pthread_create failed");
    }
    if (opt.fill)
        fill_monitor();
    for (int i = 0; i < opt.threads; i++)
        pthread_join(ws[i].tid, NULL);
    if (!opt.fill)
        report(ws);
    return 0;
}
