/* kernels_pool_lrn.cu: 2x2 max pooling and cross-channel LRN in NHWC, for the precisions or
 * layouts where cuDNN's own (used first, see layers.c) reports "not supported". PyTorch's
 * semantics: pooling passes the gradient to the first maximum of each window (NaN counting
 * as maximal); LRN is LocalResponseNorm (lrn_math.h). */
#include "train/cuda/dtype.cuh"
#include "train/cuda/lrn_math.h"

/* One thread per output element (image, oy, ox, channel); h, w are the input's. */
static __global__ void maxpool_kernel(const void *x, const void *dy, void *out, cuda_dtype dt,
                                      int n, int h, int w, int c, int backward)
{
    int oh = h / 2, ow = w / 2;
    size_t count = (size_t)n * oh * ow * c;
    GRID_STRIDE(o, count) {
        size_t img, oy, ox, ch;
        unravel4(o, (size_t)oh, (size_t)ow, (size_t)c, &img, &oy, &ox, &ch);
        size_t at[4], best = 0;
        float m = -INFINITY;
        for (int k = 0; k < 4; k++) {
            at[k] = ((img * h + 2 * oy + k / 2) * (size_t)w + 2 * ox + k % 2) * (size_t)c + ch;
            float v = dt_load(x, at[k], dt);
            if (v > m || v != v) {      /* PyTorch's rule: a NaN wins */
                m = v;
                best = (size_t)k;
            }
        }
        if (!backward) {
            dt_store(out, o, dt, m);
            continue;
        }
        float g = dt_load(dy, o, dt);
        for (size_t k = 0; k < 4; k++)
            dt_store(out, at[k], dt, k == best ? g : 0.f);
    }
}

extern "C" cudaError_t kern_maxpool(const void *x, const void *dy, void *out, cuda_dtype dt,
                                    int n, int h, int w, int c, int backward, cudaStream_t stream)
{
    size_t count = (size_t)n * (h / 2) * (w / 2) * c;
    maxpool_kernel<<<grid_for(count, 256), 256, 0, stream>>>(x, dy, out, dt, n, h, w, c,
                                                             backward);
    return cudaGetLastError();
}

/* One thread per element: its pixel's channels c - (size-1) .. c + (size-1) into windows, then
 * lrn_math.h. */
static __global__ void lrn_kernel(const void *x, const void *dy, void *out, cuda_dtype dt,
                                  size_t pixels, int c, lrn_params l, int backward)
{
    size_t count = pixels * (size_t)c;
    GRID_STRIDE(i, count) {
        int ch = (int)(i % (size_t)c);
        size_t p = i - (size_t)ch;
        float xw[LRN_WINDOW(LRN_MAX_SIZE)], dyw[LRN_WINDOW(LRN_MAX_SIZE)];
        for (int q = 0; q < LRN_WINDOW(l.size); q++) {
            int at = ch - (l.size - 1) + q;
            int inside = at >= 0 && at < c;
            xw[q] = inside ? dt_load(x, p + (size_t)at, dt) : 0.f;
            dyw[q] = inside && backward ? dt_load(dy, p + (size_t)at, dt) : 0.f;
        }
        dt_store(out, i, dt, backward ? lrn_backward(xw, dyw, l.size, l.alpha, l.beta, l.k)
                                      : lrn_forward(xw, l.size, l.alpha, l.beta, l.k));
    }
}

extern "C" cudaError_t kern_lrn(const void *x, const void *dy, void *out, cuda_dtype dt,
                                size_t pixels, int c, lrn_params l, int backward,
                                cudaStream_t stream)
{
    size_t count = pixels * (size_t)c;
    lrn_kernel<<<grid_for(count, 256), 256, 0, stream>>>(x, dy, out, dt, pixels, c, l, backward);
    return cudaGetLastError();
}
