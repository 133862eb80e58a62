/*
 * daemon.h: detach from the terminal (-d).
 */
#ifndef DAEMON_H
#define DAEMON_H

/* Fork, start a new session, chdir("/") unless nochdir, and point the
 * standard streams at /dev/null unless noclose.  0, or -1 (the parent
 * has exited; the caller reports).  Call before any thread starts. */
int daemonize(int nochdir, int noclose);

#endif /* DAEMON_H */
