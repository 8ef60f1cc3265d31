/* The training loop on a real store with the fake backend: resume equals an uninterrupted
 * run, accumulation equals a larger batch, a non-finite loss stops keeping the last good
 * checkpoint, and the run directory holds what a user opens. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "fake_backend.h"
#include "fixture_store.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/metrics.h"
#include "train/trainer.h"

static char root[128];

static void setup(void)
{
    log_init("test-train", LOG_ERROR); /* the trainer's progress messages are not wanted here */
    snprintf(root, sizeof root, "/tmp/vgg-trainer-test-%d", (int)getpid());
    cr_assert_eq(mkdir(root, 0777), 0);
    char dir[256];
    snprintf(dir, sizeof dir, "%s/store", root);
    fixture_store(dir, 48, 12, 4, 36, 36);
    fake_stop_at_step = fake_poison_at_step = UINT64_MAX;
}

static void teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    cr_expect_eq(system(cmd), 0);
}

/* The tiny configuration with the run in root/<run>, plus overrides. */
static void load_config(train_config *c, const char *run, const char *const *sets, int nsets)
{
    char text[1024];
    snprintf(text, sizeof text,
             "[model]\narch = A\nwidth_div = 16\nfc_width = 64\ninput_size = 32\n"
             "[data]\nstore = %s/store\nworkers = 2\n"
             "[augment]\nmode = resized\narea_min = 0.5\nlighting = 0.1\n"
             "[optim]\nlr = 0.01\nnesterov = true\n"
             "[schedule]\nkind = cosine\nwarmup_epochs = 1\n"
             "[train]\nepochs = 3\nbatch = 8\nseed = 7\nlabel_smoothing = 0.1\nrun_dir = %s/%s\n",
             root, root, run);
    err e = {{0}};
    cr_assert_eq(config_parse_string(text, "test", sets, nsets, c, &e), 0, "%s", e.msg);
}

static int train(const train_config *c, const char *resume, volatile sig_atomic_t *stop, err *e)
{
    trainer_opts o = {.cfg = c, .run_dir = c->train.run_dir, .ops = &fake_backend_ops,
                      .resume = resume, .stop = stop, .quiet = 1};
    return trainer_run(&o, e);
}

/* The weights (and momentum when momentum != NULL) of root/<run>/last.safetensors. */
static float *load_last(const char *run, float **momentum, checkpoint_meta *meta)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/last.safetensors", root, run);
    err e = {{0}};
    cr_assert_eq(checkpoint_read_meta(path, meta, &e), 0, "%s", e.msg);
    model m;
    cr_assert_eq(model_build(meta->arch, &meta->opt, &m, &e), 0);
    float *p = malloc(m.num_params * 4), *stats = malloc(m.num_stats * 4 + 4);
    cr_assert_eq(checkpoint_load_weights(path, &m, 0, p, stats, NULL, &e), 0, "%s", e.msg);
    if (momentum) {
        *momentum = malloc(m.num_params * 4);
        cr_assert_eq(checkpoint_load_momentum(path, &m, meta->state.step, *momentum, &e), 0, "%s", e.msg);
    }
    free(stats);
    model_free(&m);
    return p;
}

static size_t params_of_tiny(void)
{
    model m;
    model_options o = {4, 32, 0, 64, 16, 0.5f};
    cr_assert_eq(model_build("A", &o, &m, NULL), 0);
    size_t n = m.num_params;
    model_free(&m);
    return n;
}

/* Trains c (run directory root/split) until a "Ctrl-C" at step 8, in the middle of epoch 2. */
static void train_until_stopped(const train_config *c)
{
    volatile sig_atomic_t stop = 0;
    err e = {{0}};
    fake_stop_flag = &stop;
    fake_stop_at_step = 8;
    cr_assert_eq(train(c, NULL, &stop, &e), TRAIN_STOPPED, "%s", e.msg);
    fake_stop_at_step = UINT64_MAX;
}

