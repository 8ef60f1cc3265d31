/* plan.c: the CUDA backend's memory plan (see plan.h). Pure host code. */
#include "train/cuda/plan.h"

#include "train/cuda/lrn_math.h"

#include <stdlib.h>

static size_t align_up(size_t n)
{
    return (n + CUDA_PLAN_ALIGN - 1) / CUDA_PLAN_ALIGN * CUDA_PLAN_ALIGN;
}

int cuda_plan_pad_channels(int c)
{
    return (c + 7) / 8 * 8;
}

/* Takes `count` elements from an arena whose current end is *end; returns their offset. */
static size_t take(size_t *end, size_t count)
{
    size_t at = *end;
    *end = align_up(at + count);
    return at;
}

static int check_layer(const model *m, int i, err *e)
{
    const layer_desc *l = &m->layers[i];
    if (l->kind == LAYER_LRN && (l->lrn_size < 1 || l->lrn_size > LRN_MAX_SIZE))
        return err_set(e, "cuda backend: layer %d: LRN size %d is not in 1..%d", i, l->lrn_size,
                       LRN_MAX_SIZE);
    if (l->kind == LAYER_LRN && l->lrn_size % 2 == 0)
        return err_set(e, "cuda backend: layer %d: LRN size %d is even; cuDNN's window is then "
                       "not PyTorch's", i, l->lrn_size);
    if (l->kind == LAYER_CONV && l->kernel % 2 == 0)
        return err_set(e, "cuda backend: layer %d: convolution kernel %d is even", i, l->kernel);
    if (l->kind == LAYER_MAXPOOL && (l->in_h % 2 || l->in_w % 2))
        return err_set(e, "cuda backend: layer %d: pooling of an odd size %dx%d", i, l->in_h,
                       l->in_w);
    return 0;
}

int cuda_plan_build(const model *m, int max_batch, cuda_plan *p, err *e)
{
    *p = (cuda_plan){0};
    if (m->num_layers < 1 || m->layers[m->num_layers - 1].kind != LAYER_LINEAR)
        return err_set(e, "cuda backend: model %s does not end with a linear layer", m->arch);
    if (m->layers[0].kind != LAYER_CONV)
        return err_set(e, "cuda backend: model %s does not start with a convolution", m->arch);
    if (max_batch < 1)
        return err_set(e, "cuda backend: batch size %d", max_batch);
    p->layers = calloc((size_t)m->num_layers, sizeof *p->layers);
    if (!p->layers)
        return err_set(e, "cuda backend: out of memory");
    p->max_batch = max_batch;
    p->num_layers = m->num_layers;
    p->in_c = cuda_plan_pad_channels(m->in_c);
    p->in_h = m->in_h;
    p->in_w = m->in_w;
    p->num_classes = m->layers[m->num_layers - 1].out_c;

    size_t nb = (size_t)max_batch, act = 0, wc = 0;
    size_t largest = (size_t)p->in_c * p->in_h * p->in_w;
    p->in_offset = take(&act, nb * largest);
    int prev_c = p->in_c, prev_h = p->in_h, prev_w = p->in_w;
    for (int i = 0; i < m->num_layers; i++) {
        const layer_desc *l = &m->layers[i];
        cuda_layer_plan *lp = &p->layers[i];
        if (check_layer(m, i, e) < 0) {
            cuda_plan_free(p);
            return -1;
        }
        lp->in_c = prev_c, lp->in_h = prev_h, lp->in_w = prev_w;
        lp->c = l->out_c;
        lp->h = l->kind == LAYER_LINEAR ? 1 : l->out_h;
        lp->w = l->kind == LAYER_LINEAR ? 1 : l->out_w;
        lp->out_elems = (size_t)lp->c * lp->h * lp->w;
        if (l->kind == LAYER_LINEAR && prev_h * prev_w > 1) {
            lp->flatten = 1;
            lp->flat_offset = take(&act, nb * (size_t)prev_c * prev_h * prev_w);
        }
        lp->out_offset = take(&act, nb * lp->out_elems);
        if (l->kind == LAYER_CONV) {
            lp->wc_count = (size_t)l->out_c * l->kernel * l->kernel * prev_c;
            if (lp->wc_count > p->max_conv_weight)
                p->max_conv_weight = lp->wc_count;
        } else if (l->kind == LAYER_LINEAR) {
            lp->wc_count = (size_t)l->out_c * l->in_c * l->in_h * l->in_w;
        }
        if (lp->wc_count)
            lp->wc_offset = take(&wc, lp->wc_count);
        if (lp->out_elems > largest)
            largest = lp->out_elems;
        if (lp->c > p->max_channels)
            p->max_channels = lp->c;
        prev_c = lp->c;
        prev_h = lp->h;
        prev_w = lp->w;
    }
    p->act_elems = act;
    p->grad_elems = align_up(nb * largest);
    p->wc_elems = wc;
    return 0;
}

void cuda_plan_free(cuda_plan *p)
{
    free(p->layers);
    p->layers = NULL;
}

size_t cuda_plan_device_bytes(const cuda_plan *p, const model *m, size_t elem_bytes)
{
    size_t elems = p->act_elems + 2 * p->grad_elems + p->wc_elems + p->max_conv_weight;
    size_t fp32 = 3 * m->num_params                      /* params, grads, momentum */
                  + m->num_stats                         /* BN running statistics */
                  + 2 * (size_t)p->max_channels * (size_t)m->num_layers  /* BN saved stats */
                  + (size_t)p->max_batch * (size_t)p->num_classes        /* logits */
                  + 3 * (size_t)p->max_batch;            /* per-image loss and ranks */
    return elems * elem_bytes + fp32 * 4 + m->num_params /* weight-decay mask */;
}

size_t cuda_plan_search_workspace(size_t free_bytes, size_t reserve, size_t cap)
{
    if (free_bytes <= reserve)
        return 0;
    size_t half = (free_bytes - reserve) / 2;
    return half < cap ? half : cap;
}
