/* cpu_backend.c: backend_cpu_ops, the oneDNN CPU backend (backend.h): state, buffers in the
 * model's flat layout, and the steps, which run the programs of a plan (cpu_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "train/cpu/cpu_internal.h"
#include "train/cpu/cpu_kernels.h"
#include "train/cpu/cpu_omp.h"

/* Called before any parallel work: OpenMP's thread count belongs to the calling thread, and
 * oneDNN sizes a primitive's scratchpad for the threads there are when it is created. */
static void use_threads(const backend *b)
{
#ifdef _OPENMP
    if (b->cfg.threads > 0)
        omp_set_num_threads(b->cfg.threads);
#endif
}

static void cpu_destroy(backend *b)
{
    if (!b)
        return;
    for (int i = 0; i < CPU_PLANS; i++)
        cpu_plan_destroy(b->plans[i]);
    if (b->stream)
        dnnl_stream_destroy(b->stream);
    if (b->engine)
        dnnl_engine_destroy(b->engine);
    cpu_free(b->params);
    cpu_free(b->grads);
    cpu_free(b->momentum);
    cpu_free(b->stats);
    free(b->ranges);
    free(b);
}

/* Parameter ranges in buffer order, marking biases and BN parameters (no decay if asked). */
static int make_ranges(backend *b, err *e)
{
    const model *m = b->m;
    b->ranges = calloc((size_t)m->num_layers * 2, sizeof *b->ranges);
    if (!b->ranges)
        return err_set(e, "cpu backend: out of memory");
    for (int l = 0; l < m->num_layers; l++) {
        const layer_desc *L = &m->layers[l];
        if (L->weight_count)
            b->ranges[b->nranges++] =
                (cpu_param_range){L->weight_offset, L->weight_count, L->kind == LAYER_BN};
        if (L->bias_count)
            b->ranges[b->nranges++] = (cpu_param_range){L->bias_offset, L->bias_count, 1};
    }
    return 0;
}

static int check_model(const backend_config *cfg, err *e)
{
    const model *m = cfg->m;
    if (!m || m->num_layers < 1 || m->layers[m->num_layers - 1].kind != LAYER_LINEAR)
        return err_set(e, "cpu backend: the model must end with a linear layer");
    if (m->in_c != 3 || m->in_h != m->in_w)
        return err_set(e, "cpu backend: the input must be square RGB");
    if (cfg->max_batch < 1 || cfg->src_h < 1 || cfg->src_w < 1)
        return err_set(e, "cpu backend: bad batch size or record shape");
    if (cfg->prec != PRECISION_FP32)
        return err_set(e, "cpu backend: only fp32 precision is supported");
    for (int c = 0; c < 3; c++)
        if (!(cfg->std[c] > 0.f))
            return err_set(e, "cpu backend: std must be positive");
    return 0;
}

static int cpu_create(const backend_config *cfg, backend **out, err *e)
{
    if (check_model(cfg, e) < 0)
        return -1;
    backend *b = calloc(1, sizeof *b);
    if (!b)
        return err_set(e, "cpu backend: out of memory");
    b->cfg = *cfg;
    b->m = cfg->m;
    use_threads(b);
    for (int c = 0; c < 3; c++)
        b->inv_std[c] = 1.f / cfg->std[c];
    size_t np = b->m->num_params * sizeof(float), ns = (b->m->num_stats + 1) * sizeof(float);
    b->params = cpu_alloc(np);
    b->grads = cpu_alloc(np);
    b->momentum = cpu_alloc(np);
    b->stats = cpu_alloc(ns);
    b->grads_zero = 1;
    if (!b->params || !b->grads || !b->momentum || !b->stats) {
        err_set(e, "cpu backend: out of memory for %zu parameters", b->m->num_params);
        cpu_destroy(b);
        return -1;
    }
    if (cpu_check(dnnl_engine_create(&b->engine, dnnl_cpu, 0), "engine", e) < 0 ||
        cpu_check(dnnl_stream_create(&b->stream, b->engine, dnnl_stream_default_flags), "stream",
                  e) < 0 ||
        make_ranges(b, e) < 0 || cpu_plan_create(b, cfg->max_batch, &b->plans[0], e) < 0) {
        cpu_destroy(b);
        return -1;
    }
    *out = b;
    return 0;
}

static void *cpu_host_alloc(backend *b, size_t bytes, err *e)
{
    void *p = cpu_alloc(bytes);
    if (!p)
        err_set(e, "cpu backend: out of memory (%zu bytes of staging)", bytes);
    return p;
}

static void cpu_host_free(backend *b, void *p)
{
    cpu_free(p);
}

static float *buffer(backend *b, backend_buffer which, size_t *count)
{
    *count = which == BUF_STATS ? b->m->num_stats : b->m->num_params;
    switch (which) {
    case BUF_PARAMS: return b->params;
    case BUF_GRADS: return b->grads;
    case BUF_MOMENTUM: return b->momentum;
    case BUF_STATS: return b->stats;
    }
    return NULL;
}

static int cpu_read(backend *b, backend_buffer which, float *dst, err *e)
{
    size_t count;
    float *src = buffer(b, which, &count);
    if (!src)
        return err_set(e, "cpu backend: unknown buffer %d", (int)which);
    if (which == BUF_GRADS && b->grads_zero)
        memset(dst, 0, count * sizeof *dst);
    else
        memcpy(dst, src, count * sizeof *dst);
    return 0;
}

