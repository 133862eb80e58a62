/*
 * net.c: the listening sockets and the accept loop (main thread).
 *
 * At start-up main() calls net_udp_open() (-U: the UDP sockets, bound
 * before the workers start because every worker attaches a conn to each
 * of them, conn_udp_attach) and, once the workers run, net_listen(): the
 * unix socket (-s) or a TCP listener per address of every -l entry (or
 * every interface), and the port file (--port-file or
 * MEMCACHED_PORT_FILENAME), written to "<name>.lck" and renamed into
 * place once every port is bound.  A listener is a conn in state
 * conn_listening on the main event base (conn_listen_new); when it is
 * readable conn.c calls accept_new_conns(), registered here, which
 * accepts one socket, refuses it at the -c limit (maxconns_fast) and
 * otherwise hands it to a worker (dispatch_conn_new, thread.c).
 *
 * Data: the UDP socket list and the open port file, both main thread
 * only.  Locks: stats_lock (a leaf) around the connection counters.
 */
#include "memcached.h"
#include "net.h"
#include "conn.h"
#include "stats.h"
#include "thread.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define UDP_MAX_SOCKETS 16

static struct event_base *listen_base;  /* main thread's, for listeners */
static FILE *port_file;             /* --port-file / env, while binding */
static int udp_fds[UDP_MAX_SOCKETS]; /* bound before workers start */
static int udp_count;

/* A listener is readable: take one connection and hand it to a worker. */
static void accept_new_conns(conn *l)
{
    struct sockaddr_storage addr;
    socklen_t addrlen = sizeof(addr);
    int sfd, flags;

    sfd = accept(l->sfd, (struct sockaddr *)&addr, &addrlen);
    if (sfd == -1) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            errno != ECONNABORTED)
            log_msg(1, "Failed to accept new connection: %s",
                    strerror(errno));
        return;
    }
    flags = fcntl(sfd, F_GETFL);
    if (flags < 0 || fcntl(sfd, F_SETFL, flags | O_NONBLOCK) < 0) {
        close(sfd);
        return;
    }
    pthread_mutex_lock(&stats_lock);
    if (settings.maxconns_fast &&
        stats_state.curr_conns + stats_state.reserved_fds >=
            (uint64_t)settings.maxconns - 1) {
        static const char msg[] = "ERROR Too many open connections\r\n";
        ssize_t w;

        stats_state.rejected_conns++;
        pthread_mutex_unlock(&stats_lock);
        w = write(sfd, msg, sizeof(msg) - 1);
        (void)w;
        close(sfd);
        return;
    }
    pthread_mutex_unlock(&stats_lock);
    dispatch_conn_new(sfd, l->is_unix);
}

static bool listen_conn_add(int sfd, bool is_unix)
{
    if (conn_listen_new(sfd, is_unix, listen_base) == NULL) {
        fprintf(stderr, "failed to create listening connection\n");
        return false;
    }
    return true;
}

static int new_socket(const struct addrinfo *ai)
{
    int sfd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    int flags;

    if (sfd == -1)
        return -1;
    flags = fcntl(sfd, F_GETFL);
    if (flags < 0 || fcntl(sfd, F_SETFL, flags | O_NONBLOCK) < 0) {
        perror("setting O_NONBLOCK");
        close(sfd);
        return -1;
    }
    return sfd;
}

