/*
 * memcached.c: main(): the order in which the daemon starts and stops,
 * and the main thread's events (signals, the clock's 1 s timer).
 *
 * Start-up: settings and options, auth and SASL, limits and privileges,
 * daemonize, the main event base and the clock, the storage engine, the
 * UDP sockets (before the workers, which attach to them), the protocols
 * and the `stats conns` and `stats settings` groups (registered down
 * into conn.c and stats.c, which call nothing above them), the worker
 * threads, the engine's background threads, the clock timer and signal
 * events, then the listeners and the pid file.  SIGTERM/SIGINT break the main loop, and
 * shutdown runs the list backwards, so a clean exit frees everything
 * (the leak checks rely on it).
 *
 * Everything here runs on the main thread; workers exist only between
 * thread_init() and thread_shutdown().  No locks of its own; see thread.c
 * for the daemon's lock order.
 */
#include "memcached.h"
#include "auth.h"
#include "conn.h"
#include "daemon.h"
#include "items.h"
#include "net.h"
#include "options.h"
#include "proto_bin.h"
#include "proto_text.h"
#include "sasl_auth.h"
#include "stats.h"
#include "thread.h"

#include <errno.h>
#include <event.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define EX_USAGE_ROOT 64            /* exit codes as the reference's */
#define EX_OSERR_CODE 71

static struct event_base *main_base;
static struct event clock_event;
static bool stop_main_loop;

/* ------------------------------------------------------------------ */
/* Clock and signals (main thread)                                    */

static void clock_handler(evutil_socket_t fd, short which, void *arg)
{
    struct timeval t = {1, 0};

    (void)fd;
    (void)which;
    (void)arg;
    clock_tick();
    evtimer_add(&clock_event, &t);
}

static void sig_handler(evutil_socket_t sig, short which, void *arg)
{
    (void)which;
    (void)arg;
    log_msg(1, "Signal handled: %s.", strsignal((int)sig));
    stop_main_loop = true;
    event_base_loopbreak(main_base);
}

/* ------------------------------------------------------------------ */
/* Process set-up                                                     */

static int setgroups_none(void)
{
    /* Leave root's supplementary groups behind; EPERM means we never
     * had the right to change them, which is fine. */
    if (setgroups(0, NULL) != 0 && errno != EPERM)
        return -1;
    return 0;
}

static void drop_privileges(const char *user)
{
    struct passwd *pw;

    if (getuid() != 0 && geteuid() != 0)
        return;
    if (user == NULL)
        options_die(EX_USAGE_ROOT, "can't run as root without the -u switch");
    pw = getpwnam(user);
    if (pw == NULL)
        options_die(EX_USAGE_ROOT, "can't find the user %s to switch to",
                    user);
    if (setgroups_none() != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0)
        options_die(EX_USAGE_ROOT, "failed to assume identity of user %s",
                    user);
}

/* Enough file descriptors for -c connections plus our own. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)settings.maxconns + stats_state.reserved_fds;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        fprintf(stderr, "failed to getrlimit number of files\n");
        exit(EX_OSERR_CODE);
    }
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = want;
    if (rl.rlim_max < want)
        rl.rlim_max = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        fprintf(stderr, "failed to set rlimit for open files. Try starting"
                " as root or requesting smaller maxconns value.\n");
        exit(EX_OSERR_CODE);
    }
}

static void max_core_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_CORE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur == 0) {
            fprintf(stderr, "failed to ensure corefile creation\n");
            exit(EX_OSERR_CODE);
        }
    }
}

static void write_pid_file(const char *path)
{
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        fprintf(stderr, "Could not open the pid file %s for writing: %s\n",
                path, strerror(errno));
        return;
    }
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0)
        fprintf(stderr, "Could not close the pid file %s: %s\n", path,
                strerror(errno));
}

static void setup_signals(struct event *ev_term, struct event *ev_int)
{
    signal(SIGPIPE, SIG_IGN);
    evsignal_assign(ev_term, main_base, SIGTERM, sig_handler, NULL);
    evsignal_assign(ev_int, main_base, SIGINT, sig_handler, NULL);
    if (evsignal_add(ev_term, NULL) == -1 ||
        evsignal_add(ev_int, NULL) == -1) {
        fprintf(stderr, "failed to install signal handlers\n");
        exit(EXIT_FAILURE);
    }
}

int main(int argc, char **argv)
{
    struct event ev_term, ev_int;
    struct timeval one_sec = {1, 0};
    char *user = NULL;
    bool daemonize_me = false, max_core = false;
    int rc = EXIT_SUCCESS;

    settings_init();
    stats_init();
    options_parse(argc, argv, &user, &daemonize_me, &max_core);
    stats_state.reserved_fds = 8 + 3 * (unsigned)settings.num_threads;
    if (settings.auth_file != NULL && !auth_load(settings.auth_file))
        exit(EX_USAGE_ROOT);
    /* SASL speaks only the binary protocol. */
    if (settings.sasl)
        settings.binding_protocol = BIND_BINARY;
    if (settings.sasl && !sasl_init())
        exit(EXIT_FAILURE);
    if (max_core)
        max_core_limit();
    raise_fd_limit();
    drop_privileges(user);
    if (daemonize_me) {
        signal(SIGHUP, SIG_IGN);
        if (daemonize(max_core, settings.verbose) == -1) {
            fprintf(stderr, "failed to daemon() in order to daemonize\n");
            exit(EXIT_FAILURE);
        }
    }
    if (settings.lock_memory && mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
        fprintf(stderr, "warning: -k invalid, mlockall() failed: %s\n",
                strerror(errno));

    main_base = event_base_new();
    if (main_base == NULL) {
        fprintf(stderr, "Failed to create the main event base\n");
        exit(EXIT_FAILURE);
    }
    clock_init();
    if (!storage_init())
        exit(EXIT_FAILURE);
    if (settings.udpport != 0 && settings.socketpath == NULL &&
        !net_udp_open())
        exit(EX_OSERR_CODE);
    /* -Y logs in with a text "set": such a server speaks only text. */
    conn_set_protocols(&proto_text_ops,
                       auth_enabled() ? NULL : &proto_bin_ops);
    if (!stats_register_group("conns", conn_stats) ||
        !stats_register_group("settings", options_stats))
        exit(EXIT_FAILURE);
    thread_init(settings.num_threads);
    if (!engine_threads_start())
        exit(EXIT_FAILURE);
    evtimer_assign(&clock_event, main_base, clock_handler, NULL);
    evtimer_add(&clock_event, &one_sec);
    setup_signals(&ev_term, &ev_int);
    if (!net_listen(main_base)) {
        rc = EX_OSERR_CODE;
        goto out_stop_threads;
    }
    if (settings.pid_file != NULL)
        write_pid_file(settings.pid_file);
    stats_state.accepting_conns = true;

    while (!stop_main_loop)
        if (event_base_loop(main_base, 0) != 0)
            break;

    log_msg(1, "Gracefully stopping");
    if (settings.pid_file != NULL)
        unlink(settings.pid_file);
    net_listen_close();
out_stop_threads:
    thread_shutdown();
    net_udp_close();
    engine_threads_stop();
    storage_shutdown();
    auth_free();
    if (settings.sasl)
        sasl_shutdown();
    evtimer_del(&clock_event);
    evsignal_del(&ev_term);
    evsignal_del(&ev_int);
    event_base_free(main_base);
    return rc;
}