static int cpu_write(backend *b, backend_buffer which, const float *src, err *e)
{
    size_t count;
    float *dst = buffer(b, which, &count);
    if (!dst)
        return err_set(e, "cpu backend: unknown buffer %d", (int)which);
    memcpy(dst, src, count * sizeof *dst);
    if (which == BUF_PARAMS)
        b->params_version++;
    if (which == BUF_GRADS)
        b->grads_zero = 0;
    return 0;
}

/* The plan for batch size n: built once for max_batch, and once per smaller size, of which
 * the most recently used few are kept. */
static cpu_plan *plan_for(backend *b, int n, err *e)
{
    if (n == b->cfg.max_batch)
        return b->plans[0];
    int i = 1;
    while (i < CPU_PLANS - 1 && b->plans[i] && b->plans[i]->n != n)
        i++;
    cpu_plan *p = b->plans[i];
    if (!p || p->n != n) { /* not kept: build it in place of the oldest */
        cpu_plan_destroy(p);
        b->plans[i] = NULL;
        if (cpu_plan_create(b, n, &p, e) < 0)
            return NULL;
    }
    memmove(&b->plans[2], &b->plans[1], (size_t)(i - 1) * sizeof *b->plans);
    b->plans[1] = p;
    return p;
}

static int check_batch(backend *b, const backend_batch *bt, err *e)
{
    if (bt->n < 1 || bt->n > b->cfg.max_batch)
        return err_set(e, "cpu backend: batch of %d images (max %d)", bt->n, b->cfg.max_batch);
    for (int i = 0; bt->labels && i < bt->n; i++)
        if (bt->labels[i] < 0 || bt->labels[i] >= b->m->opt.num_classes)
            return err_set(e, "cpu backend: label %d out of range", (int)bt->labels[i]);
    return 0;
}

/* Common start of a step: the plan, its weights up to date, the batch set. */
static cpu_plan *begin(backend *b, const backend_batch *bt, err *e)
{
    if (check_batch(b, bt, e) < 0)
        return NULL;
    use_threads(b);
    cpu_plan *p = plan_for(b, bt->n, e);
    if (!p)
        return NULL;
    if (p->weights_version != b->params_version) {
        if (cpu_prog_run(b, p, &p->weights, e) < 0)
            return NULL;
        p->weights_version = b->params_version;
    }
    b->batch = bt;
    return p;
}

static int cpu_train_step(backend *b, const backend_batch *bt, float label_smoothing, err *e)
{
    if (!bt->labels)
        return err_set(e, "cpu backend: a training batch needs labels");
    cpu_plan *p = begin(b, bt, e);
    if (!p)
        return -1;
    b->label_smoothing = label_smoothing;
    if (cpu_prog_run(b, p, &p->fwd_train, e) < 0 || cpu_prog_run(b, p, &p->bwd, e) < 0)
        return -1;
    b->grads_zero = 0;
    return 0;
}

static int cpu_zero_grads(backend *b, err *e)
{
    b->grads_zero = 1; /* the next step writes its gradients instead of adding them */
    return 0;
}

static int cpu_sgd_step(backend *b, const sgd_params *sp, err *e)
{
    use_threads(b);
    if (b->grads_zero) { /* no step since zero_grads: make the zeros real */
        memset(b->grads, 0, b->m->num_params * sizeof *b->grads);
        b->grads_zero = 0;
    }
    for (int i = 0; i < b->nranges; i++) {
        const cpu_param_range *r = &b->ranges[i];
        float wd = r->is_bias_or_bn && !sp->decay_bias_and_bn ? 0.f : sp->weight_decay;
        cpu_sgd_update(b->params + r->offset, b->grads + r->offset, b->momentum + r->offset,
                       r->count, sp->lr, sp->momentum, wd, sp->nesterov, sp->grad_scale);
    }
    b->params_version++;
    return 0;
}

static int cpu_eval_step(backend *b, const backend_batch *bt, float *logits, err *e)
{
    cpu_plan *p = begin(b, bt, e);
    if (!p || cpu_prog_run(b, p, &p->fwd_eval, e) < 0)
        return -1;
    if (logits)
        memcpy(logits, p->logits, (size_t)bt->n * b->m->opt.num_classes * sizeof *logits);
    return 0;
}

static int cpu_read_metrics(backend *b, backend_metrics *out, err *e)
{
    *out = b->metrics;
    memset(&b->metrics, 0, sizeof b->metrics);
    return 0;
}

const backend_ops backend_cpu_ops = {
    .name = "cpu",
    .create = cpu_create,
    .destroy = cpu_destroy,
    .host_alloc = cpu_host_alloc,
    .host_free = cpu_host_free,
    .read = cpu_read,
    .write = cpu_write,
    .train_step = cpu_train_step,
    .zero_grads = cpu_zero_grads,
    .sgd_step = cpu_sgd_step,
    .eval_step = cpu_eval_step,
    .read_metrics = cpu_read_metrics,
    .input_wait_seconds = NULL,
    .host_bytes = cpu_host_bytes,
};
