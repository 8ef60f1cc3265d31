/* layers.c: forward and backward over the model's layer table on the GPU, NHWC, in the compute
 * precision: cuDNN for convolution, batch norm, LRN and pooling; cuBLAS for linear layers; the
 * backend's kernels for bias + ReLU, dropout and the flatten to torchvision's order. */
#include <stdlib.h>

#include "common/log.h"
#include "train/cuda/check.h"
#include "train/cuda/cuda_internal.h"

int layers_set_batch(backend *b, int n, err *e)
{
    if (n == b->desc_batch)
        return 0;
    for (int t = 0; t <= b->plan.num_layers; t++) {
        int c = b->plan.in_c, h = b->plan.in_h, w = b->plan.in_w;
        if (t > 0) {
            const cuda_layer_plan *lp = &b->plan.layers[t - 1];
            c = lp->c, h = lp->h, w = lp->w;
        }
        CUDNN_TRY(cudnnSetTensor4dDescriptor(b->tensors[t], CUDNN_TENSOR_NHWC, b->cudnn_dt, n, c,
                                             h, w));
    }
    b->desc_batch = 0;  /* until every convolution has its algorithms for n */
    for (int i = 0; i < b->plan.num_layers; i++)
        if (b->m->layers[i].kind == LAYER_CONV && conv_choose_for_batch(b, i, n, e) < 0)
            return -1;
    b->desc_batch = n;
    return 0;
}

int layers_pack_weights(backend *b, err *e)
{
    for (int i = 0; i < b->plan.num_layers; i++) {
        const layer_desc *l = &b->m->layers[i];
        const float *w = b->params + l->weight_offset;
        if (l->kind == LAYER_CONV)
            CUDA_TRY(kern_pack_conv(w, layer_wc(b, i), b->dt, l->out_c, l->in_c, l->kernel,
                                    b->plan.layers[i].in_c, b->compute));
        else if (l->kind == LAYER_LINEAR)
            CUDA_TRY(kern_cast(w, layer_wc(b, i), b->dt, l->weight_count, b->compute));
    }
    return 0;
}

static int bn_forward(backend *b, int i, int n, const void *x, void *y, int train, err *e)
{
    const layer_desc *l = &b->m->layers[i];
    cuda_layer *cl = &b->layers[i];
    float one = 1.f, zero = 0.f;
    float *gamma = b->params + l->weight_offset, *beta = b->params + l->bias_offset;
    float *mean = b->stats + l->stats_offset, *var = mean + l->out_c;
    if (train)
        CUDNN_TRY(cudnnBatchNormalizationForwardTraining(
            b->cudnn, CUDNN_BATCHNORM_SPATIAL, &one, &zero, b->tensors[i], x, b->tensors[i + 1], y,
            cl->bn_desc, gamma, beta, (double)l->bn_momentum, mean, var, (double)l->bn_eps,
            cl->bn_save_mean, cl->bn_save_inv_var));
    else
        CUDNN_TRY(cudnnBatchNormalizationForwardInference(
            b->cudnn, CUDNN_BATCHNORM_SPATIAL, &one, &zero, b->tensors[i], x, b->tensors[i + 1], y,
            cl->bn_desc, gamma, beta, mean, var, (double)l->bn_eps));
    if (l->relu)
        CUDA_TRY(kern_bias_act(y, b->dt, NULL, (size_t)n * l->out_h * l->out_w, l->out_c, 1,
                               b->compute));
    return 0;
}

static int bn_backward(backend *b, int i, int n, const void *x, const void *y, void *dy,
                       void *dx, float grad_scale, err *e)
{
    const layer_desc *l = &b->m->layers[i];
    cuda_layer *cl = &b->layers[i];
    float one = 1.f, zero = 0.f;
    CUDA_TRY(kern_act_backward(dy, y, b->dt, (size_t)n * l->out_h * l->out_w, l->out_c, l->relu,
                               NULL, 0.f, b->compute));
    CUDNN_TRY(cudnnBatchNormalizationBackward(
        b->cudnn, CUDNN_BATCHNORM_SPATIAL, &one, &zero, &grad_scale, &one, b->tensors[i], x,
        b->tensors[i + 1], dy, b->tensors[i], dx, cl->bn_desc, b->params + l->weight_offset,
        b->grads + l->weight_offset, b->grads + l->bias_offset, (double)l->bn_eps,
        cl->bn_save_mean, cl->bn_save_inv_var));
    return 0;
}

