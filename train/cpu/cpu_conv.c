/* cpu_conv.c: convolution layers (+ fused ReLU), forward and backward. */
#include <string.h>

#include "train/cpu/cpu_build.h"

static void conv_dims(const layer_desc *L, dnnl_memory_desc_t *wany,
                      dnnl_memory_desc_t *wflat, dnnl_memory_desc_t *bmd)
{
    dnnl_dims_t wd = {L->out_c, L->in_c, L->kernel, L->kernel}, bdims = {L->out_c};
    *wany = cpu_md_tag(4, wd, dnnl_format_tag_any);
    *wflat = cpu_md_tag(4, wd, dnnl_oihw);
    *bmd = cpu_md_tag(1, bdims, dnnl_a);
}

static const dnnl_dims_t ONES = {1, 1};

int cpu_conv_forward(cpu_build *bd, int l, err *e)
{
    const layer_desc *L = &bd->m->layers[l];
    dnnl_memory_desc_t wany, wflat, bmd;
    conv_dims(L, &wany, &wflat, &bmd);
    dnnl_dims_t dd = {bd->n, L->out_c, L->out_h, L->out_w}, pad = {L->kernel / 2, L->kernel / 2};
    dnnl_memory_desc_t dany = cpu_md_tag(4, dd, dnnl_format_tag_any);
    dnnl_memory_desc_t sany = cpu_md_tag(4, bd->md[l].dims, dnnl_format_tag_any);
    dnnl_convolution_desc_t cd;
    if (cpu_check(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_training,
                                                     dnnl_convolution_direct, &sany, &wany, &bmd,
                                                     &dany, ONES, pad, pad),
                  "convolution", e) < 0)
        return -1;
    dnnl_primitive_t prim;
    if (cpu_make(bd, &cd, L->relu, NULL, &bd->fwd_pd[l], &prim, "convolution", e) < 0)
        return -1;
    bd->md[l + 1] = *cpu_query(bd->fwd_pd[l], dnnl_query_dst_md);
    bd->src_md[l] = *cpu_query(bd->fwd_pd[l], dnnl_query_src_md);
    bd->src[l] = bd->act[l];
    if (!dnnl_memory_desc_equal(&bd->src_md[l], &bd->md[l]) &&
        (cpu_plan_mem(bd->p, bd->b->engine, &bd->src_md[l], NULL, &bd->src[l], e) < 0 ||
         cpu_push_reorder2(bd, &bd->md[l], &bd->src_md[l], bd->act[l], bd->src[l], e) < 0))
        return -1;
    dnnl_memory_t wflat_mem, bias;
    if (cpu_param_mem(bd, bd->b->params, L->weight_offset, &wflat, &wflat_mem, e) < 0 ||
        cpu_param_mem(bd, bd->b->params, L->bias_offset, &bmd, &bias, e) < 0 ||
        cpu_weights_as(bd, wflat_mem, &wflat, cpu_query(bd->fwd_pd[l], dnnl_query_weights_md),
                       &bd->wmem[l], e) < 0 ||
        cpu_plan_mem(bd->p, bd->b->engine, &bd->md[l + 1], NULL, &bd->act[l + 1], e) < 0)
        return -1;
    cpu_op *op = NULL;
    if (cpu_push_both(bd, prim, bd->fwd_pd[l], &op, e) < 0)
        return -1;
    cpu_op_arg(op, DNNL_ARG_SRC, bd->src[l]);
    cpu_op_arg(op, DNNL_ARG_WEIGHTS, bd->wmem[l]);
    cpu_op_arg(op, DNNL_ARG_BIAS, bias);
    cpu_op_arg(op, DNNL_ARG_DST, bd->act[l + 1]);
    cpu_copy_args(bd->p);
    return 0;
}

