/* golden.c: the CPU backend against PyTorch (fixtures by tests/golden/make_fixtures.py):
 * eval logits, the first step's loss and every gradient, and the weights, BN running
 * statistics and eval logits after three SGD steps, for a plain, an LRN and a batch-norm
 * VGG-A. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/backend.h"
#include "train/model.h"

typedef struct fixture {
    int n, src, crop, classes, num_params, num_stats, nesterov, width_div, fc, batch_norm;
    float smoothing, lr, momentum, wd, mean[3], std[3];
    char arch[16];
    uint8_t *pixels;
    int32_t *labels;
    float *params0, *stats0, *logits, loss, *grads, *params3, *stats3, *logits3;
} fixture;

static void *take(FILE *f, size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    cr_assert(p && fread(p, 1, bytes, f) == bytes, "short fixture");
    return p;
}

static fixture load(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/golden/%s.bin", name);
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s: cannot open (run from the project root)", path);
    char magic[8];
    fixture x;
    cr_assert(fread(magic, 1, 8, f) == 8 && !memcmp(magic, "VGGGOLD1", 8));
    cr_assert(fread(&x.n, sizeof(int32_t), 10, f) == 10);
    cr_assert(fread(&x.smoothing, sizeof(float), 10, f) == 10);
    cr_assert(fread(x.arch, 1, 16, f) == 16);
    size_t P = x.num_params, S = x.num_stats, F = sizeof(float);
    x.pixels = take(f, (size_t)x.n * x.src * x.src * 3);
    x.labels = take(f, x.n * sizeof(int32_t));
    x.params0 = take(f, P * F);
    x.stats0 = take(f, S * F);
    x.logits = take(f, (size_t)x.n * x.classes * F);
    float *loss = take(f, F);
    x.loss = *loss;
    free(loss);
    x.grads = take(f, P * F);
    x.params3 = take(f, P * F);
    x.stats3 = take(f, S * F);
    x.logits3 = take(f, (size_t)x.n * x.classes * F);
    fclose(f);
    return x;
}

static double max_abs(const float *a, size_t count)
{
    double m = 0;
    for (size_t i = 0; i < count; i++)
        m = fmax(m, fabs((double)a[i]));
    return m;
}

static void fixture_free(fixture *x)
{
    free(x->pixels), free(x->labels), free(x->params0), free(x->stats0), free(x->logits);
    free(x->grads), free(x->params3), free(x->stats3), free(x->logits3);
}

/* max |a - b| / scale, scale = max |b| unless given (> 0). */
static double rel_err(const float *a, const float *b, size_t count, double scale)
{
    double diff = 0;
    for (size_t i = 0; i < count; i++)
        diff = fmax(diff, fabs((double)a[i] - b[i]));
    if (scale <= 0)
        scale = max_abs(b, count);
    return scale > 0 ? diff / scale : diff;
}

/* Compares each layer's weight and bias (the fixture's order: layer by layer, weight then
 * bias) with the backend's flat buffer placed by the model's offsets, relative to the layer's
 * largest value: a convolution's bias gradient before batch norm is zero in exact arithmetic,
 * and only rounding noise in both. */
static void expect_params(const model *m, const float *got, const float *want, const char *what)
{
    size_t at = 0;
    for (int l = 0; l < m->num_layers; l++) {
        const layer_desc *L = &m->layers[l];
        if (!L->weight_count)
            continue;
        const float *ww = want + at, *wb = ww + L->weight_count;
        double scale = fmax(max_abs(ww, L->weight_count), max_abs(wb, L->bias_count));
        double ew = rel_err(got + L->weight_offset, ww, L->weight_count, scale);
        double eb = rel_err(got + L->bias_offset, wb, L->bias_count, scale);
        at += L->weight_count + L->bias_count;
        cr_expect(ew <= 1e-4 && eb <= 1e-4, "%s: layer %d: relative error weight %g, bias %g", what,
                  l, ew, eb);
    }
}

/* The fixture's parameters placed at the model's offsets. */
static float *to_model_layout(const model *m, const float *fx)
{
    float *p = calloc(m->num_params, sizeof *p);
    size_t at = 0;
    for (int l = 0; l < m->num_layers; l++) {
        const layer_desc *L = &m->layers[l];
        memcpy(p + L->weight_offset, fx + at, L->weight_count * sizeof *p);
        at += L->weight_count;
        memcpy(p + L->bias_offset, fx + at, L->bias_count * sizeof *p);
        at += L->bias_count;
    }
    return p;
}

