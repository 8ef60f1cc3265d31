/* kernels.c: the loss, the optimizer and LRN against their definitions (PyTorch's
 * CrossEntropyLoss with label_smoothing, torch.optim.SGD, nn.LocalResponseNorm). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/train_cpu/tiny_net.h"
#include "train/cpu/cpu_kernels.h"
#include "train/dropout_mask.h"

Test(kernels, softmax_cross_entropy_with_label_smoothing)
{
    const float z[2][4] = {{1.f, 2.f, 0.5f, -1.f}, {1000.f, 999.f, 0.f, 998.f}};
    const int32_t labels[2] = {1, 1};
    const float eps = 0.2f;
    float grad[8];
    backend_metrics m = {0};
    cpu_softmax_xent(&z[0][0], 2, 4, labels, eps, grad, &m);
    double want = 0;
    for (int i = 0; i < 2; i++) {
        double mx = -INFINITY, s = 0;
        for (int j = 0; j < 4; j++)
            mx = fmax(mx, z[i][j]);
        for (int j = 0; j < 4; j++)
            s += exp(z[i][j] - mx);
        double lse = mx + log(s);
        for (int j = 0; j < 4; j++) {
            double target = (j == labels[i] ? 1 - eps : 0) + eps / 4;
            want += -target * (z[i][j] - lse);
            double g = (exp(z[i][j] - lse) - target) / 2;
            cr_expect(fabs(grad[i * 4 + j] - g) < 1e-6, "grad[%d][%d] %g, want %g", i, j,
                      grad[i * 4 + j], g);
        }
    }
    cr_expect(fabs(m.loss_sum - want) < 1e-5, "loss %g, want %g (large logits stay finite)",
              m.loss_sum, want);
    cr_expect_eq(m.images, 2);
    cr_expect_eq(m.correct_top1, 1); /* image 1: class 1 is only second */
    cr_expect_eq(m.correct_top5, 2);
    cr_expect_eq(m.nonfinite, 0);
}

Test(kernels, top5_counts_classes_scoring_above_the_label)
{
    const float z[7] = {7, 6, 5, 4, 3, 2, 1};
    backend_metrics m = {0};
    for (int32_t label = 0; label < 7; label++)
        cpu_softmax_xent(z, 1, 7, &label, 0.f, NULL, &m);
    cr_expect_eq(m.correct_top1, 1);
    cr_expect_eq(m.correct_top5, 5);
}

Test(kernels, sgd_is_torch_optim_sgd)
{
    /* torch.optim.SGD: g = grad + wd p; buf = mu buf + g; p -= lr (nesterov ? g + mu buf : buf) */
    for (int nesterov = 0; nesterov <= 1; nesterov++) {
        float p[2] = {1.f, -2.f}, buf[2] = {0, 0};
        const float grad[2] = {0.5f, 0.25f};
        double rp[2] = {1, -2}, rb[2] = {0, 0};
        for (int step = 0; step < 3; step++) {
            cpu_sgd_update(p, grad, buf, 2, 0.1f, 0.9f, 0.01f, nesterov, 0.5f);
            for (int i = 0; i < 2; i++) {
                double g = grad[i] * 0.5 + 0.01 * rp[i];
                rb[i] = 0.9 * rb[i] + g;
                rp[i] -= 0.1 * (nesterov ? g + 0.9 * rb[i] : rb[i]);
                cr_expect(fabs(p[i] - rp[i]) < 1e-6, "nesterov %d step %d: %g vs %g", nesterov,
                          step, p[i], rp[i]);
            }
        }
    }
}

