/*
 * options.h: the command line and the "stats settings" group
 * (options.c).
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include "memcached.h"

#include <stdbool.h>

/* Parse argv into `settings`; prints usage/license/version and exits
 * for -h/-i/-V, and exits with a message on anything invalid.  *user
 * gets -u's argument; *daemonize_me is -d, *max_core is -r. */
void options_parse(int argc, char **argv, char **user, bool *daemonize_me,
                   bool *max_core);

/* The "stats settings" group (a stats_group_fn; main() registers it):
 * the reference's lines, in its order. */
void options_stats(ADD_STAT add, void *cookie);

/* Print the message (printf format, a newline added) to stderr and exit
 * with `code`.  Start-up only. */
void options_die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

#endif /* OPTIONS_H */
