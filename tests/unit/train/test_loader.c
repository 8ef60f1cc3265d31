/* The loader over a real store: every record once per epoch in a seeded order that changes
 * between epochs, evaluation in index order with centre crops, and an epoch started at batch k
 * yields what an uninterrupted epoch yields from k on. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "fake_backend.h"
#include "fixture_store.h"
#include "train/config.h"
#include "train/loader.h"

enum { N = 45, BATCH = 8, H = 20, W = 24 };

static char dir[128];
static store *st;
static backend *b;
static model mdl;

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/vgg-loader-test-%d", (int)getpid());
    fixture_store(dir, N, 13, 5, H, W);
    err e = {{0}};
    cr_assert_eq(store_open(dir, &st, &e), 0, "%s", e.msg);
    /* the fake backend only provides host_alloc here */
    model_options o = {5, 32, 0, 64, 16, 0.5f};
    cr_assert_eq(model_build("A", &o, &mdl, &e), 0);
    backend_config bc = {.m = &mdl, .max_batch = BATCH, .src_h = H, .src_w = W, .std = {1, 1, 1}};
    cr_assert_eq(fake_backend_ops.create(&bc, &b, &e), 0, "%s", e.msg);
}

static void teardown(void)
{
    fake_backend_ops.destroy(b);
    model_free(&mdl);
    store_close(st);
    fixture_remove_dir(dir);
}

static loader *make_loader(store *s, int train, int workers, uint64_t seed, int skip_corrupt)
{
    loader_config c = {.s = s, .split = STORE_TRAIN, .train = train, .batch = BATCH,
                       .workers = workers, .depth = 3, .seed = seed, .ops = &fake_backend_ops,
                       .b = b, .skip_corrupt = skip_corrupt,
                       .policy = {AUG_RESIZED, 0, 0, 0.3f, 1.0f, 1, 0.1f, 16}};
    loader *l;
    err e = {{0}};
    cr_assert_eq(loader_create(&c, &l, &e), 0, "%s", e.msg);
    return l;
}

static loader *make(int train, int workers, uint64_t seed)
{
    return make_loader(st, train, workers, seed, 0);
}

/* The labels and first pixel bytes of each image of an epoch (from batch `first`), and the
 * augmentations, as one comparable record per image. */
typedef struct seen {
    int32_t label;
    uint8_t px[16];
    augment aug;
} seen;

static int epoch_skipped; /* records run_epoch's epoch left out (skip_corrupt) */

static int run_epoch(loader *l, uint64_t epoch, uint64_t first, seen *out)
{
    loader_start_epoch(l, epoch, first);
    backend_batch *batch;
    int n = 0, rc;
    err e = {{0}};
    epoch_skipped = 0;
    while ((rc = loader_next(l, &batch, &e)) > 0) {
        epoch_skipped += loader_skipped(l);
        for (int i = 0; i < batch->n; i++, n++) {
            memset(&out[n], 0, sizeof out[n]);
            out[n].label = batch->labels[i];
            memcpy(out[n].px, batch->pixels + (size_t)i * H * W * 3, sizeof out[n].px);
            out[n].aug = batch->aug[i];
        }
    }
    cr_assert_eq(rc, 0, "%s", e.msg);
    return n;
}

Test(loader, training_epochs_cover_the_split_in_new_seeded_orders, .init = setup, .fini = teardown)
{
    loader *a = make(1, 3, 9), *b2 = make(1, 1, 9);
    cr_expect_eq(loader_batches(a), N / BATCH, "the partial last batch is dropped");
    seen e0[N], e1[N], again[N];
    int n0 = run_epoch(a, 0, 0, e0), n1 = run_epoch(a, 1, 0, e1);
    cr_assert_eq(n0, (N / BATCH) * BATCH);
    cr_assert_eq(n1, n0);
    cr_expect_neq(memcmp(e0, e1, sizeof(seen) * (size_t)n0), 0, "epoch 1 repeats epoch 0");
    /* same seed, other worker count: the same batches */
    cr_assert_eq(run_epoch(b2, 1, 0, again), n1);
    cr_expect_eq(memcmp(e1, again, sizeof(seen) * (size_t)n1), 0, "order depends on the workers");
    /* no record twice within an epoch (first 16 bytes identify a fixture record) */
    for (int i = 0; i < n0; i++)
        for (int j = i + 1; j < n0; j++)
            cr_expect_neq(memcmp(e0[i].px, e0[j].px, 16), 0, "image %d and %d are the same", i, j);
    /* crops inside the image, flips about half the time */
    int flips = 0;
    for (int i = 0; i < n0; i++) {
        const augment *g = &e0[i].aug;
        cr_expect(g->crop_y >= 0 && g->crop_x >= 0 && g->crop_y + g->crop_h <= H + 1e-3 &&
                  g->crop_x + g->crop_w <= W + 1e-3, "crop %d outside the image", i);
        cr_expect(g->crop_h * g->crop_w >= 0.3 * H * W * 0.999, "crop %d below area_min", i);
        flips += g->flip;
    }
    cr_expect(flips > n0 / 5 && flips < n0 * 4 / 5, "%d flips of %d", flips, n0);
    loader_destroy(a);
    loader_destroy(b2);
}

