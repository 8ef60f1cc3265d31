/* cpu_build.h: the state of building one plan (cpu_plan.c drives it, cpu_layers.c adds each
 * layer's primitives and ops). Freed when the plan is built. */
#ifndef VGG_TRAIN_CPU_BUILD_H
#define VGG_TRAIN_CPU_BUILD_H

#include "train/cpu/cpu_internal.h"

typedef struct cpu_build {
    backend *b;
    cpu_plan *p;
    const model *m;
    int n;
    dnnl_memory_desc_t *md;         /* [L+1] tensor layouts */
    dnnl_memory_t *act, *dact;      /* [L+1] tensors and their gradients */
    dnnl_primitive_desc_t *fwd_pd;  /* [L] forward (training) descs: hints for backward */
    dnnl_memory_t *ws;              /* [L] workspaces (pooling, LRN, BN with ReLU) */
    dnnl_memory_t *wmem;            /* [L] convolution weights as the forward wants them */
    /* [L] a convolution's input in the layout it prefers when tensor l's differs (reordered
     * in forward, its gradient reordered back in backward); else tensor l itself. */
    dnnl_memory_desc_t *src_md;
    dnnl_memory_t *src;
} cpu_build;

#define OOM(e) err_set(e, "cpu backend: out of memory")

/* Forward (training and eval programs) and backward of layer l, from tensor l to l+1. */
int cpu_layer_forward(cpu_build *bd, int l, err *e);
int cpu_layer_backward(cpu_build *bd, int l, err *e);

/* Pushes a primitive op (with the pd's scratchpad) to g; NULL when out of memory. */
cpu_op *cpu_push_prim(cpu_prog *g, dnnl_primitive_t prim, const_dnnl_primitive_desc_t pd);
cpu_op *cpu_push_fn(cpu_prog *g, int (*fn)(backend *, cpu_plan *, int, err *), int layer);

/* cpu_build.c */
const dnnl_memory_desc_t *cpu_query(const_dnnl_primitive_desc_t pd, dnnl_query_t what);
dnnl_memory_desc_t cpu_md_tag(int ndims, const dnnl_dims_t dims, dnnl_format_tag_t tag);
/* A primitive (with a fused ReLU when relu) from an op desc, owned by the plan. */
int cpu_make(cpu_build *bd, const_dnnl_op_desc_t desc, int relu, const_dnnl_primitive_desc_t hint,
             dnnl_primitive_desc_t *pd, dnnl_primitive_t *prim, const char *what, err *e);
/* The same op in both forward programs; *train is the training one: bind its arguments,
 * then cpu_copy_args gives them to the eval one. */
int cpu_push_both(cpu_build *bd, dnnl_primitive_t prim, const_dnnl_primitive_desc_t pd,
                  cpu_op **train, err *e);
void cpu_copy_args(cpu_plan *p);
/* A reorder op in program g; _2: in both forward programs. */
int cpu_push_reorder(cpu_build *bd, cpu_prog *g, const dnnl_memory_desc_t *from_md,
                     const dnnl_memory_desc_t *to_md, dnnl_memory_t from, dnnl_memory_t to,
                     err *e);
int cpu_push_reorder2(cpu_build *bd, const dnnl_memory_desc_t *from_md,
                      const dnnl_memory_desc_t *to_md, dnnl_memory_t from, dnnl_memory_t to,
                      err *e);
/* Flat parameters in the layout `want` (a reorder in the weights program when they differ). */
int cpu_weights_as(cpu_build *bd, dnnl_memory_t flat, const dnnl_memory_desc_t *flat_md,
                   const dnnl_memory_desc_t *want, dnnl_memory_t *out, err *e);
/* Tensor l in the layout `want` for a backward primitive. */
int cpu_tensor_as(cpu_build *bd, int l, const dnnl_memory_desc_t *want, dnnl_memory_t *out,
                  err *e);
/* A memory object over base + offset floats. */
int cpu_param_mem(cpu_build *bd, float *base, size_t offset, const dnnl_memory_desc_t *md,
                  dnnl_memory_t *mem, err *e);
/* Op: the bias (conv) or shift and scale (BN) gradients into the flat gradient buffer. */
int cpu_accumulate_fn(backend *b, cpu_plan *p, int l, err *e);
/* Pooling and LRN: output and workspace in the primitive's layouts; their backward. */
int cpu_forward_with_workspace(cpu_build *bd, int l, dnnl_primitive_t prim, err *e);
int cpu_backward_with_workspace(cpu_build *bd, int l, dnnl_primitive_t prim,
                                dnnl_primitive_desc_t pd, int needs_src, err *e);

/* The builders of each layer kind. */
int cpu_conv_forward(cpu_build *bd, int l, err *e);
int cpu_conv_backward(cpu_build *bd, int l, err *e);
int cpu_pool_forward(cpu_build *bd, int l, err *e);
int cpu_pool_backward(cpu_build *bd, int l, err *e);
int cpu_lrn_forward(cpu_build *bd, int l, err *e);
int cpu_lrn_backward(cpu_build *bd, int l, err *e);
int cpu_bn_forward(cpu_build *bd, int l, err *e);
int cpu_bn_backward(cpu_build *bd, int l, err *e);
int cpu_linear_layer_forward(cpu_build *bd, int l, err *e);
int cpu_linear_layer_backward(cpu_build *bd, int l, err *e);
int cpu_dropout_layer_forward(cpu_build *bd, int l, err *e);
int cpu_dropout_layer_backward(cpu_build *bd, int l, err *e);

#endif