static int udp_family(int sfd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(sfd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    return ss.ss_family;
}

static int bound_port(int sfd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(sfd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

/* The addresses to bind for host (NULL: every interface) and port, of
 * socktype; NULL (reported) if it does not resolve.  freeaddrinfo() it. */
static struct addrinfo *resolve_passive(const char *host, int port,
                                        int socktype)
{
    struct addrinfo hints, *ai;
    char portstr[16];
    int error;

    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_PASSIVE;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    snprintf(portstr, sizeof(portstr), "%d", port);
    error = getaddrinfo(host, portstr, &hints, &ai);
    if (error != 0) {
        fprintf(stderr, "getaddrinfo(): %s\n", gai_strerror(error));
        return NULL;
    }
    return ai;
}

/* Listen on every address `host` resolves to (NULL: all interfaces) at
 * *port.  With *port 0 the kernel picks one, which is then used for the
 * other addresses too and passed back. */
static bool server_socket(const char *host, int *port)
{
    struct addrinfo *ai = resolve_passive(host, *port, SOCK_STREAM), *next;
    struct linger ling = {0, 0};
    int one = 1, bound = 0;

    if (ai == NULL)
        return false;
    for (next = ai; next != NULL; next = next->ai_next) {
        int sfd = new_socket(next);

        if (sfd == -1)
            continue;
        if (next->ai_family == AF_INET6)
            setsockopt(sfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        setsockopt(sfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        setsockopt(sfd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        setsockopt(sfd, SOL_SOCKET, SO_LINGER, &ling, sizeof(ling));
        setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (*port == 0 && bound > 0) {
            /* Same kernel-chosen port on every address family. */
            if (next->ai_family == AF_INET)
                ((struct sockaddr_in *)next->ai_addr)->sin_port =
                    htons((uint16_t)bound);
            else if (next->ai_family == AF_INET6)
                ((struct sockaddr_in6 *)next->ai_addr)->sin6_port =
                    htons((uint16_t)bound);
        }
        if (bind(sfd, next->ai_addr, next->ai_addrlen) == -1) {
            if (errno != EADDRINUSE) {
                perror("bind()");
                close(sfd);
                freeaddrinfo(ai);
                return false;
            }
            close(sfd);
            continue;
        }
        if (listen(sfd, settings.backlog) == -1) {
            perror("listen()");
            close(sfd);
            freeaddrinfo(ai);
            return false;
        }
        bound = bound_port(sfd);
        if (port_file != NULL)
            fprintf(port_file, "TCP INET%s: %d\n",
                    next->ai_family == AF_INET6 ? "6" : "", bound);
        log_msg(1, "Listening on TCP port %d", bound);
        if (!listen_conn_add(sfd, false)) {
            close(sfd);
            freeaddrinfo(ai);
            return false;
        }
    }
    freeaddrinfo(ai);
    if (bound == 0) {
        fprintf(stderr, "failed to listen on TCP port %d: %s\n", *port,
                strerror(EADDRINUSE));
        return false;
    }
    *port = bound;
    return true;
}

/* Split one -l entry into host and port: "h", "h:p", "[v6]", "[v6]:p",
 * or a bare IPv6 address (more than one ':'). */
static bool parse_listen_entry(char *e, char **host, int *port)
{
    char *colon;

    *port = settings.port;
    if (*e == '[') {
        char *end = strchr(e, ']');

        if (end == NULL)
            return false;
        *end = '\0';
        *host = e + 1;
        if (end[1] == ':')
            colon = end + 1;
        else if (end[1] == '\0')
            return true;
        else
            return false;
    } else {
        *host = e;
        colon = strchr(e, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL)
            return true;        /* bare IPv6 address */
    }
    if (colon != NULL) {
        uint32_t p;

        *colon = '\0';
        if (!safe_strtoul(colon + 1, &p) || p > 65535)
            return false;
        *port = (int)p;
    }
    return true;
}

/* Bind -U's UDP port on `host` (NULL: every interface). */
static bool server_udp_socket(const char *host, int port)
{
    struct addrinfo *ai = resolve_passive(host, port, SOCK_DGRAM), *next;
    int one = 1, bound = 0;

    if (ai == NULL)
        return false;
    for (next = ai; next != NULL && udp_count < UDP_MAX_SOCKETS;
         next = next->ai_next) {
        int sfd = new_socket(next);

        if (sfd == -1)
            continue;
        if (next->ai_family == AF_INET6)
            setsockopt(sfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        setsockopt(sfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(sfd, next->ai_addr, next->ai_addrlen) == -1) {
            close(sfd);
            if (errno == EADDRINUSE)
                continue;
            perror("bind()");
            freeaddrinfo(ai);
            return false;
        }
        bound = bound_port(sfd);
        udp_fds[udp_count++] = sfd;
    }
    freeaddrinfo(ai);
    if (bound == 0) {
        fprintf(stderr, "failed to listen on UDP port %d\n", port);
        return false;
    }
    return true;
}

/* Bind -U's port on every -l address (every interface without -l). */
static bool server_udp_sockets(void)
{
    char *list, *e, *save = NULL;
    bool ok = true;

    if (settings.inter == NULL)
        return server_udp_socket(NULL, settings.udpport);
    list = strdup(settings.inter);
    if (list == NULL)
        return false;
    for (e = strtok_r(list, ", ", &save); e != NULL && ok;
         e = strtok_r(NULL, ", ", &save)) {
        char *host;
        int port;

        if (!parse_listen_entry(e, &host, &port)) {
            ok = false;
            break;
        }
        if (strcmp(host, "*") == 0 || *host == '\0')
            host = NULL;
        ok = server_udp_socket(host, settings.udpport);
    }
    free(list);
    return ok;
}

void net_udp_close(void)
{
    while (udp_count > 0)
        close(udp_fds[--udp_count]);
}

static bool server_sockets(void)
{
    char *list, *e, *save = NULL;
    bool ok = true;
    int port = settings.port;

    if (settings.inter == NULL)
        return server_socket(NULL, &settings.port);
    list = strdup(settings.inter);
    if (list == NULL)
        return false;
    for (e = strtok_r(list, ", ", &save); e != NULL && ok;
         e = strtok_r(NULL, ", ", &save)) {
        char *host;

        if (!parse_listen_entry(e, &host, &port)) {
            fprintf(stderr, "Invalid listen address: %s\n", e);
            ok = false;
            break;
        }
        if (strcmp(host, "*") == 0 || *host == '\0')
            host = NULL;
        ok = server_socket(host, &port);
        if (ok && settings.port == 0)
            settings.port = port;
    }
    free(list);
    return ok;
}

static bool server_socket_unix(const char *path, int access_mask)
{
    struct sockaddr_un addr;
    struct linger ling = {0, 0};
    struct stat st;
    int sfd, one = 1, flags;
    mode_t old_umask;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        fprintf(stderr, "unix socket path too long: %s\n", path);
        return false;
    }
    sfd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (sfd == -1) {
        perror("socket()");
        return false;
    }
    flags = fcntl(sfd, F_GETFL);
    if (flags < 0 || fcntl(sfd, F_SETFL, flags | O_NONBLOCK) < 0)
        goto out_close;
    /* A stale socket from an earlier run would make bind() fail. */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);
    setsockopt(sfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(sfd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    setsockopt(sfd, SOL_SOCKET, SO_LINGER, &ling, sizeof(ling));
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, path);
    old_umask = umask((mode_t)(~access_mask & 0777));
    if (bind(sfd, (struct sockaddr *)&addr, sizeof(addr)) == -1) {
        perror("bind()");
        umask(old_umask);
        goto out_close;
    }
    umask(old_umask);
    if (listen(sfd, settings.backlog) == -1) {
        perror("listen()");
        goto out_close;
    }
    if (!listen_conn_add(sfd, true))
        goto out_close;
    return true;

out_close:
    close(sfd);
    return false;
}

void net_listen_close(void)
{
    conn_listeners_close();
    if (settings.socketpath != NULL)
        unlink(settings.socketpath);
}

bool net_udp_open(void)
{
    bool ok = server_udp_sockets();

    conn_set_udp_sockets(udp_fds, udp_count);
    return ok;
}

/* The bound ports go to a temporary file renamed into place once all
 * listeners are up, so a reader never sees half a list. */
static const char *port_file_name(void)
{
    if (settings.port_file != NULL)
        return settings.port_file;
    return getenv("MEMCACHED_PORT_FILENAME");
}

bool net_listen(struct event_base *base)
{
    const char *pf = port_file_name();
    char tmp[PATH_MAX];
    bool ok;

    listen_base = base;
    conn_set_acceptor(accept_new_conns);
    if (pf != NULL) {
        snprintf(tmp, sizeof(tmp), "%s.lck", pf);
        port_file = fopen(tmp, "w");
        if (port_file == NULL) {
            fprintf(stderr, "Failed to open \"%s\": %s\n", tmp,
                    strerror(errno));
            return false;
        }
    }
    if (settings.socketpath != NULL)
        ok = server_socket_unix(settings.socketpath, settings.access);
    else
        ok = server_sockets();
    /* UDP sockets were bound before the workers started (they attach
     * to them); name them here so one file lists every port. */
    if (ok && port_file != NULL)
        for (int i = 0; i < udp_count; i++)
            fprintf(port_file, "UDP INET%s: %d\n",
                    udp_family(udp_fds[i]) == AF_INET6 ? "6" : "",
                    bound_port(udp_fds[i]));
    if (port_file != NULL) {
        fclose(port_file);
        port_file = NULL;
        if (ok && rename(tmp, pf) != 0) {
            fprintf(stderr, "Failed to rename \"%s\": %s\n", tmp,
                    strerror(errno));
            ok = false;
        }
    }
    return ok;
}
