/* The CUDA backend's memory plan (train/cuda/plan.h), checked on the host: every buffer the
 * GPU steps use has its own place, sized for the batch, in the layouts cuDNN and torchvision
 * expect. */
#include <criterion/criterion.h>

#include "train/cuda/plan.h"

static model build(const char *arch, int size, int classes, int bn, int width_div)
{
    model_options o = {.num_classes = classes, .input_size = size, .batch_norm = bn,
                       .fc_width = 4096, .width_div = width_div, .dropout = 0.5f};
    model m;
    err e;
    cr_assert_eq(model_build(arch, &o, &m, &e), 0, "%s", e.msg);
    return m;
}

static cuda_plan plan_of(const model *m, int batch)
{
    cuda_plan p;
    err e;
    cr_assert_eq(cuda_plan_build(m, batch, &p, &e), 0, "%s", e.msg);
    return p;
}

/* Regions [off, off + len) must not overlap and must stay inside the arena. */
typedef struct region {
    size_t off, len;
} region;

static void assert_disjoint(region *r, int n, size_t arena)
{
    for (int i = 0; i < n; i++) {
        cr_assert_leq(r[i].off + r[i].len, arena, "region %d ends past the arena", i);
        cr_assert_eq(r[i].off % CUDA_PLAN_ALIGN, 0, "region %d is not aligned", i);
        for (int j = 0; j < i; j++)
            cr_assert(r[i].off >= r[j].off + r[j].len || r[j].off >= r[i].off + r[i].len,
                      "regions %d and %d overlap", j, i);
    }
}

Test(cuda_plan, pads_input_channels_to_a_multiple_of_8)
{
    cr_assert_eq(cuda_plan_pad_channels(3), 8);
    cr_assert_eq(cuda_plan_pad_channels(1), 8);
    cr_assert_eq(cuda_plan_pad_channels(8), 8);
    cr_assert_eq(cuda_plan_pad_channels(64), 64);
    cr_assert_eq(cuda_plan_pad_channels(65), 72);
}

Test(cuda_plan, gives_every_activation_its_own_place)
{
    model m = build("A-LRN", 64, 11, 0, 8);
    int n = 5;
    cuda_plan p = plan_of(&m, n);
    cr_assert_eq(p.in_c, 8);
    cr_assert_eq(p.num_classes, 11);
    region r[128];
    int k = 0;
    r[k++] = (region){p.in_offset, (size_t)n * p.in_c * p.in_h * p.in_w};
    size_t largest = 0;
    for (int i = 0; i < p.num_layers; i++) {
        const cuda_layer_plan *lp = &p.layers[i];
        const layer_desc *l = &m.layers[i];
        cr_assert_eq(lp->out_elems, (size_t)l->out_c * l->out_h * l->out_w, "layer %d", i);
        r[k++] = (region){lp->out_offset, (size_t)n * lp->out_elems};
        if (lp->flatten)
            r[k++] = (region){lp->flat_offset, (size_t)n * l->in_c * l->in_h * l->in_w};
        if (lp->out_elems > largest)
            largest = lp->out_elems;
    }
    assert_disjoint(r, k, p.act_elems);
    cr_assert_geq(p.grad_elems, (size_t)n * largest);
    cr_assert_geq(p.grad_elems, (size_t)n * p.in_c * p.in_h * p.in_w);
    cuda_plan_free(&p);
    model_free(&m);
}

