#include "convert/pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/walker.h"
#include "convert/converter.h"

/* Files larger than this are not images we want to decode. */

typedef struct job {
    char source[8192], out_path[4096], in_path[4096];
    uint8_t *data;              /* archive member bytes (in_path empty), reused */
    size_t size, cap;
} job;

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t queued, freed;
    job *slots;
    int n_slots;
    int *ready, n_ready;        /* slots waiting for a worker, oldest first */
    int *spare, n_spare;        /* slots free for the walker */
    int stopping;
    int disk_full;              /* an output could not be written for lack of space: stop */
    err fatal;                  /* its message */
    pthread_t *threads;
    int n_threads;
    const convert_options *opt;
    report *rep;
    tally *tally;
};

void tally_add(tally *t, uint64_t *field)
{
    __atomic_add_fetch(field, 1, __ATOMIC_RELAXED);
    uint64_t done = __atomic_load_n(&t->converted, __ATOMIC_RELAXED) +
                    __atomic_load_n(&t->up_to_date, __ATOMIC_RELAXED) +
                    __atomic_load_n(&t->failed, __ATOMIC_RELAXED);
    progress_update(t->bar, done, NULL);
}

static void convert_job(pool *p, converter *c, job *j)
{
    const uint8_t *out;
    size_t out_size;
    err e;
    int r = j->in_path[0]
                ? converter_run_file(c, j->in_path, WALKER_MAX_IMAGE_BYTES, &out, &out_size, &e)
                : converter_run(c, j->data, j->size, &out, &out_size, &e);
    if (r == 0)
        r = output_file_write(j->out_path, out, out_size, &e);  /* synced at the end */
    if (r == OUTPUT_FILE_DISK_FULL) {
        /* Not this input's fault: every later output would fail alike. Stop the run. */
        pthread_mutex_lock(&p->lock);
        if (!p->disk_full)
            p->fatal = e;
        p->disk_full = 1;
        pthread_cond_broadcast(&p->queued);  /* idle workers quit, */
        pthread_cond_broadcast(&p->freed);   /* the walker stops submitting */
        pthread_mutex_unlock(&p->lock);
        return;
    }
    if (r < 0)
        report_add(p->rep, j->source, e.msg);
    tally_add(p->tally, r < 0 ? &p->tally->failed : &p->tally->converted);
}

static void *worker(void *arg)
{
    pool *p = arg;
    err e;
    converter *c = converter_new(p->opt, &e);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->n_ready && !p->stopping && !p->disk_full)
            pthread_cond_wait(&p->queued, &p->lock);
        if (!p->n_ready || p->disk_full)
            break;
        int slot = p->ready[0];
        memmove(p->ready, p->ready + 1, (size_t)--p->n_ready * sizeof *p->ready);
        pthread_mutex_unlock(&p->lock);
        if (c)
            convert_job(p, c, &p->slots[slot]);
        else {
            report_add(p->rep, p->slots[slot].source, e.msg);
            tally_add(p->tally, &p->tally->failed);
        }
        pthread_mutex_lock(&p->lock);
        p->spare[p->n_spare++] = slot;
        pthread_cond_signal(&p->freed);
    }
    pthread_mutex_unlock(&p->lock);
    converter_free(c);
    return NULL;
}

pool *pool_start(const convert_options *opt, report *rep, tally *t, err *e)
{
    pool *p = calloc(1, sizeof *p);
    int n = opt->jobs > 0 ? opt->jobs : 1;
    if (!p || !(p->slots = calloc((size_t)n * 2, sizeof *p->slots)) ||
        !(p->ready = calloc((size_t)n * 2, sizeof *p->ready)) ||
        !(p->spare = calloc((size_t)n * 2, sizeof *p->spare)) ||
        !(p->threads = calloc((size_t)n, sizeof *p->threads))) {
        if (p) {
            free(p->slots);
            free(p->ready);
            free(p->spare);
        }
        free(p);
        err_set(e, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->queued, NULL);
    pthread_cond_init(&p->freed, NULL);
    p->opt = opt;
    p->rep = rep;
    p->tally = t;
    p->n_slots = n * 2;
    for (int i = 0; i < p->n_slots; i++)
        p->spare[p->n_spare++] = i;
    for (; p->n_threads < n; p->n_threads++)
        if (pthread_create(&p->threads[p->n_threads], NULL, worker, p) != 0)
            break;
    if (p->n_threads == 0) {
        pool_finish(p, e);
        err_set(e, "cannot start worker threads");
        return NULL;
    }
    return p;
}

int pool_submit(pool *p, const walker_entry *ent, const char *out_path, err *e)
{
    pthread_mutex_lock(&p->lock);
    while (!p->n_spare && !p->disk_full)
        pthread_cond_wait(&p->freed, &p->lock);
    if (p->disk_full) {
        *e = p->fatal;
        pthread_mutex_unlock(&p->lock);
        return OUTPUT_FILE_DISK_FULL;
    }
    int slot = p->spare[--p->n_spare];
    pthread_mutex_unlock(&p->lock);

    job *j = &p->slots[slot];
    snprintf(j->source, sizeof j->source, "%s", ent->source);
    snprintf(j->out_path, sizeof j->out_path, "%s", out_path);
    snprintf(j->in_path, sizeof j->in_path, "%s", ent->path ? ent->path : "");
    j->size = ent->path ? 0 : ent->size;
    int r = 0;
    if (j->size > j->cap) {
        uint8_t *bigger = realloc(j->data, j->size);
        if (bigger) {
            j->data = bigger;
            j->cap = j->size;
        } else {
            r = err_set(e, "%s: out of memory", ent->source);
        }
    }
    if (r == 0 && j->size)
        memcpy(j->data, ent->data, j->size);

    pthread_mutex_lock(&p->lock);
    if (r == 0) {
        p->ready[p->n_ready++] = slot;
        pthread_cond_signal(&p->queued);
    } else {
        p->spare[p->n_spare++] = slot;
    }
    pthread_mutex_unlock(&p->lock);
    return r;
}

int pool_finish(pool *p, err *e)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->queued);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    for (int i = 0; i < p->n_slots; i++)
        free(p->slots[i].data);
    pthread_cond_destroy(&p->queued);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->lock);
    free(p->slots);
    free(p->ready);
    free(p->spare);
    free(p->threads);
    int r = p->disk_full ? OUTPUT_FILE_DISK_FULL : 0;
    if (r)
        *e = p->fatal;
    free(p);
    return r;
}
