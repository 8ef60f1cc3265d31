/* cpu_sgd.c: torch.optim.SGD (weight decay before momentum, dampening 0) and gradient sums. */
#include "train/cpu/cpu_kernels.h"
#include "train/cpu/cpu_omp.h"

void cpu_sgd_update(float *p, const float *grad, float *buf, size_t count, float lr, float momentum,
                    float wd, int nesterov, float scale)
{
    CPU_PARALLEL_FOR
    for (size_t i = 0; i < count; i++) {
        float g = grad[i] * scale + wd * p[i];
        if (momentum != 0.f) {
            float v = momentum * buf[i] + g;
            buf[i] = v;
            g = nesterov ? g + momentum * v : v;
        }
        p[i] -= lr * g;
    }
}

void cpu_accumulate(float *dst, const float *src, size_t count, int accumulate)
{
    CPU_PARALLEL_FOR
    for (size_t i = 0; i < count; i++)
        dst[i] = accumulate ? dst[i] + src[i] : src[i];
}