/* Continues the run of c from root/split/last.safetensors to its end. */
static void resume_split(const train_config *c)
{
    volatile sig_atomic_t stop = 0;
    err e = {{0}};
    char resume[256];
    snprintf(resume, sizeof resume, "%s/split/last.safetensors", root);
    cr_assert_eq(train(c, resume, &stop, &e), TRAIN_DONE, "%s", e.msg);
}

Test(trainer, resume_equals_uninterrupted_training, .init = setup, .fini = teardown)
{
    train_config a, b;
    err e = {{0}};
    load_config(&a, "full", NULL, 0);
    cr_assert_eq(train(&a, NULL, NULL, &e), TRAIN_DONE, "%s", e.msg);

    /* The same run, stopped in the middle of epoch 2, then resumed. */
    load_config(&b, "split", NULL, 0);
    train_until_stopped(&b);
    checkpoint_meta mid;
    free(load_last("split", NULL, &mid));
    cr_expect_eq(mid.state.epoch, 1);
    cr_expect_eq(mid.state.batch_in_epoch, 3);
    cr_expect_eq(mid.state.step, 9);
    checkpoint_meta_free(&mid);
    resume_split(&b);

    checkpoint_meta ma, mb;
    float *ma_mom, *mb_mom;
    float *pa = load_last("full", &ma_mom, &ma), *pb = load_last("split", &mb_mom, &mb);
    size_t n = params_of_tiny();
    cr_expect_eq(memcmp(pa, pb, n * 4), 0, "weights differ after resume");
    cr_expect_eq(memcmp(ma_mom, mb_mom, n * 4), 0, "momentum differs after resume");
    cr_expect_eq(ma.state.step, 18);
    cr_expect_eq(mb.state.step, 18);
    cr_expect_eq(mb.state.epoch, 3);

    /* The metrics rows match too (except timings). */
    epoch_row ra[8], rb[8];
    char csv[256];
    snprintf(csv, sizeof csv, "%s/full/metrics.csv", root);
    cr_assert_eq(metrics_read_csv(csv, 100, ra, 8, &e), 3);
    snprintf(csv, sizeof csv, "%s/split/metrics.csv", root);
    cr_assert_eq(metrics_read_csv(csv, 100, rb, 8, &e), 3);
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(ra[i].epoch, rb[i].epoch);
        cr_expect_eq(ra[i].train_loss, rb[i].train_loss, "epoch %d", i + 1);
        cr_expect_eq(ra[i].val_top1, rb[i].val_top1, "epoch %d", i + 1);
        cr_expect_eq(ra[i].lr, rb[i].lr, "epoch %d", i + 1);
    }
    free(pa), free(pb), free(ma_mom), free(mb_mom);
    checkpoint_meta_free(&ma), checkpoint_meta_free(&mb);
}

Test(trainer, accumulation_equals_a_larger_batch, .init = setup, .fini = teardown)
{
    train_config a, b;
    err e = {{0}};
    const char *acc[] = {"train.epochs=1", "train.batch=8", "train.accumulate=2", "optim.lr=0.05",
                         "schedule.kind=step"};
    const char *big[] = {"train.epochs=1", "train.batch=16", "train.accumulate=1", "optim.lr=0.05",
                         "schedule.kind=step"};
    load_config(&a, "acc", acc, 5);
    load_config(&b, "big", big, 5);
    cr_assert_eq(train(&a, NULL, NULL, &e), TRAIN_DONE, "%s", e.msg);
    cr_assert_eq(train(&b, NULL, NULL, &e), TRAIN_DONE, "%s", e.msg);
    checkpoint_meta ma, mb;
    float *init_a = NULL;
    float *pa = load_last("acc", NULL, &ma), *pb = load_last("big", NULL, &mb);
    size_t n = params_of_tiny();
    double max_diff = 0, max_change = 0;
    /* compare against the seeded initialisation to be sure the runs moved */
    const char *zero[] = {"train.epochs=0"};
    load_config(&a, "init", zero, 1);
    cr_assert_eq(train(&a, NULL, NULL, &e), TRAIN_DONE, "%s", e.msg);
    checkpoint_meta mi;
    init_a = load_last("init", NULL, &mi);
    for (size_t i = 0; i < n; i++) {
        max_diff = fmax(max_diff, fabs(pa[i] - pb[i]));
        max_change = fmax(max_change, fabs(pa[i] - init_a[i]));
    }
    cr_expect_gt(max_change, 1e-3, "training did not change the weights");
    cr_expect_lt(max_diff, 1e-6, "accumulated and large batch differ by %g", max_diff);
    cr_expect_eq(ma.state.step, 6);
    cr_expect_eq(mb.state.step, 3);
    free(pa), free(pb), free(init_a);
    checkpoint_meta_free(&ma), checkpoint_meta_free(&mb), checkpoint_meta_free(&mi);
}

