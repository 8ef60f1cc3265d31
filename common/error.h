/* error.h: errors as values.
 *
 * Library functions that can fail take an `err *` as their last argument, fill it with a
 * one-line message that names the file (and line, where there is one) and return a negative
 * value (or NULL). Only main() prints the message and exits. A NULL `err *` is allowed: the
 * message is then dropped.
 */
#ifndef VGG_COMMON_ERROR_H
#define VGG_COMMON_ERROR_H

#include <stddef.h>

/* Exit statuses shared by every program (documented in each --help and man page). */
enum {
    EXIT_ALL_OK  = 0, /* everything done */
    EXIT_PARTIAL = 1, /* finished, but some inputs were skipped, or a check (--verify) failed */
    EXIT_FATAL   = 2, /* usage error or fatal error: nothing (more) was done */
};

typedef struct err {
    char msg[1024];
} err;

/* Sets the message (printf-style). Returns -1, so `return err_set(e, ...);` reads naturally. */
int err_set(err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets "<path>: <what>: <strerror(errnum)>" (what may be NULL). Returns -1. */
int err_sys(err *e, int errnum, const char *path, const char *what);

/* Prepends "<prefix>: " to the current message (printf-style), for context added on the way up. */
void err_prefix(err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
