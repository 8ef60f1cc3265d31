/* cpu_plan.c: builds a plan for one batch size (cpu_internal.h) and runs its programs. */
#include <stdlib.h>
#include <string.h>

#include "train/cpu/cpu_build.h"
#include "train/cpu/cpu_kernels.h"

cpu_op *cpu_push_prim(cpu_prog *g, dnnl_primitive_t prim, const_dnnl_primitive_desc_t pd)
{
    cpu_op *op = cpu_prog_push(g);
    if (op) {
        op->prim = prim;
        op->scratch_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    }
    return op;
}

cpu_op *cpu_push_fn(cpu_prog *g, int (*fn)(backend *, cpu_plan *, int, err *), int layer)
{
    cpu_op *op = cpu_prog_push(g);
    if (op) {
        op->fn = fn;
        op->layer = layer;
    }
    return op;
}

static int input_fn(backend *b, cpu_plan *p, int l, err *e)
{
    const model *m = b->m;
    const backend_batch *bt = b->batch;
    cpu_input_prepare(p->input, bt->n, m->in_h, bt->pixels, b->cfg.src_h, b->cfg.src_w, bt->aug,
                      b->cfg.mean, b->inv_std);
    return 0;
}

static int loss_fn(backend *b, cpu_plan *p, int l, err *e)
{
    cpu_softmax_xent(p->logits, p->n, b->m->opt.num_classes, b->batch->labels, b->label_smoothing,
                     p->dlogits, &b->metrics);
    return 0;
}

static int eval_metrics_fn(backend *b, cpu_plan *p, int l, err *e)
{
    if (b->batch->labels)
        cpu_softmax_xent(p->logits, p->n, b->m->opt.num_classes, b->batch->labels, 0.f, NULL,
                         &b->metrics);
    return 0;
}

/* Scratchpads: one buffer, the largest any primitive asks for, shared by all of them (a plan
 * runs one primitive at a time). */
static int bind_scratch(backend *b, cpu_plan *p, err *e)
{
    cpu_prog *progs[] = {&p->weights, &p->fwd_train, &p->fwd_eval, &p->bwd};
    size_t bytes = 0;
    for (int g = 0; g < 4; g++)
        for (int i = 0; i < progs[g]->n; i++)
            if (progs[g]->ops[i].scratch_md) {
                size_t s = dnnl_memory_desc_get_size(progs[g]->ops[i].scratch_md);
                bytes = s > bytes ? s : bytes;
            }
    if (!bytes)
        return 0;
    dnnl_dims_t d = {(dnnl_dim_t)bytes};
    dnnl_memory_desc_t md;
    dnnl_memory_desc_init_by_tag(&md, 1, d, dnnl_u8, dnnl_a);
    dnnl_memory_t whole;
    if (cpu_plan_mem(p, b->engine, &md, NULL, &whole, e) < 0)
        return -1;
    void *buf = cpu_mem_data(whole);
    for (int g = 0; g < 4; g++)
        for (int i = 0; i < progs[g]->n; i++) {
            cpu_op *op = &progs[g]->ops[i];
            if (!op->scratch_md || !dnnl_memory_desc_get_size(op->scratch_md))
                continue;
            dnnl_memory_t mem;
            if (cpu_plan_mem(p, b->engine, op->scratch_md, buf, &mem, e) < 0)
                return -1;
            cpu_op_arg(op, DNNL_ARG_SCRATCHPAD, mem);
        }
    return 0;
}

/* Gradients of tensors alternate between two buffers, each as large as the largest tensor. */
static int make_grad_tensors(cpu_build *bd, err *e)
{
    int L = bd->m->num_layers;
    size_t bytes = 0;
    for (int t = 0; t <= L; t++) {
        size_t s = dnnl_memory_desc_get_size(&bd->md[t]);
        bytes = s > bytes ? s : bytes;
    }
    dnnl_dims_t d = {(dnnl_dim_t)bytes};
    dnnl_memory_desc_t md;
    dnnl_memory_desc_init_by_tag(&md, 1, d, dnnl_u8, dnnl_a);
    dnnl_memory_t pp[2];
    for (int i = 0; i < 2; i++)
        if (cpu_plan_mem(bd->p, bd->b->engine, &md, NULL, &pp[i], e) < 0)
            return -1;
    for (int t = 0; t <= L; t++)
        if (cpu_plan_mem(bd->p, bd->b->engine, &bd->md[t], cpu_mem_data(pp[t % 2]), &bd->dact[t],
                         e) < 0)
            return -1;
    return 0;
}

