#include "convert/report.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomic.h"

typedef struct failure {
    char *source, *reason;
} failure;

struct report {
    pthread_mutex_t lock;
    failure *items;
    size_t n, cap;
    size_t dropped;     /* failures that could not be stored (out of memory) */
};

report *report_new(void)
{
    report *r = calloc(1, sizeof *r);
    if (r)
        pthread_mutex_init(&r->lock, NULL);
    return r;
}

void report_free(report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].source);
        free(r->items[i].reason);
    }
    free(r->items);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* Tabs and line breaks would break the TSV's lines. */
static char *one_field(const char *s)
{
    char *copy = strdup(s);
    for (char *p = copy; p && *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
    return copy;
}

void report_add(report *r, const char *source, const char *reason)
{
    size_t n = strlen(source);
    if (strncmp(reason, source, n) == 0 && strncmp(reason + n, ": ", 2) == 0)
        reason += n + 2;
    failure f = {one_field(source), one_field(reason)};
    pthread_mutex_lock(&r->lock);
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        failure *bigger = realloc(r->items, cap * sizeof *bigger);
        if (bigger) {
            r->items = bigger;
            r->cap = cap;
        }
    }
    if (f.source && f.reason && r->n < r->cap) {
        r->items[r->n++] = f;
    } else {
        r->dropped++;
        free(f.source);
        free(f.reason);
    }
    pthread_mutex_unlock(&r->lock);
}

size_t report_count(const report *r) { return r->n + r->dropped; }

int report_write_tsv(const report *r, const char *out_dir, err *e)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/convert-errors.tsv", out_dir);
    if (report_count(r) == 0) {
        if (unlink(path) != 0 && errno != ENOENT)
            return err_sys(e, errno, path, "cannot remove");
        return 0;
    }
    atomic_file af;
    if (atomic_open(&af, path, e) < 0)
        return -1;
    fprintf(af.f, "source\treason\n");
    for (size_t i = 0; i < r->n; i++)
        fprintf(af.f, "%s\t%s\n", r->items[i].source, r->items[i].reason);
    if (r->dropped)
        fprintf(af.f, "-\t%zu more failures not recorded (out of memory)\n", r->dropped);
    return atomic_commit(&af, e);
}

void report_print(const report *r, FILE *f, size_t max)
{
    for (size_t i = 0; i < r->n && i < max; i++)
        fprintf(f, "  %s: %s\n", r->items[i].source, r->items[i].reason);
    if (report_count(r) > max)
        fprintf(f, "  ... and %zu more\n", report_count(r) - max);
}
