/* cpu_build.c: helpers shared by the layer builders (cpu_conv.c, cpu_pool_lrn.c, cpu_bn.c,
 * cpu_classifier.c): layouts, primitives, reorders and ops of the plan being built. */
#include <string.h>

#include "train/cpu/cpu_build.h"
#include "train/cpu/cpu_kernels.h"

const dnnl_memory_desc_t *cpu_query(const_dnnl_primitive_desc_t pd, dnnl_query_t what)
{
    return dnnl_primitive_desc_query_md(pd, what, 0);
}

dnnl_memory_desc_t cpu_md_tag(int ndims, const dnnl_dims_t dims, dnnl_format_tag_t tag)
{
    dnnl_memory_desc_t md;
    dnnl_memory_desc_init_by_tag(&md, ndims, dims, dnnl_f32, tag);
    return md;
}

/* A primitive from an op desc, owned by the plan. */
int cpu_make(cpu_build *bd, const_dnnl_op_desc_t desc, int relu, const_dnnl_primitive_desc_t hint,
             dnnl_primitive_desc_t *pd, dnnl_primitive_t *prim, const char *what, err *e)
{
    dnnl_primitive_attr_t attr = cpu_attr(relu);
    if (!attr)
        return OOM(e);
    int rc = cpu_plan_pd(bd->p, pd, desc, attr, bd->b->engine, hint, what, e);
    dnnl_primitive_attr_destroy(attr);
    if (rc < 0)
        return -1;
    return cpu_plan_prim(bd->p, *pd, prim, e);
}

/* The same op in both forward programs (layers that behave alike in training and eval). */
int cpu_push_both(cpu_build *bd, dnnl_primitive_t prim, const_dnnl_primitive_desc_t pd,
                  cpu_op **train, err *e)
{
    cpu_op *t = cpu_push_prim(&bd->p->fwd_train, prim, pd);
    cpu_op *v = cpu_push_prim(&bd->p->fwd_eval, prim, pd);
    if (!t || !v)
        return OOM(e);
    *train = t;
    return 0;
}

/* Gives the last eval op the arguments bound to the last training op. */
void cpu_copy_args(cpu_plan *p)
{
    cpu_op *from = &p->fwd_train.ops[p->fwd_train.n - 1], *to = &p->fwd_eval.ops[p->fwd_eval.n - 1];
    memcpy(to->args, from->args, sizeof from->args);
    to->nargs = from->nargs;
}

/* A reorder op from -> to in program g. */
int cpu_push_reorder(cpu_build *bd, cpu_prog *g, const dnnl_memory_desc_t *from_md,
                     const dnnl_memory_desc_t *to_md, dnnl_memory_t from, dnnl_memory_t to, err *e)
{
    dnnl_primitive_t r;
    const dnnl_memory_desc_t *smd;
    if (cpu_plan_reorder(bd->p, bd->b->engine, from_md, to_md, 0, &r, &smd, e) < 0)
        return -1;
    cpu_op *op = cpu_prog_push(g);
    if (!op)
        return OOM(e);
    op->prim = r;
    op->scratch_md = smd;
    cpu_op_arg(op, DNNL_ARG_FROM, from);
    cpu_op_arg(op, DNNL_ARG_TO, to);
    return 0;
}

/* The same reorder in both forward programs. */
int cpu_push_reorder2(cpu_build *bd, const dnnl_memory_desc_t *from_md,
                      const dnnl_memory_desc_t *to_md, dnnl_memory_t from, dnnl_memory_t to, err *e)
{
    if (cpu_push_reorder(bd, &bd->p->fwd_train, from_md, to_md, from, to, e) < 0)
        return -1;
    return cpu_push_reorder(bd, &bd->p->fwd_eval, from_md, to_md, from, to, e);
}

/* A tensor in the layout `want`, reordered from the flat parameter memory `flat` by the
 * weights program when the layouts differ. */
