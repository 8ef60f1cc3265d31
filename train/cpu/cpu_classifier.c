/* cpu_classifier.c: the linear (+ ReLU) and dropout layers, on plain [n][features]
 * tensors, run by the C kernels of cpu_linear.c and cpu_dropout.c. */
#include <string.h>

#include "train/cpu/cpu_build.h"
#include "train/cpu/cpu_kernels.h"

static int linear_fwd_fn(backend *b, cpu_plan *p, int l, err *e)
{
    const layer_desc *L = &b->m->layers[l];
    const cpu_layer *c = &p->lay[l];
    int in = L->in_c * L->in_h * L->in_w;
    return cpu_check(cpu_linear_forward(c->y, c->x, b->params + L->weight_offset,
                                        b->params + L->bias_offset, p->n, in, L->out_c, L->relu),
                     "linear", e);
}

static int linear_bwd_fn(backend *b, cpu_plan *p, int l, err *e)
{
    const layer_desc *L = &b->m->layers[l];
    const cpu_layer *c = &p->lay[l];
    int in = L->in_c * L->in_h * L->in_w;
    return cpu_check(cpu_linear_backward(l ? c->dx : NULL, b->grads + L->weight_offset,
                                         b->grads + L->bias_offset, c->dy, c->x, c->y,
                                         b->params + L->weight_offset, p->n, in, L->out_c, L->relu,
                                         !b->grads_zero),
                     "linear backward", e);
}

/* A linear layer reads its input as plain [n][C*H*W] (NCHW order): a blocked feature map is
 * reordered into `flat` first, and its gradient back from `dflat`. */
int cpu_linear_layer_forward(cpu_build *bd, int l, err *e)
{
    const layer_desc *L = &bd->m->layers[l];
    dnnl_dims_t od = {bd->n, L->out_c};
    bd->md[l + 1] = cpu_md_tag(2, od, dnnl_ab);
    if (cpu_plan_mem(bd->p, bd->b->engine, &bd->md[l + 1], NULL, &bd->act[l + 1], e) < 0)
        return -1;
    cpu_layer *c = &bd->p->lay[l];
    c->x = cpu_mem_data(bd->act[l]);
    c->y = cpu_mem_data(bd->act[l + 1]);
    if (bd->md[l].ndims == 4) {
        dnnl_memory_desc_t plain = cpu_md_tag(4, bd->md[l].dims, dnnl_nchw);
        if (!dnnl_memory_desc_equal(&plain, &bd->md[l])) {
            dnnl_memory_t flat;
            if (cpu_plan_mem(bd->p, bd->b->engine, &plain, NULL, &flat, e) < 0 ||
                cpu_push_reorder2(bd, &bd->md[l], &plain, bd->act[l], flat, e) < 0)
                return -1;
            c->x = cpu_mem_data(flat);
        }
    }
    if (!cpu_push_fn(&bd->p->fwd_train, linear_fwd_fn, l) ||
        !cpu_push_fn(&bd->p->fwd_eval, linear_fwd_fn, l))
        return OOM(e);
    return 0;
}

int cpu_linear_layer_backward(cpu_build *bd, int l, err *e)
{
    cpu_layer *c = &bd->p->lay[l];
    c->dy = cpu_mem_data(bd->dact[l + 1]);
    c->dx = cpu_mem_data(bd->dact[l]);
    if (!cpu_push_fn(&bd->p->bwd, linear_bwd_fn, l))
        return OOM(e);
    if (c->x == cpu_mem_data(bd->act[l]) || l == 0)
        return 0;
    dnnl_memory_desc_t plain = cpu_md_tag(4, bd->md[l].dims, dnnl_nchw);
    dnnl_memory_t dflat;
    if (cpu_plan_mem(bd->p, bd->b->engine, &plain, NULL, &dflat, e) < 0)
        return -1;
    c->dx = cpu_mem_data(dflat);
    return cpu_push_reorder(bd, &bd->p->bwd, &plain, &bd->md[l], dflat, bd->dact[l], e);
}

static size_t features(const layer_desc *L)
{
    return (size_t)L->out_c * L->out_h * L->out_w;
}

static int dropout_train_fn(backend *b, cpu_plan *p, int l, err *e)
{
    const layer_desc *L = &b->m->layers[l];
    cpu_dropout_forward(p->lay[l].y, p->lay[l].x, p->n * features(L), L->dropout_p, b->cfg.seed,
                        b->batch->step, (uint32_t)l);
    return 0;
}

static int dropout_eval_fn(backend *b, cpu_plan *p, int l, err *e)
{
    memcpy(p->lay[l].y, p->lay[l].x, p->n * features(&b->m->layers[l]) * sizeof(float));
    return 0;
}

static int dropout_bwd_fn(backend *b, cpu_plan *p, int l, err *e)
{
    const layer_desc *L = &b->m->layers[l];
    cpu_dropout_backward(p->lay[l].dx, p->lay[l].dy, p->n * features(L), L->dropout_p, b->cfg.seed,
                         b->batch->step, (uint32_t)l);
    return 0;
}

int cpu_dropout_layer_forward(cpu_build *bd, int l, err *e)
{
    /* Its mask is indexed in [n][features] order (dropout_mask.h), the layout of a linear
     * layer's output. */
    if (bd->md[l].ndims != 2)
        return err_set(e, "cpu backend: dropout must follow a linear layer");
    bd->md[l + 1] = bd->md[l];
    if (cpu_plan_mem(bd->p, bd->b->engine, &bd->md[l + 1], NULL, &bd->act[l + 1], e) < 0)
        return -1;
    bd->p->lay[l].x = cpu_mem_data(bd->act[l]);
    bd->p->lay[l].y = cpu_mem_data(bd->act[l + 1]);
    if (!cpu_push_fn(&bd->p->fwd_train, dropout_train_fn, l) ||
        !cpu_push_fn(&bd->p->fwd_eval, dropout_eval_fn, l))
        return OOM(e);
    return 0;
}

int cpu_dropout_layer_backward(cpu_build *bd, int l, err *e)
{
    bd->p->lay[l].dy = cpu_mem_data(bd->dact[l + 1]);
    bd->p->lay[l].dx = cpu_mem_data(bd->dact[l]);
    return cpu_push_fn(&bd->p->bwd, dropout_bwd_fn, l) ? 0 : OOM(e);
}
