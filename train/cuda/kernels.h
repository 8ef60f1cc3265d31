/* kernels.h: the CUDA backend's own kernels (kernels_*.cu), as C entry points.
 *
 * Every launcher enqueues on `stream` and returns the launch status (cudaGetLastError()).
 * Tensors are NHWC in the compute precision `dt` unless stated; "fp32" pointers are float.
 * Element counts are for the whole batch. Nothing here allocates.
 */
#ifndef VGG_TRAIN_CUDA_KERNELS_H
#define VGG_TRAIN_CUDA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#include "train/augment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cuda_dtype { CUDA_DT_F32 = 0, CUDA_DT_BF16 = 1, CUDA_DT_F16 = 2 } cuda_dtype;

/* Normalisation constants of the input kernel (pixel units). */
typedef struct input_norm {
    float mean[3], inv_std[3];
} input_norm;

/* uint8 HWC RGB records (src_h x src_w, back to back) -> n x size x size x c_pad input, each
 * pixel by augment_pixel (shared with the CPU backend); channels 3..c_pad-1 are zero. */
cudaError_t kern_input(const uint8_t *src, int src_h, int src_w, const augment *aug, int n,
                       int size, int c_pad, input_norm norm, void *out, cuda_dtype dt,
                       cudaStream_t stream);

/* y[r][j] = act(y[r][j] + bias[j]) in place over rows x c; bias (fp32) may be NULL; act: ReLU
 * when relu. */
cudaError_t kern_bias_act(void *y, cuda_dtype dt, const float *bias, size_t rows, int c,
                          int relu, cudaStream_t stream);

/* Backward of kern_bias_act, in place on dy: when relu, dy[i] = 0 where y[i] <= 0 (y is the
 * layer's output); then, when bias_grad is not NULL, bias_grad[j] += scale * sum of dy over
 * the rows (rows x c, fp32, atomic adds). */
cudaError_t kern_act_backward(void *dy, const void *y, cuda_dtype dt, size_t rows, int c,
                              int relu, float *bias_grad, float scale, cudaStream_t stream);

/* 2x2 max pooling, stride 2, of n x h x w x c: forward (backward = 0) writes y (n x h/2 x
 * w/2 x c) to out; backward writes dx (n x h x w x c) to out from x and dy. For where cuDNN's
 * pooling is not supported. */
cudaError_t kern_maxpool(const void *x, const void *dy, void *out, cuda_dtype dt, int n, int h,
                         int w, int c, int backward, cudaStream_t stream);

/* Cross-channel LRN with PyTorch's LocalResponseNorm parameters, over pixels x c: forward
 * writes y to out; backward writes dx to out from x and dy. For where cuDNN's LRN is not
 * supported. */
typedef struct lrn_params {
    int size;
    float alpha, beta, k;
} lrn_params;
cudaError_t kern_lrn(const void *x, const void *dy, void *out, cuda_dtype dt, size_t pixels,
                     int c, lrn_params l, int backward, cudaStream_t stream);

/* Inverted dropout with dropout_keep(seed, step, layer, i, p): y = keep ? x / (1 - p) : 0.
 * The backward is the same map applied to dy (pass dy as x, dx as y). */
cudaError_t kern_dropout(const void *x, void *y, cuda_dtype dt, size_t count, float p,
                         uint64_t seed, uint64_t step, uint32_t layer, cudaStream_t stream);

/* n x h x w x c (NHWC) <-> n x c x h x w (NCHW); to_nchw selects the direction. */
cudaError_t kern_flatten(const void *src, void *dst, cuda_dtype dt, int n, int c, int h, int w,
                         int to_nchw, cudaStream_t stream);

/* Weights, fp32 master -> compute precision. Convolution: OIHW -> O x KH x KW x Cin_pad with
 * zeros in the padding channels; linear: a plain cast of `count` values. */
cudaError_t kern_pack_conv(const float *w, void *out, cuda_dtype dt, int o, int i, int k,
                           int i_pad, cudaStream_t stream);
cudaError_t kern_cast(const float *src, void *dst, cuda_dtype dt, size_t count,
                      cudaStream_t stream);
/* Convolution weight gradient back to the master layout: g[OIHW] += scale * dw[O,KH,KW,Cin_pad]. */
cudaError_t kern_unpack_conv_grad(const void *dw, cuda_dtype dt, float *g, int o, int i, int k,
                                  int i_pad, float scale, cudaStream_t stream);

/* Softmax cross-entropy with label smoothing eps on fp32 logits (n x classes), per image:
 * loss[j], rank[j] = number of logits strictly greater than the label's (top-1: rank 0,
 * top-5: rank < 5). dlogits (compute precision) = grad_scale * d(mean loss)/d(logits) when
 * not NULL. */
cudaError_t kern_softmax_xent(const float *logits, const int32_t *labels, int n, int classes,
                              float eps, float grad_scale, void *dlogits, cuda_dtype dt,
                              float *loss, int *rank, cudaStream_t stream);

/* Metric sums on the device, added to by kern_metrics_add, read and reset by the host. */
typedef struct device_metrics {
    double loss_sum;
    unsigned long long top1, top5, images;
    int nonfinite;
} device_metrics;
cudaError_t kern_metrics_add(const float *loss, const int *rank, int n, device_metrics *m,
                             cudaStream_t stream);

/* *flag = 1 when any of g[0..count) is not finite (flag is not cleared first). */
cudaError_t kern_find_nonfinite(const float *g, size_t count, int *flag, cudaStream_t stream);

/* SGD with momentum, PyTorch semantics, over all parameters:
 *   d = grad_scale * g + (decay[i] || decay_all ? weight_decay * p : 0)
 *   m = momentum * m + d;  d = nesterov ? d + momentum * m : m   (when momentum != 0)
 *   p -= lr * d */
typedef struct sgd_args {
    float lr, momentum, weight_decay, grad_scale;
    int nesterov;
    int decay_all;              /* 0: decay only where decay[i] is set (weights) */
} sgd_args;
cudaError_t kern_sgd(float *p, const float *g, float *m, const uint8_t *decay, size_t count,
                     sgd_args a, cudaStream_t stream);

#ifdef __cplusplus
}
#endif

#endif
