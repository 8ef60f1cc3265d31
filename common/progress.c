#include "common/progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { BAR_WIDTH = 24 };
static const double tty_interval = 0.1, plain_interval = 10.0;

struct progress {
    pthread_mutex_t lock;
    char label[64], unit[16], extra[64];
    uint64_t total, done;
    int quiet, tty, drawn;
    double start, last_draw;
};

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

progress *progress_start(const char *label, uint64_t total, const char *unit, int quiet)
{
    progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    snprintf(p->label, sizeof p->label, "%s", label);
    snprintf(p->unit, sizeof p->unit, "%s", unit);
    p->total = total;
    p->quiet = quiet;
    p->tty = isatty(STDERR_FILENO);
    p->start = p->last_draw = progress_now();
    return p;
}

static void format_duration(double secs, char *out, size_t cap)
{
    long s = (long)(secs + 0.5);
    if (s >= 3600)
        snprintf(out, cap, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, cap, "%ld:%02ld", s / 60, s % 60);
}

/* Called with the lock held. One write per line keeps it whole next to log messages. */
static void draw(progress *p, double now)
{
    char line[512], eta[32] = "";
    double elapsed = now - p->start, rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    int n = snprintf(line, sizeof line, "%s%s ", p->tty ? "\r" : "", p->label);
    if (p->total) {
        uint64_t done = p->done < p->total ? p->done : p->total;
        int fill = (int)(done * BAR_WIDTH / p->total);
        line[n++] = '[';
        for (int i = 0; i < BAR_WIDTH; i++)
            line[n++] = i < fill ? '#' : '-';
        line[n++] = ']';
        if (rate > 0) {
            strcpy(eta, "  ETA ");
            format_duration((double)(p->total - done) / rate, eta + 6, sizeof eta - 6);
        }
        n += snprintf(line + n, sizeof line - (size_t)n, "  %llu/%llu  %3d%%",
                      (unsigned long long)p->done, (unsigned long long)p->total,
                      (int)(done * 100 / p->total));
    } else {
        n += snprintf(line + n, sizeof line - (size_t)n, " %llu", (unsigned long long)p->done);
    }
    n += snprintf(line + n, sizeof line - (size_t)n, "  %.1f %s/s%s%s%s%s", rate, p->unit, eta,
                  p->extra[0] ? "  " : "", p->extra, p->tty ? "\033[K" : "\n");
    if (n > (int)sizeof line - 1)
        n = (int)sizeof line - 1;
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return;
    p->drawn = 1;
    p->last_draw = now;
}

void progress_update(progress *p, uint64_t done, const char *extra)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->done = done;
    if (extra)
        snprintf(p->extra, sizeof p->extra, "%s", extra);
    double now = progress_now();
    if (!p->quiet && now - p->last_draw >= (p->tty ? tty_interval : plain_interval))
        draw(p, now);
    pthread_mutex_unlock(&p->lock);
}

double progress_finish(progress *p)
{
    if (!p)
        return 0;
    double elapsed = progress_now() - p->start;
    if (p->tty && p->drawn && !p->quiet) {
        ssize_t ignored = write(STDERR_FILENO, "\r\033[K", 4);  /* a closed terminal is fine */
        (void)ignored;
    }
    pthread_mutex_destroy(&p->lock);
    free(p);
    return elapsed;
}