Test(loader, an_epoch_started_at_batch_k_continues_the_same_epoch, .init = setup, .fini = teardown)
{
    loader *l = make(1, 2, 4);
    seen full[N], tail[N];
    int n = run_epoch(l, 3, 0, full);
    int m = run_epoch(l, 3, 2, tail);
    cr_assert_eq(m, n - 2 * BATCH);
    cr_expect_eq(memcmp(full + 2 * BATCH, tail, sizeof(seen) * (size_t)m), 0);
    loader_destroy(l);
}

Test(loader, evaluation_is_in_order_with_centre_crops, .init = setup, .fini = teardown)
{
    loader *l = make(0, 2, 1);
    cr_expect_eq(loader_batches(l), (N + BATCH - 1) / BATCH, "evaluation keeps the last batch");
    seen all[N];
    cr_assert_eq(run_epoch(l, 0, 0, all), N);
    for (int i = 0; i < N; i++) {
        cr_expect_eq(all[i].label, i % 5, "record %d out of order", i);
        cr_expect_eq(all[i].aug.flip, 0);
        cr_expect_float_eq(all[i].aug.crop_h, 16.0f, 0);
        cr_expect_float_eq(all[i].aug.crop_y, 2.0f, 0);
        cr_expect_float_eq(all[i].aug.crop_x, 4.0f, 0);
    }
    loader_destroy(l);
}

/* A copy of the fixture with records 7 and 8..15 of the training split damaged (one pixel
 * byte each), opened as store *damaged. */
static char damaged_dir[160];
static store *damaged;

static void setup_damaged(void)
{
    log_init("test-train", LOG_ERROR); /* one warning per skipped record is not wanted here */
    setup();
    snprintf(damaged_dir, sizeof damaged_dir, "%s-damaged", dir);
    fixture_store(damaged_dir, N, 13, 5, H, W);
    for (int i = 7; i < 16; i++)
        fixture_corrupt(damaged_dir, 0, i);
    err e = {{0}};
    cr_assert_eq(store_open(damaged_dir, &damaged, &e), 0, "%s", e.msg);
}

static void teardown_damaged(void)
{
    store_close(damaged);
    fixture_remove_dir(damaged_dir);
    teardown();
}

static loader *make_on(store *s, int train, int skip) { return make_loader(s, train, 2, 5, skip); }

Test(loader, a_damaged_record_stops_with_the_store_split_and_index, .init = setup_damaged,
     .fini = teardown_damaged)
{
    loader *l = make_on(damaged, 0, 0);
    loader_start_epoch(l, 0, 0);
    backend_batch *batch;
    err e = {{0}};
    cr_assert_eq(loader_next(l, &batch, &e), -1, "a damaged record was handed out");
    cr_expect(strstr(e.msg, damaged_dir), "%s", e.msg);
    cr_expect(strstr(e.msg, "train record 7"), "%s", e.msg);
    cr_expect(strstr(e.msg, "CRC"), "%s", e.msg);
    loader_destroy(l);
}

Test(loader, skip_corrupt_leaves_damaged_records_out_and_counts_them, .init = setup_damaged,
     .fini = teardown_damaged)
{
    /* evaluation order: batch 0 lacks record 7, batch 1 is empty, the rest are whole */
    loader *l = make_on(damaged, 0, 1);
    loader_start_epoch(l, 0, 0);
    backend_batch *batch;
    err e = {{0}};
    int expect_n[] = {7, 0, 8, 8, 8, 5}, expect_skipped[] = {1, 8, 0, 0, 0, 0};
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(loader_next(l, &batch, &e), 1, "batch %d: %s", i, e.msg);
        cr_expect_eq(batch->n, expect_n[i], "batch %d", i);
        cr_expect_eq(loader_skipped(l), expect_skipped[i], "batch %d", i);
        for (int j = 0; j < batch->n; j++) /* records 0..6, then 16.. in order */
            cr_expect_eq(batch->labels[j], (i * BATCH + j) % 5, "batch %d image %d", i, j);
    }
    cr_expect_eq(loader_next(l, &batch, &e), 0);
    loader_destroy(l);
}

/* Training order with damaged records left out: the batches of the clean store minus those
 * records, and every other image keeps its augmentation (drawn by position), so a resumed run
 * sees what an uninterrupted one sees. */
Test(loader, skipping_does_not_shift_the_other_images, .init = setup_damaged,
     .fini = teardown_damaged)
{
    loader *clean = make_on(st, 1, 1), *skip = make_on(damaged, 1, 1);
    int total_skipped = 0;
    for (uint64_t epoch = 0; epoch < 3; epoch++) {
        seen want[N], got[N];
        int n = run_epoch(clean, epoch, 0, want);
        cr_assert_eq(epoch_skipped, 0);
        int m = run_epoch(skip, epoch, 0, got), skipped = epoch_skipped;
        cr_assert_eq(m + skipped, n, "epoch %llu", (unsigned long long)epoch);
        int removed = 0;
        for (int i = 0, j = 0; i < n; i++) {
            if (j < m && !memcmp(&want[i], &got[j], sizeof(seen)))
                j++;
            else
                removed++;
        }
        cr_expect_eq(removed, skipped, "epoch %llu: other images changed", (unsigned long long)epoch);
        total_skipped += skipped;
    }
    cr_expect_gt(total_skipped, 0, "no damaged record was met");
    loader_destroy(clean);
    loader_destroy(skip);
}
