/* parity.c: the CUDA backend against the CPU backend on the same small VGG, same weights, same
 * batches: eval logits, the first step's loss and every gradient, the BN running statistics,
 * the weight updates of three SGD steps (Nesterov momentum, weight decay, dropout, label
 * smoothing), and eval logits of a smaller batch after them. Errors are ||gpu - cpu|| / ||cpu||
 * per tensor, against the tolerance of the precision (fp32: 1e-3). Prints every figure; exit 0
 * when all are within tolerance, 1 when one is not, 2 when a backend fails.
 *   gpu-parity --arch A --bn 0 --size 32 --width-div 8 --fc 64 --precision fp32 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/gpu/gpu_util.h"

#define STEPS 3

typedef struct tolerance {
    double forward, grads;      /* logits and loss; gradients, updates, statistics */
} tolerance;

static tolerance tolerance_of(precision p)
{
    switch (p) {
    case PRECISION_BF16: return (tolerance){3e-2, 1e-1};
    case PRECISION_FP16: return (tolerance){1e-2, 5e-2};
    default: return (tolerance){1e-3, 1e-3};
    }
}

static int failures;

static void report(const char *what, double rel, double tol)
{
    int ok = rel <= tol;
    printf("  %-28s rel err %.3e  (tol %.0e)  %s\n", what, rel, tol, ok ? "ok" : "FAIL");
    failures += !ok;
}

/* One backend with its own pinned copy of the batch. */
typedef struct side {
    const backend_ops *ops;
    backend *b;
    uint8_t *pixels;
} side;

static void die(const char *who, const err *e)
{
    fprintf(stderr, "gpu-parity: [%s backend] %s\n", who, e->msg);
    exit(2);
}

static void open_side(side *s, const backend_ops *ops, const backend_config *cfg,
                      const float *params, const float *stats, size_t pixel_bytes)
{
    err e;
    s->ops = ops;
    if (ops->create(cfg, &s->b, &e) < 0 || ops->write(s->b, BUF_PARAMS, params, &e) < 0 ||
        (cfg->m->num_stats && ops->write(s->b, BUF_STATS, stats, &e) < 0) ||
        !(s->pixels = ops->host_alloc(s->b, pixel_bytes, &e)))
        die(ops->name, &e);
}

static void read_buf(side *s, backend_buffer which, float *dst)
{
    err e;
    if (s->ops->read(s->b, which, dst, &e) < 0)
        die(s->ops->name, &e);
}

/* Per-layer weight and bias comparison of two flat parameter-shaped buffers. */
static void compare_params(const model *m, const char *what, const float *gpu, const float *cpu,
                           double tol)
{
    for (int i = 0; i < m->num_layers; i++) {
        const layer_desc *l = &m->layers[i];
        char name[96];
        const char *part = l->in_classifier ? "classifier" : "features";
        if (l->weight_count) {
            snprintf(name, sizeof name, "%s %s.%d.weight", what, part, l->torch_index);
            report(name, gpu_rel_err(gpu + l->weight_offset, cpu + l->weight_offset,
                                     l->weight_count), tol);
        }
        if (l->bias_count) {
            snprintf(name, sizeof name, "%s %s.%d.bias", what, part, l->torch_index);
            report(name, gpu_rel_err(gpu + l->bias_offset, cpu + l->bias_offset, l->bias_count),
                   tol);
        }
    }
}

