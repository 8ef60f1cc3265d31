/* lrn_math.h: the per-element math of cross-channel LRN with PyTorch's LocalResponseNorm
 * semantics, as plain functions over a window of one pixel's channels, shared by the CUDA
 * kernel (kernels_pool_lrn.cu) and its host unit test:
 *   y_c = x_c s_c^-beta,  s_c = k + alpha / size * sum of x_q^2, q = c - size/2 .. c + (size-1)/2
 *   dx_c = dy_c s_c^-beta - 2 alpha beta / size * x_c * sum over the j whose window holds c
 *          of dy_j x_j s_j^(-beta-1)
 * A window `w` holds the values of channels c - (size-1) .. c + (size-1) (2 size - 1 of them,
 * zero beyond the tensor's channels, which adds nothing to any sum); w[size - 1] is channel c. */
#ifndef VGG_TRAIN_CUDA_LRN_MATH_H
#define VGG_TRAIN_CUDA_LRN_MATH_H

#include <math.h>

#ifdef __CUDACC__
#define LRN_FN static __host__ __device__ inline
#else
#define LRN_FN static inline
#endif

#define LRN_MAX_SIZE 16
#define LRN_WINDOW(size) (2 * (size) - 1)

/* s of channel c + j, for j in -(size-1)/2 .. size/2 (all the window needs). */
LRN_FN float lrn_scale(const float *xw, int j, int size, float alpha, float k)
{
    float sum = 0.f;
    for (int q = size - 1 + j - size / 2; q <= size - 1 + j + (size - 1) / 2; q++)
        sum += xw[q] * xw[q];
    return k + alpha / (float)size * sum;
}

LRN_FN float lrn_forward(const float *xw, int size, float alpha, float beta, float k)
{
    return xw[size - 1] * powf(lrn_scale(xw, 0, size, alpha, k), -beta);
}

LRN_FN float lrn_backward(const float *xw, const float *dyw, int size, float alpha, float beta,
                          float k)
{
    float acc = 0.f;
    for (int j = -(size - 1) / 2; j <= size / 2; j++)
        acc += dyw[size - 1 + j] * xw[size - 1 + j] *
               powf(lrn_scale(xw, j, size, alpha, k), -beta - 1.f);
    return dyw[size - 1] * powf(lrn_scale(xw, 0, size, alpha, k), -beta) -
           2.f * alpha * beta / (float)size * xw[size - 1] * acc;
}

#endif