/* ReLU backward in place on the output gradient, from the (post-ReLU) output. */
static int relu_backward(cpu_build *bd, int l, err *e)
{
    const dnnl_memory_desc_t *md = &bd->md[l + 1];
    dnnl_eltwise_desc_t fd, bdsc;
    dnnl_primitive_desc_t fpd, bpd;
    dnnl_primitive_t prim;
    if (cpu_check(dnnl_eltwise_forward_desc_init(&fd, dnnl_forward_training,
                                                 dnnl_eltwise_relu_use_dst_for_bwd, md, 0.f, 0.f),
                  "relu", e) < 0 ||
        cpu_plan_pd(bd->p, &fpd, &fd, NULL, bd->b->engine, NULL, "relu", e) < 0 ||
        cpu_check(dnnl_eltwise_backward_desc_init(&bdsc, dnnl_eltwise_relu_use_dst_for_bwd, md, md,
                                                  0.f, 0.f),
                  "relu backward", e) < 0 ||
        cpu_make(bd, &bdsc, 0, fpd, &bpd, &prim, "relu backward", e) < 0)
        return -1;
    cpu_op *op = cpu_push_prim(&bd->p->bwd, prim, bpd);
    if (!op)
        return OOM(e);
    cpu_op_arg(op, DNNL_ARG_DST, bd->act[l + 1]);
    cpu_op_arg(op, DNNL_ARG_DIFF_DST, bd->dact[l + 1]);
    cpu_op_arg(op, DNNL_ARG_DIFF_SRC, bd->dact[l + 1]);
    return 0;
}

static const char *impl_name(const_dnnl_primitive_desc_t pd)
{
    const char *impl = "ref";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    return impl;
}

static int is_reference(const_dnnl_primitive_desc_t pd)
{
    return strncmp(impl_name(pd), "ref", 3) == 0;
}

/* oneDNN's direct (JIT) code: neither the reference nor im2col + GEMM. */
static int optimised(const_dnnl_primitive_desc_t pd)
{
    return !is_reference(pd) && strstr(impl_name(pd), "gemm") == NULL;
}

/* A weight-gradient desc for the input layout src_md with ic input channels (the bias too),
 * hinted by a forward desc of the same shape; 0 or -1. */
static int bwd_weights_pd(cpu_build *bd, int l, const dnnl_memory_desc_t *src_md, int ic,
                          const dnnl_memory_desc_t *ddst_md, dnnl_primitive_desc_t *pd, err *e)
{
    const layer_desc *L = &bd->m->layers[l];
    dnnl_dims_t wd = {L->out_c, ic, L->kernel, L->kernel}, bdims = {L->out_c};
    dnnl_dims_t pad = {L->kernel / 2, L->kernel / 2};
    dnnl_memory_desc_t wany = cpu_md_tag(4, wd, dnnl_format_tag_any);
    dnnl_memory_desc_t bmd = cpu_md_tag(1, bdims, dnnl_a);
    dnnl_convolution_desc_t fd, cd;
    dnnl_primitive_desc_t hint = bd->fwd_pd[l];
    if (ic != L->in_c &&
        (dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct,
                                            src_md, &wany, &bmd, &bd->md[l + 1], ONES, pad,
                                            pad) != dnnl_success ||
         cpu_plan_pd(bd->p, &hint, &fd, NULL, bd->b->engine, NULL, "convolution", e) < 0))
        return -1;
    dnnl_primitive_attr_t attr = cpu_attr(0);
    int rc = cpu_check(dnnl_convolution_backward_weights_desc_init(
                           &cd, dnnl_convolution_direct, src_md, &wany, &bmd, ddst_md, ONES, pad,
                           pad),
                       "convolution backward weights", e);
    if (rc == 0)
        rc = cpu_plan_pd(bd->p, pd, &cd, attr, bd->b->engine, hint,
                         "convolution backward weights", e);
    dnnl_primitive_attr_destroy(attr);
    return rc;
}

/* The weight-gradient desc, with the layouts it wants. oneDNN has only slow code (reference
 * or im2col + GEMM) for some shapes, notably 8 input channels: tensor l then usually sits in
 * nChw16c padded to 16 channels, the same bytes as a 16-channel tensor, for which it has fast
 * code; the gradient of the extra (zero) channels is dropped. Else other layouts are tried. */
