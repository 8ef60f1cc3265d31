/* gpu_util.c: see gpu_util.h. */
#include "tests/gpu/gpu_util.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/init.h"

int gpu_parse(int argc, char **argv, gpu_opts *o)
{
    static const struct option longs[] = {
        {"arch", required_argument, 0, 'a'},  {"size", required_argument, 0, 's'},
        {"classes", required_argument, 0, 'c'}, {"bn", required_argument, 0, 'n'},
        {"width-div", required_argument, 0, 'w'}, {"fc", required_argument, 0, 'f'},
        {"batch", required_argument, 0, 'b'}, {"steps", required_argument, 0, 't'},
        {"precision", required_argument, 0, 'p'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'a': o->arch = optarg; break;
        case 's': o->size = atoi(optarg); break;
        case 'c': o->classes = atoi(optarg); break;
        case 'n': o->batch_norm = atoi(optarg); break;
        case 'w': o->width_div = atoi(optarg); break;
        case 'f': o->fc_width = atoi(optarg); break;
        case 'b': o->batch = atoi(optarg); break;
        case 't': o->steps = atoi(optarg); break;
        case 'p':
            if (!strcmp(optarg, "fp32")) o->prec = PRECISION_FP32;
            else if (!strcmp(optarg, "bf16")) o->prec = PRECISION_BF16;
            else if (!strcmp(optarg, "fp16")) o->prec = PRECISION_FP16;
            else goto usage;
            break;
        default: goto usage;
        }
    }
    if (optind == argc && o->size > 0 && o->batch > 0 && o->steps > 0)
        return 0;
usage:
    fprintf(stderr, "usage: %s [--arch A] [--size N] [--classes N] [--bn 0|1] [--width-div N] "
            "[--fc N] [--batch N] [--steps N] [--precision fp32|bf16|fp16]\n", argv[0]);
    return -1;
}

const char *gpu_precision_name(precision p)
{
    return p == PRECISION_BF16 ? "bf16" : p == PRECISION_FP16 ? "fp16" : "fp32";
}

void gpu_model(const gpu_opts *o, model *m, float **params, float **stats)
{
    model_options mo = {.num_classes = o->classes, .input_size = o->size,
                        .batch_norm = o->batch_norm, .fc_width = o->fc_width,
                        .width_div = o->width_div, .dropout = 0.5f};
    err e;
    if (model_build(o->arch, &mo, m, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        exit(2);
    }
    *params = malloc(m->num_params * sizeof(float));
    *stats = malloc((m->num_stats ? m->num_stats : 1) * sizeof(float));
    if (!*params || !*stats) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    init_model(m, 7, *params, *stats);
}

/* xorshift64*: a small seeded generator, enough for test inputs. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static float uniform(uint64_t *s)
{
    return (float)(next(s) >> 40) / 16777216.0f;
}

void gpu_fill_batch(uint64_t seed, int n, int src, int size, int jitter, int classes,
                    uint8_t *pixels, augment *aug, int32_t *labels)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
    for (size_t i = 0; i < (size_t)n * src * src * 3; i++)
        pixels[i] = (uint8_t)(next(&s) >> 56);
    for (int j = 0; j < n; j++) {
        augment *a = &aug[j];
        float len = jitter ? size * (0.8f + 0.4f * uniform(&s)) : (float)size;
        if (len > (float)src)
            len = (float)src;
        a->crop_h = a->crop_w = len;
        a->crop_y = jitter ? uniform(&s) * ((float)src - len) : ((float)src - len) / 2;
        a->crop_x = jitter ? uniform(&s) * ((float)src - len) : ((float)src - len) / 2;
        a->flip = jitter ? (int)(next(&s) & 1) : 0;
        for (int c = 0; c < 3; c++)
            a->shift[c] = jitter ? 10.f * (uniform(&s) - 0.5f) : 0.f;
        if (labels)
            labels[j] = (int32_t)(next(&s) % (uint64_t)classes);
    }
}

double gpu_rel_err(const float *a, const float *ref, size_t n)
{
    double diff = 0, norm = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)ref[i];
        diff += d * d;
        norm += (double)ref[i] * ref[i];
    }
    return norm > 0 ? sqrt(diff / norm) : sqrt(diff);
}

backend_config gpu_backend_config(const model *m, int batch, int src, precision prec)
{
    return (backend_config){.m = m, .max_batch = batch, .src_h = src, .src_w = src,
                            .mean = {123.675f, 116.28f, 103.53f},
                            .std = {58.395f, 57.12f, 57.375f}, .threads = 0,
                            .device_index = 0, .prec = prec, .seed = 11};
}
