/* loader.c: worker threads filling a ring of staging buffers in batch order. */
#include "train/loader.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "train/draw.h"

enum slot_state { SLOT_FREE, SLOT_FILLING, SLOT_READY };

typedef struct slot {
    enum slot_state state;
    uint64_t index;             /* batch index in the epoch */
    int failed, skipped;        /* skipped: damaged records left out (skip_corrupt) */
    err error;
    backend_batch batch;
    uint8_t *pixels;
    augment *aug;
    int32_t *labels;
} slot;

struct loader {
    loader_config cfg;
    uint64_t count, batches;    /* records in the split, batches per epoch */
    int src_h, src_w, classes;
    size_t image_bytes;
    uint64_t *order;            /* this epoch's record order */
    uint8_t *warned;            /* skip_corrupt: bit per record, set once warned about */
    slot *slots;
    pthread_t *threads;
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t epoch, claim, next_out, generation;
    slot *out;                  /* the batch handed to the consumer, freed on the next call */
    int shutdown;
};

uint64_t loader_batches(const loader *l) { return l->batches; }

int loader_skipped(const loader *l) { return l->out ? l->out->skipped : 0; }

/* Checks record `index` and copies it to pixels/label; -1 (e set, naming the store, split and
 * index) when it is damaged. */
static int read_record(loader *l, store_txn *txn, uint64_t index, uint8_t *pixels,
                       int32_t *label, err *e)
{
    const loader_config *c = &l->cfg;
    store_record rec;
    if (store_get(txn, c->split, index, STORE_GET_VERIFY, &rec, e) < 0)
        return -1;
    const char *split = c->split == STORE_VAL ? "val" : "train";
    if (rec.height != l->src_h || rec.width != l->src_w || rec.channels != 3 ||
        rec.size != l->image_bytes)
        return err_set(e, "%s: %s record %llu is %dx%dx%d, the store's images are %dx%dx3",
                       store_path(c->s), split, (unsigned long long)index, rec.height,
                       rec.width, rec.channels, l->src_h, l->src_w);
    if (rec.label >= (uint32_t)l->classes) /* the backend indexes by label */
        return err_set(e, "%s: %s record %llu has label %u, the store has %d classes",
                       store_path(c->s), split, (unsigned long long)index, rec.label, l->classes);
    memcpy(pixels, rec.pixels, l->image_bytes);
    *label = (int32_t)rec.label;
    return 0;
}

/* One warning per damaged record for the loader's lifetime (every epoch meets it again). */
static void warn_skipped(loader *l, uint64_t index, const err *why)
{
    pthread_mutex_lock(&l->mu);
    int first = !(l->warned[index / 8] & (1u << (index % 8)));
    l->warned[index / 8] |= (uint8_t)(1u << (index % 8));
    pthread_mutex_unlock(&l->mu);
    if (first)
        log_warn("%s; skipped (data.skip_corrupt)", why->msg);
}

/* Reads batch `index` of `epoch` into s. Runs without the lock. */
static void fill(loader *l, slot *s, uint64_t epoch, uint64_t index)
{
    const loader_config *c = &l->cfg;
    uint64_t first = index * (uint64_t)c->batch;
    int count = (int)(l->count - first < (uint64_t)c->batch ? l->count - first
                                                            : (uint64_t)c->batch);
    int n = 0;
    store_txn *txn;
    s->failed = 0, s->skipped = 0;
    if (store_txn_begin(c->s, &txn, &s->error) < 0) {
        s->failed = 1;
        return;
    }
    for (int j = 0; j < count; j++) {
        uint64_t pos = first + (uint64_t)j, rec = l->order[pos];
        if (read_record(l, txn, rec, s->pixels + (size_t)n * l->image_bytes, &s->labels[n],
                        &s->error) < 0) {
            if (!c->skip_corrupt) {
                s->failed = 1;
                break;
            }
            warn_skipped(l, rec, &s->error);
            s->skipped++;
            continue;
        }
        if (c->train) { /* drawn by position: a skipped record does not shift the others' */
            rng r;
            draw_seed(&r, c->seed, DRAW_AUGMENT, epoch, pos);
            augment_draw(&c->policy, l->src_h, l->src_w, &r, &s->aug[n]);
        } else {
            augment_centre(l->src_h, l->src_w, c->policy.out_size, &s->aug[n]);
        }
        n++;
    }
    store_txn_end(txn);
    s->batch.n = n;
}

