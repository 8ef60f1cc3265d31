/* torchvision's initialisation: distributions per layer kind, seeded reproducibility. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/init.h"

static void moments(const float *v, size_t n, double *mean, double *std)
{
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i], s2 += (double)v[i] * v[i];
    *mean = s / n;
    *std = sqrt(s2 / n - *mean * *mean);
}

Test(init, torchvision_distributions)
{
    model_options o = {10, 64, 1, 512, 2, 0.5f};
    model m;
    cr_assert_eq(model_build("vgg13", &o, &m, NULL), 0);
    float *p = malloc(m.num_params * 4), *s = malloc(m.num_stats * 4);
    init_model(&m, 5, p, s);
    for (int i = 0; i < m.num_layers; i++) {
        const layer_desc *l = &m.layers[i];
        double mean, std;
        if (l->kind == LAYER_CONV) {
            moments(p + l->weight_offset, l->weight_count, &mean, &std);
            double want = sqrt(2.0 / (l->out_c * l->kernel * l->kernel));
            cr_expect(fabs(std / want - 1) < 0.1, "conv %d std %g want %g", i, std, want);
            cr_expect(fabs(mean) < 0.1 * want);
        } else if (l->kind == LAYER_LINEAR) {
            moments(p + l->weight_offset, l->weight_count, &mean, &std);
            cr_expect(fabs(std / 0.01 - 1) < 0.05, "linear %d std %g", i, std);
        } else if (l->kind == LAYER_BN) {
            for (int c = 0; c < l->out_c; c++) {
                cr_expect_eq(p[l->weight_offset + c], 1.0f);
                cr_expect_eq(s[l->stats_offset + c], 0.0f);
                cr_expect_eq(s[l->stats_offset + l->out_c + c], 1.0f);
            }
        }
        for (size_t b = 0; b < l->bias_count; b++)
            cr_expect_eq(p[l->bias_offset + b], 0.0f);
    }
    free(p), free(s);
    model_free(&m);
}

Test(init, same_seed_same_weights_other_seed_other_weights)
{
    model_options o = {10, 32, 0, 64, 16, 0.5f};
    model m;
    cr_assert_eq(model_build("A", &o, &m, NULL), 0);
    size_t n = m.num_params;
    float *a = malloc(n * 4), *b = malloc(n * 4), *c = malloc(n * 4), s[1];
    init_model(&m, 1, a, s);
    init_model(&m, 1, b, s);
    init_model(&m, 2, c, s);
    cr_expect_eq(memcmp(a, b, n * 4), 0);
    cr_expect_neq(memcmp(a, c, n * 4), 0);
    free(a), free(b), free(c);
    model_free(&m);
}
