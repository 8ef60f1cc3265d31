#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *program_name = "vgg";
static enum log_level current_level = LOG_INFO;

void log_init(const char *program, enum log_level level)
{
    const char *slash = program ? strrchr(program, '/') : NULL;
    program_name = slash ? slash + 1 : (program ? program : "vgg");
    current_level = level;
}

void log_set_level(enum log_level level) { current_level = level; }

static void log_at(enum log_level level, const char *tag, const char *fmt, va_list ap)
{
    if (level > current_level)
        return;
    char line[2048];
    int n = snprintf(line, sizeof line, "%s: %s", program_name, tag);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    size_t len = m < 0 ? (size_t)n : (size_t)n + (size_t)m;
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    /* One write per line keeps concurrent messages whole. */
    if (write(STDERR_FILENO, line, len) < 0)
        return;
}

#define LOG_FN(fn, level, tag)                      \
    void fn(const char *fmt, ...)                   \
    {                                               \
        va_list ap;                                 \
        va_start(ap, fmt);                          \
        log_at(level, tag, fmt, ap);                \
        va_end(ap);                                 \
    }
LOG_FN(log_error, LOG_ERROR, "")
LOG_FN(log_warn, LOG_WARN, "warning: ")
LOG_FN(log_info, LOG_INFO, "")
LOG_FN(log_debug, LOG_DEBUG, "debug: ")