static void *worker(void *arg)
{
    loader *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (!l->shutdown &&
               !(l->claim < l->batches && l->slots[l->claim % l->cfg.depth].state == SLOT_FREE))
            pthread_cond_wait(&l->cv, &l->mu);
        if (l->shutdown)
            break;
        uint64_t index = l->claim++, epoch = l->epoch, generation = l->generation;
        slot *s = &l->slots[index % l->cfg.depth];
        s->state = SLOT_FILLING;
        s->index = index;
        pthread_mutex_unlock(&l->mu);
        fill(l, s, epoch, index);
        pthread_mutex_lock(&l->mu);
        s->state = generation == l->generation ? SLOT_READY : SLOT_FREE;
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

static void shuffle(loader *l, uint64_t epoch)
{
    for (uint64_t i = 0; i < l->count; i++)
        l->order[i] = i;
    if (!l->cfg.train)
        return;
    rng r;
    draw_seed(&r, l->cfg.seed, DRAW_SHUFFLE, epoch, 0);
    for (uint64_t i = l->count; i > 1; i--) {
        uint64_t j = rng_below(&r, i), t = l->order[i - 1];
        l->order[i - 1] = l->order[j], l->order[j] = t;
    }
}

void loader_start_epoch(loader *l, uint64_t epoch, uint64_t first)
{
    pthread_mutex_lock(&l->mu);
    l->generation++;
    l->claim = l->batches; /* no new claims while the old epoch's fills drain */
    for (int i = 0; i < l->cfg.depth; i++)
        while (l->slots[i].state == SLOT_FILLING)
            pthread_cond_wait(&l->cv, &l->mu);
    for (int i = 0; i < l->cfg.depth; i++)
        l->slots[i].state = SLOT_FREE;
    l->out = NULL;
    shuffle(l, epoch);
    l->epoch = epoch;
    l->claim = l->next_out = first;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

int loader_next(loader *l, backend_batch **out, err *e)
{
    pthread_mutex_lock(&l->mu);
    if (l->out) {
        l->out->state = SLOT_FREE;
        l->out = NULL;
        pthread_cond_broadcast(&l->cv);
    }
    if (l->next_out >= l->batches) {
        pthread_mutex_unlock(&l->mu);
        return 0;
    }
    slot *s = &l->slots[l->next_out % l->cfg.depth];
    while (!(s->state == SLOT_READY && s->index == l->next_out))
        pthread_cond_wait(&l->cv, &l->mu);
    l->next_out++;
    l->out = s;
    pthread_mutex_unlock(&l->mu);
    if (s->failed) {
        if (e)
            *e = s->error;
        return -1;
    }
    *out = &s->batch;
    return 1;
}

int loader_create(const loader_config *cfg, loader **out, err *e)
{
    *out = NULL;
    const store_meta *meta = store_get_meta(cfg->s);
    loader *l = calloc(1, sizeof *l);
    if (!l)
        return err_set(e, "loader: out of memory");
    l->cfg = *cfg;
    l->count = store_count(cfg->s, cfg->split);
    l->src_h = meta->height, l->src_w = meta->width, l->classes = meta->num_classes;
    l->image_bytes = (size_t)meta->height * meta->width * 3;
    if (meta->channels != 3) {
        free(l);
        return err_set(e, "%s: images have %d channels, vgg-train needs RGB (3)",
                       store_path(cfg->s), meta->channels);
    }
    if (cfg->train)
        l->batches = l->count >= (uint64_t)cfg->batch ? l->count / cfg->batch : l->count > 0;
    else
        l->batches = (l->count + cfg->batch - 1) / cfg->batch;
    l->order = malloc((l->count ? l->count : 1) * sizeof *l->order);
    l->warned = calloc(cfg->skip_corrupt ? l->count / 8 + 1 : 1, 1);
    l->slots = calloc((size_t)cfg->depth, sizeof *l->slots);
    l->threads = calloc((size_t)cfg->workers, sizeof *l->threads);
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    if (!l->order || !l->warned || !l->slots || !l->threads) {
        loader_destroy(l);
        return err_set(e, "loader: out of memory");
    }
    for (int i = 0; i < cfg->depth; i++) {
        slot *s = &l->slots[i];
        s->pixels = cfg->ops->host_alloc(cfg->b, l->image_bytes * cfg->batch, e);
        s->aug = calloc((size_t)cfg->batch, sizeof *s->aug);
        s->labels = calloc((size_t)cfg->batch, sizeof *s->labels);
        if (!s->pixels || !s->aug || !s->labels) {
            int host_failed = !s->pixels;   /* host_alloc set the message */
            loader_destroy(l);
            return host_failed ? -1 : err_set(e, "loader: out of memory");
        }
        s->batch.pixels = s->pixels, s->batch.aug = s->aug, s->batch.labels = s->labels;
    }
    l->claim = l->batches; /* nothing to claim before loader_start_epoch */
    for (; l->nthreads < cfg->workers; l->nthreads++)
        if (pthread_create(&l->threads[l->nthreads], NULL, worker, l) != 0) {
            loader_destroy(l);
            return err_set(e, "loader: cannot start threads");
        }
    *out = l;
    return 0;
}

void loader_destroy(loader *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    l->shutdown = 1;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    for (int i = 0; i < l->nthreads; i++)
        pthread_join(l->threads[i], NULL);
    for (int i = 0; l->slots && i < l->cfg.depth; i++) {
        if (l->slots[i].pixels)
            l->cfg.ops->host_free(l->cfg.b, l->slots[i].pixels);
        free(l->slots[i].aug);
        free(l->slots[i].labels);
    }
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    free(l->slots);
    free(l->threads);
    free(l->order);
    free(l->warned);
    free(l);
}
