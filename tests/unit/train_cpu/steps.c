/* steps.c: the backend contract around the numerics: smaller last batches, gradient
 * accumulation, zero_grads, eval vs training mode, flips, bad batches. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/train_cpu/tiny_net.h"

static const backend_ops *ops = &backend_cpu_ops;

/* conv (+BN) + ReLU, pool, linear + ReLU, dropout 0.5, linear: 8x8 input, 5 classes. */
typedef struct rig {
    model m;
    backend *b;
    tiny_batch t;
} rig;

static void rig_open(rig *r, int batch_norm, int max_batch, int n)
{
    tiny_begin(&r->m, 8, 5);
    tiny_conv(&r->m, 16, 3, !batch_norm);
    if (batch_norm)
        tiny_bn(&r->m, 1);
    tiny_pool(&r->m);
    tiny_linear(&r->m, 10, 1);
    tiny_dropout(&r->m, 0.5f);
    tiny_linear(&r->m, 5, 0);
    r->b = tiny_backend(&r->m, max_batch, 8, 2);
    tiny_batch_make(&r->t, r->b, &r->m, n, 8, 6);
}

static void rig_close(rig *r)
{
    tiny_batch_free(&r->t, r->b);
    ops->destroy(r->b);
    model_free(&r->m);
}

/* The gradients after zero_grads and `steps` training steps on r's batch (free them). */
static float *grads_after(backend *b, const rig *r, int steps)
{
    err e;
    float *g = malloc(r->m.num_params * sizeof *g);
    cr_assert(ops->zero_grads(b, &e) == 0);
    for (int i = 0; i < steps; i++)
        cr_assert(ops->train_step(b, &r->t.bt, 0.f, &e) == 0, "%s", e.msg);
    cr_assert(ops->read(b, BUF_GRADS, g, &e) == 0);
    return g;
}

/* max |a * scale_by - b| */
static double max_diff(const float *a, const float *b, size_t n, double scale_by)
{
    double d = 0;
    for (size_t i = 0; i < n; i++)
        d = fmax(d, fabs((double)a[i] * scale_by - b[i]));
    return d;
}

Test(steps, smaller_last_batch_equals_a_backend_of_that_size)
{
    for (int bn = 0; bn <= 1; bn++) {
        rig r;
        rig_open(&r, bn, 6, 2);
        r.t.bt.step = 3;
        backend *small = tiny_backend(&r.m, 2, 8, 2);
        float *g_big = grads_after(r.b, &r, 1), *g_small = grads_after(small, &r, 1);
        cr_expect(max_diff(g_big, g_small, r.m.num_params, 1) < 1e-5, "bn %d: gradients", bn);
        float lb[10], ls[10];
        err e;
        cr_assert(ops->eval_step(r.b, &r.t.bt, lb, &e) == 0);
        cr_assert(ops->eval_step(small, &r.t.bt, ls, &e) == 0);
        cr_expect(max_diff(lb, ls, 10, 1) < 1e-5, "bn %d: logits differ", bn);
        ops->destroy(small);
        free(g_big);
        free(g_small);
        rig_close(&r);
    }
}

Test(steps, many_batch_sizes_share_the_plan_cache)
{
    rig r;
    rig_open(&r, 1, 6, 6);
    float full[30], part[30];
    err e;
    const int sizes[] = {2, 3, 1, 4, 5, 2, 3, 1, 6, 5};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        r.t.bt.n = sizes[i];
        cr_assert(ops->train_step(r.b, &r.t.bt, 0.f, &e) == 0, "%s", e.msg);
    }
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        r.t.bt.n = sizes[i]; /* eval is per image: the first n match the full batch */
        cr_assert(ops->eval_step(r.b, &r.t.bt, part, &e) == 0, "%s", e.msg);
        r.t.bt.n = 6;
        cr_assert(ops->eval_step(r.b, &r.t.bt, full, &e) == 0);
        cr_expect(max_diff(part, full, sizes[i] * 5, 1) < 1e-5, "batch of %d", sizes[i]);
    }
    rig_close(&r);
}

Test(steps, gradients_accumulate_until_zero_grads)
{
    rig r;
    rig_open(&r, 0, 4, 4);
    size_t np = r.m.num_params;
    float *once = grads_after(r.b, &r, 1), *twice = grads_after(r.b, &r, 2);
    cr_expect(max_diff(once, twice, np, 2) < 1e-5, "two steps must add up");
    float *again = grads_after(r.b, &r, 1);
    cr_expect(max_diff(once, again, np, 1) == 0, "zero_grads must start afresh");
    err e;
    cr_assert(ops->zero_grads(r.b, &e) == 0);
    cr_assert(ops->read(r.b, BUF_GRADS, again, &e) == 0);
    for (size_t i = 0; i < np; i++)
        cr_assert(again[i] == 0.f);
    free(once), free(twice), free(again);
    rig_close(&r);
}

Test(steps, dropout_follows_the_step_in_training_and_is_off_in_eval)
{
    rig r;
    rig_open(&r, 0, 4, 4);
    size_t np = r.m.num_params;
    r.t.bt.step = 1;
    float *g1 = grads_after(r.b, &r, 1), *g1b = grads_after(r.b, &r, 1);
    r.t.bt.step = 2;
    float *g2 = grads_after(r.b, &r, 1);
    cr_expect(max_diff(g1, g1b, np, 1) == 0, "same step, same mask");
    cr_expect(max_diff(g1, g2, np, 1) > 1e-6, "another step, another mask");
    float l1[20], l2[20];
    err e;
    cr_assert(ops->eval_step(r.b, &r.t.bt, l1, &e) == 0);
    r.t.bt.step = 1;
    cr_assert(ops->eval_step(r.b, &r.t.bt, l2, &e) == 0);
    cr_expect(max_diff(l1, l2, 20, 1) == 0, "eval does not depend on the step");
    free(g1), free(g1b), free(g2);
    rig_close(&r);
}

