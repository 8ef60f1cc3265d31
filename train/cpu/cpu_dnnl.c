/* cpu_dnnl.c: helpers over oneDNN's C API: status to err, and primitives, memories and
 * programs owned by a plan (released together by cpu_plan_destroy). */
#include <stdlib.h>

#include "train/cpu/cpu_internal.h"

int cpu_check(dnnl_status_t s, const char *what, err *e)
{
    if (s == dnnl_success)
        return 0;
    return err_set(e, "cpu backend: %s: oneDNN status %d", what, (int)s);
}

/* Appends x to a growing array; returns 0 or -1 when out of memory. */
static int grow(void **arr, int *n, int *cap, size_t elem)
{
    if (*n < *cap)
        return 0;
    int ncap = *cap ? *cap * 2 : 16;
    void *a = realloc(*arr, (size_t)ncap * elem);
    if (!a)
        return -1;
    *arr = a;
    *cap = ncap;
    return 0;
}

int cpu_plan_pd(cpu_plan *p, dnnl_primitive_desc_t *pd, const_dnnl_op_desc_t desc,
                const_dnnl_primitive_attr_t attr, dnnl_engine_t eng,
                const_dnnl_primitive_desc_t hint, const char *what, err *e)
{
    if (grow((void **)&p->pds, &p->npds, &p->cap_pds, sizeof *p->pds) < 0)
        return err_set(e, "cpu backend: out of memory");
    if (cpu_check(dnnl_primitive_desc_create(pd, desc, attr, eng, hint), what, e) < 0)
        return -1;
    p->pds[p->npds++] = *pd;
    return 0;
}

int cpu_plan_prim(cpu_plan *p, dnnl_primitive_desc_t pd, dnnl_primitive_t *prim, err *e)
{
    if (grow((void **)&p->prims, &p->nprims, &p->cap_prims, sizeof *p->prims) < 0)
        return err_set(e, "cpu backend: out of memory");
    if (cpu_check(dnnl_primitive_create(prim, pd), "create primitive", e) < 0)
        return -1;
    p->prims[p->nprims++] = *prim;
    return 0;
}

int cpu_plan_mem(cpu_plan *p, dnnl_engine_t eng, const dnnl_memory_desc_t *md, void *data,
                 dnnl_memory_t *mem, err *e)
{
    if (grow((void **)&p->mems, &p->nmems, &p->cap_mems, sizeof *p->mems) < 0 ||
        grow((void **)&p->allocs, &p->nallocs, &p->cap_allocs, sizeof *p->allocs) < 0)
        return err_set(e, "cpu backend: out of memory");
    if (!data) {
        size_t bytes = dnnl_memory_desc_get_size(md);
        data = cpu_alloc(bytes);
        if (!data)
            return err_set(e, "cpu backend: out of memory (%zu bytes)", bytes);
        p->allocs[p->nallocs++] = data;
    }
    if (cpu_check(dnnl_memory_create(mem, md, eng, data), "create memory", e) < 0)
        return -1;
    p->mems[p->nmems++] = *mem;
    return 0;
}

dnnl_primitive_attr_t cpu_attr(int relu)
{
    dnnl_primitive_attr_t attr = NULL;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success)
        return NULL;
    /* The plan passes one shared scratchpad: none is allocated inside a step. */
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (relu) {
        dnnl_post_ops_t po = NULL;
        dnnl_post_ops_create(&po);
        dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_relu, 0.f, 0.f);
        dnnl_primitive_attr_set_post_ops(attr, po);
        dnnl_post_ops_destroy(po);
    }
    return attr;
}

int cpu_plan_reorder(cpu_plan *p, dnnl_engine_t eng, const dnnl_memory_desc_t *from,
                     const dnnl_memory_desc_t *to, int add, dnnl_primitive_t *prim,
                     const dnnl_memory_desc_t **scratch_md, err *e)
{
    dnnl_primitive_attr_t attr = cpu_attr(0);
    if (add) {
        dnnl_post_ops_t po = NULL;
        dnnl_post_ops_create(&po);
        dnnl_post_ops_append_sum(po, 1.f);
        dnnl_primitive_attr_set_post_ops(attr, po);
        dnnl_post_ops_destroy(po);
    }
    dnnl_primitive_desc_t pd;
    int rc = grow((void **)&p->pds, &p->npds, &p->cap_pds, sizeof *p->pds);
    if (rc < 0)
        err_set(e, "cpu backend: out of memory");
    else
        rc = cpu_check(dnnl_reorder_primitive_desc_create(&pd, from, eng, to, eng, attr), "reorder",
                       e);
    dnnl_primitive_attr_destroy(attr);
    if (rc < 0)
        return -1;
    p->pds[p->npds++] = pd;
    *scratch_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    return cpu_plan_prim(p, pd, prim, e);
}

float *cpu_mem_data(dnnl_memory_t mem)
{
    void *h = NULL;
    dnnl_memory_get_data_handle(mem, &h);
    return h;
}

cpu_op *cpu_prog_push(cpu_prog *g)
{
    if (grow((void **)&g->ops, &g->n, &g->cap, sizeof *g->ops) < 0)
        return NULL;
    cpu_op *op = &g->ops[g->n++];
    *op = (cpu_op){0};
    return op;
}

void cpu_op_arg(cpu_op *op, int arg, dnnl_memory_t mem)
{
    op->args[op->nargs++] = (dnnl_exec_arg_t){arg, mem};
}

void cpu_prog_free(cpu_prog *g)
{
    free(g->ops);
    *g = (cpu_prog){0};
}