Test(trainer, nonfinite_loss_stops_keeping_the_last_good_checkpoint, .init = setup, .fini = teardown)
{
    train_config c;
    err e = {{0}};
    load_config(&c, "nan", NULL, 0);
    fake_poison_at_step = 8; /* in epoch 2 */
    cr_assert_lt(train(&c, NULL, NULL, &e), 0);
    cr_expect(strstr(e.msg, "not finite"), "%s", e.msg);
    cr_expect(strstr(e.msg, "last.safetensors"), "%s", e.msg);
    checkpoint_meta m;
    free(load_last("nan", NULL, &m));
    cr_expect_eq(m.state.epoch, 1, "last holds the end of epoch 1");
    checkpoint_meta_free(&m);
}

Test(trainer, run_directory_holds_config_metrics_curves_and_best, .init = setup, .fini = teardown)
{
    train_config c, back;
    err e = {{0}};
    load_config(&c, "run", NULL, 0);
    cr_assert_eq(train(&c, NULL, NULL, &e), TRAIN_DONE, "%s", e.msg);
    char path[256], buf[8192];
    snprintf(path, sizeof path, "%s/run/config.ini", root);
    FILE *f = fopen(path, "r");
    cr_assert(f, "no config.ini");
    buf[fread(buf, 1, sizeof buf - 1, f)] = 0;
    fclose(f);
    cr_assert_eq(config_parse_string(buf, path, NULL, 0, &back, &e), 0, "%s", e.msg);
    cr_expect_eq(memcmp(&back, &c, sizeof c), 0, "config.ini is not the effective config");
    snprintf(path, sizeof path, "%s/run/metrics.csv", root);
    epoch_row rows[8];
    cr_expect_eq(metrics_read_csv(path, 100, rows, 8, &e), 3);
    cr_expect(rows[2].val_top1 >= 0 && rows[2].val_top1 <= 1);
    snprintf(path, sizeof path, "%s/run/curves.png", root);
    f = fopen(path, "rb");
    cr_assert(f, "no curves.png");
    unsigned char magic[8];
    cr_expect_eq(fread(magic, 1, 8, f), 8);
    fclose(f);
    cr_expect_eq(memcmp(magic, "\x89PNG\r\n\x1a\n", 8), 0);
    snprintf(path, sizeof path, "%s/run/best.safetensors", root);
    cr_expect_eq(access(path, R_OK), 0, "no best.safetensors");
}

/* Trains run "a" for one epoch: a checkpoint to resume from. */
static void train_run_a_one_epoch(void)
{
    train_config a;
    err e = {{0}};
    const char *one[] = {"train.epochs=1"};
    load_config(&a, "a", one, 1);
    cr_assert_eq(train(&a, NULL, NULL, &e), TRAIN_DONE, "%s", e.msg);
}

Test(trainer, resume_of_another_architecture_is_an_error, .init = setup, .fini = teardown)
{
    train_config b;
    err e = {{0}};
    train_run_a_one_epoch();
    const char *other[] = {"model.arch=B", "train.epochs=2"};
    load_config(&b, "b", other, 2);
    char resume[256];
    snprintf(resume, sizeof resume, "%s/a/last.safetensors", root);
    cr_expect_lt(train(&b, resume, NULL, &e), 0);
    cr_expect(strstr(e.msg, "another architecture"), "%s", e.msg);
}