Test(steps, a_flip_is_the_mirrored_image)
{
    rig r;
    rig_open(&r, 0, 2, 2);
    float plain[10], flipped[10];
    err e;
    r.t.aug[0].flip = 1;
    cr_assert(ops->eval_step(r.b, &r.t.bt, flipped, &e) == 0);
    uint8_t *px = r.t.pixels; /* mirror image 0 by hand */
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 4; x++)
            for (int c = 0; c < 3; c++) {
                uint8_t tmp = px[(y * 8 + x) * 3 + c];
                px[(y * 8 + x) * 3 + c] = px[(y * 8 + 7 - x) * 3 + c];
                px[(y * 8 + 7 - x) * 3 + c] = tmp;
            }
    r.t.aug[0].flip = 0;
    cr_assert(ops->eval_step(r.b, &r.t.bt, plain, &e) == 0);
    cr_expect(max_diff(plain, flipped, 5, 1) < 1e-5);
    cr_expect(max_diff(plain + 5, flipped + 5, 5, 1) == 0, "image 1 untouched");
    rig_close(&r);
}

Test(steps, bad_batches_are_errors)
{
    rig r;
    rig_open(&r, 0, 2, 2);
    err e = {{0}};
    r.t.bt.n = 3;
    cr_expect(ops->train_step(r.b, &r.t.bt, 0.f, &e) < 0 && strstr(e.msg, "batch"), "%s", e.msg);
    r.t.bt.n = 2;
    r.t.labels[1] = 5;
    cr_expect(ops->train_step(r.b, &r.t.bt, 0.f, &e) < 0 && strstr(e.msg, "label"), "%s", e.msg);
    rig_close(&r);
}

Test(steps, a_small_vgg_memorises_64_images)
{
    /* VGG-A's shape at 32x32 with few channels; 64 noise images with arbitrary labels. */
    model m;
    tiny_begin(&m, 32, 4);
    const int channels[5] = {4, 8, 16, 32, 32};
    for (int i = 0; i < 5; i++) {
        tiny_conv(&m, channels[i], 3, 1);
        tiny_pool(&m);
    }
    tiny_linear(&m, 64, 1);
    tiny_dropout(&m, 0.f);
    tiny_linear(&m, 64, 1);
    tiny_dropout(&m, 0.f);
    tiny_linear(&m, 4, 0);
    backend *b = tiny_backend(&m, 16, 36, 1);
    tiny_batch t[4];
    for (int i = 0; i < 4; i++) {
        tiny_batch_make(&t[i], b, &m, 16, 36, 100 + i);
        for (int j = 0; j < 16; j++)
            t[i].labels[j] = (j * 7 + i) % 4;
    }
    sgd_params sp = {.lr = 0.01f, .momentum = 0.9f, .nesterov = 1, .grad_scale = 1};
    err e;
    backend_metrics mt;
    for (int epoch = 0; epoch < 40; epoch++) {
        for (int i = 0; i < 4; i++) {
            t[i].bt.step = epoch * 4 + i;
            cr_assert(ops->zero_grads(b, &e) == 0);
            cr_assert(ops->train_step(b, &t[i].bt, 0.f, &e) == 0, "%s", e.msg);
            cr_assert(ops->sgd_step(b, &sp, &e) == 0);
        }
        cr_assert(ops->read_metrics(b, &mt, &e) == 0);
    }
    cr_expect(mt.correct_top1 == 64, "last epoch: %ld of 64 right, loss %g",
              (long)mt.correct_top1, mt.loss_sum / mt.images);
    for (int i = 0; i < 4; i++)
        tiny_batch_free(&t[i], b);
    ops->destroy(b);
    model_free(&m);
}

Test(steps, training_is_deterministic)
{
    /* What --resume relies on: the same steps give the same bits (here on 2 threads). */
    float *runs[2];
    size_t np = 0;
    for (int run = 0; run < 2; run++) {
        rig r;
        rig_open(&r, 1, 4, 4);
        backend_config cfg = {.m = &r.m, .max_batch = 4, .src_h = 8, .src_w = 8,
                              .mean = {128, 128, 128}, .std = {64, 64, 64}, .threads = 2,
                              .seed = 11};
        backend *b;
        err e;
        np = r.m.num_params;
        float *p = runs[run] = malloc(np * sizeof *p);
        cr_assert(ops->read(r.b, BUF_PARAMS, p, &e) == 0);
        cr_assert(ops->create(&cfg, &b, &e) == 0, "%s", e.msg);
        cr_assert(ops->write(b, BUF_PARAMS, p, &e) == 0);
        sgd_params sp = {.lr = 0.05f, .momentum = 0.9f, .weight_decay = 1e-3f, .grad_scale = 1};
        for (int step = 0; step < 4; step++) {
            r.t.bt.step = step;
            cr_assert(ops->zero_grads(b, &e) == 0);
            cr_assert(ops->train_step(b, &r.t.bt, 0.1f, &e) == 0, "%s", e.msg);
            cr_assert(ops->sgd_step(b, &sp, &e) == 0);
        }
        cr_assert(ops->read(b, BUF_PARAMS, p, &e) == 0);
        ops->destroy(b);
        rig_close(&r);
    }
    cr_expect(memcmp(runs[0], runs[1], np * sizeof(float)) == 0);
    free(runs[0]), free(runs[1]);
}
