/* Paper Table 1 as data: parameter counts (Table 2), torchvision names, LRN, BN, options. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "train/model.h"

static model build(const char *name, int classes, int bn)
{
    model_options o = {classes, 224, bn, 4096, 1, 0.5f};
    model m;
    err e = {{0}};
    cr_assert_eq(model_build(name, &o, &m, &e), 0, "%s: %s", name, e.msg);
    return m;
}

static void expect_params(const char *name, size_t want)
{
    model m = build(name, 1000, 0);
    cr_expect_eq(m.num_params, want, "%s: %zu parameters, Table 2 says %zu", name, m.num_params, want);
    model_free(&m);
}

Test(model, table2_parameter_counts)
{
    expect_params("A", 132863336);
    expect_params("A-LRN", 132863336); /* LRN has no parameters */
    expect_params("B", 133047848);
    /* C is B plus one 1x1 convolution in each of the last three blocks. */
    expect_params("C", 133047848 + (256 * 256 + 256) + 2 * (512 * 512 + 512));
    expect_params("D", 138357544);
    expect_params("E", 143667240);
}

Test(model, aliases_are_case_insensitive)
{
    const char *pairs[][2] = {{"vgg11", "A"}, {"VGG11-LRN", "A-LRN"}, {"vgg13", "B"},
                              {"vgg16c", "C"}, {"vgg16", "D"}, {"Vgg19", "E"}, {"a-lrn", "A-LRN"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        model m = build(pairs[i][0], 10, 0);
        cr_expect_str_eq(m.arch, pairs[i][1]);
        model_free(&m);
    }
}

Test(model, torchvision_indices_of_vgg11_and_vgg11_bn)
{
    /* torchvision vgg11: conv at features 0, 3, 6, 8, 11, 13, 16, 18; pools 2, 5, 10, 15, 20 */
    static const int conv_idx[] = {0, 3, 6, 8, 11, 13, 16, 18};
    /* vgg11_bn: conv 0, 4, 8, 11, 15, 18, 22, 25 with BN right after each */
    static const int conv_bn_idx[] = {0, 4, 8, 11, 15, 18, 22, 25};
    for (int bn = 0; bn < 2; bn++) {
        model m = build("vgg11", 1000, bn);
        int convs = 0, linears = 0;
        for (int i = 0; i < m.num_layers; i++) {
            const layer_desc *l = &m.layers[i];
            if (l->kind == LAYER_CONV) {
                cr_expect_eq(l->torch_index, (bn ? conv_bn_idx : conv_idx)[convs], "conv %d", convs);
                cr_expect_eq(l->in_classifier, 0);
                cr_expect_eq(l->relu, !bn);
                convs++;
            } else if (l->kind == LAYER_BN) {
                cr_expect_eq(l->torch_index, m.layers[i - 1].torch_index + 1);
                cr_expect(l->relu);
            } else if (l->kind == LAYER_LINEAR) {
                cr_expect_eq(l->torch_index, 3 * linears);
                cr_expect(l->in_classifier);
                linears++;
            }
        }
        cr_expect_eq(convs, 8);
        cr_expect_eq(linears, 3);
        const layer_desc *fc1 = &m.layers[m.num_layers - 5];
        cr_expect_eq(fc1->kind, LAYER_LINEAR);
        cr_expect_eq(fc1->in_c, 512 * 7 * 7);
        cr_expect_eq(m.layers[m.num_layers - 4].kind, LAYER_DROPOUT);
        cr_expect_eq(m.layers[m.num_layers - 4].torch_index, 2);
        cr_expect_float_eq(m.layers[m.num_layers - 4].dropout_p, 0.5f, 1e-7);
        cr_expect_eq(m.num_stats, bn ? 2 * (64 + 128 + 2 * 256 + 4 * 512) : 0);
        model_free(&m);
    }
}

Test(model, lrn_after_first_relu_with_alexnet_parameters)
{
    model m = build("A-LRN", 1000, 0);
    cr_assert_eq(m.layers[0].kind, LAYER_CONV);
    cr_assert_eq(m.layers[1].kind, LAYER_LRN);
    cr_expect(m.layers[0].relu);
    cr_expect_eq(m.layers[1].torch_index, 2); /* conv 0, ReLU 1, LRN 2, pool 3 */
    cr_expect_eq(m.layers[2].kind, LAYER_MAXPOOL);
    cr_expect_eq(m.layers[2].torch_index, 3);
    cr_expect_eq(m.layers[1].lrn_size, 5);
    cr_expect_float_eq(m.layers[1].lrn_alpha, 1e-4f, 1e-10);
    cr_expect_float_eq(m.layers[1].lrn_beta, 0.75f, 1e-7);
    cr_expect_float_eq(m.layers[1].lrn_k, 2.0f, 1e-7);
    int lrns = 0;
    for (int i = 0; i < m.num_layers; i++)
        lrns += m.layers[i].kind == LAYER_LRN;
    cr_expect_eq(lrns, 1);
    model_free(&m);
}

Test(model, c_has_three_1x1_convolutions)
{
    model m = build("C", 1000, 0);
    int ones = 0;
    for (int i = 0; i < m.num_layers; i++)
        if (m.layers[i].kind == LAYER_CONV && m.layers[i].kernel == 1)
            ones++;
    cr_expect_eq(ones, 3);
    model_free(&m);
}

Test(model, parameter_buffer_is_contiguous_and_complete)
{
    model m = build("E", 1000, 1);
    size_t next = 0;
    for (int i = 0; i < m.num_layers; i++) {
        const layer_desc *l = &m.layers[i];
        if (!l->weight_count)
            continue;
        cr_expect_eq(l->weight_offset, next);
        cr_expect_eq(l->bias_offset, next + l->weight_count);
        next = l->bias_offset + l->bias_count;
    }
    cr_expect_eq(next, m.num_params);
    model_free(&m);
}

Test(model, flops_of_vgg16_at_224)
{
    /* VGG-16 is 15.47 G multiply-adds per 224x224 image (torchvision lists 15.47 GFLOPS as MACs). */
    model m = build("D", 1000, 0);
    cr_expect(fabs(model_flops(&m) / 2e9 - 15.47) < 0.01, "%.3f G MACs", model_flops(&m) / 2e9);
    model_free(&m);
}

Test(model, small_options_shape_the_network)
{
    model_options o = {11, 64, 1, 256, 4, 0.5f};
    model m;
    err e = {{0}};
    cr_assert_eq(model_build("vgg11", &o, &m, &e), 0, "%s", e.msg);
    cr_expect_eq(m.layers[0].out_c, 16);
    const layer_desc *fc1 = &m.layers[m.num_layers - 5];
    cr_expect_eq(fc1->in_c, 128 * 2 * 2);
    cr_expect_eq(fc1->out_c, 256);
    cr_expect_eq(m.layers[m.num_layers - 1].out_c, 11);
    model_free(&m);
}

Test(model, bad_names_and_options_are_errors)
{
    model m;
    err e = {{0}};
    model_options o = {10, 224, 0, 4096, 1, 0.5f};
    cr_expect_lt(model_build("vgg12", &o, &m, &e), 0);
    cr_expect(strstr(e.msg, "unknown architecture 'vgg12'"), "%s", e.msg);
    o.input_size = 100;
    cr_expect_lt(model_build("A", &o, &m, &e), 0);
    cr_expect(strstr(e.msg, "multiple of 32"), "%s", e.msg);
    o.input_size = 224, o.width_div = 3;
    cr_expect_lt(model_build("A", &o, &m, &e), 0);
    o.width_div = 1, o.num_classes = 0;
    cr_expect_lt(model_build("A", &o, &m, &e), 0);
}