/* Labels are indices into the class names: resuming on a store whose classes differ would
 * train on other meanings of the same labels. */
Test(trainer, resume_on_a_store_of_other_classes_is_an_error, .init = setup, .fini = teardown)
{
    train_config b;
    err e = {{0}};
    train_run_a_one_epoch();
    char other[256], set[300], resume[256];
    snprintf(other, sizeof other, "%s/other", root);
    fixture_store_named(other, 48, 12, 4, 36, 36, "kind");
    snprintf(set, sizeof set, "data.store=%s", other);
    const char *sets[] = {"train.epochs=2", set};
    load_config(&b, "a", sets, 2);
    snprintf(resume, sizeof resume, "%s/a/last.safetensors", root);
    cr_expect_lt(train(&b, resume, NULL, &e), 0);
    cr_expect(strstr(e.msg, "class 0 is 'kind00', the checkpoint's is 'class00'"), "%s", e.msg);
    fixture_remove_dir(other);
}

static void damage_store(void)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/store", root);
    fixture_corrupt(dir, 0, 5);
    fixture_corrupt(dir, 1, 2);
}

static int file_exists(const char *run, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/%s", root, run, name);
    return access(path, F_OK) == 0;
}

Test(trainer, a_damaged_record_stops_the_run_naming_it, .init = setup, .fini = teardown)
{
    damage_store();
    train_config c;
    err e = {{0}};
    load_config(&c, "damaged", NULL, 0);
    cr_assert_lt(train(&c, NULL, NULL, &e), 0);
    cr_expect(strstr(e.msg, "/store: train record 5: CRC"), "%s", e.msg);
    cr_expect(!file_exists("damaged", "last.safetensors"), "a checkpoint was written");
}

/* With data.skip_corrupt the two damaged records (one training, one validation) are left out
 * of every epoch and counted in metrics.csv, and a resumed run still equals an uninterrupted
 * one. */
Test(trainer, skip_corrupt_counts_and_resumes_bit_for_bit, .init = setup, .fini = teardown)
{
    damage_store();
    train_config a, b;
    err e = {{0}};
    const char *skip[] = {"data.skip_corrupt=true"};
    load_config(&a, "full", skip, 1);
    cr_assert_eq(train(&a, NULL, NULL, &e), TRAIN_DONE, "%s", e.msg);
    load_config(&b, "split", skip, 1);
    train_until_stopped(&b);
    resume_split(&b);

    checkpoint_meta ma, mb;
    float *pa = load_last("full", NULL, &ma), *pb = load_last("split", NULL, &mb);
    cr_expect_eq(memcmp(pa, pb, params_of_tiny() * 4), 0, "weights differ after resume");
    epoch_row ra[8], rb[8];
    char csv[256];
    for (int run = 0; run < 2; run++) {
        snprintf(csv, sizeof csv, "%s/%s/metrics.csv", root, run ? "split" : "full");
        cr_assert_eq(metrics_read_csv(csv, 100, run ? rb : ra, 8, &e), 3, "%s", e.msg);
    }
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(ra[i].skipped, 2, "epoch %d skipped %lld", i + 1, ra[i].skipped);
        cr_expect_eq(rb[i].skipped, 2, "resumed epoch %d skipped %lld", i + 1, rb[i].skipped);
        cr_expect_eq(ra[i].train_loss, rb[i].train_loss, "epoch %d", i + 1);
        cr_expect(isnan(ra[i].input_wait), "the fake backend does not measure input waits");
    }
    free(pa), free(pb);
    checkpoint_meta_free(&ma), checkpoint_meta_free(&mb);
}

/* Batches of one image: the damaged record's batch is empty, so that step trains nothing,
 * and an accumulation group holding it updates over its other batch. */
