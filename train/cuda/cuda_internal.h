/* cuda_internal.h: the CUDA backend's state, shared by its files (backend_cuda.c: the ops
 * table and memory; conv.c: convolution descriptors and algorithm search; layers.c: forward
 * and backward over the layer table; staging.c: the input path).
 *
 * One compute stream runs everything in order; a copy stream brings the next batch's uint8
 * pixels while the previous step computes. cuDNN and cuBLAS run on the compute stream.
 * Gradients in `grads` are always the true (unscaled) fp32 gradients: the loss scale of fp16
 * is divided out where each gradient is added. */
#ifndef VGG_TRAIN_CUDA_INTERNAL_H
#define VGG_TRAIN_CUDA_INTERNAL_H

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "train/backend.h"
#include "train/cuda/kernels.h"
#include "train/cuda/loss_scale.h"
#include "train/cuda/plan.h"

/* The choice for one direction of a convolution: algorithm (cudnnConvolution{Fwd,BwdData,
 * BwdFilter}Algo_t, -1: not used), the math type it runs with, and its workspace bytes. */
typedef struct conv_dir {
    int algo;
    cudnnMathType_t math;
    size_t workspace;
} conv_dir;

enum { CONV_FWD, CONV_BWD_DATA, CONV_BWD_FILTER, CONV_DIRS };

typedef struct cuda_layer {
    cudnnFilterDescriptor_t filter;             /* CONV: O x Cin_pad x K x K, NHWC (KRSC) */
    cudnnConvolutionDescriptor_t conv[CONV_DIRS];  /* CONV: one per direction (math types) */
    conv_dir searched[CONV_DIRS];               /* CONV: chosen by search for max_batch */
    conv_dir active[CONV_DIRS];                 /* CONV: used for the current batch size */
    cudnnTensorDescriptor_t bn_desc;            /* BN: 1 x C x 1 x 1, fp32 */
    float *bn_save_mean, *bn_save_inv_var;      /* BN: batch statistics kept for backward */
    cudnnPoolingDescriptor_t pool;
    cudnnLRNDescriptor_t lrn;
    int own_kernel;             /* MAXPOOL, LRN: cuDNN does not support it here (layers_probe) */
} cuda_layer;

struct backend {
    backend_config cfg;
    const model *m;
    cuda_plan plan;
    cuda_dtype dt;
    size_t eb;                  /* bytes per element of the compute precision */
    cudnnDataType_t cudnn_dt;
    cudaDataType_t blas_dt;

    cudaStream_t compute, copy;
    cudnnHandle_t cudnn;
    cublasHandle_t cublas;

    cuda_layer *layers;         /* [num_layers] */
    cudnnTensorDescriptor_t *tensors;  /* [num_layers + 1]: input, then each layer's output */
    int desc_batch;             /* batch size the descriptors are set for */

    /* Device memory, all allocated in create(). */
    void *act, *grad[2], *wc, *dw_scratch, *workspace, *blas_workspace;
    size_t workspace_bytes;
    float *params, *grads, *momentum, *stats, *bn_saved, *logits, *loss;
    int *rank, *overflow;
    uint8_t *decay;             /* 1 where weight decay applies (conv and linear weights) */
    device_metrics *metrics;

    /* The input path. */
    uint8_t *d_pixels;
    augment *d_aug, *h_aug;     /* h_: pinned host copies of the small per-batch arrays */
    int32_t *d_labels, *h_labels;  /* d_labels: two batches' worth (staging.c) */
    int32_t *labels_now;        /* this step's labels in d_labels */
    int *h_overflow;
    input_norm norm;
    cudaEvent_t prep_done, copy_done[2], work_end[2];
    int parity, work_recorded[2], wait_pending[2];
    double input_wait;

    loss_scale scale;
};

static inline void *act_at(const backend *b, size_t offset)
{
    return (char *)b->act + offset * b->eb;
}

/* Input and output of layer i on the device (the last layer's output is the fp32 logits). */
static inline void *layer_in(const backend *b, int i)
{
    return act_at(b, i == 0 ? b->plan.in_offset : b->plan.layers[i - 1].out_offset);
}

static inline void *layer_out(const backend *b, int i)
{
    if (i == b->plan.num_layers - 1)
        return b->logits;
    return act_at(b, b->plan.layers[i].out_offset);
}

/* Packed compute-precision weights of layer i. */
static inline void *layer_wc(const backend *b, int i)
{
    return (char *)b->wc + b->plan.layers[i].wc_offset * b->eb;
}

/* conv.c */
int conv_create(backend *b, int i, err *e);
void conv_destroy(cuda_layer *cl);
/* Chooses every convolution's algorithms by cuDNN's search on the planned buffers, at
 * max_batch, caching them per layer shape; returns the largest workspace they need. */
int conv_search_all(backend *b, void *search_ws, size_t search_bytes, size_t *need, err *e);
/* Sets b->layers[i].active for batch n (the searched choice at max_batch, else cuDNN's heuristics
 * within the allocated workspace). The tensor descriptors must already be set for n. */
int conv_choose_for_batch(backend *b, int i, int n, err *e);
/* y = conv(x) (no bias). */
int conv_forward(backend *b, int i, const void *x, void *y, err *e);
/* Adds the weight gradient (scaled by grad_scale) to b->grads and, when dx is not NULL,
 * writes the input gradient. */
int conv_backward(backend *b, int i, const void *x, const void *dy, void *dx, float grad_scale,
                  err *e);

/* layers.c */
int layers_set_batch(backend *b, int n, err *e);
int layers_forward(backend *b, int n, int train, uint64_t step, err *e);
int layers_backward(backend *b, int n, uint64_t step, err *e);
/* Runs cuDNN's pooling and LRN once on the planned buffers; where cuDNN reports the precision
 * or layout as not supported, the layer uses the backend's own kernels (kernels_pool_lrn.cu).
 * VGG_CUDA_OWN_KERNELS=1 in the environment forces the own kernels (tests/gpu/check.sh checks
 * both paths). */
int layers_probe(backend *b, err *e);
/* Refreshes the packed compute-precision weights from the fp32 master weights. */
int layers_pack_weights(backend *b, err *e);

/* staging.c */
int staging_input(backend *b, const backend_batch *batch, int measure_wait, err *e);
int staging_mark_work_end(backend *b, err *e);
/* Adds the waits whose events have completed (all of them after a stream sync). */
void staging_collect_waits(backend *b);

#endif
