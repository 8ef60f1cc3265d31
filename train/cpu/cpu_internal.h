/* cpu_internal.h: the oneDNN CPU backend's internals, shared by the files of train/cpu/.
 *
 * A plan holds everything for one batch size n: every oneDNN primitive, created once, with
 * its arguments bound once, and every activation and gradient buffer. It is "compiled" into
 * programs (lists of ops) that a step simply runs in order: no step creates or allocates.
 * Tensor t of a plan is the model input (t = 0) or the output of layer t-1, in the layout
 * oneDNN chose for it (blocked, e.g. nChw16c, for convolution outputs; plain [n][features]
 * for linear and dropout outputs). Gradients of tensors alternate between two buffers.
 *
 * Parameters, gradients, momentum and BN statistics live in the model's flat fp32 layout
 * (model.h) in the backend; convolution weights are reordered into the blocked layouts the
 * primitives want when the parameters changed (once per SGD step), and weight gradients are
 * reordered back, added or written into the flat gradient buffer. Linear layers run on
 * oneDNN's sgemm straight from and into the flat buffers (the largest weights, never copied).
 * Batches smaller than max_batch get plans of their own, built on first use and kept.
 */
#ifndef VGG_TRAIN_CPU_INTERNAL_H
#define VGG_TRAIN_CPU_INTERNAL_H

#include <dnnl.h>
#include <stdint.h>

#include "train/backend.h"

typedef struct cpu_plan cpu_plan;

/* One step of a program: a primitive with its bound arguments, or a C kernel (`fn`) for what
 * is done outside oneDNN (input preparation, linear layers via sgemm, dropout, loss...). */
typedef struct cpu_op {
    dnnl_primitive_t prim;
    dnnl_primitive_t prim_write;  /* run instead of prim while the gradients are all zero */
    int nargs;
    dnnl_exec_arg_t args[12];
    const dnnl_memory_desc_t *scratch_md;   /* the primitive's scratchpad, bound at the end */
    int (*fn)(backend *b, cpu_plan *p, int layer, err *e);
    int layer;
} cpu_op;

typedef struct cpu_prog {
    cpu_op *ops;
    int n, cap;
} cpu_prog;

/* Per-layer state of a plan. Raw pointers are views of the plan's memory objects. */
typedef struct cpu_layer {
    float *x, *y;               /* input and output (linear/dropout: plain [n][features]) */
    float *dx, *dy;             /* their gradients */
    float *dbias, *dscale;      /* conv: bias gradient; BN: shift and scale gradients */
    float *mean, *var;          /* BN: batch statistics */
} cpu_layer;

struct cpu_plan {
    int n;
    cpu_layer *lay;             /* [num_layers] */
    float *input;               /* tensor 0: n x 3 x H x W */
    float *logits;              /* tensor L: n x num_classes */
    float *dlogits;
    cpu_prog weights;           /* flat parameters -> primitive layouts */
    cpu_prog fwd_train, fwd_eval, bwd;
    uint64_t weights_version;   /* params_version the reordered weights were made from */
    /* Everything to release. */
    void **allocs;
    int nallocs, cap_allocs;
    dnnl_memory_t *mems;
    int nmems, cap_mems;
    dnnl_primitive_t *prims;
    int nprims, cap_prims;
    dnnl_primitive_desc_t *pds;
    int npds, cap_pds;
};

#define CPU_PLANS 4

/* A contiguous range of the parameter buffer and whether weight decay may apply to it. */
typedef struct cpu_param_range {
    size_t offset, count;
    int is_bias_or_bn;
} cpu_param_range;

struct backend {
    backend_config cfg;
    const model *m;
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    float *params, *grads, *momentum, *stats;
    dnnl_memory_t params_mem, grads_mem;
    cpu_param_range *ranges;
    int nranges;
    uint64_t params_version;    /* bumped whenever the parameters change */
    int grads_zero;             /* gradients are all zero: the next step writes, not adds */
    /* [0]: max_batch; then the smaller batch sizes seen last (an epoch's last training and
     * validation batches), most recent first. */
    cpu_plan *plans[CPU_PLANS];
    float inv_std[3];
    backend_metrics metrics;
    /* The batch being run, for the C kernels of a program. */
    const backend_batch *batch;
    float label_smoothing;
};

/* cpu_footprint.c: backend_ops.host_bytes. */
size_t cpu_host_bytes(const backend_config *cfg);

/* cpu_mem.c: buffers allocated once, zeroed (touched) up front, on huge pages when large. */
void *cpu_alloc(size_t bytes);
void cpu_free(void *p);

/* cpu_plan.c */
int cpu_plan_create(backend *b, int n, cpu_plan **out, err *e);
void cpu_plan_destroy(cpu_plan *p);
int cpu_prog_run(backend *b, cpu_plan *p, const cpu_prog *g, err *e);

/* cpu_dnnl.c: small helpers over the oneDNN C API. */
int cpu_check(dnnl_status_t s, const char *what, err *e);
int cpu_plan_pd(cpu_plan *p, dnnl_primitive_desc_t *pd, const_dnnl_op_desc_t desc,
                const_dnnl_primitive_attr_t attr, dnnl_engine_t eng,
                const_dnnl_primitive_desc_t hint, const char *what, err *e);
int cpu_plan_prim(cpu_plan *p, dnnl_primitive_desc_t pd, dnnl_primitive_t *prim, err *e);
/* A memory object for md over `data`, or over a new zeroed buffer when data is NULL. */
int cpu_plan_mem(cpu_plan *p, dnnl_engine_t eng, const dnnl_memory_desc_t *md, void *data,
                 dnnl_memory_t *mem, err *e);
int cpu_plan_reorder(cpu_plan *p, dnnl_engine_t eng, const dnnl_memory_desc_t *from,
                     const dnnl_memory_desc_t *to, int add, dnnl_primitive_t *prim,
                     const dnnl_memory_desc_t **scratch_md, err *e);
dnnl_primitive_attr_t cpu_attr(int relu);
float *cpu_mem_data(dnnl_memory_t mem);
cpu_op *cpu_prog_push(cpu_prog *g);
void cpu_op_arg(cpu_op *op, int arg, dnnl_memory_t mem);
void cpu_prog_free(cpu_prog *g);

#endif
