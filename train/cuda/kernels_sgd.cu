/* kernels_sgd.cu: the fused SGD update over every parameter, and the overflow check that
 * dynamic loss scaling runs before it. */
#include "train/cuda/dtype.cuh"

static __global__ void sgd_kernel(float *p, const float *g, float *m, const uint8_t *decay,
                                  size_t count, sgd_args a)
{
    GRID_STRIDE(i, count) {
        float w = p[i];
        float d = a.grad_scale * g[i];
        if (decay[i] || a.decay_all)
            d += a.weight_decay * w;
        if (a.momentum != 0.f) {
            float buf = a.momentum * m[i] + d;
            m[i] = buf;
            d = a.nesterov ? d + a.momentum * buf : buf;
        }
        p[i] = w - a.lr * d;
    }
}

extern "C" cudaError_t kern_sgd(float *p, const float *g, float *m, const uint8_t *decay,
                                size_t count, sgd_args a, cudaStream_t stream)
{
    sgd_kernel<<<grid_for(count, 256), 256, 0, stream>>>(p, g, m, decay, count, a);
    return cudaGetLastError();
}

static __global__ void find_nonfinite_kernel(const float *g, size_t count, int *flag)
{
    GRID_STRIDE(i, count) {
        if (!isfinite(g[i]))
            *flag = 1;
    }
}

extern "C" cudaError_t kern_find_nonfinite(const float *g, size_t count, int *flag,
                                           cudaStream_t stream)
{
    find_nonfinite_kernel<<<grid_for(count, 256), 256, 0, stream>>>(g, count, flag);
    return cudaGetLastError();
}
