/*
 * thread.c: the worker threads, and how new connections reach them.
 *
 * The main thread accepts (net.c); dispatch_conn_new() picks the next worker
 * round robin, appends the socket to that worker's connection queue and
 * writes one byte to the worker's notify pipe.  The worker, woken by its
 * own libevent loop, pops the queue and makes a conn that it alone drives
 * from then on: a connection never changes thread, so its state needs no
 * lock.  A 's' byte instead asks the worker to close everything and leave
 * its loop (clean shutdown).
 *
 * Locks of the whole daemon and their order (take left before right;
 * never the reverse):
 *
 *   item lock (striped by key hash) -> LRU lock (per class) -> slabs lock
 *
 * and these leaves, under which no other lock is ever taken:
 *   cq->lock        a worker's new-connection queue (this file)
 *   conns_lock      membership of a worker's connection list (worker.h;
 *                   conn.c links and unlinks, `stats conns` walks it)
 *   stats_lock      stats_state, the server-wide counters, and the
 *                   per-thread reset baselines (stats.c)
 *   prefix_lock     the "stats detail" prefix table (stats.c)
 *   cfg_lock        the engine's run-time tunables, lru tune
 *                   (engine_config.c)
 *   crawl_lock      the crawler's requests and state (crawler.c)
 *   mover_lock      the slab mover's request and counters
 *                   (slab_mover.c)
 *   bgthread lock   each background thread's sleep, wake-up and stop
 *                   (bgthread.c: the LRU maintainer, crawler, slab
 *                   mover and hash expander have one each)
 *   init_lock       the start-up barrier: workers report ready (here)
 * The background threads (maintainer, crawler, slab mover, hash
 * expansion) release their own lock before touching items, LRUs or
 * slabs; walking an LRU they only try item locks (against the order).
 * Per-request counters take no lock at all (single writer, see
 * stats_add in worker.h).  The tables filled before the workers start
 * -- the workers (worker.c), the protocols (conn.c), the stats groups
 * (stats.c) -- are read-only afterwards and take no lock.  The engine's
 * own locks are described in items.c, lru.c and assoc.c.
 */
#include "memcached.h"
#include "thread.h"
#include "worker.h"
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One queued hand-off: an accepted socket waiting for its worker. */
struct cq_item {
    int sfd;
    bool is_unix;
    struct cq_item *next;
};

struct conn_queue {
    struct cq_item *head;
    struct cq_item *tail;
    pthread_mutex_t lock;
};

/* A worker thread: what its connections use (worker.h), and what only
 * this file touches. */
typedef struct libevent_thread {
    struct worker w;
    pthread_t thread_id;
    struct event notify_event;      /* wake-up: new connection queued */
    struct event idle_event;        /* -o idle_timeout sweep, 1 s */
    int notify_receive_fd;
    int notify_send_fd;
    struct conn_queue *new_conn_queue;
} LIBEVENT_THREAD;

static LIBEVENT_THREAD *threads;
static int nthreads;
static int last_thread = -1;   /* main thread only */

/* Startup barrier: thread_init() waits until every worker runs. */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t init_cond = PTHREAD_COND_INITIALIZER;
static int init_count;

static void cq_init(struct conn_queue *cq)
{
    pthread_mutex_init(&cq->lock, NULL);
    cq->head = NULL;
    cq->tail = NULL;
}

static struct cq_item *cq_pop(struct conn_queue *cq)
{
    struct cq_item *item;

    pthread_mutex_lock(&cq->lock);
    item = cq->head;
    if (item != NULL) {
        cq->head = item->next;
        if (cq->head == NULL)
            cq->tail = NULL;
    }
    pthread_mutex_unlock(&cq->lock);
    return item;
}

static void cq_push(struct conn_queue *cq, struct cq_item *item)
{
    item->next = NULL;
    pthread_mutex_lock(&cq->lock);
    if (cq->tail == NULL)
        cq->head = item;
    else
        cq->tail->next = item;
    cq->tail = item;
    pthread_mutex_unlock(&cq->lock);
}

/* A connection the worker could not take: close it and uncount it. */
static void refuse_queued(struct cq_item *item)
{
    close(item->sfd);
    pthread_mutex_lock(&stats_lock);
    stats_state.curr_conns--;
    pthread_mutex_unlock(&stats_lock);
    free(item);
}

/* Worker side of the notify pipe. */
static void thread_libevent_process(evutil_socket_t fd, short which,
                                    void *arg)
{
    LIBEVENT_THREAD *me = arg;
    struct cq_item *item;
    char buf[64];
    ssize_t i, n;

    (void)which;
    n = read(fd, buf, sizeof(buf));
    for (i = 0; i < n; i++) {
        if (buf[i] == 's') {
            conn_close_all(&me->w);
            event_base_loopexit(me->w.base, NULL);
            return;
        }
        item = cq_pop(me->new_conn_queue);
        if (item == NULL)
            continue;
        if (conn_new(item->sfd, &me->w, item->is_unix) == NULL) {
            log_msg(1, "Can't listen for events on fd %d", item->sfd);
            refuse_queued(item);
            continue;
        }
        free(item);
    }
}

