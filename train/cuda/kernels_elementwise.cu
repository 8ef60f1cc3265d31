/* kernels_elementwise.cu: bias + activation, their backward with the bias gradient, dropout,
 * the NHWC <-> NCHW flatten, and the weight packing between fp32 master and compute copies. */
#include "train/cuda/dtype.cuh"
#include "train/dropout_mask.h"

/* Both per-channel kernels: blocks of 32 channels (x) by 8 rows (y), the grid's x dimension
 * over the channels and its y dimension striding over the rows, so no thread divides. */
#define ROWS_PER_BLOCK 8

static dim3 channel_grid(size_t rows, int c)
{
    size_t chunks = (rows + ROWS_PER_BLOCK * 16 - 1) / (ROWS_PER_BLOCK * 16);  /* ~16 rows each */
    if (chunks < 1)
        chunks = 1;
    if (chunks > 1024)
        chunks = 1024;
    return dim3((unsigned)((c + 31) / 32), (unsigned)chunks);
}

static __global__ void bias_act_kernel(void *y, cuda_dtype dt, const float *bias, size_t rows,
                                       int c, int relu)
{
    int ch = blockIdx.x * 32 + threadIdx.x;
    if (ch >= c)
        return;
    float b = bias ? bias[ch] : 0.f;
    for (size_t r = (size_t)blockIdx.y * ROWS_PER_BLOCK + threadIdx.y; r < rows;
         r += (size_t)gridDim.y * ROWS_PER_BLOCK) {
        size_t i = r * (size_t)c + (size_t)ch;
        float v = dt_load(y, i, dt) + b;
        if (relu && v <= 0.f)   /* a NaN stays NaN, as in PyTorch */
            v = 0.f;
        dt_store(y, i, dt, v);
    }
}

extern "C" cudaError_t kern_bias_act(void *y, cuda_dtype dt, const float *bias, size_t rows,
                                     int c, int relu, cudaStream_t stream)
{
    bias_act_kernel<<<channel_grid(rows, c), dim3(32, ROWS_PER_BLOCK), 0, stream>>>(y, dt, bias,
                                                                                    rows, c, relu);
    return cudaGetLastError();
}

static __global__ void act_backward_kernel(void *dy, const void *y, cuda_dtype dt, size_t rows,
                                           int c, int relu, float *bias_grad, float scale)
{
    __shared__ float partial[ROWS_PER_BLOCK][32];
    int ch = blockIdx.x * 32 + threadIdx.x;
    float sum = 0.f;
    if (ch < c) {
        for (size_t r = (size_t)blockIdx.y * ROWS_PER_BLOCK + threadIdx.y; r < rows;
             r += (size_t)gridDim.y * ROWS_PER_BLOCK) {
            size_t i = r * (size_t)c + (size_t)ch;
            float v = dt_load(dy, i, dt);
            if (relu && !(dt_load(y, i, dt) > 0.f)) {
                v = 0.f;
                dt_store(dy, i, dt, v);
            }
            sum += v;
        }
    }
    if (!bias_grad)
        return;
    partial[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.y == 0 && ch < c) {
        for (int k = 1; k < ROWS_PER_BLOCK; k++)
            sum += partial[k][threadIdx.x];
        atomicAdd(&bias_grad[ch], scale * sum);
    }
}

extern "C" cudaError_t kern_act_backward(void *dy, const void *y, cuda_dtype dt, size_t rows,
                                         int c, int relu, float *bias_grad, float scale,
                                         cudaStream_t stream)
{
    if (!relu && !bias_grad)
        return cudaSuccess;
    act_backward_kernel<<<channel_grid(rows, c), dim3(32, ROWS_PER_BLOCK), 0, stream>>>(
        dy, y, dt, rows, c, relu, bias_grad, scale);
    return cudaGetLastError();
}

static __global__ void dropout_kernel(const void *x, void *y, cuda_dtype dt, size_t count,
                                      float p, float inv_keep, uint64_t seed, uint64_t step,
                                      uint32_t layer)
{
    GRID_STRIDE(i, count) {
        int keep = dropout_keep(seed, step, layer, (uint64_t)i, p);
        dt_store(y, i, dt, keep ? dt_load(x, i, dt) * inv_keep : 0.f);
    }
}