int cpu_weights_as(cpu_build *bd, dnnl_memory_t flat, const dnnl_memory_desc_t *flat_md,
                   const dnnl_memory_desc_t *want, dnnl_memory_t *out, err *e)
{
    if (dnnl_memory_desc_equal(flat_md, want)) {
        *out = flat;
        return 0;
    }
    if (cpu_plan_mem(bd->p, bd->b->engine, want, NULL, out, e) < 0)
        return -1;
    return cpu_push_reorder(bd, &bd->p->weights, flat_md, want, flat, *out, e);
}

/* Tensor l in the layout `want` for a backward primitive: the tensor itself, the forward's
 * reordered copy, or a copy reordered in the backward program. */
int cpu_tensor_as(cpu_build *bd, int l, const dnnl_memory_desc_t *want, dnnl_memory_t *out, err *e)
{
    if (dnnl_memory_desc_equal(want, &bd->md[l]))
        *out = bd->act[l];
    else if (dnnl_memory_desc_equal(want, &bd->src_md[l]))
        *out = bd->src[l];
    else if (cpu_plan_mem(bd->p, bd->b->engine, want, NULL, out, e) < 0 ||
             cpu_push_reorder(bd, &bd->p->bwd, &bd->md[l], want, bd->act[l], *out, e) < 0)
        return -1;
    return 0;
}

int cpu_param_mem(cpu_build *bd, float *base, size_t offset, const dnnl_memory_desc_t *md,
                  dnnl_memory_t *mem, err *e)
{
    return cpu_plan_mem(bd->p, bd->b->engine, md, base + offset, mem, e);
}

int cpu_accumulate_fn(backend *b, cpu_plan *p, int l, err *e)
{
    const layer_desc *L = &b->m->layers[l];
    int acc = !b->grads_zero;
    cpu_accumulate(b->grads + L->bias_offset, p->lay[l].dbias, L->bias_count, acc);
    if (L->kind == LAYER_BN)
        cpu_accumulate(b->grads + L->weight_offset, p->lay[l].dscale, L->weight_count, acc);
    return 0;
}

int cpu_forward_with_workspace(cpu_build *bd, int l, dnnl_primitive_t prim, err *e)
{
    bd->md[l + 1] = *cpu_query(bd->fwd_pd[l], dnnl_query_dst_md);
    cpu_op *op = NULL;
    if (cpu_plan_mem(bd->p, bd->b->engine, &bd->md[l + 1], NULL, &bd->act[l + 1], e) < 0 ||
        cpu_plan_mem(bd->p, bd->b->engine, cpu_query(bd->fwd_pd[l], dnnl_query_workspace_md), NULL,
                     &bd->ws[l], e) < 0 ||
        cpu_push_both(bd, prim, bd->fwd_pd[l], &op, e) < 0)
        return -1;
    cpu_op_arg(op, DNNL_ARG_SRC, bd->act[l]);
    cpu_op_arg(op, DNNL_ARG_DST, bd->act[l + 1]);
    cpu_op_arg(op, DNNL_ARG_WORKSPACE, bd->ws[l]);
    cpu_copy_args(bd->p);
    return 0;
}

/* Their backward: from the output gradient and the workspace (LRN: and the input). */
int cpu_backward_with_workspace(cpu_build *bd, int l, dnnl_primitive_t prim,
                                dnnl_primitive_desc_t pd, int needs_src, err *e)
{
    cpu_op *op = cpu_push_prim(&bd->p->bwd, prim, pd);
    if (!op)
        return OOM(e);
    if (needs_src)
        cpu_op_arg(op, DNNL_ARG_SRC, bd->act[l]);
    cpu_op_arg(op, DNNL_ARG_DIFF_DST, bd->dact[l + 1]);
    cpu_op_arg(op, DNNL_ARG_WORKSPACE, bd->ws[l]);
    cpu_op_arg(op, DNNL_ARG_DIFF_SRC, bd->dact[l]);
    return 0;
}