/* Once a second with -o idle_timeout: close idle connections. */
static void idle_timer(evutil_socket_t fd, short which, void *arg)
{
    LIBEVENT_THREAD *me = arg;

    (void)fd;
    (void)which;
    conn_close_idle(&me->w);
}

static void *worker_libevent(void *arg)
{
    LIBEVENT_THREAD *me = arg;

    /* Every worker serves every UDP socket: whichever wakes first reads
     * the datagram, the others find nothing. */
    conn_udp_attach(&me->w);
    pthread_mutex_lock(&init_lock);
    init_count++;
    pthread_cond_signal(&init_cond);
    pthread_mutex_unlock(&init_lock);

    event_base_dispatch(me->w.base);
    return NULL;
}

static void setup_thread(LIBEVENT_THREAD *me)
{
    struct event_config *ev_config = event_config_new();

    /* Each base is used by one thread only: no libevent locking. */
    event_config_set_flag(ev_config, EVENT_BASE_FLAG_NOLOCK);
    me->w.base = event_base_new_with_config(ev_config);
    event_config_free(ev_config);
    if (me->w.base == NULL) {
        fprintf(stderr, "Can't allocate event base\n");
        exit(EXIT_FAILURE);
    }
    event_assign(&me->notify_event, me->w.base, me->notify_receive_fd,
                 EV_READ | EV_PERSIST, thread_libevent_process, me);
    if (event_add(&me->notify_event, 0) == -1) {
        fprintf(stderr, "Can't monitor libevent notify pipe\n");
        exit(EXIT_FAILURE);
    }
    if (settings.idle_timeout > 0) {
        struct timeval one_sec = {1, 0};

        event_assign(&me->idle_event, me->w.base, -1, EV_PERSIST, idle_timer,
                     me);
        event_add(&me->idle_event, &one_sec);
    }
    me->new_conn_queue = malloc(sizeof(*me->new_conn_queue));
    if (me->new_conn_queue == NULL) {
        perror("Failed to allocate memory for connection queue");
        exit(EXIT_FAILURE);
    }
    cq_init(me->new_conn_queue);
    pthread_mutex_init(&me->w.conns_lock, NULL);
    if (!worker_register(&me->w)) {
        perror("Failed to register the worker");
        exit(EXIT_FAILURE);
    }
}

void thread_init(int n)
{
    int i, fds[2];

    nthreads = n;
    threads = calloc((size_t)n, sizeof(*threads));
    if (threads == NULL) {
        perror("Can't allocate thread descriptors");
        exit(EXIT_FAILURE);
    }
    for (i = 0; i < n; i++) {
        if (pipe(fds) != 0) {
            perror("Can't create notify pipe");
            exit(EXIT_FAILURE);
        }
        threads[i].notify_receive_fd = fds[0];
        threads[i].notify_send_fd = fds[1];
        setup_thread(&threads[i]);
    }
    for (i = 0; i < n; i++) {
        int ret = pthread_create(&threads[i].thread_id, NULL,
                                 worker_libevent, &threads[i]);
        if (ret != 0) {
            fprintf(stderr, "Can't create thread: %s\n", strerror(ret));
            exit(EXIT_FAILURE);
        }
    }
    pthread_mutex_lock(&init_lock);
    while (init_count < n)
        pthread_cond_wait(&init_cond, &init_lock);
    pthread_mutex_unlock(&init_lock);
}

static bool notify_worker(LIBEVENT_THREAD *t, char what)
{
    ssize_t w;

    do {
        w = write(t->notify_send_fd, &what, 1);
    } while (w == -1 && errno == EINTR);
    return w == 1;
}

void dispatch_conn_new(int sfd, bool is_unix)
{
    struct cq_item *item = malloc(sizeof(*item));
    LIBEVENT_THREAD *t;

    if (item == NULL) {
        close(sfd);
        log_msg(1, "Failed to allocate memory for connection object");
        return;
    }
    last_thread = (last_thread + 1) % nthreads;
    t = &threads[last_thread];
    item->sfd = sfd;
    item->is_unix = is_unix;
    pthread_mutex_lock(&stats_lock);
    stats_state.curr_conns++;
    stats_state.total_conns++;
    pthread_mutex_unlock(&stats_lock);
    cq_push(t->new_conn_queue, item);
    if (!notify_worker(t, 'c'))
        log_msg(1, "Writing to thread notify pipe failed");
}

void thread_shutdown(void)
{
    struct cq_item *item;
    int i;

    for (i = 0; i < nthreads; i++)
        notify_worker(&threads[i], 's');
    for (i = 0; i < nthreads; i++)
        pthread_join(threads[i].thread_id, NULL);
    for (i = 0; i < nthreads; i++) {
        LIBEVENT_THREAD *t = &threads[i];

        while ((item = cq_pop(t->new_conn_queue)) != NULL)
            refuse_queued(item);
        event_del(&t->notify_event);
        if (settings.idle_timeout > 0)
            event_del(&t->idle_event);
        event_base_free(t->w.base);
        close(t->notify_receive_fd);
        close(t->notify_send_fd);
        pthread_mutex_destroy(&t->new_conn_queue->lock);
        free(t->new_conn_queue);
        pthread_mutex_destroy(&t->w.conns_lock);
    }
    worker_unregister_all();
    free(threads);
    threads = NULL;
    nthreads = 0;
}