/* MAXPOOL and LRN through cuDNN: forward writes y to out, backward dx from x, y and dy. */
static cudnnStatus_t pool_lrn_cudnn(backend *b, int i, const void *x, const void *y,
                                    const void *dy, void *out, int backward)
{
    const cuda_layer *cl = &b->layers[i];
    cudnnTensorDescriptor_t xd = b->tensors[i], yd = b->tensors[i + 1];
    float one = 1.f, zero = 0.f;
    if (b->m->layers[i].kind == LAYER_MAXPOOL)
        return backward ? cudnnPoolingBackward(b->cudnn, cl->pool, &one, yd, y, yd, dy, xd, x,
                                               &zero, xd, out)
                        : cudnnPoolingForward(b->cudnn, cl->pool, &one, xd, x, &zero, yd, out);
    return backward ? cudnnLRNCrossChannelBackward(b->cudnn, cl->lrn, CUDNN_LRN_CROSS_CHANNEL_DIM1,
                                                   &one, yd, y, yd, dy, xd, x, &zero, xd, out)
                    : cudnnLRNCrossChannelForward(b->cudnn, cl->lrn, CUDNN_LRN_CROSS_CHANNEL_DIM1,
                                                  &one, xd, x, &zero, yd, out);
}

static int pool_lrn(backend *b, int i, int n, const void *x, const void *y, const void *dy,
                    void *out, int backward, err *e)
{
    const layer_desc *l = &b->m->layers[i];
    if (!b->layers[i].own_kernel)
        return cudnn_check(pool_lrn_cudnn(b, i, x, y, dy, out, backward),
                           l->kind == LAYER_MAXPOOL ? "cudnnPooling" : "cudnnLRNCrossChannel", e);
    if (l->kind == LAYER_MAXPOOL)
        CUDA_TRY(kern_maxpool(x, dy, out, b->dt, n, l->in_h, l->in_w, l->in_c, backward,
                              b->compute));
    else
        CUDA_TRY(kern_lrn(x, dy, out, b->dt, (size_t)n * l->in_h * l->in_w, l->in_c,
                          (lrn_params){l->lrn_size, l->lrn_alpha, l->lrn_beta, l->lrn_k},
                          backward, b->compute));
    return 0;
}

int layers_probe(backend *b, err *e)
{
    const char *force = getenv("VGG_CUDA_OWN_KERNELS");
    for (int i = 0; i < b->plan.num_layers; i++) {
        const layer_desc *l = &b->m->layers[i];
        if (l->kind != LAYER_MAXPOOL && l->kind != LAYER_LRN)
            continue;
        if (force && *force == '1') {
            b->layers[i].own_kernel = 1;
            continue;
        }
        const void *x = layer_in(b, i), *y = layer_out(b, i);
        cudnnStatus_t st = pool_lrn_cudnn(b, i, x, NULL, NULL, layer_out(b, i), 0);
        if (st == CUDNN_STATUS_SUCCESS)
            st = pool_lrn_cudnn(b, i, x, y, b->grad[0], b->grad[1], 1);
        int category = CUDNN_STATUS_CATEGORY(st);
        if (category == CUDNN_STATUS_NOT_SUPPORTED || category == CUDNN_STATUS_BAD_PARAM) {
            b->layers[i].own_kernel = 1;
            log_info("cuda backend: layer %d: cuDNN's %s reports %s; using the backend's kernel",
                     i, l->kind == LAYER_MAXPOOL ? "pooling" : "LRN", cudnnGetErrorString(st));
        } else if (cudnn_check(st, l->kind == LAYER_MAXPOOL ? "cudnnPooling" :
                               "cudnnLRNCrossChannel", e) < 0) {
            return -1;
        }
    }
    CUDA_TRY(cudaStreamSynchronize(b->compute));
    return 0;
}

/* Y[n][out] = X[n][in] W[out][in]^T + b, row-major, as column-major GEMMs. The last layer
 * writes fp32 logits. */
static int linear_forward(backend *b, int i, int n, const void *x, void *y, err *e)
{
    const layer_desc *l = &b->m->layers[i];
    const cuda_layer_plan *lp = &b->plan.layers[i];
    int out = l->out_c, in = l->in_c * l->in_h * l->in_w;
    int last = i == b->plan.num_layers - 1;
    float one = 1.f, zero = 0.f;
    if (lp->flatten) {
        void *flat = act_at(b, lp->flat_offset);
        CUDA_TRY(kern_flatten(x, flat, b->dt, n, lp->in_c, lp->in_h, lp->in_w, 1, b->compute));
        x = flat;
    }
    CUBLAS_TRY(cublasGemmEx(b->cublas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &one, layer_wc(b, i),
                            b->blas_dt, in, x, b->blas_dt, in, &zero, y,
                            last ? CUDA_R_32F : b->blas_dt, out, CUBLAS_COMPUTE_32F,
                            CUBLAS_GEMM_DEFAULT));
    CUDA_TRY(kern_bias_act(y, last ? CUDA_DT_F32 : b->dt, b->params + l->bias_offset,
                           (size_t)n, out, l->relu && !last, b->compute));
    return 0;
}

/* dW[out][in] += grad_scale * dY^T X;  dX = dY W (into the flatten buffer first when the input
 * was flattened: its activations are no longer needed once dW is done). */