int main(int argc, char **argv)
{
    gpu_opts o = {.arch = "A", .size = 32, .classes = 10, .width_div = 8, .fc_width = 64,
                  .batch = 8, .steps = STEPS, .prec = PRECISION_FP32};
    if (gpu_parse(argc, argv, &o) < 0)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);   /* in order with stderr when piped */
    model m;
    float *params, *stats;
    gpu_model(&o, &m, &params, &stats);
    tolerance tol = tolerance_of(o.prec);
    int n = o.batch, src = o.size + o.size / 4, C = m.opt.num_classes;
    printf("parity: VGG-%s%s %dx%d, channels /%d, FC %d, %d classes, batch %d, cuda %s vs cpu "
           "fp32\n", m.arch, o.batch_norm ? " bn" : "", o.size, o.size, o.width_div, o.fc_width,
           C, n, gpu_precision_name(o.prec));

    backend_config ccfg = gpu_backend_config(&m, n, src, PRECISION_FP32);
    backend_config gcfg = gpu_backend_config(&m, n, src, o.prec);
    size_t pixel_bytes = (size_t)n * src * src * 3;
    side cpu, gpu;
    open_side(&cpu, &backend_cpu_ops, &ccfg, params, stats, pixel_bytes);
    open_side(&gpu, &backend_cuda_ops, &gcfg, params, stats, pixel_bytes);

    augment *aug = calloc((size_t)n, sizeof *aug);
    int32_t *labels = calloc((size_t)n, sizeof *labels);
    float *lc = calloc((size_t)n * C, sizeof *lc), *lg = calloc((size_t)n * C, sizeof *lg);
    size_t P = m.num_params, S = m.num_stats ? m.num_stats : 1;
    float *bc = malloc(P * sizeof *bc), *bg = malloc(P * sizeof *bg);
    float *sc = malloc(S * sizeof *sc), *sg = malloc(S * sizeof *sg);
    if (!aug || !labels || !lc || !lg || !bc || !bg || !sc || !sg)
        return 2;
    sgd_params sgd = {.lr = 0.05f, .momentum = 0.9f, .weight_decay = 5e-4f, .nesterov = 1,
                      .decay_bias_and_bn = 0, .grad_scale = 1.f};
    side *sides[2] = {&cpu, &gpu};
    err e;
    for (int step = 1; step <= o.steps; step++) {
        gpu_fill_batch((uint64_t)step, n, src, o.size, 1, C, cpu.pixels, aug, labels);
        memcpy(gpu.pixels, cpu.pixels, pixel_bytes);
        backend_batch batch = {.n = n, .aug = aug, .labels = labels, .step = (uint64_t)step};
        backend_metrics met[2];
        for (int k = 0; k < 2; k++) {
            side *s = sides[k];
            batch.pixels = s->pixels;
            if ((step == 1 && (s->ops->eval_step(s->b, &batch, k ? lg : lc, &e) < 0 ||
                               s->ops->read_metrics(s->b, &met[k], &e) < 0)) ||
                s->ops->zero_grads(s->b, &e) < 0 ||
                s->ops->train_step(s->b, &batch, 0.1f, &e) < 0 ||
                s->ops->read_metrics(s->b, &met[k], &e) < 0)
                die(s->ops->name, &e);
        }
        if (step == 1) {
            report("eval logits", gpu_rel_err(lg, lc, (size_t)n * C), tol.forward);
            read_buf(&cpu, BUF_GRADS, bc);
            read_buf(&gpu, BUF_GRADS, bg);
            compare_params(&m, "grad", bg, bc, tol.grads);
        }
        float lgpu = (float)met[1].loss_sum, lcpu = (float)met[0].loss_sum;
        char what[64];
        snprintf(what, sizeof what, "step %d train loss", step);
        report(what, gpu_rel_err(&lgpu, &lcpu, 1), tol.forward);
        printf("    loss per image: cuda %.6f cpu %.6f; top-1 cuda %lld cpu %lld of %d\n",
               lgpu / n, lcpu / n, (long long)met[1].correct_top1,
               (long long)met[0].correct_top1, n);
        if (met[1].images != n || met[1].nonfinite) {
            printf("  cuda metrics: %lld images, nonfinite %d  FAIL\n",
                   (long long)met[1].images, met[1].nonfinite);
            failures++;
        }
        for (int k = 0; k < 2; k++)
            if (sides[k]->ops->sgd_step(sides[k]->b, &sgd, &e) < 0)
                die(sides[k]->ops->name, &e);
    }
    /* Eval of a smaller batch after training: other convolution algorithms (chosen for that
     * size), BN with the updated running statistics. */
    backend_batch half = {.n = n / 2 > 0 ? n / 2 : 1, .aug = aug, .labels = labels, .step = 99};
    for (int k = 0; k < 2; k++) {
        half.pixels = sides[k]->pixels;
        if (sides[k]->ops->eval_step(sides[k]->b, &half, k ? lg : lc, &e) < 0)
            die(sides[k]->ops->name, &e);
    }
    report("eval logits, half batch", gpu_rel_err(lg, lc, (size_t)half.n * C), tol.forward);
    /* Updates: weights after the steps minus the initial weights. */
    read_buf(&cpu, BUF_PARAMS, bc);
    read_buf(&gpu, BUF_PARAMS, bg);
    for (size_t i = 0; i < P; i++) {
        bc[i] -= params[i];
        bg[i] -= params[i];
    }
    compare_params(&m, "update", bg, bc, tol.grads);
    if (m.num_stats) {
        read_buf(&cpu, BUF_STATS, sc);
        read_buf(&gpu, BUF_STATS, sg);
        report("BN running statistics", gpu_rel_err(sg, sc, m.num_stats), tol.grads);
    }
    for (int k = 0; k < 2; k++) {
        sides[k]->ops->host_free(sides[k]->b, sides[k]->pixels);
        sides[k]->ops->destroy(sides[k]->b);
    }
    printf("parity %s: %d failure%s\n", failures ? "FAILED" : "passed", failures,
           failures == 1 ? "" : "s");
    model_free(&m);
    return failures ? 1 : 0;
}