extern "C" cudaError_t kern_dropout(const void *x, void *y, cuda_dtype dt, size_t count, float p,
                                    uint64_t seed, uint64_t step, uint32_t layer,
                                    cudaStream_t stream)
{
    float inv_keep = p < 1.f ? 1.f / (1.f - p) : 0.f;
    dropout_kernel<<<grid_for(count, 256), 256, 0, stream>>>(x, y, dt, count, p, inv_keep, seed,
                                                             step, layer);
    return cudaGetLastError();
}

static __global__ void flatten_kernel(const void *src, void *dst, cuda_dtype dt, int n, int c,
                                      int h, int w, int to_nchw)
{
    size_t count = (size_t)n * c * h * w;
    GRID_STRIDE(i, count) {      /* i: NCHW index */
        size_t img, ch, yy, x;
        unravel4(i, (size_t)c, (size_t)h, (size_t)w, &img, &ch, &yy, &x);
        size_t j = ((img * (size_t)h + yy) * (size_t)w + x) * (size_t)c + ch;   /* NHWC index */
        if (to_nchw)
            dt_store(dst, i, dt, dt_load(src, j, dt));
        else
            dt_store(dst, j, dt, dt_load(src, i, dt));
    }
}

extern "C" cudaError_t kern_flatten(const void *src, void *dst, cuda_dtype dt, int n, int c, int h,
                                    int w, int to_nchw, cudaStream_t stream)
{
    size_t count = (size_t)n * c * h * w;
    flatten_kernel<<<grid_for(count, 256), 256, 0, stream>>>(src, dst, dt, n, c, h, w, to_nchw);
    return cudaGetLastError();
}

static __global__ void pack_conv_kernel(const float *w, void *out, cuda_dtype dt, int o, int in,
                                        int k, int i_pad)
{
    size_t count = (size_t)o * k * k * i_pad;
    GRID_STRIDE(j, count) {      /* j: O x KH x KW x Cin_pad index */
        size_t oo, ky, kx, ci;
        unravel4(j, (size_t)k, (size_t)k, (size_t)i_pad, &oo, &ky, &kx, &ci);
        float v = ci < (size_t)in ? w[((oo * (size_t)in + ci) * (size_t)k + ky) * (size_t)k + kx]
                                  : 0.f;
        dt_store(out, j, dt, v);
    }
}

extern "C" cudaError_t kern_pack_conv(const float *w, void *out, cuda_dtype dt, int o, int i,
                                      int k, int i_pad, cudaStream_t stream)
{
    size_t count = (size_t)o * k * k * i_pad;
    pack_conv_kernel<<<grid_for(count, 256), 256, 0, stream>>>(w, out, dt, o, i, k, i_pad);
    return cudaGetLastError();
}

static __global__ void cast_kernel(const float *src, void *dst, cuda_dtype dt, size_t count)
{
    GRID_STRIDE(i, count)
        dt_store(dst, i, dt, src[i]);
}

extern "C" cudaError_t kern_cast(const float *src, void *dst, cuda_dtype dt, size_t count,
                                 cudaStream_t stream)
{
    cast_kernel<<<grid_for(count, 256), 256, 0, stream>>>(src, dst, dt, count);
    return cudaGetLastError();
}

static __global__ void unpack_conv_grad_kernel(const void *dw, cuda_dtype dt, float *g, int o,
                                               int in, int k, int i_pad, float scale)
{
    size_t count = (size_t)o * in * k * k;
    GRID_STRIDE(j, count) {      /* j: OIHW index */
        size_t oo, ci, ky, kx;
        unravel4(j, (size_t)in, (size_t)k, (size_t)k, &oo, &ci, &ky, &kx);
        g[j] += scale * dt_load(dw, ((oo * (size_t)k + ky) * (size_t)k + kx) * (size_t)i_pad + ci,
                                dt);
    }
}

extern "C" cudaError_t kern_unpack_conv_grad(const void *dw, cuda_dtype dt, float *g, int o, int i,
                                             int k, int i_pad, float scale, cudaStream_t stream)
{
    size_t count = (size_t)o * i * k * k;
    unpack_conv_grad_kernel<<<grid_for(count, 256), 256, 0, stream>>>(dw, dt, g, o, i, k, i_pad,
                                                                      scale);
    return cudaGetLastError();
}