static int linear_backward(backend *b, int i, int n, const void *x, const void *y, void *dy,
                           void *dx, float grad_scale, err *e)
{
    const layer_desc *l = &b->m->layers[i];
    const cuda_layer_plan *lp = &b->plan.layers[i];
    int out = l->out_c, in = l->in_c * l->in_h * l->in_w;
    int last = i == b->plan.num_layers - 1;
    float one = 1.f, zero = 0.f;
    CUDA_TRY(kern_act_backward(dy, y, b->dt, (size_t)n, out, l->relu && !last,
                               b->grads + l->bias_offset, grad_scale, b->compute));
    const void *xin = lp->flatten ? act_at(b, lp->flat_offset) : x;
    CUBLAS_TRY(cublasGemmEx(b->cublas, CUBLAS_OP_N, CUBLAS_OP_T, in, out, n, &grad_scale, xin,
                            b->blas_dt, in, dy, b->blas_dt, out, &one, b->grads + l->weight_offset,
                            CUDA_R_32F, in, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    if (!dx)
        return 0;
    void *target = lp->flatten ? act_at(b, lp->flat_offset) : dx;
    CUBLAS_TRY(cublasGemmEx(b->cublas, CUBLAS_OP_N, CUBLAS_OP_N, in, n, out, &one, layer_wc(b, i),
                            b->blas_dt, in, dy, b->blas_dt, out, &zero, target, b->blas_dt, in,
                            CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    if (lp->flatten)
        CUDA_TRY(kern_flatten(target, dx, b->dt, n, lp->in_c, lp->in_h, lp->in_w, 0, b->compute));
    return 0;
}

int layers_forward(backend *b, int n, int train, uint64_t step, err *e)
{
    for (int i = 0; i < b->plan.num_layers; i++) {
        const layer_desc *l = &b->m->layers[i];
        const cuda_layer_plan *lp = &b->plan.layers[i];
        const void *x = layer_in(b, i);
        void *y = layer_out(b, i);
        size_t count = (size_t)n * lp->out_elems;
        switch (l->kind) {
        case LAYER_CONV:
            if (conv_forward(b, i, x, y, e) < 0)
                return -1;
            CUDA_TRY(kern_bias_act(y, b->dt, b->params + l->bias_offset,
                                   (size_t)n * lp->h * lp->w, lp->c, l->relu, b->compute));
            break;
        case LAYER_BN:
            if (bn_forward(b, i, n, x, y, train, e) < 0)
                return -1;
            break;
        case LAYER_LRN:
        case LAYER_MAXPOOL:
            if (pool_lrn(b, i, n, x, NULL, NULL, y, 0, e) < 0)
                return -1;
            break;
        case LAYER_LINEAR:
            if (linear_forward(b, i, n, x, y, e) < 0)
                return -1;
            break;
        case LAYER_DROPOUT:
            if (train)
                CUDA_TRY(kern_dropout(x, y, b->dt, count, l->dropout_p, b->cfg.seed, step,
                                      (uint32_t)i, b->compute));
            else
                CUDA_TRY(cudaMemcpyAsync(y, x, count * b->eb, cudaMemcpyDeviceToDevice,
                                         b->compute));
            break;
        }
    }
    return 0;
}

int layers_backward(backend *b, int n, uint64_t step, err *e)
{
    float grad_scale = 1.f / b->scale.scale;
    int cur = 0;                /* b->grad[0] holds d(loss)/d(logits) */
    for (int i = b->plan.num_layers - 1; i >= 0; i--, cur = 1 - cur) {
        const layer_desc *l = &b->m->layers[i];
        const cuda_layer_plan *lp = &b->plan.layers[i];
        const void *x = layer_in(b, i), *y = layer_out(b, i);
        void *dy = b->grad[cur], *dx = i > 0 ? b->grad[1 - cur] : NULL;
        switch (l->kind) {
        case LAYER_CONV:
            CUDA_TRY(kern_act_backward(dy, y, b->dt, (size_t)n * lp->h * lp->w, lp->c, l->relu,
                                       b->grads + l->bias_offset, grad_scale, b->compute));
            if (conv_backward(b, i, x, dy, dx, grad_scale, e) < 0)
                return -1;
            break;
        case LAYER_BN:
            if (bn_backward(b, i, n, x, y, dy, dx, grad_scale, e) < 0)
                return -1;
            break;
        case LAYER_LRN:
        case LAYER_MAXPOOL:
            if (pool_lrn(b, i, n, x, y, dy, dx, 1, e) < 0)
                return -1;
            break;
        case LAYER_LINEAR:
            if (linear_backward(b, i, n, x, y, dy, dx, grad_scale, e) < 0)
                return -1;
            break;
        case LAYER_DROPOUT:
            CUDA_TRY(kern_dropout(dy, dx, b->dt, (size_t)n * lp->out_elems, l->dropout_p,
                                  b->cfg.seed, step, (uint32_t)i, b->compute));
            break;
        }
    }
    return 0;
}
