/* gradcheck.c: every layer type's backward against central finite differences of the loss,
 * through the whole backend (train_step's loss and gradients), on small models that put each
 * layer kind between two parameterised layers, so its input gradient is checked too. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/unit/train_cpu/tiny_net.h"

#define BATCH 3
#define STEP 5 /* fixed: the same dropout mask in every evaluation */
#define SMOOTHING 0.1f

static double loss_of(backend *b, tiny_batch *t)
{
    err e;
    backend_metrics mt;
    cr_assert(backend_cpu_ops.zero_grads(b, &e) == 0);
    cr_assert(backend_cpu_ops.train_step(b, &t->bt, SMOOTHING, &e) == 0, "%s", e.msg);
    cr_assert(backend_cpu_ops.read_metrics(b, &mt, &e) == 0);
    return mt.loss_sum / (double)mt.images;
}

/* Checks up to 6 entries spread over [offset, offset+count) of the parameters; returns the
 * number that disagree. With fp32 logits the central difference with h = 3e-4 is off by about
 * 1e-3 of the gradient scale, and a kink (ReLU, max pooling) inside [p-h, p+h] can move it
 * more, so an entry agrees within 2% of its size plus 2e-3 of the model's largest gradient. */
static int check_range(backend *b, tiny_batch *t, float *params, const float *grads, size_t offset,
                       size_t count, double gscale, const char *what, int layer)
{
    err e;
    const float h = 3e-4f;
    int bad = 0, samples = count < 6 ? (int)count : 6;
    for (int s = 0; s < samples; s++) {
        size_t i = offset + (size_t)s * count / samples + (count > 6 ? s % 3 : 0);
        float keep = params[i];
        params[i] = keep + h;
        cr_assert(backend_cpu_ops.write(b, BUF_PARAMS, params, &e) == 0);
        double up = loss_of(b, t);
        params[i] = keep - h;
        cr_assert(backend_cpu_ops.write(b, BUF_PARAMS, params, &e) == 0);
        double down = loss_of(b, t);
        params[i] = keep;
        double fd = (up - down) / (2.0 * (double)h), an = grads[i];
        if (fabs(fd - an) > 0.02 * fmax(fabs(fd), fabs(an)) + 2e-3 * gscale) {
            bad++;
            cr_log_warn("%s: layer %d param %zu: analytic %.6g, finite difference %.6g", what,
                        layer, i - offset, an, fd);
        }
    }
    cr_assert(backend_cpu_ops.write(b, BUF_PARAMS, params, &e) == 0);
    return bad;
}

static void gradcheck(model *m, const char *what)
{
    int src = m->in_h + 4;
    backend *b = tiny_backend(m, BATCH, src, 3);
    tiny_batch t;
    tiny_batch_make(&t, b, m, BATCH, src, 5);
    t.bt.step = STEP;
    err e;
    float *params = malloc(m->num_params * sizeof *params);
    float *grads = malloc(m->num_params * sizeof *grads);
    loss_of(b, &t);
    cr_assert(backend_cpu_ops.read(b, BUF_GRADS, grads, &e) == 0);
    cr_assert(backend_cpu_ops.read(b, BUF_PARAMS, params, &e) == 0);
    double gscale = 0;
    for (size_t i = 0; i < m->num_params; i++)
        gscale = fmax(gscale, fabs(grads[i]));
    cr_assert(gscale > 0, "%s: all gradients are zero", what);
    /* A kink inside [p-h, p+h] may make one entry of a range disagree; two in one range, or
     * more than two in all, is a wrong gradient. */
    int bad = 0;
    for (int l = 0; l < m->num_layers; l++) {
        const layer_desc *L = &m->layers[l];
        if (!L->weight_count)
            continue;
        int w = check_range(b, &t, params, grads, L->weight_offset, L->weight_count, gscale,
                            what, l);
        int bi = check_range(b, &t, params, grads, L->bias_offset, L->bias_count, gscale, what,
                             l);
        cr_expect(w <= 1 && bi <= 1, "%s: layer %d: %d weights and %d biases disagree", what, l, w,
                  bi);
        bad += w + bi;
    }
    cr_expect(bad <= 2, "%s: %d entries disagree", what, bad);
    tiny_batch_free(&t, b);
    backend_cpu_ops.destroy(b);
    free(params);
    free(grads);
    model_free(m);
}

Test(gradcheck, conv_relu_pool_linear_dropout)
{
    model m;
    tiny_begin(&m, 8, 4);
    tiny_conv(&m, 16, 3, 1);
    tiny_conv(&m, 8, 3, 1);  /* 8 channels: oneDNN's other code paths */
    tiny_conv(&m, 16, 1, 1); /* 1x1, as in configuration C */
    tiny_pool(&m);
    tiny_linear(&m, 12, 1);
    tiny_dropout(&m, 0.5f);
    tiny_linear(&m, 4, 0);
    gradcheck(&m, "conv/pool/linear/dropout");
}

Test(gradcheck, lrn)
{
    model m;
    tiny_begin(&m, 8, 4);
    tiny_conv(&m, 16, 3, 1);
    tiny_lrn(&m, 5, 0.5f, 0.75f, 1.f); /* a large alpha: LRN really matters */
    tiny_conv(&m, 16, 3, 1);
    tiny_pool(&m);
    tiny_linear(&m, 4, 0);
    gradcheck(&m, "lrn");
}

Test(gradcheck, batch_norm)
{
    model m;
    tiny_begin(&m, 8, 4);
    tiny_conv(&m, 16, 3, 0);
    tiny_bn(&m, 1);
    tiny_conv(&m, 16, 3, 0);
    tiny_bn(&m, 0);
    tiny_pool(&m);
    tiny_linear(&m, 4, 0);
    gradcheck(&m, "batch norm");
}
