/* cpu_kernels.h: the plain C kernels of the CPU backend (what does not run as a oneDNN
 * primitive). Pure functions over arrays, multi-threaded with OpenMP when built with it.
 * Shapes are given with each function; every matrix is row-major. */
#ifndef VGG_TRAIN_CPU_KERNELS_H
#define VGG_TRAIN_CPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "train/augment.h"
#include "train/backend.h"

/* x: [n][3][size][size] normalised floats from n uint8 HWC records of src_h x src_w. */
void cpu_input_prepare(float *x, int n, int size, const uint8_t *pixels, int src_h, int src_w,
                       const augment *aug, const float *mean, const float *inv_std);

/* y[n][out] = x[n][in] W^T + b, then ReLU when relu (W: [out][in]). Returns a dnnl status. */
int cpu_linear_forward(float *y, const float *x, const float *w, const float *b, int n, int in,
                       int out, int relu);
/* From dy[n][out] (masked in place by y > 0 when relu): dW [out][in] and db [out] written
 * (accumulate 0) or added to (1); dx[n][in] when dx is not NULL. */
int cpu_linear_backward(float *dx, float *dw, float *db, float *dy, const float *x,
                        const float *y, const float *w, int n, int in, int out, int relu,
                        int accumulate);

/* Inverted dropout over count = n * features elements with dropout_keep(seed, step, layer, i). */
void cpu_dropout_forward(float *y, const float *x, size_t count, float p, uint64_t seed,
                         uint64_t step, uint32_t layer);
void cpu_dropout_backward(float *dx, const float *dy, size_t count, float p, uint64_t seed,
                          uint64_t step, uint32_t layer);

/* Softmax cross-entropy with label smoothing eps (PyTorch: target (1-eps) one-hot + eps/k)
 * over logits [n][k]. Adds loss, top-1 and top-5 hits to *m. When grad is not NULL writes
 * d(mean loss)/d logits. */
void cpu_softmax_xent(const float *logits, int n, int k, const int32_t *labels, float eps,
                      float *grad, backend_metrics *m);

/* dst = src (accumulate 0) or dst += src (1). */
void cpu_accumulate(float *dst, const float *src, size_t count, int accumulate);

/* One torch.optim.SGD step (dampening 0) over count parameters:
 * g = grad*scale + wd*p; buf = momentum*buf + g; p -= lr * (nesterov ? g + momentum*buf : buf). */
void cpu_sgd_update(float *p, const float *grad, float *buf, size_t count, float lr,
                    float momentum, float wd, int nesterov, float scale);

#endif
