/* train_step_bench.c: images/s of the CPU backend's training step (train_step + sgd_step) on
 * synthetic input, for tests/bench/train.sh.
 *   train_step_bench ARCH WIDTH_DIV FC_WIDTH INPUT BATCH THREADS STEPS [bn]
 * prints "images/s page-faults-per-step" (faults: fresh memory a step touched; 0 when a step
 * allocates nothing), and the details on stderr. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "train/backend.h"
#include "train/model.h"

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Weights of about the scale of He initialisation, from a fixed LCG: enough for timing. */
static void fill_params(const model *m, float *p)
{
    uint64_t s = 1;
    for (int l = 0; l < m->num_layers; l++) {
        const layer_desc *L = &m->layers[l];
        float fan_in = L->kind == LAYER_LINEAR ? (float)L->in_c * L->in_h * L->in_w
                                               : (float)L->in_c * L->kernel * L->kernel;
        float scale = L->kind == LAYER_BN ? 0.f : sqrtf(6.f / fan_in);
        for (size_t i = 0; i < L->weight_count; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            p[L->weight_offset + i] =
                ((float)(s >> 40) / 16777216.f * 2.f - 1.f) * scale + (L->kind == LAYER_BN);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 8 && !(argc == 9 && !strcmp(argv[8], "bn"))) {
        fprintf(stderr, "usage: %s ARCH WIDTH_DIV FC_WIDTH INPUT BATCH THREADS STEPS [bn]\n",
                argv[0]);
        return 2;
    }
    int input = atoi(argv[4]), batch = atoi(argv[5]), steps = atoi(argv[7]);
    model_options opt = {.num_classes = 1000,
                         .input_size = input,
                         .fc_width = atoi(argv[3]),
                         .width_div = atoi(argv[2]),
                         .dropout = 0.5f,
                         .batch_norm = argc == 9};
    model m;
    err e = {{0}};
    backend *b = NULL;
    if (model_build(argv[1], &opt, &m, &e) < 0)
        goto fail;
    backend_config cfg = {.m = &m,
                          .max_batch = batch,
                          .src_h = input,
                          .src_w = input,
                          .mean = {120, 115, 100},
                          .std = {60, 60, 60},
                          .threads = atoi(argv[6]),
                          .seed = 1};
    const backend_ops *ops = &backend_cpu_ops;
    if (ops->create(&cfg, &b, &e) < 0)
        goto fail;
    float *params = calloc(m.num_params, sizeof *params);
    size_t px = (size_t)batch * input * input * 3;
    uint8_t *pixels = ops->host_alloc(b, px, &e);
    augment *aug = calloc(batch, sizeof *aug);
    int32_t *labels = calloc(batch, sizeof *labels);
    if (!params || !pixels || !aug || !labels)
        return 2;
    fill_params(&m, params);
    for (size_t i = 0; i < px; i++)
        pixels[i] = (uint8_t)(i * 2654435761u >> 24);
    for (int i = 0; i < batch; i++) {
        aug[i] = (augment){.crop_h = input, .crop_w = input, .flip = i & 1};
        labels[i] = i * 37 % 1000;
    }
    sgd_params sp = {.lr = 1e-3f, .momentum = 0.9f, .weight_decay = 5e-4f, .grad_scale = 1.f};
    if (ops->write(b, BUF_PARAMS, params, &e) < 0)
        goto fail;
    double t0 = 0;
    long faults = 0;
    for (int s = -2; s < steps; s++) { /* two warm-up steps */
        if (s == 0) {
            t0 = now();
            faults = minor_faults();
        }
        backend_batch bt = {
            .n = batch, .pixels = pixels, .aug = aug, .labels = labels, .step = s + 2};
        if (ops->zero_grads(b, &e) < 0 || ops->train_step(b, &bt, 0.f, &e) < 0 ||
            ops->sgd_step(b, &sp, &e) < 0)
            goto fail;
    }
    backend_metrics mt;
    ops->read_metrics(b, &mt, &e);
    double dt = now() - t0;
    faults = minor_faults() - faults;
    printf("%.2f %ld\n", steps * batch / dt, faults / steps);
    fprintf(stderr,
            "train_step_bench: %s/%s fc %s %dx%d batch %d threads %s: %.3f s/step, "
            "mean loss %.3f, %ld page faults/step (fresh memory touched)\n",
            argv[1], argv[2], argv[3], input, input, batch, argv[6], dt / steps,
            mt.loss_sum / (double)mt.images, faults / steps);
    ops->host_free(b, pixels);
    ops->destroy(b);
    model_free(&m);
    free(params);
    free(aug);
    free(labels);
    return 0;
fail:
    fprintf(stderr, "train_step_bench: %s\n", e.msg);
    if (b)
        backend_cpu_ops.destroy(b);
    return 2;
}
