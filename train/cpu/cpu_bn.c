/* cpu_bn.c: batch normalisation layers (+ fused ReLU), forward and backward. */
#include "train/cpu/cpu_build.h"

static unsigned bn_flags(const layer_desc *L)
{
    return dnnl_use_scale | dnnl_use_shift | (L->relu ? dnnl_fuse_norm_relu : 0);
}

/* running = (1-m) running + m batch; the running variance is unbiased (PyTorch). */
static int bn_stats_fn(backend *b, cpu_plan *p, int l, err *e)
{
    const layer_desc *L = &b->m->layers[l];
    float *rmean = b->stats + L->stats_offset, *rvar = rmean + L->out_c;
    double count = (double)p->n * L->out_h * L->out_w;
    float unbias = count > 1 ? (float)(count / (count - 1)) : 1.f, mo = L->bn_momentum;
    for (int c = 0; c < L->out_c; c++) {
        rmean[c] = (1.f - mo) * rmean[c] + mo * p->lay[l].mean[c];
        rvar[c] = (1.f - mo) * rvar[c] + mo * p->lay[l].var[c] * unbias;
    }
    return 0;
}

int cpu_bn_forward(cpu_build *bd, int l, err *e)
{
    const layer_desc *L = &bd->m->layers[l];
    dnnl_dims_t cd = {L->out_c};
    dnnl_memory_desc_t cmd = cpu_md_tag(1, cd, dnnl_a);
    dnnl_batch_normalization_desc_t d;
    dnnl_primitive_t prim, eval_prim;
    dnnl_primitive_desc_t eval_pd;
    if (cpu_check(dnnl_batch_normalization_forward_desc_init(&d, dnnl_forward_training, &bd->md[l],
                                                             L->bn_eps, bn_flags(L)),
                  "batch norm", e) < 0 ||
        cpu_make(bd, &d, 0, NULL, &bd->fwd_pd[l], &prim, "batch norm", e) < 0 ||
        cpu_check(dnnl_batch_normalization_forward_desc_init(&d, dnnl_forward_inference, &bd->md[l],
                                                             L->bn_eps,
                                                             bn_flags(L) | dnnl_use_global_stats),
                  "batch norm", e) < 0 ||
        cpu_make(bd, &d, 0, NULL, &eval_pd, &eval_prim, "batch norm", e) < 0)
        return -1;
    bd->md[l + 1] = *cpu_query(bd->fwd_pd[l], dnnl_query_dst_md);
    dnnl_memory_t scale, shift, mean, var, rmean, rvar;
    backend *b = bd->b;
    if (cpu_plan_mem(bd->p, b->engine, &bd->md[l + 1], NULL, &bd->act[l + 1], e) < 0 ||
        cpu_param_mem(bd, b->params, L->weight_offset, &cmd, &scale, e) < 0 ||
        cpu_param_mem(bd, b->params, L->bias_offset, &cmd, &shift, e) < 0 ||
        cpu_param_mem(bd, b->stats, L->stats_offset, &cmd, &rmean, e) < 0 ||
        cpu_param_mem(bd, b->stats, L->stats_offset + L->out_c, &cmd, &rvar, e) < 0 ||
        cpu_plan_mem(bd->p, b->engine, &cmd, NULL, &mean, e) < 0 ||
        cpu_plan_mem(bd->p, b->engine, &cmd, NULL, &var, e) < 0)
        return -1;
    bd->p->lay[l].mean = cpu_mem_data(mean);
    bd->p->lay[l].var = cpu_mem_data(var);
    if (L->relu && cpu_plan_mem(bd->p, b->engine, cpu_query(bd->fwd_pd[l], dnnl_query_workspace_md),
                                NULL, &bd->ws[l], e) < 0)
        return -1;
    cpu_op *op = cpu_push_prim(&bd->p->fwd_train, prim, bd->fwd_pd[l]);
    cpu_op *ev = cpu_push_prim(&bd->p->fwd_eval, eval_prim, eval_pd);
    if (!op || !ev)
        return OOM(e);
    cpu_op_arg(op, DNNL_ARG_SRC, bd->act[l]);
    cpu_op_arg(op, DNNL_ARG_DST, bd->act[l + 1]);
    cpu_op_arg(op, DNNL_ARG_SCALE, scale);
    cpu_op_arg(op, DNNL_ARG_SHIFT, shift);
    cpu_op_arg(op, DNNL_ARG_MEAN, mean);
    cpu_op_arg(op, DNNL_ARG_VARIANCE, var);
    if (L->relu)
        cpu_op_arg(op, DNNL_ARG_WORKSPACE, bd->ws[l]);
    cpu_op_arg(ev, DNNL_ARG_SRC, bd->act[l]);
    cpu_op_arg(ev, DNNL_ARG_DST, bd->act[l + 1]);
    cpu_op_arg(ev, DNNL_ARG_SCALE, scale);
    cpu_op_arg(ev, DNNL_ARG_SHIFT, shift);
    cpu_op_arg(ev, DNNL_ARG_MEAN, rmean);
    cpu_op_arg(ev, DNNL_ARG_VARIANCE, rvar);
    return cpu_push_fn(&bd->p->fwd_train, bn_stats_fn, l) ? 0 : OOM(e);
}

