/* backend_cuda.c: the CUDA backend's operations (backend.h): creation (plan, memory, cuDNN and
 * cuBLAS handles, algorithm search), the training and evaluation steps, the fused SGD update
 * with fp16's dynamic loss scaling, and host copies in the model's flat fp32 layout. */
#include <stdlib.h>
#include <string.h>

#include "train/cuda/check.h"
#include "train/cuda/cuda_internal.h"

#define SEARCH_WORKSPACE_CAP ((size_t)4 << 30)
#define RESERVE_BYTES ((size_t)256 << 20)   /* left free for cuDNN's and cuBLAS's own needs */
#define BLAS_WORKSPACE ((size_t)32 << 20)   /* given to cuBLAS, so it allocates nothing itself */

int backend_cuda_available(void)
{
    int count = 0;
    return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

static int dev_alloc(void **p, size_t bytes, err *e)
{
    CUDA_TRY(cudaMalloc(p, bytes ? bytes : 1));
    CUDA_TRY(cudaMemset(*p, 0, bytes ? bytes : 1));
    return 0;
}

static int set_precision(backend *b, err *e)
{
    struct cudaDeviceProp prop;
    CUDA_TRY(cudaGetDeviceProperties(&prop, b->cfg.device_index));
    switch (b->cfg.prec) {
    case PRECISION_BF16:
        if (prop.major < 8)
            return err_set(e, "cuda backend: %s (compute capability %d.%d) has no bf16; use "
                           "precision = fp16 or fp32", prop.name, prop.major, prop.minor);
        b->dt = CUDA_DT_BF16, b->cudnn_dt = CUDNN_DATA_BFLOAT16, b->blas_dt = CUDA_R_16BF;
        b->scale = loss_scale_fixed();
        break;
    case PRECISION_FP16:
        b->dt = CUDA_DT_F16, b->cudnn_dt = CUDNN_DATA_HALF, b->blas_dt = CUDA_R_16F;
        b->scale = loss_scale_dynamic();
        break;
    default:
        b->dt = CUDA_DT_F32, b->cudnn_dt = CUDNN_DATA_FLOAT, b->blas_dt = CUDA_R_32F;
        b->scale = loss_scale_fixed();
        break;
    }
    b->eb = b->dt == CUDA_DT_F32 ? 4 : 2;
    return 0;
}

static int create_handles(backend *b, err *e)
{
    CUDA_TRY(cudaStreamCreateWithFlags(&b->compute, cudaStreamNonBlocking));
    CUDA_TRY(cudaStreamCreateWithFlags(&b->copy, cudaStreamNonBlocking));
    CUDNN_TRY(cudnnCreate(&b->cudnn));
    CUDNN_TRY(cudnnSetStream(b->cudnn, b->compute));
    CUBLAS_TRY(cublasCreate(&b->cublas));
    CUBLAS_TRY(cublasSetStream(b->cublas, b->compute));
    CUDA_TRY(cudaEventCreateWithFlags(&b->prep_done, cudaEventDisableTiming));
    for (int q = 0; q < 2; q++) {
        CUDA_TRY(cudaEventCreate(&b->copy_done[q]));
        CUDA_TRY(cudaEventCreate(&b->work_end[q]));
    }
    return 0;
}

static size_t staging_bytes(const backend *b)
{
    size_t n = (size_t)b->cfg.max_batch;
    return n * b->cfg.src_h * b->cfg.src_w * 3 + n * (sizeof(augment) + 2 * sizeof(int32_t));
}

static int alloc_memory(backend *b, err *e)
{
    const model *m = b->m;
    const cuda_plan *p = &b->plan;
    size_t free_bytes = 0, total = 0;
    CUDA_TRY(cudaMemGetInfo(&free_bytes, &total));
    size_t need = cuda_plan_device_bytes(p, m, b->eb) + staging_bytes(b) + BLAS_WORKSPACE;
    if (need + RESERVE_BYTES > free_bytes)
        return err_set(e, "cuda backend: the model at batch %d needs %.2f GiB of GPU memory; "
                       "%.2f GiB are free", p->max_batch, need / 1073741824.0,
                       free_bytes / 1073741824.0);
    size_t nb = (size_t)p->max_batch;
    if (dev_alloc(&b->act, p->act_elems * b->eb, e) < 0 ||
        dev_alloc(&b->grad[0], p->grad_elems * b->eb, e) < 0 ||
        dev_alloc(&b->grad[1], p->grad_elems * b->eb, e) < 0 ||
        dev_alloc(&b->wc, p->wc_elems * b->eb, e) < 0 ||
        dev_alloc(&b->dw_scratch, p->max_conv_weight * b->eb, e) < 0 ||
        dev_alloc((void **)&b->params, m->num_params * 4, e) < 0 ||
        dev_alloc((void **)&b->grads, m->num_params * 4, e) < 0 ||
        dev_alloc((void **)&b->momentum, m->num_params * 4, e) < 0 ||
        dev_alloc((void **)&b->stats, m->num_stats * 4, e) < 0 ||
        dev_alloc((void **)&b->bn_saved, 2 * (size_t)p->max_channels * m->num_layers * 4, e) < 0 ||
        dev_alloc((void **)&b->logits, nb * p->num_classes * 4, e) < 0 ||
        dev_alloc((void **)&b->loss, nb * 4, e) < 0 ||
        dev_alloc((void **)&b->rank, nb * sizeof(int), e) < 0 ||
        dev_alloc((void **)&b->overflow, sizeof(int), e) < 0 ||
        dev_alloc((void **)&b->decay, m->num_params, e) < 0 ||
        dev_alloc((void **)&b->metrics, sizeof(device_metrics), e) < 0 ||
        dev_alloc((void **)&b->d_pixels, nb * b->cfg.src_h * b->cfg.src_w * 3, e) < 0 ||
        dev_alloc((void **)&b->d_aug, nb * sizeof(augment), e) < 0 ||
        dev_alloc((void **)&b->d_labels, 2 * nb * sizeof(int32_t), e) < 0 ||
        dev_alloc(&b->blas_workspace, BLAS_WORKSPACE, e) < 0)
        return -1;
    CUBLAS_TRY(cublasSetWorkspace(b->cublas, b->blas_workspace, BLAS_WORKSPACE));
    CUDA_TRY(cudaHostAlloc((void **)&b->h_aug, nb * sizeof(augment), cudaHostAllocDefault));
    CUDA_TRY(cudaHostAlloc((void **)&b->h_labels, nb * sizeof(int32_t), cudaHostAllocDefault));
    CUDA_TRY(cudaHostAlloc((void **)&b->h_overflow, sizeof(int), cudaHostAllocDefault));
    return 0;
}

/* Weight decay applies to convolution and linear weights; biases and BN parameters only when
 * the SGD step asks for it. */
static int fill_decay_mask(backend *b, err *e)
{
    uint8_t *mask = calloc(b->m->num_params ? b->m->num_params : 1, 1);
    if (!mask)
        return err_set(e, "cuda backend: out of memory");
    for (int i = 0; i < b->m->num_layers; i++) {
        const layer_desc *l = &b->m->layers[i];
        if (l->kind == LAYER_CONV || l->kind == LAYER_LINEAR)
            memset(mask + l->weight_offset, 1, l->weight_count);
    }
    int rc = cuda_check(cudaMemcpy(b->decay, mask, b->m->num_params, cudaMemcpyHostToDevice),
                        "cudaMemcpy", e);
    free(mask);
    return rc;
}

static int create_layers(backend *b, err *e)
{
    int L = b->m->num_layers;
    b->layers = calloc((size_t)L, sizeof *b->layers);
    b->tensors = calloc((size_t)L + 1, sizeof *b->tensors);
    if (!b->layers || !b->tensors)
        return err_set(e, "cuda backend: out of memory");
    for (int t = 0; t <= L; t++)
        CUDNN_TRY(cudnnCreateTensorDescriptor(&b->tensors[t]));
    for (int i = 0; i < L; i++) {
        const layer_desc *l = &b->m->layers[i];
        cuda_layer *cl = &b->layers[i];
        if (l->kind == LAYER_CONV && conv_create(b, i, e) < 0)
            return -1;
        if (l->kind == LAYER_MAXPOOL) {
            CUDNN_TRY(cudnnCreatePoolingDescriptor(&cl->pool));
            CUDNN_TRY(cudnnSetPooling2dDescriptor(cl->pool, CUDNN_POOLING_MAX, CUDNN_PROPAGATE_NAN,
                                                  2, 2, 0, 0, 2, 2));
        }
        if (l->kind == LAYER_LRN) {
            /* cuDNN divides alpha by the window size, as PyTorch's LocalResponseNorm does, and
             * its window (size odd, checked by the plan) is PyTorch's: c - size/2 .. c + size/2. */
            CUDNN_TRY(cudnnCreateLRNDescriptor(&cl->lrn));
            CUDNN_TRY(cudnnSetLRNDescriptor(cl->lrn, (unsigned)l->lrn_size, l->lrn_alpha,
                                            l->lrn_beta, l->lrn_k));
        }
        if (l->kind == LAYER_BN) {
            cl->bn_save_mean = b->bn_saved + 2 * (size_t)b->plan.max_channels * i;
            cl->bn_save_inv_var = cl->bn_save_mean + b->plan.max_channels;
            CUDNN_TRY(cudnnCreateTensorDescriptor(&cl->bn_desc));
        }
    }
    if (layers_set_batch(b, b->plan.max_batch, e) < 0)
        return -1;
    for (int i = 0; i < L; i++)
        if (b->m->layers[i].kind == LAYER_BN)
            CUDNN_TRY(cudnnDeriveBNTensorDescriptor(b->layers[i].bn_desc, b->tensors[i],
                                                    CUDNN_BATCHNORM_SPATIAL));
    return 0;
}

static int search_algorithms(backend *b, err *e)
{
    size_t free_bytes = 0, total = 0, need = 0;
    CUDA_TRY(cudaMemGetInfo(&free_bytes, &total));
    size_t limit = cuda_plan_search_workspace(free_bytes, RESERVE_BYTES, SEARCH_WORKSPACE_CAP);
    void *ws = NULL;
    if (limit)
        CUDA_TRY(cudaMalloc(&ws, limit));
    int rc = conv_search_all(b, ws, limit, &need, e);
    cudaFree(ws);
    if (rc < 0)
        return -1;
    b->workspace_bytes = need;
    return dev_alloc(&b->workspace, need, e);
}

static void cuda_destroy(backend *b)
{
    if (!b)
        return;
    if (b->compute)
        cudaStreamSynchronize(b->compute);
    if (b->copy)
        cudaStreamSynchronize(b->copy);
    for (int i = 0; b->layers && i < b->m->num_layers; i++) {
        cuda_layer *cl = &b->layers[i];
        conv_destroy(cl);
        if (cl->bn_desc)
            cudnnDestroyTensorDescriptor(cl->bn_desc);
        if (cl->pool)
            cudnnDestroyPoolingDescriptor(cl->pool);
        if (cl->lrn)
            cudnnDestroyLRNDescriptor(cl->lrn);
    }
    for (int t = 0; b->tensors && t <= b->m->num_layers; t++)
        if (b->tensors[t])
            cudnnDestroyTensorDescriptor(b->tensors[t]);
    void *dev[] = {b->act, b->grad[0], b->grad[1], b->wc, b->dw_scratch, b->workspace,
                   b->params, b->grads, b->momentum, b->stats, b->bn_saved, b->logits, b->loss,
                   b->rank, b->overflow, b->decay, b->metrics, b->d_pixels, b->d_aug,
                   b->d_labels, b->blas_workspace};
    for (size_t k = 0; k < sizeof dev / sizeof dev[0]; k++)
        cudaFree(dev[k]);
    cudaFreeHost(b->h_aug);
    cudaFreeHost(b->h_labels);
    cudaFreeHost(b->h_overflow);
    if (b->prep_done)
        cudaEventDestroy(b->prep_done);
    for (int q = 0; q < 2; q++) {
        if (b->copy_done[q])
            cudaEventDestroy(b->copy_done[q]);
        if (b->work_end[q])
            cudaEventDestroy(b->work_end[q]);
    }
    if (b->cublas)
        cublasDestroy(b->cublas);
    if (b->cudnn)
        cudnnDestroy(b->cudnn);
    if (b->compute)
        cudaStreamDestroy(b->compute);
    if (b->copy)
        cudaStreamDestroy(b->copy);
    cuda_plan_free(&b->plan);
    free(b->layers);
    free(b->tensors);
    free(b);
}

static int setup(backend *b, err *e)
{
    const backend_config *cfg = &b->cfg;
    const model *m = cfg->m;
    if (m->in_c != 3 || m->in_h != m->in_w)
        return err_set(e, "cuda backend: model input %dx%dx%d: 3 channels and a square image "
                       "expected", m->in_c, m->in_h, m->in_w);
    if (cfg->src_h < 1 || cfg->src_w < 1)
        return err_set(e, "cuda backend: source records of %dx%d", cfg->src_h, cfg->src_w);
    for (int c = 0; c < 3; c++) {
        if (!(cfg->std[c] > 0.f))
            return err_set(e, "cuda backend: normalisation std[%d] = %g", c, cfg->std[c]);
        b->norm.mean[c] = cfg->mean[c];
        b->norm.inv_std[c] = 1.f / cfg->std[c];
    }
    CUDA_TRY(cudaSetDevice(cfg->device_index));
    if (set_precision(b, e) < 0 || cuda_plan_build(m, cfg->max_batch, &b->plan, e) < 0 ||
        create_handles(b, e) < 0 || alloc_memory(b, e) < 0 || fill_decay_mask(b, e) < 0)
        return -1;
    CUDA_TRY(cudaDeviceSynchronize());      /* the zeroing memsets ran on the default stream */
    if (create_layers(b, e) < 0 || layers_pack_weights(b, e) < 0)
        return -1;
    CUDA_TRY(cudaStreamSynchronize(b->compute));
    if (search_algorithms(b, e) < 0 || layers_probe(b, e) < 0)
        return -1;
    CUDA_TRY(cudaDeviceSynchronize());
    return 0;
}

static int cuda_create(const backend_config *cfg, backend **out, err *e)
{
    backend *b = calloc(1, sizeof *b);
    if (!b)
        return err_set(e, "cuda backend: out of memory");
    b->cfg = *cfg;
    b->m = cfg->m;
    if (setup(b, e) < 0) {
        cuda_destroy(b);
        return -1;
    }
    *out = b;
    return 0;
}

static void *cuda_host_alloc(backend *b, size_t bytes, err *e)
{
    void *p = NULL;
    if (cuda_check(cudaHostAlloc(&p, bytes ? bytes : 1, cudaHostAllocDefault), "cudaHostAlloc",
                   e) < 0)
        return NULL;
    return p;
}

static void cuda_host_free(backend *b, void *p)
{
    cudaFreeHost(p);
}

static float *buffer_of(backend *b, backend_buffer which, size_t *count)
{
    *count = which == BUF_STATS ? b->m->num_stats : b->m->num_params;
    switch (which) {
    case BUF_PARAMS: return b->params;
    case BUF_GRADS: return b->grads;
    case BUF_MOMENTUM: return b->momentum;
    default: return b->stats;
    }
}

static int cuda_read(backend *b, backend_buffer which, float *dst, err *e)
{
    size_t count;
    float *src = buffer_of(b, which, &count);
    CUDA_TRY(cudaMemcpyAsync(dst, src, count * 4, cudaMemcpyDeviceToHost, b->compute));
    CUDA_TRY(cudaStreamSynchronize(b->compute));
    return 0;
}

static int cuda_write(backend *b, backend_buffer which, const float *src, err *e)
{
    size_t count;
    float *dst = buffer_of(b, which, &count);
    CUDA_TRY(cudaMemcpyAsync(dst, src, count * 4, cudaMemcpyHostToDevice, b->compute));
    if (which == BUF_PARAMS && layers_pack_weights(b, e) < 0)
        return -1;
    CUDA_TRY(cudaStreamSynchronize(b->compute));
    return 0;
}

static int check_batch(const backend *b, const backend_batch *batch, int need_labels, err *e)
{
    if (batch->n < 1 || batch->n > b->plan.max_batch)
        return err_set(e, "cuda backend: batch of %d images (1..%d)", batch->n,
                       b->plan.max_batch);
    if (need_labels && !batch->labels)
        return err_set(e, "cuda backend: a training batch needs labels");
    return 0;
}

static int cuda_train_step(backend *b, const backend_batch *batch, float label_smoothing, err *e)
{
    int n = batch->n;
    if (check_batch(b, batch, 1, e) < 0 || layers_set_batch(b, n, e) < 0 ||
        staging_input(b, batch, 1, e) < 0 || layers_forward(b, n, 1, batch->step, e) < 0)
        return -1;
    CUDA_TRY(kern_softmax_xent(b->logits, b->labels_now, n, b->plan.num_classes, label_smoothing,
                               b->scale.scale, b->grad[0], b->dt, b->loss, b->rank, b->compute));
    CUDA_TRY(kern_metrics_add(b->loss, b->rank, n, b->metrics, b->compute));
    if (layers_backward(b, n, batch->step, e) < 0)
        return -1;
    return staging_mark_work_end(b, e);
}

static int cuda_zero_grads(backend *b, err *e)
{
    CUDA_TRY(cudaMemsetAsync(b->grads, 0, b->m->num_params * 4, b->compute));
    return staging_mark_work_end(b, e);
}

/* fp16: a step whose gradients overflowed is skipped and the loss scale lowered
 * (loss_scale.h); this reads one flag back, the only host wait of a training step. */
static int gradients_usable(backend *b, int *usable, err *e)
{
    *usable = 1;
    if (!b->scale.dynamic)
        return 0;
    CUDA_TRY(cudaMemsetAsync(b->overflow, 0, sizeof(int), b->compute));
    CUDA_TRY(kern_find_nonfinite(b->grads, b->m->num_params, b->overflow, b->compute));
    CUDA_TRY(cudaMemcpyAsync(b->h_overflow, b->overflow, sizeof(int), cudaMemcpyDeviceToHost,
                             b->compute));
    CUDA_TRY(cudaStreamSynchronize(b->compute));
    *usable = loss_scale_update(&b->scale, *b->h_overflow);
    return 0;
}

static int cuda_sgd_step(backend *b, const sgd_params *p, err *e)
{
    int usable;
    if (gradients_usable(b, &usable, e) < 0)
        return -1;
    if (usable) {
        sgd_args a = {.lr = p->lr, .momentum = p->momentum, .weight_decay = p->weight_decay,
                      .grad_scale = p->grad_scale, .nesterov = p->nesterov,
                      .decay_all = p->decay_bias_and_bn};
        CUDA_TRY(kern_sgd(b->params, b->grads, b->momentum, b->decay, b->m->num_params, a,
                          b->compute));
        if (layers_pack_weights(b, e) < 0)
            return -1;
    }
    return staging_mark_work_end(b, e);
}

static int cuda_eval_step(backend *b, const backend_batch *batch, float *logits, err *e)
{
    int n = batch->n, classes = b->plan.num_classes;
    if (check_batch(b, batch, 0, e) < 0 || layers_set_batch(b, n, e) < 0 ||
        staging_input(b, batch, 0, e) < 0 || layers_forward(b, n, 0, batch->step, e) < 0)
        return -1;
    if (batch->labels) {
        CUDA_TRY(kern_softmax_xent(b->logits, b->labels_now, n, classes, 0.f, 1.f, NULL, b->dt,
                                   b->loss, b->rank, b->compute));
        CUDA_TRY(kern_metrics_add(b->loss, b->rank, n, b->metrics, b->compute));
    }
    if (logits) {
        CUDA_TRY(cudaMemcpyAsync(logits, b->logits, (size_t)n * classes * 4,
                                 cudaMemcpyDeviceToHost, b->compute));
        CUDA_TRY(cudaStreamSynchronize(b->compute));
    }
    return staging_mark_work_end(b, e);
}

static int cuda_read_metrics(backend *b, backend_metrics *out, err *e)
{
    device_metrics dm;
    CUDA_TRY(cudaMemcpyAsync(&dm, b->metrics, sizeof dm, cudaMemcpyDeviceToHost, b->compute));
    CUDA_TRY(cudaMemsetAsync(b->metrics, 0, sizeof dm, b->compute));
    CUDA_TRY(cudaStreamSynchronize(b->compute));
    staging_collect_waits(b);
    *out = (backend_metrics){.loss_sum = dm.loss_sum, .correct_top1 = (int64_t)dm.top1,
                             .correct_top5 = (int64_t)dm.top5, .images = (int64_t)dm.images,
                             .nonfinite = dm.nonfinite};
    return 0;
}

static double cuda_input_wait_seconds(backend *b)
{
    staging_collect_waits(b);
    double s = b->input_wait;
    b->input_wait = 0;
    return s;
}

const backend_ops backend_cuda_ops = {
    .name = "cuda",
    .auto_precision = PRECISION_BF16,  /* built for sm_80 and newer, which all have bf16 */
    .create = cuda_create,
    .destroy = cuda_destroy,
    .host_alloc = cuda_host_alloc,
    .host_free = cuda_host_free,
    .read = cuda_read,
    .write = cuda_write,
    .train_step = cuda_train_step,
    .zero_grads = cuda_zero_grads,
    .sgd_step = cuda_sgd_step,
    .eval_step = cuda_eval_step,
    .read_metrics = cuda_read_metrics,
    .input_wait_seconds = cuda_input_wait_seconds,
};
