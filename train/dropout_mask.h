/* dropout_mask.h: the dropout mask as a pure function of (seed, step, layer, element), shared
 * by the CPU backend and the CUDA kernels so that both, and a resumed run, draw the same mask. */
#ifndef VGG_TRAIN_DROPOUT_MASK_H
#define VGG_TRAIN_DROPOUT_MASK_H

#include <stdint.h>

#ifdef __CUDACC__
#define DROPOUT_FN static __host__ __device__ inline
#else
#define DROPOUT_FN static inline
#endif

/* splitmix64's finaliser: a strong 64-bit mix. */
DROPOUT_FN uint64_t dropout_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* 1 when element `i` (index into the batch's n*features outputs) of dropout layer `layer` is
 * kept at global step `step`; an element is dropped with probability p. */
DROPOUT_FN int dropout_keep(uint64_t seed, uint64_t step, uint32_t layer, uint64_t i, float p)
{
    uint64_t h = dropout_mix(seed ^ dropout_mix(step * 0x9e3779b97f4a7c15ULL + layer));
    h = dropout_mix(h + i);
    float u = (float)(h >> 40) * (1.0f / 16777216.0f);   /* 24 bits -> [0, 1) */
    return u >= p;
}

#endif
