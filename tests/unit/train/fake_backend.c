/* fake_backend.c: a linear softmax classifier behind backend_ops. */
#include "fake_backend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

uint64_t fake_stop_at_step = UINT64_MAX, fake_poison_at_step = UINT64_MAX, fake_steps_taken;
volatile sig_atomic_t *fake_stop_flag;

struct backend {
    backend_config cfg;
    int classes, size, dim;     /* dim = 3 * size * size */
    size_t np, ns;
    float *params, *grads, *momentum, *stats, *x, *logits;
    float inv_std[3];
    backend_metrics metrics;
};

static int fake_create(const backend_config *cfg, backend **out, err *e)
{
    backend *b = calloc(1, sizeof *b);
    b->cfg = *cfg;
    b->classes = cfg->m->opt.num_classes;
    b->size = cfg->m->opt.input_size;
    b->dim = 3 * b->size * b->size;
    b->np = cfg->m->num_params, b->ns = cfg->m->num_stats + 1;
    if ((size_t)b->classes * (b->dim + 1) > b->np) {
        free(b);
        return err_set(e, "fake backend: model too small for a linear classifier");
    }
    b->params = calloc(b->np, 4), b->grads = calloc(b->np, 4), b->momentum = calloc(b->np, 4);
    b->stats = calloc(b->ns, 4), b->x = calloc((size_t)b->dim, 4);
    b->logits = calloc((size_t)b->classes, 4);
    for (int c = 0; c < 3; c++)
        b->inv_std[c] = 1.0f / cfg->std[c];
    *out = b;
    return 0;
}

static void fake_destroy(backend *b)
{
    free(b->params), free(b->grads), free(b->momentum), free(b->stats), free(b->x);
    free(b->logits), free(b);
}

static void *fake_host_alloc(backend *b, size_t bytes, err *e) { return malloc(bytes); }
static void fake_host_free(backend *b, void *p) { free(p); }

static float *buffer(backend *b, backend_buffer which, size_t *n)
{
    *n = which == BUF_STATS ? b->ns - 1 : b->np;
    return which == BUF_PARAMS ? b->params : which == BUF_GRADS ? b->grads
         : which == BUF_MOMENTUM ? b->momentum : b->stats;
}

static int fake_read(backend *b, backend_buffer which, float *dst, err *e)
{
    size_t n;
    float *src = buffer(b, which, &n);
    memcpy(dst, src, n * 4);
    return 0;
}

static int fake_write(backend *b, backend_buffer which, const float *src, err *e)
{
    size_t n;
    float *dst = buffer(b, which, &n);
    memcpy(dst, src, n * 4);
    return 0;
}

/* Input of image i into b->x, logits into b->logits. */
static void forward(backend *b, const backend_batch *batch, int i)
{
    const uint8_t *img = batch->pixels + (size_t)i * b->cfg.src_h * b->cfg.src_w * 3;
    int k = 0;
    for (int y = 0; y < b->size; y++)
        for (int x = 0; x < b->size; x++)
            for (int c = 0; c < 3; c++)
                b->x[k++] = augment_pixel(img, b->cfg.src_h, b->cfg.src_w, &batch->aug[i], b->size,
                                          y, x, c, b->cfg.mean, b->inv_std);
    for (int c = 0; c < b->classes; c++) {
        const float *w = b->params + (size_t)c * b->dim;
        float s = b->params[(size_t)b->classes * b->dim + c];
        for (int d = 0; d < b->dim; d++)
            s += w[d] * b->x[d];
        b->logits[c] = s;
    }
}

/* Softmax cross-entropy with smoothing; probabilities left in b->logits. */
static double loss_and_probs(backend *b, int label, float eps)
{
    float max = b->logits[0];
    for (int c = 1; c < b->classes; c++)
        max = fmaxf(max, b->logits[c]);
    double sum = 0;
    for (int c = 0; c < b->classes; c++)
        sum += exp(b->logits[c] - max);
    double loss = 0;
    for (int c = 0; c < b->classes; c++) {
        double logp = b->logits[c] - max - log(sum);
        double target = (c == label ? 1.0 - eps : 0.0) + eps / b->classes;
        loss -= target * logp;
        b->logits[c] = (float)exp(logp);
    }
    return loss;
}

static void count(backend *b, const float *logits, int label, double loss)
{
    int above = 0;
    for (int c = 0; c < b->classes; c++)
        above += logits[c] > logits[label];
    b->metrics.loss_sum += loss;
    b->metrics.correct_top1 += above == 0;
    b->metrics.correct_top5 += above < 5;
    b->metrics.images++;
}

static int fake_train_step(backend *b, const backend_batch *batch, float eps, err *e)
{
    float saved[64];
    for (int i = 0; i < batch->n; i++) {
        forward(b, batch, i);
        memcpy(saved, b->logits, (size_t)b->classes * 4);
        double loss = loss_and_probs(b, batch->labels[i], eps);
        if (batch->step >= fake_poison_at_step)
            loss = NAN;
        count(b, saved, batch->labels[i], loss);
        b->metrics.nonfinite |= !isfinite(loss);
        for (int c = 0; c < b->classes; c++) {
            double target = (c == batch->labels[i] ? 1.0 - eps : 0.0) + eps / b->classes;
            float g = (float)((b->logits[c] - target) / batch->n);
            float *gw = b->grads + (size_t)c * b->dim;
            for (int d = 0; d < b->dim; d++)
                gw[d] += g * b->x[d];
            b->grads[(size_t)b->classes * b->dim + c] += g;
        }
    }
    fake_steps_taken++;
    if (batch->step == fake_stop_at_step && fake_stop_flag)
        *fake_stop_flag = 1;
    return 0;
}

static int fake_zero_grads(backend *b, err *e)
{
    memset(b->grads, 0, b->np * 4);
    return 0;
}

/* PyTorch SGD: g = grad * scale + wd * p; buf = momentum * buf + g; p -= lr * (nesterov ?
 * g + momentum * buf : buf). */
static int fake_sgd_step(backend *b, const sgd_params *p, err *e)
{
    for (size_t i = 0; i < b->np; i++) {
        float g = b->grads[i] * p->grad_scale + p->weight_decay * b->params[i];
        b->momentum[i] = p->momentum * b->momentum[i] + g;
        b->params[i] -= p->lr * (p->nesterov ? g + p->momentum * b->momentum[i] : b->momentum[i]);
    }
    return 0;
}

static int fake_eval_step(backend *b, const backend_batch *batch, float *logits, err *e)
{
    for (int i = 0; i < batch->n; i++) {
        forward(b, batch, i);
        if (logits)
            memcpy(logits + (size_t)i * b->classes, b->logits, (size_t)b->classes * 4);
        if (batch->labels) {
            float saved[64];
            memcpy(saved, b->logits, (size_t)b->classes * 4);
            count(b, saved, batch->labels[i], loss_and_probs(b, batch->labels[i], 0.0f));
        }
    }
    return 0;
}

static int fake_read_metrics(backend *b, backend_metrics *out, err *e)
{
    *out = b->metrics;
    memset(&b->metrics, 0, sizeof b->metrics);
    return 0;
}

const backend_ops fake_backend_ops = {
    .name = "fake", .create = fake_create, .destroy = fake_destroy,
    .host_alloc = fake_host_alloc, .host_free = fake_host_free, .read = fake_read,
    .write = fake_write, .train_step = fake_train_step, .zero_grads = fake_zero_grads,
    .sgd_step = fake_sgd_step, .eval_step = fake_eval_step, .read_metrics = fake_read_metrics,
};