Test(cuda_plan, packs_convolution_weights_for_nhwc_with_the_padded_input)
{
    model m = build("D", 224, 1000, 0, 1);
    cuda_plan p = plan_of(&m, 2);
    cr_assert_eq(m.layers[0].kind, LAYER_CONV);
    cr_assert_eq(p.layers[0].in_c, 8);
    cr_assert_eq(p.layers[0].wc_count, (size_t)64 * 3 * 3 * 8);
    region r[64];
    int k = 0;
    size_t biggest_conv = 0;
    for (int i = 0; i < p.num_layers; i++) {
        const layer_desc *l = &m.layers[i];
        const cuda_layer_plan *lp = &p.layers[i];
        if (l->kind == LAYER_CONV || l->kind == LAYER_LINEAR) {
            if (i > 0 || l->kind == LAYER_LINEAR)
                cr_assert_eq(lp->wc_count, l->weight_count, "layer %d: unpadded layers keep "
                             "their weight count", i);
            if (l->kind == LAYER_CONV && lp->wc_count > biggest_conv)
                biggest_conv = lp->wc_count;
            r[k++] = (region){lp->wc_offset, lp->wc_count};
        } else {
            cr_assert_eq(lp->wc_count, 0, "layer %d", i);
        }
    }
    assert_disjoint(r, k, p.wc_elems);
    cr_assert_eq(p.max_conv_weight, biggest_conv);
    cuda_plan_free(&p);
    model_free(&m);
}

Test(cuda_plan, flattens_to_torchvision_order_only_when_the_features_are_spatial)
{
    model m = build("A", 224, 1000, 0, 1);
    cuda_plan p = plan_of(&m, 2);
    int linear = 0;
    for (int i = 0; i < p.num_layers; i++) {
        if (m.layers[i].kind != LAYER_LINEAR)
            continue;
        cr_assert_eq(p.layers[i].flatten, linear == 0, "linear layer %d", linear);
        /* the flatten moves every feature: 512 x 7 x 7 into classifier.0 */
        const cuda_layer_plan *lp = &p.layers[i];
        cr_assert_eq((long)lp->in_c * lp->in_h * lp->in_w, m.layers[i].in_c, "linear layer %d",
                     linear);
        if (linear == 0)
            cr_assert(lp->in_c == 512 && lp->in_h == 7 && lp->in_w == 7);
        linear++;
    }
    cr_assert_eq(linear, 3);
    cuda_plan_free(&p);
    model_free(&m);

    m = build("A", 32, 10, 0, 8);      /* 1x1 after five poolings: NHWC is already NCHW */
    p = plan_of(&m, 2);
    for (int i = 0; i < p.num_layers; i++)
        cr_assert_eq(p.layers[i].flatten, 0, "layer %d", i);
    cuda_plan_free(&p);
    model_free(&m);
}

Test(cuda_plan, refuses_an_lrn_window_cudnn_places_differently)
{
    model m = build("A-LRN", 64, 10, 0, 8);
    for (int i = 0; i < m.num_layers; i++)
        if (m.layers[i].kind == LAYER_LRN)
            m.layers[i].lrn_size = 4;
    cuda_plan p;
    err e;
    cr_assert_lt(cuda_plan_build(&m, 2, &p, &e), 0);
    cr_assert(strstr(e.msg, "LRN size 4"), "%s", e.msg);
    cr_assert_null(p.layers);
    model_free(&m);
}

Test(cuda_plan, vgg_e_at_224_batch_128_in_bf16_fits_an_80_gb_gpu)
{
    model m = build("E", 224, 1000, 0, 1);
    cuda_plan p = plan_of(&m, 128);
    size_t bf16 = cuda_plan_device_bytes(&p, &m, 2), fp32 = cuda_plan_device_bytes(&p, &m, 4);
    cr_assert_lt(bf16, fp32);
    /* Activations alone: 128 images of ~15.3 M values each in VGG-E, plus twice the largest
     * as gradient buffers; parameters 143.7 M x 3 fp32. */
    cr_assert_gt(bf16, (size_t)128 * 15000000 * 2);
    cr_assert_lt(fp32, (size_t)60 << 30, "fp32 plan %zu bytes", fp32);
    cuda_plan_free(&p);
    model_free(&m);
}

Test(cuda_plan, search_workspace_is_half_the_memory_left_and_capped)
{
    size_t gib = (size_t)1 << 30;
    cr_assert_eq(cuda_plan_search_workspace(10 * gib, gib, 4 * gib), 4 * gib);
    cr_assert_eq(cuda_plan_search_workspace(3 * gib, gib, 4 * gib), gib);
    cr_assert_eq(cuda_plan_search_workspace(gib, gib, 4 * gib), 0);
    cr_assert_eq(cuda_plan_search_workspace(gib / 2, gib, 4 * gib), 0);
}