int cpu_bn_backward(cpu_build *bd, int l, err *e)
{
    const layer_desc *L = &bd->m->layers[l];
    dnnl_dims_t cd = {L->out_c};
    dnnl_memory_desc_t cmd = cpu_md_tag(1, cd, dnnl_a);
    dnnl_batch_normalization_desc_t d;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t prim;
    dnnl_memory_t scale, shift, mean, var, dscale, dshift;
    backend *b = bd->b;
    if (cpu_check(dnnl_batch_normalization_backward_desc_init(&d, dnnl_backward, &bd->md[l + 1],
                                                              &bd->md[l], L->bn_eps, bn_flags(L)),
                  "batch norm backward", e) < 0 ||
        cpu_make(bd, &d, 0, bd->fwd_pd[l], &pd, &prim, "batch norm backward", e) < 0 ||
        cpu_param_mem(bd, b->params, L->weight_offset, &cmd, &scale, e) < 0 ||
        cpu_param_mem(bd, b->params, L->bias_offset, &cmd, &shift, e) < 0 ||
        cpu_param_mem(bd, bd->p->lay[l].mean, 0, &cmd, &mean, e) < 0 ||
        cpu_param_mem(bd, bd->p->lay[l].var, 0, &cmd, &var, e) < 0 ||
        cpu_plan_mem(bd->p, b->engine, &cmd, NULL, &dscale, e) < 0 ||
        cpu_plan_mem(bd->p, b->engine, &cmd, NULL, &dshift, e) < 0)
        return -1;
    bd->p->lay[l].dscale = cpu_mem_data(dscale);
    bd->p->lay[l].dbias = cpu_mem_data(dshift);
    cpu_op *op = cpu_push_prim(&bd->p->bwd, prim, pd);
    if (!op || !cpu_push_fn(&bd->p->bwd, cpu_accumulate_fn, l))
        return OOM(e);
    op = &bd->p->bwd.ops[bd->p->bwd.n - 2];
    cpu_op_arg(op, DNNL_ARG_SRC, bd->act[l]);
    cpu_op_arg(op, DNNL_ARG_MEAN, mean);
    cpu_op_arg(op, DNNL_ARG_VARIANCE, var);
    cpu_op_arg(op, DNNL_ARG_DIFF_DST, bd->dact[l + 1]);
    cpu_op_arg(op, DNNL_ARG_SCALE, scale);
    cpu_op_arg(op, DNNL_ARG_SHIFT, shift); /* oneDNN counts it as an input with use_shift */
    if (L->relu)
        cpu_op_arg(op, DNNL_ARG_WORKSPACE, bd->ws[l]);
    cpu_op_arg(op, DNNL_ARG_DIFF_SRC, bd->dact[l]);
    cpu_op_arg(op, DNNL_ARG_DIFF_SCALE, dscale);
    cpu_op_arg(op, DNNL_ARG_DIFF_SHIFT, dshift);
    return 0;
}
