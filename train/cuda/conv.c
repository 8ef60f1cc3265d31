/* conv.c: convolutions with cuDNN in NHWC: descriptors, the algorithm search (once per layer
 * shape, cached), the choice for other batch sizes, and the forward and backward calls. */
#include "train/cuda/check.h"
#include "train/cuda/cuda_internal.h"

/* The fields every cudnnConvolution*AlgoPerf_t shares. */
typedef struct algo_perf {
    int algo;
    cudnnStatus_t status;
    size_t memory;
    cudnnMathType_t math;
} algo_perf;

#define MAX_PERF 16
#define COPY_PERF(src, got, dst) \
    for (int k_ = 0; k_ < (got); k_++) \
        (dst)[k_] = (algo_perf){(int)(src)[k_].algo, (src)[k_].status, (src)[k_].memory, \
                                (src)[k_].mathType}

static const char *const dir_name[CONV_DIRS] = {"forward", "backward-data", "backward-filter"};

/* fp32 means true fp32: no TF32 tensor-core math; the others want tensor cores. */
static cudnnMathType_t wanted_math(const backend *b)
{
    return b->dt == CUDA_DT_F32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH;
}

int conv_create(backend *b, int i, err *e)
{
    const layer_desc *l = &b->m->layers[i];
    cuda_layer *cl = &b->layers[i];
    int pad = l->kernel / 2;
    CUDNN_TRY(cudnnCreateFilterDescriptor(&cl->filter));
    CUDNN_TRY(cudnnSetFilter4dDescriptor(cl->filter, b->cudnn_dt, CUDNN_TENSOR_NHWC, l->out_c,
                                         b->plan.layers[i].in_c, l->kernel, l->kernel));
    for (int d = 0; d < CONV_DIRS; d++) {
        CUDNN_TRY(cudnnCreateConvolutionDescriptor(&cl->conv[d]));
        CUDNN_TRY(cudnnSetConvolution2dDescriptor(cl->conv[d], pad, pad, 1, 1, 1, 1,
                                                  CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
        CUDNN_TRY(cudnnSetConvolutionMathType(cl->conv[d], wanted_math(b)));
        cl->searched[d].algo = cl->active[d].algo = -1;
    }
    return 0;
}

void conv_destroy(cuda_layer *cl)
{
    if (cl->filter)
        cudnnDestroyFilterDescriptor(cl->filter);
    for (int d = 0; d < CONV_DIRS; d++)
        if (cl->conv[d])
            cudnnDestroyConvolutionDescriptor(cl->conv[d]);
}

/* Ranks the algorithms of one direction of layer i for the current tensor descriptors: by
 * running them (search, on the planned buffers, within ws_bytes) or by cuDNN's heuristics. */
static int rank_algos(backend *b, int i, int dir, int search, void *ws, size_t ws_bytes,
                      algo_perf *r, int *got, err *e)
{
    cuda_layer *cl = &b->layers[i];
    cudnnTensorDescriptor_t xd = b->tensors[i], yd = b->tensors[i + 1];
    cudnnConvolutionDescriptor_t cd = cl->conv[dir];
    CUDNN_TRY(cudnnSetConvolutionMathType(cd, wanted_math(b)));
    if (dir == CONV_FWD) {
        cudnnConvolutionFwdAlgoPerf_t p[MAX_PERF];
        if (search)
            CUDNN_TRY(cudnnFindConvolutionForwardAlgorithmEx(
                b->cudnn, xd, layer_in(b, i), cl->filter, layer_wc(b, i), cd, yd,
                layer_out(b, i), MAX_PERF, got, p, ws, ws_bytes));
        else
            CUDNN_TRY(cudnnGetConvolutionForwardAlgorithm_v7(b->cudnn, xd, cl->filter, cd, yd,
                                                             MAX_PERF, got, p));
        COPY_PERF(p, *got, r);
    } else if (dir == CONV_BWD_DATA) {
        cudnnConvolutionBwdDataAlgoPerf_t p[MAX_PERF];
        if (search)
            CUDNN_TRY(cudnnFindConvolutionBackwardDataAlgorithmEx(
                b->cudnn, cl->filter, layer_wc(b, i), yd, b->grad[0], cd, xd, b->grad[1],
                MAX_PERF, got, p, ws, ws_bytes));
        else
            CUDNN_TRY(cudnnGetConvolutionBackwardDataAlgorithm_v7(b->cudnn, cl->filter, yd, cd,
                                                                  xd, MAX_PERF, got, p));
        COPY_PERF(p, *got, r);
    } else {
        cudnnConvolutionBwdFilterAlgoPerf_t p[MAX_PERF];
        if (search)
            CUDNN_TRY(cudnnFindConvolutionBackwardFilterAlgorithmEx(
                b->cudnn, xd, layer_in(b, i), yd, b->grad[0], cd, cl->filter, b->dw_scratch,
                MAX_PERF, got, p, ws, ws_bytes));
        else
            CUDNN_TRY(cudnnGetConvolutionBackwardFilterAlgorithm_v7(b->cudnn, xd, yd, cd,
                                                                    cl->filter, MAX_PERF, got,
                                                                    p));
        COPY_PERF(p, *got, r);
    }
    return 0;
}

/* The first (fastest) successful algorithm within `limit` bytes; fp32 takes true fp32 (FMA)
 * math first, then the default math, and tensor-op (TF32) math only when nothing else runs. */
static int pick(const algo_perf *r, int got, size_t limit, int fp32, conv_dir *out)
{
    static const cudnnMathType_t fp32_order[] = {CUDNN_FMA_MATH, CUDNN_DEFAULT_MATH};
    for (int pass = 0; pass < 3; pass++) {
        for (int k = 0; k < got; k++) {
            if (r[k].status != CUDNN_STATUS_SUCCESS || r[k].memory > limit)
                continue;
            if (fp32 && pass < 2 && r[k].math != fp32_order[pass])
                continue;
            *out = (conv_dir){r[k].algo, r[k].math, r[k].memory};
            return 0;
        }
    }
    return -1;
}

static int choose(backend *b, int i, int dir, int search, void *ws, size_t limit, conv_dir *out,
                  err *e)
{
    algo_perf r[MAX_PERF];
    int got = 0;
    if (rank_algos(b, i, dir, search, ws, limit, r, &got, e) < 0)
        return -1;
    if (pick(r, got, limit, b->dt == CUDA_DT_F32, out) < 0)
        return err_set(e, "cuda backend: layer %d: cuDNN has no %s convolution algorithm for "
                       "%dx%dx%d within %zu bytes of workspace", i, dir_name[dir],
                       b->plan.layers[i].in_c, b->m->layers[i].in_h, b->m->layers[i].in_w, limit);
    return 0;
}

static int same_shape(const backend *b, int i, int j)
{
    const layer_desc *li = &b->m->layers[i], *lj = &b->m->layers[j];
    return lj->kind == LAYER_CONV && b->plan.layers[i].in_c == b->plan.layers[j].in_c &&
           li->in_h == lj->in_h && li->in_w == lj->in_w && li->out_c == lj->out_c &&
           li->kernel == lj->kernel;
}

int conv_search_all(backend *b, void *search_ws, size_t search_bytes, size_t *need, err *e)
{
    *need = 0;
    for (int i = 0; i < b->m->num_layers; i++) {
        if (b->m->layers[i].kind != LAYER_CONV)
            continue;
        cuda_layer *cl = &b->layers[i];
        int j = 0;
        while (j < i && !same_shape(b, i, j))
            j++;
        for (int d = 0; d < CONV_DIRS; d++) {
            if (d == CONV_BWD_DATA && i == 0)
                continue;               /* the input needs no gradient */
            if (j < i && b->layers[j].searched[d].algo >= 0)
                cl->searched[d] = b->layers[j].searched[d];
            else if (choose(b, i, d, 1, search_ws, search_bytes, &cl->searched[d], e) < 0)
                return -1;
            cl->active[d] = cl->searched[d];
            CUDNN_TRY(cudnnSetConvolutionMathType(cl->conv[d], cl->active[d].math));
            if (cl->searched[d].workspace > *need)
                *need = cl->searched[d].workspace;
        }
    }
    return 0;
}

int conv_choose_for_batch(backend *b, int i, int n, err *e)
{
    cuda_layer *cl = &b->layers[i];
    for (int d = 0; d < CONV_DIRS; d++) {
        if (cl->searched[d].algo < 0)
            continue;
        if (n == b->plan.max_batch)
            cl->active[d] = cl->searched[d];
        else if (choose(b, i, d, 0, NULL, b->workspace_bytes, &cl->active[d], e) < 0)
            return -1;
        CUDNN_TRY(cudnnSetConvolutionMathType(cl->conv[d], cl->active[d].math));
    }
    return 0;
}

int conv_forward(backend *b, int i, const void *x, void *y, err *e)
{
    cuda_layer *cl = &b->layers[i];
    float one = 1.f, zero = 0.f;
    CUDNN_TRY(cudnnConvolutionForward(b->cudnn, &one, b->tensors[i], x, cl->filter, layer_wc(b, i),
                                      cl->conv[CONV_FWD],
                                      (cudnnConvolutionFwdAlgo_t)cl->active[CONV_FWD].algo,
                                      b->workspace, b->workspace_bytes, &zero, b->tensors[i + 1],
                                      y));
    return 0;
}

int conv_backward(backend *b, int i, const void *x, const void *dy, void *dx, float grad_scale,
                  err *e)
{
    const layer_desc *l = &b->m->layers[i];
    cuda_layer *cl = &b->layers[i];
    float one = 1.f, zero = 0.f;
    CUDNN_TRY(cudnnConvolutionBackwardFilter(
        b->cudnn, &one, b->tensors[i], x, b->tensors[i + 1], dy, cl->conv[CONV_BWD_FILTER],
        (cudnnConvolutionBwdFilterAlgo_t)cl->active[CONV_BWD_FILTER].algo, b->workspace,
        b->workspace_bytes, &zero, cl->filter, b->dw_scratch));
    CUDA_TRY(kern_unpack_conv_grad(b->dw_scratch, b->dt, b->grads + l->weight_offset, l->out_c,
                                   l->in_c, l->kernel, b->plan.layers[i].in_c, grad_scale,
                                   b->compute));
    if (dx)
        CUDNN_TRY(cudnnConvolutionBackwardData(
            b->cudnn, &one, cl->filter, layer_wc(b, i), b->tensors[i + 1], dy,
            cl->conv[CONV_BWD_DATA], (cudnnConvolutionBwdDataAlgo_t)cl->active[CONV_BWD_DATA].algo,
            b->workspace, b->workspace_bytes, &zero, b->tensors[i], dx));
    return 0;
}