Test(kernels, weight_decay_can_skip_biases_and_bn)
{
    model m;
    tiny_begin(&m, 4, 3);
    tiny_conv(&m, 4, 3, 0);
    tiny_bn(&m, 1);
    tiny_linear(&m, 3, 0);
    backend *b = tiny_backend(&m, 1, 4, 1);
    err e;
    float *p0 = malloc(m.num_params * 4), *p1 = malloc(m.num_params * 4);
    cr_assert(backend_cpu_ops.read(b, BUF_PARAMS, p0, &e) == 0);
    cr_assert(backend_cpu_ops.zero_grads(b, &e) == 0);
    sgd_params sp = {.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.5f, .grad_scale = 1.f};
    cr_assert(backend_cpu_ops.sgd_step(b, &sp, &e) == 0); /* zero gradients: decay only */
    cr_assert(backend_cpu_ops.read(b, BUF_PARAMS, p1, &e) == 0);
    for (int l = 0; l < m.num_layers; l++) {
        const layer_desc *L = &m.layers[l];
        for (size_t i = 0; i < L->weight_count; i++) {
            float want = L->kind == LAYER_BN ? p0[L->weight_offset + i]
                                             : p0[L->weight_offset + i] * (1.f - 0.05f);
            cr_expect(fabsf(p1[L->weight_offset + i] - want) < 1e-6);
        }
        for (size_t i = 0; i < L->bias_count; i++)
            cr_expect(p1[L->bias_offset + i] == p0[L->bias_offset + i]);
    }
    backend_cpu_ops.destroy(b);
    free(p0), free(p1);
    model_free(&m);
}

/* nn.LocalResponseNorm(size, alpha, beta, k) on NCHW x, window zero-padded at the edges. */
static double lrn_ref(const float *x, int c, int hw, int ch, int i, int size, double alpha,
                      double beta, double k)
{
    double s = 0;
    for (int j = ch - size / 2; j <= ch + (size - 1) / 2; j++)
        if (j >= 0 && j < c)
            s += (double)x[j * hw + i] * x[j * hw + i];
    return x[ch * hw + i] / pow(k + alpha / size * s, beta);
}

Test(kernels, lrn_is_pytorch_local_response_norm)
{
    /* LRN on the input itself, then an identity linear layer: the logits are the LRN output. */
    model m;
    tiny_begin(&m, 2, 12);
    tiny_lrn(&m, 5, 2.f, 0.75f, 1.f);
    tiny_linear(&m, 12, 0);
    backend *b = tiny_backend(&m, 1, 2, 1);
    float *p = calloc(m.num_params, sizeof *p);
    const layer_desc *lin = &m.layers[1];
    for (int i = 0; i < 12; i++)
        p[lin->weight_offset + i * 12 + i] = 1.f;
    err e;
    cr_assert(backend_cpu_ops.write(b, BUF_PARAMS, p, &e) == 0);
    tiny_batch t;
    tiny_batch_make(&t, b, &m, 1, 2, 9);
    float logits[12], x[12];
    cr_assert(backend_cpu_ops.eval_step(b, &t.bt, logits, &e) == 0, "%s", e.msg);
    for (int c = 0; c < 3; c++) /* the normalised input, NCHW */
        for (int i = 0; i < 4; i++)
            x[c * 4 + i] = (t.pixels[i * 3 + c] - 128.f) / 64.f;
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 4; i++) {
            double want = lrn_ref(x, 3, 4, c, i, 5, 2.0, 0.75, 1.0);
            cr_expect(fabs(logits[c * 4 + i] - want) < 1e-5 * fmax(1, fabs(want)),
                      "channel %d pixel %d: %g, want %g", c, i, logits[c * 4 + i], want);
        }
    tiny_batch_free(&t, b);
    backend_cpu_ops.destroy(b);
    free(p);
    model_free(&m);
}

Test(kernels, dropout_keeps_1_minus_p_scaled_by_its_inverse)
{
    enum { COUNT = 100000 };
    float *x = malloc(COUNT * sizeof *x), *y = malloc(COUNT * sizeof *y);
    for (int i = 0; i < COUNT; i++)
        x[i] = 1.f + (float)(i % 7);
    cpu_dropout_forward(y, x, COUNT, 0.3f, 42, 9, 2);
    int kept = 0;
    for (int i = 0; i < COUNT; i++) {
        int keep = dropout_keep(42, 9, 2, (uint64_t)i, 0.3f);
        kept += keep;
        cr_assert(y[i] == (keep ? x[i] * (1.f / (1.f - 0.3f)) : 0.f), "element %d", i);
    }
    /* 70000 kept on average, standard deviation about 145 */
    cr_expect(abs(kept - 70000) < 1000, "%d kept", kept);
    cpu_dropout_backward(y, x, COUNT, 0.f, 42, 9, 2);
    cr_expect(memcmp(x, y, COUNT * sizeof *x) == 0, "p = 0 is the identity");
    free(x), free(y);
}
