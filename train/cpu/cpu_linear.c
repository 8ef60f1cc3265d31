/* cpu_linear.c: fully connected layers on oneDNN's sgemm (the same GEMM its inner product
 * uses), reading the weights [out][in] straight from the flat parameter buffer. */
#include <dnnl.h>
#include <string.h>

#include "train/cpu/cpu_kernels.h"
#include "train/cpu/cpu_omp.h"

int cpu_linear_forward(float *y, const float *x, const float *w, const float *b, int n, int in,
                       int out, int relu)
{
    for (int i = 0; i < n; i++)
        memcpy(y + (size_t)i * out, b, (size_t)out * sizeof *y);
    dnnl_status_t s = dnnl_sgemm('N', 'T', n, out, in, 1.f, x, in, w, in, 1.f, y, out);
    if (s != dnnl_success || !relu)
        return s;
    size_t count = (size_t)n * out;
    CPU_PARALLEL_FOR
    for (size_t i = 0; i < count; i++)
        y[i] = y[i] > 0.f ? y[i] : 0.f;
    return s;
}

int cpu_linear_backward(float *dx, float *dw, float *db, float *dy, const float *x, const float *y,
                        const float *w, int n, int in, int out, int relu, int accumulate)
{
    if (relu) {
        size_t count = (size_t)n * out;
        CPU_PARALLEL_FOR
        for (size_t i = 0; i < count; i++)
            if (!(y[i] > 0.f))
                dy[i] = 0.f;
    }
    dnnl_status_t s =
        dnnl_sgemm('T', 'N', out, in, n, 1.f, dy, out, x, in, accumulate ? 1.f : 0.f, dw, in);
    if (s != dnnl_success)
        return s;
    CPU_PARALLEL_FOR
    for (int o = 0; o < out; o++) {
        float sum = 0.f;
        for (int i = 0; i < n; i++)
            sum += dy[(size_t)i * out + o];
        db[o] = accumulate ? db[o] + sum : sum;
    }
    if (dx)
        s = dnnl_sgemm('N', 'N', n, in, out, 1.f, dy, out, w, in, 0.f, dx, in);
    return s;
}