static void run_golden(const char *name)
{
    fixture x = load(name);
    model_options opt = {.num_classes = x.classes,
                         .input_size = x.crop,
                         .batch_norm = x.batch_norm,
                         .fc_width = x.fc,
                         .width_div = x.width_div,
                         .dropout = 0.f};
    model m;
    err e = {{0}};
    cr_assert(model_build(x.arch, &opt, &m, &e) == 0, "%s", e.msg);
    cr_assert_eq(m.num_params, (size_t)x.num_params);
    cr_assert_eq(m.num_stats, (size_t)x.num_stats);
    backend_config cfg = {
        .m = &m, .max_batch = x.n, .src_h = x.src, .src_w = x.src, .threads = 1, .seed = 7};
    memcpy(cfg.mean, x.mean, sizeof cfg.mean);
    memcpy(cfg.std, x.std, sizeof cfg.std);
    const backend_ops *ops = &backend_cpu_ops;
    backend *b;
    cr_assert(ops->create(&cfg, &b, &e) == 0, "%s", e.msg);

    float *params = to_model_layout(&m, x.params0);
    cr_assert(ops->write(b, BUF_PARAMS, params, &e) == 0);
    cr_assert(ops->write(b, BUF_STATS, x.stats0, &e) == 0);
    augment *aug = calloc(x.n, sizeof *aug);
    float off = (float)(x.src - x.crop) / 2;
    for (int i = 0; i < x.n; i++)
        aug[i] = (augment){.crop_y = off, .crop_x = off, .crop_h = x.crop, .crop_w = x.crop};
    uint8_t *pixels = ops->host_alloc(b, (size_t)x.n * x.src * x.src * 3, &e);
    memcpy(pixels, x.pixels, (size_t)x.n * x.src * x.src * 3);
    backend_batch bt = {.n = x.n, .pixels = pixels, .aug = aug, .labels = x.labels};

    float *logits = calloc((size_t)x.n * x.classes, sizeof *logits);
    cr_assert(ops->eval_step(b, &bt, logits, &e) == 0, "%s", e.msg);
    double el = rel_err(logits, x.logits, (size_t)x.n * x.classes, 0);
    cr_expect(el <= 1e-4, "%s: eval logits: relative error %g", name, el);
    backend_metrics mt;
    ops->read_metrics(b, &mt, &e);

    sgd_params sp = {.lr = x.lr,
                     .momentum = x.momentum,
                     .weight_decay = x.wd,
                     .nesterov = x.nesterov,
                     .decay_bias_and_bn = 1,
                     .grad_scale = 1.f};
    float *grads = calloc(m.num_params, sizeof *grads), *stats = calloc(m.num_stats + 1, 4);
    for (int step = 0; step < 3; step++) {
        bt.step = step;
        cr_assert(ops->zero_grads(b, &e) == 0);
        cr_assert(ops->train_step(b, &bt, x.smoothing, &e) == 0, "%s", e.msg);
        if (step == 0) {
            cr_assert(ops->read_metrics(b, &mt, &e) == 0);
            cr_expect(mt.images == x.n);
            double loss = mt.loss_sum / mt.images;
            cr_expect(fabs(loss - x.loss) <= 1e-4 * fabs(x.loss), "%s: loss %.7f, torch %.7f", name,
                      loss, x.loss);
            cr_assert(ops->read(b, BUF_GRADS, grads, &e) == 0);
            expect_params(&m, grads, x.grads, "gradient");
        }
        cr_assert(ops->sgd_step(b, &sp, &e) == 0);
    }
    cr_assert(ops->read(b, BUF_PARAMS, params, &e) == 0);
    expect_params(&m, params, x.params3, "weights after 3 steps");
    if (m.num_stats) {
        cr_assert(ops->read(b, BUF_STATS, stats, &e) == 0);
        double es = rel_err(stats, x.stats3, m.num_stats, 0);
        cr_expect(es <= 1e-4, "%s: BN running statistics: relative error %g", name, es);
    }
    cr_assert(ops->eval_step(b, &bt, logits, &e) == 0, "%s", e.msg);
    el = rel_err(logits, x.logits3, (size_t)x.n * x.classes, 0);
    cr_expect(el <= 1e-4, "%s: eval logits after 3 steps: relative error %g", name, el);
    ops->host_free(b, pixels);
    ops->destroy(b);
    model_free(&m);
    free(params), free(aug), free(logits), free(grads), free(stats);
    fixture_free(&x);
}

Test(golden, plain_vgg_a_matches_pytorch)
{
    run_golden("plain");
}
Test(golden, lrn_vgg_a_matches_pytorch)
{
    run_golden("lrn");
}
Test(golden, batch_norm_vgg_a_matches_pytorch)
{
    run_golden("bn");
}