static int build(cpu_build *bd, err *e)
{
    const model *m = bd->m;
    int L = m->num_layers;
    cpu_plan *p = bd->p;
    dnnl_dims_t in = {bd->n, m->in_c, m->in_h, m->in_w};
    dnnl_memory_desc_init_by_tag(&bd->md[0], 4, in, dnnl_f32, dnnl_nchw);
    if (cpu_plan_mem(p, bd->b->engine, &bd->md[0], NULL, &bd->act[0], e) < 0)
        return -1;
    p->input = cpu_mem_data(bd->act[0]);
    if (!cpu_push_fn(&p->fwd_train, input_fn, 0) || !cpu_push_fn(&p->fwd_eval, input_fn, 0))
        return err_set(e, "cpu backend: out of memory");
    for (int l = 0; l < L; l++)
        if (cpu_layer_forward(bd, l, e) < 0) {
            err_prefix(e, "layer %d", l);
            return -1;
        }
    p->logits = cpu_mem_data(bd->act[L]);
    if (make_grad_tensors(bd, e) < 0)
        return -1;
    p->dlogits = cpu_mem_data(bd->dact[L]);
    if (!cpu_push_fn(&p->fwd_train, loss_fn, L) || !cpu_push_fn(&p->fwd_eval, eval_metrics_fn, L))
        return err_set(e, "cpu backend: out of memory");
    for (int l = L - 1; l >= 0; l--)
        if (cpu_layer_backward(bd, l, e) < 0) {
            err_prefix(e, "layer %d", l);
            return -1;
        }
    return bind_scratch(bd->b, p, e);
}

int cpu_plan_create(backend *b, int n, cpu_plan **out, err *e)
{
    const model *m = b->m;
    int L = m->num_layers;
    cpu_plan *p = calloc(1, sizeof *p);
    cpu_build bd = {.b = b, .p = p, .m = m, .n = n};
    bd.md = calloc(L + 1, sizeof *bd.md);
    bd.act = calloc(L + 1, sizeof *bd.act);
    bd.dact = calloc(L + 1, sizeof *bd.dact);
    bd.fwd_pd = calloc(L, sizeof *bd.fwd_pd);
    bd.ws = calloc(L, sizeof *bd.ws);
    bd.wmem = calloc(L, sizeof *bd.wmem);
    bd.src_md = calloc(L, sizeof *bd.src_md);
    bd.src = calloc(L, sizeof *bd.src);
    int rc = -1;
    if (!p || !bd.md || !bd.act || !bd.dact || !bd.fwd_pd || !bd.ws || !bd.wmem || !bd.src_md ||
        !bd.src || !(p->lay = calloc(L, sizeof *p->lay)))
        err_set(e, "cpu backend: out of memory");
    else {
        p->n = n;
        p->weights_version = (uint64_t)-1;
        rc = build(&bd, e);
    }
    free(bd.md);
    free(bd.act);
    free(bd.dact);
    free(bd.fwd_pd);
    free(bd.ws);
    free(bd.wmem);
    free(bd.src_md);
    free(bd.src);
    if (rc < 0) {
        cpu_plan_destroy(p);
        return -1;
    }
    *out = p;
    return 0;
}

void cpu_plan_destroy(cpu_plan *p)
{
    if (!p)
        return;
    cpu_prog_free(&p->weights);
    cpu_prog_free(&p->fwd_train);
    cpu_prog_free(&p->fwd_eval);
    cpu_prog_free(&p->bwd);
    for (int i = 0; i < p->nprims; i++)
        dnnl_primitive_destroy(p->prims[i]);
    for (int i = 0; i < p->npds; i++)
        dnnl_primitive_desc_destroy(p->pds[i]);
    for (int i = 0; i < p->nmems; i++)
        dnnl_memory_destroy(p->mems[i]);
    for (int i = 0; i < p->nallocs; i++)
        cpu_free(p->allocs[i]);
    free(p->prims);
    free(p->pds);
    free(p->mems);
    free(p->allocs);
    free(p->lay);
    free(p);
}

int cpu_prog_run(backend *b, cpu_plan *p, const cpu_prog *g, err *e)
{
    for (int i = 0; i < g->n; i++) {
        const cpu_op *op = &g->ops[i];
        if (op->fn) {
            if (op->fn(b, p, op->layer, e) < 0)
                return -1;
            continue;
        }
        dnnl_primitive_t prim = op->prim_write && b->grads_zero ? op->prim_write : op->prim;
        dnnl_status_t st = dnnl_primitive_execute(prim, b->stream, op->nargs, op->args);
        if (st != dnnl_success) {
            const_dnnl_primitive_desc_t pd = NULL;
            const char *impl = "?";
            dnnl_primitive_get_primitive_desc(prim, &pd);
            dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
            return err_set(e, "cpu backend: executing %s: oneDNN status %d", impl, (int)st);
        }
    }
    return 0;
}