Test(trainer, an_empty_batch_trains_nothing, .init = setup, .fini = teardown)
{
    damage_store();
    train_config c;
    err e = {{0}};
    const char *sets[] = {"data.skip_corrupt=true", "train.batch=1", "train.accumulate=2",
                          "train.epochs=1"};
    load_config(&c, "one", sets, 4);
    uint64_t before = fake_steps_taken;
    cr_assert_eq(train(&c, NULL, NULL, &e), TRAIN_DONE, "%s", e.msg);
    cr_expect_eq(fake_steps_taken - before, 47, "%llu train steps",
                 (unsigned long long)(fake_steps_taken - before));
    checkpoint_meta m;
    free(load_last("one", NULL, &m));
    cr_expect_eq(m.state.step, 48, "steps count the loader's batches");
    checkpoint_meta_free(&m);
}

Test(trainer, temporaries_of_a_killed_run_are_removed, .init = setup, .fini = teardown)
{
    char dir[256], tmp[300], keep[300];
    snprintf(dir, sizeof dir, "%s/killed", root);
    cr_assert_eq(mkdir(dir, 0777), 0);
    snprintf(tmp, sizeof tmp, "%s/.last.safetensors.tmp-Ab12Cd", dir);
    snprintf(keep, sizeof keep, "%s/notes.txt", dir);
    fclose(fopen(tmp, "w"));
    fclose(fopen(keep, "w"));
    train_config c;
    err e = {{0}};
    const char *zero[] = {"train.epochs=0"};
    load_config(&c, "killed", zero, 1);
    cr_assert_eq(train(&c, NULL, NULL, &e), TRAIN_DONE, "%s", e.msg);
    cr_expect_neq(access(tmp, F_OK), 0, "the temporary is still there");
    cr_expect_eq(access(keep, F_OK), 0, "a user's file was removed");
}

/* A backend that says the run needs more memory than any machine has: refused before any
 * work, with the numbers and what to do. */
static size_t huge_bytes(const backend_config *cfg) { return (size_t)cfg->max_batch << 50; }
static double fixed_wait(backend *b) { return 0.25; }

Test(trainer, a_run_that_cannot_fit_is_refused_before_any_work, .init = setup, .fini = teardown)
{
    backend_ops ops = fake_backend_ops;
    ops.host_bytes = huge_bytes;
    train_config c;
    err e = {{0}};
    load_config(&c, "huge", NULL, 0);
    trainer_opts o = {.cfg = &c, .config_name = "x.ini", .run_dir = c.train.run_dir, .ops = &ops,
                      .quiet = 1};
    uint64_t before = fake_steps_taken;
    cr_assert_lt(trainer_run(&o, &e), 0);
    cr_expect(strstr(e.msg, "x.ini: this run needs about 12582912.0 GiB of memory (batch 8)"),
              "%s", e.msg); /* 8 << 50 for the batch, 4 << 50 for the last validation batch */
    cr_expect(strstr(e.msg, " are available; ") &&
              strstr(e.msg, "lower train.batch or use train.accumulate"), "%s", e.msg);
    cr_expect_eq(fake_steps_taken, before);
    cr_expect_neq(access(c.train.run_dir, F_OK), 0, "the run directory was created");
}

Test(trainer, the_input_wait_is_reported_per_epoch, .init = setup, .fini = teardown)
{
    backend_ops ops = fake_backend_ops;
    ops.input_wait_seconds = fixed_wait;
    train_config c;
    err e = {{0}};
    const char *two[] = {"train.epochs=2"};
    load_config(&c, "wait", two, 1);
    trainer_opts o = {.cfg = &c, .run_dir = c.train.run_dir, .ops = &ops, .quiet = 1};
    cr_assert_eq(trainer_run(&o, &e), TRAIN_DONE, "%s", e.msg);
    epoch_row rows[4];
    char csv[256];
    snprintf(csv, sizeof csv, "%s/wait/metrics.csv", root);
    cr_assert_eq(metrics_read_csv(csv, 100, rows, 4, &e), 2, "%s", e.msg);
    cr_expect_eq(rows[0].input_wait, 0.25);
    cr_expect_eq(rows[1].input_wait, 0.25);
    cr_expect_eq(rows[1].skipped, 0);
}
