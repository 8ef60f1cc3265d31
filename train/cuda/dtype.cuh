/* dtype.cuh: what the kernels share: reading and writing one element of a tensor whose
 * precision is known only at run time (fp32, bf16, fp16; the branch is uniform across a warp),
 * index arithmetic, and the grid of a grid-stride loop. */
#ifndef VGG_TRAIN_CUDA_DTYPE_CUH
#define VGG_TRAIN_CUDA_DTYPE_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "train/cuda/kernels.h"

static __device__ __forceinline__ float dt_load(const void *p, size_t i, cuda_dtype dt)
{
    switch (dt) {
    case CUDA_DT_BF16: return __bfloat162float(((const __nv_bfloat16 *)p)[i]);
    case CUDA_DT_F16: return __half2float(((const __half *)p)[i]);
    default: return ((const float *)p)[i];
    }
}

static __device__ __forceinline__ void dt_store(void *p, size_t i, cuda_dtype dt, float v)
{
    switch (dt) {
    case CUDA_DT_BF16: ((__nv_bfloat16 *)p)[i] = __float2bfloat16(v); break;
    case CUDA_DT_F16: ((__half *)p)[i] = __float2half(v); break;
    default: ((float *)p)[i] = v; break;
    }
}

/* The coordinates (i0, i1, i2, i3) of flat index j over dimensions (any, d1, d2, d3), the
 * last one innermost. */
static __device__ __forceinline__ void unravel4(size_t j, size_t d1, size_t d2, size_t d3,
                                                size_t *i0, size_t *i1, size_t *i2, size_t *i3)
{
    *i3 = j % d3;
    j /= d3;
    *i2 = j % d2;
    j /= d2;
    *i1 = j % d1;
    *i0 = j / d1;
}

/* Blocks for a 1-D grid-stride loop over `count` elements. */
static inline unsigned grid_for(size_t count, unsigned threads)
{
    size_t blocks = (count + threads - 1) / threads;
    if (blocks > 65535u * 16u)
        blocks = 65535u * 16u;
    return blocks ? (unsigned)blocks : 1u;
}

#define GRID_STRIDE(i, count) \
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (count); \
         i += (size_t)gridDim.x * blockDim.x)

#endif
