/*
 * daemon.c: detach from the terminal (-d).
 *
 * Forks once so the parent's shell gets its prompt back, starts a new
 * session so no terminal can signal us, optionally moves to / so no
 * mount is held busy, and points stdin/stdout/stderr at /dev/null (kept
 * when -v is given, so that a daemon started with -v still logs).  Runs
 * before any thread exists: fork() in a threaded process would copy only
 * the calling thread.  No locks.
 */
#include "daemon.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int daemonize(int nochdir, int noclose)
{
    int fd;

    switch (fork()) {
    case -1:
        return -1;
    case 0:
        break;
    default:
        _exit(EXIT_SUCCESS);
    }
    if (setsid() == -1)
        return -1;
    if (nochdir == 0 && chdir("/") != 0) {
        perror("chdir");
        return -1;
    }
    if (noclose == 0 && (fd = open("/dev/null", O_RDWR, 0)) != -1) {
        if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
            dup2(fd, STDERR_FILENO) < 0) {
            perror("dup2");
            return -1;
        }
        if (fd > STDERR_FILENO && close(fd) < 0) {
            perror("close");
            return -1;
        }
    }
    return 0;
}