static int choose_bwd_weights(cpu_build *bd, int l, dnnl_primitive_desc_t *pd, int *ic, err *e)
{
    const dnnl_memory_desc_t *md = &bd->md[l];
    dnnl_memory_desc_t blocked = cpu_md_tag(4, md->dims, dnnl_nChw16c);
    if (md->padded_dims[1] != md->dims[1] && dnnl_memory_desc_equal(md, &blocked)) {
        dnnl_dims_t d = {md->dims[0], md->padded_dims[1], md->dims[2], md->dims[3]};
        dnnl_memory_desc_t wide = cpu_md_tag(4, d, dnnl_nChw16c);
        *ic = (int)md->padded_dims[1];
        if (bwd_weights_pd(bd, l, &wide, *ic, &bd->md[l + 1], pd, e) == 0 && optimised(*pd))
            return 0;
    }
    static const dnnl_format_tag_t tags[][2] = {{dnnl_format_tag_any, dnnl_format_tag_undef},
                                                {dnnl_nchw, dnnl_nchw}};
    *ic = bd->m->layers[l].in_c;
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        dnnl_memory_desc_t smd = cpu_md_tag(4, md->dims, tags[i][0]), ddmd = bd->md[l + 1];
        if (tags[i][1] != dnnl_format_tag_undef)
            ddmd = cpu_md_tag(4, bd->md[l + 1].dims, tags[i][1]);
        if (bwd_weights_pd(bd, l, &smd, *ic, &ddmd, pd, e) == 0 &&
            !is_reference(*pd))
            return 0;
    }
    return *pd ? 0 : -1;    /* the reference code, if nothing better */
}

/* The weight and bias gradients, written or added (cpu_internal.h) into the flat buffer. */
static int conv_backward_weights(cpu_build *bd, int l, err *e)
{
    const layer_desc *L = &bd->m->layers[l];
    dnnl_memory_desc_t wany, wflat, bmd;
    conv_dims(L, &wany, &wflat, &bmd);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t prim;
    int ic;
    if (choose_bwd_weights(bd, l, &pd, &ic, e) < 0 || cpu_plan_prim(bd->p, pd, &prim, e) < 0)
        return -1;
    dnnl_memory_t dw, dw_used, db, gflat, src, ddst = bd->dact[l + 1];
    const dnnl_memory_desc_t *dwmd = cpu_query(pd, dnnl_query_diff_weights_md);
    const dnnl_memory_desc_t *ddmd = cpu_query(pd, dnnl_query_diff_dst_md);
    const dnnl_memory_desc_t *smd = cpu_query(pd, dnnl_query_src_md);
    if (!dnnl_memory_desc_equal(ddmd, &bd->md[l + 1]) &&
        (cpu_plan_mem(bd->p, bd->b->engine, ddmd, NULL, &ddst, e) < 0 ||
         cpu_push_reorder(bd, &bd->p->bwd, &bd->md[l + 1], ddmd, bd->dact[l + 1], ddst, e) < 0))
        return -1;
    if (ic != L->in_c) { /* the padded tensor's bytes, seen with 16 channels */
        if (cpu_plan_mem(bd->p, bd->b->engine, smd, cpu_mem_data(bd->act[l]), &src, e) < 0)
            return -1;
    } else if (cpu_tensor_as(bd, l, smd, &src, e) < 0) {
        return -1;
    }
    /* The gradient's first in_c input channels, as the flat buffer holds them. */
    dnnl_dims_t used = {L->out_c, L->in_c, L->kernel, L->kernel}, at = {0, 0, 0, 0};
    dnnl_memory_desc_t dw_used_md;
    if (cpu_check(dnnl_memory_desc_init_submemory(&dw_used_md, dwmd, used, at), "submemory",
                  e) < 0 ||
        cpu_plan_mem(bd->p, bd->b->engine, dwmd, NULL, &dw, e) < 0 ||
        cpu_plan_mem(bd->p, bd->b->engine, &dw_used_md, cpu_mem_data(dw), &dw_used, e) < 0 ||
        cpu_plan_mem(bd->p, bd->b->engine, &bmd, NULL, &db, e) < 0 ||
        cpu_param_mem(bd, bd->b->grads, L->weight_offset, &wflat, &gflat, e) < 0)
        return -1;
    bd->p->lay[l].dbias = cpu_mem_data(db);
    cpu_op *op = cpu_push_prim(&bd->p->bwd, prim, pd);
    if (!op)
        return OOM(e);
    cpu_op_arg(op, DNNL_ARG_SRC, src);
    cpu_op_arg(op, DNNL_ARG_DIFF_DST, ddst);
    cpu_op_arg(op, DNNL_ARG_DIFF_WEIGHTS, dw);
    cpu_op_arg(op, DNNL_ARG_DIFF_BIAS, db);

    /* The weight gradient into the flat buffer: written after zero_grads, else added. */
    dnnl_primitive_t add, write;
    const dnnl_memory_desc_t *smd_add, *smd_write;
    if (cpu_plan_reorder(bd->p, bd->b->engine, &dw_used_md, &wflat, 1, &add, &smd_add, e) < 0 ||
        cpu_plan_reorder(bd->p, bd->b->engine, &dw_used_md, &wflat, 0, &write, &smd_write, e) < 0)
        return -1;
    if (!(op = cpu_prog_push(&bd->p->bwd)) || !cpu_push_fn(&bd->p->bwd, cpu_accumulate_fn, l))
        return OOM(e);
    op = &bd->p->bwd.ops[bd->p->bwd.n - 2];
    op->prim = add;
    op->prim_write = write;
    op->scratch_md = dnnl_memory_desc_get_size(smd_add) >= dnnl_memory_desc_get_size(smd_write)
                         ? smd_add
                         : smd_write;
    cpu_op_arg(op, DNNL_ARG_FROM, dw_used);
    cpu_op_arg(op, DNNL_ARG_TO, gflat);
    return 0;
}

