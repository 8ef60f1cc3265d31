/* tiny_net.c: see tiny_net.h. */
#include "tests/unit/train_cpu/tiny_net.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TINY_MAX_LAYERS 32

void tiny_begin(model *m, int size, int num_classes)
{
    memset(m, 0, sizeof *m);
    strcpy(m->arch, "tiny");
    m->layers = calloc(TINY_MAX_LAYERS, sizeof *m->layers);
    m->in_c = 3, m->in_h = size, m->in_w = size;
    m->opt.num_classes = num_classes;
    m->opt.input_size = size;
}

static layer_desc *push(model *m, layer_kind kind, int out_c, int out_h, int out_w)
{
    cr_assert(m->num_layers < TINY_MAX_LAYERS);
    layer_desc *l = &m->layers[m->num_layers];
    if (m->num_layers) {
        const layer_desc *p = l - 1;
        l->in_c = p->out_c, l->in_h = p->out_h, l->in_w = p->out_w;
    } else {
        l->in_c = m->in_c, l->in_h = m->in_h, l->in_w = m->in_w;
    }
    l->kind = kind;
    l->out_c = out_c, l->out_h = out_h, l->out_w = out_w;
    l->torch_index = m->num_layers++;
    return l;
}

static void params_for(model *m, layer_desc *l, size_t weights, size_t biases)
{
    l->weight_offset = m->num_params, l->weight_count = weights;
    l->bias_offset = m->num_params + weights, l->bias_count = biases;
    m->num_params += weights + biases;
}

layer_desc *tiny_conv(model *m, int out_c, int kernel, int relu)
{
    const layer_desc *p = m->num_layers ? &m->layers[m->num_layers - 1] : NULL;
    int h = p ? p->out_h : m->in_h, w = p ? p->out_w : m->in_w, c = p ? p->out_c : m->in_c;
    layer_desc *l = push(m, LAYER_CONV, out_c, h, w);
    l->kernel = kernel, l->relu = relu;
    params_for(m, l, (size_t)out_c * c * kernel * kernel, out_c);
    return l;
}

layer_desc *tiny_bn(model *m, int relu)
{
    const layer_desc *p = &m->layers[m->num_layers - 1];
    layer_desc *l = push(m, LAYER_BN, p->out_c, p->out_h, p->out_w);
    l->relu = relu, l->bn_eps = 1e-5f, l->bn_momentum = 0.1f;
    params_for(m, l, l->out_c, l->out_c);
    l->stats_offset = m->num_stats;
    m->num_stats += 2 * (size_t)l->out_c;
    return l;
}

layer_desc *tiny_lrn(model *m, int size, float alpha, float beta, float k)
{
    const layer_desc *p = m->num_layers ? &m->layers[m->num_layers - 1] : NULL;
    layer_desc *l = p ? push(m, LAYER_LRN, p->out_c, p->out_h, p->out_w)
                      : push(m, LAYER_LRN, m->in_c, m->in_h, m->in_w);
    l->lrn_size = size, l->lrn_alpha = alpha, l->lrn_beta = beta, l->lrn_k = k;
    return l;
}

layer_desc *tiny_pool(model *m)
{
    const layer_desc *p = &m->layers[m->num_layers - 1];
    layer_desc *l = push(m, LAYER_MAXPOOL, p->out_c, p->out_h / 2, p->out_w / 2);
    l->kernel = 2;
    return l;
}

layer_desc *tiny_linear(model *m, int out, int relu)
{
    const layer_desc *p = m->num_layers ? &m->layers[m->num_layers - 1] : NULL;
    int in = p ? p->out_c * p->out_h * p->out_w : m->in_c * m->in_h * m->in_w;
    layer_desc *l = push(m, LAYER_LINEAR, out, 1, 1);
    l->in_c = in, l->in_h = 1, l->in_w = 1, l->relu = relu, l->in_classifier = 1;
    params_for(m, l, (size_t)out * in, out);
    return l;
}

layer_desc *tiny_dropout(model *m, float p)
{
    const layer_desc *prev = &m->layers[m->num_layers - 1];
    layer_desc *l = push(m, LAYER_DROPOUT, prev->out_c, 1, 1);
    l->dropout_p = p;
    return l;
}

static float uniform(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (float)((*s >> 8) & 0xffff) / 65536.f * 2.f - 1.f; /* [-1, 1) */
}

void tiny_params(const model *m, float *params, float *stats, unsigned seed)
{
    for (int i = 0; i < m->num_layers; i++) {
        const layer_desc *L = &m->layers[i];
        float fan_in = L->kind == LAYER_CONV ? (float)L->in_c * L->kernel * L->kernel
                                             : (float)L->in_c * L->in_h * L->in_w;
        for (size_t j = 0; j < L->weight_count; j++)
            params[L->weight_offset + j] = L->kind == LAYER_BN
                                               ? 1.f + 0.3f * uniform(&seed)
                                               : uniform(&seed) * sqrtf(6.f / fan_in);
        for (size_t j = 0; j < L->bias_count; j++)
            params[L->bias_offset + j] = 0.1f * uniform(&seed);
        if (L->kind == LAYER_BN)
            for (int c = 0; c < L->out_c; c++) {
                stats[L->stats_offset + c] = 0.f;
                stats[L->stats_offset + L->out_c + c] = 1.f;
            }
    }
}

void tiny_batch_make(tiny_batch *t, backend *b, const model *m, int n, int src, unsigned seed)
{
    err e;
    size_t bytes = (size_t)n * src * src * 3;
    t->pixels = backend_cpu_ops.host_alloc(b, bytes, &e);
    t->aug = calloc(n, sizeof *t->aug);
    t->labels = calloc(n, sizeof *t->labels);
    cr_assert(t->pixels && t->aug && t->labels);
    for (size_t i = 0; i < bytes; i++) {
        seed = seed * 1103515245u + 12345u;
        t->pixels[i] = (uint8_t)(seed >> 16);
    }
    float off = (float)(src - m->in_h) / 2;
    for (int i = 0; i < n; i++) {
        t->aug[i] = (augment){.crop_y = off, .crop_x = off, .crop_h = m->in_h, .crop_w = m->in_w};
        t->labels[i] = i % m->opt.num_classes;
    }
    t->bt = (backend_batch){.n = n, .pixels = t->pixels, .aug = t->aug, .labels = t->labels};
}

void tiny_batch_free(tiny_batch *t, backend *b)
{
    backend_cpu_ops.host_free(b, t->pixels);
    free(t->aug);
    free(t->labels);
}

backend *tiny_backend(const model *m, int n, int src, unsigned seed)
{
    backend_config cfg = {.m = m,
                          .max_batch = n,
                          .src_h = src,
                          .src_w = src,
                          .mean = {128, 128, 128},
                          .std = {64, 64, 64},
                          .threads = 1,
                          .seed = 11};
    backend *b;
    err e;
    cr_assert(backend_cpu_ops.create(&cfg, &b, &e) == 0, "%s", e.msg);
    float *params = calloc(m->num_params, sizeof *params);
    float *stats = calloc(m->num_stats + 1, sizeof *stats);
    tiny_params(m, params, stats, seed);
    cr_assert(backend_cpu_ops.write(b, BUF_PARAMS, params, &e) == 0);
    cr_assert(backend_cpu_ops.write(b, BUF_STATS, stats, &e) == 0);
    free(params);
    free(stats);
    return b;
}
