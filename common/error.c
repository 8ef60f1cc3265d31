#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(err *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int err_sys(err *e, int errnum, const char *path, const char *what)
{
    if (what)
        return err_set(e, "%s: %s: %s", path, what, strerror(errnum));
    return err_set(e, "%s: %s", path, strerror(errnum));
}

void err_prefix(err *e, const char *fmt, ...)
{
    if (!e)
        return;
    char prefix[512], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old);
}