/* The input gradient, in tensor l's layout. */
static int conv_backward_data(cpu_build *bd, int l, err *e)
{
    const layer_desc *L = &bd->m->layers[l];
    dnnl_memory_desc_t wany, wflat, bmd;
    conv_dims(L, &wany, &wflat, &bmd);
    dnnl_dims_t pad = {L->kernel / 2, L->kernel / 2};
    dnnl_memory_desc_t sany = cpu_md_tag(4, bd->md[l].dims, dnnl_format_tag_any);
    dnnl_convolution_desc_t cd;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t prim;
    if (cpu_check(dnnl_convolution_backward_data_desc_init(&cd, dnnl_convolution_direct, &sany,
                                                           &wany, &bd->md[l + 1], ONES, pad, pad),
                  "convolution backward data", e) < 0 ||
        cpu_make(bd, &cd, 0, bd->fwd_pd[l], &pd, &prim, "convolution backward data", e) < 0)
        return -1;
    const dnnl_memory_desc_t *bwmd = cpu_query(pd, dnnl_query_weights_md);
    dnnl_memory_t w = bd->wmem[l];
    if (!dnnl_memory_desc_equal(bwmd, cpu_query(bd->fwd_pd[l], dnnl_query_weights_md))) {
        dnnl_memory_t wflat_mem;
        if (cpu_param_mem(bd, bd->b->params, L->weight_offset, &wflat, &wflat_mem, e) < 0 ||
            cpu_weights_as(bd, wflat_mem, &wflat, bwmd, &w, e) < 0)
            return -1;
    }
    cpu_op *op = cpu_push_prim(&bd->p->bwd, prim, pd);
    if (!op)
        return OOM(e);
    cpu_op_arg(op, DNNL_ARG_DIFF_DST, bd->dact[l + 1]);
    cpu_op_arg(op, DNNL_ARG_WEIGHTS, w);
    const dnnl_memory_desc_t *dsmd = cpu_query(pd, dnnl_query_diff_src_md);
    if (dnnl_memory_desc_equal(dsmd, &bd->md[l])) {
        cpu_op_arg(op, DNNL_ARG_DIFF_SRC, bd->dact[l]);
        return 0;
    }
    dnnl_memory_t dsrc;
    if (cpu_plan_mem(bd->p, bd->b->engine, dsmd, NULL, &dsrc, e) < 0)
        return -1;
    cpu_op_arg(op, DNNL_ARG_DIFF_SRC, dsrc);
    return cpu_push_reorder(bd, &bd->p->bwd, dsmd, &bd->md[l], dsrc, bd->dact[l], e);
}

int cpu_conv_backward(cpu_build *bd, int l, err *e)
{
    if (bd->m->layers[l].relu && relu_backward(bd, l, e) < 0)
        return -1;
    if (conv_backward_weights(bd, l, e) < 0)
        return -1;
    return l == 0 ? 0 : conv_backward_data(bd, l, e); /* no gradient for the input images */
}
