/* cpu_dropout.c: inverted dropout; the mask is recomputed in backward from dropout_mask.h
 * (a pure function of seed, step, layer and element), so nothing is stored. */
#include "train/cpu/cpu_kernels.h"
#include "train/cpu/cpu_omp.h"
#include "train/dropout_mask.h"

static void dropout_apply(float *dst, const float *src, size_t count, float p, uint64_t seed,
                          uint64_t step, uint32_t layer)
{
    float scale = p < 1.f ? 1.f / (1.f - p) : 0.f;
    CPU_PARALLEL_FOR
    for (size_t i = 0; i < count; i++)
        dst[i] = dropout_keep(seed, step, layer, i, p) ? src[i] * scale : 0.f;
}

void cpu_dropout_forward(float *y, const float *x, size_t count, float p, uint64_t seed,
                         uint64_t step, uint32_t layer)
{
    dropout_apply(y, x, count, p, seed, step, layer);
}

void cpu_dropout_backward(float *dx, const float *dy, size_t count, float p, uint64_t seed,
                          uint64_t step, uint32_t layer)
{
    dropout_apply(dx, dy, count, p, seed, step, layer);
}
