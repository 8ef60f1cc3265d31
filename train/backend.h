/* backend.h: the one narrow interface between the training loop and a device.
 *
 * The training loop (train/trainer.c), the loader, checkpoints and metrics are written once;
 * a backend (train/cpu: oneDNN; train/cuda: cuDNN + cuBLAS) implements these operations for
 * a whole model. A backend owns, in its own layouts and precisions, the parameters, their
 * gradients, the optimizer state, the BN running statistics and every activation, all
 * allocated once in create(): no step allocates.
 *
 * Host-visible state uses the model's flat fp32 layout (model.h): parameters, gradients and
 * momentum are num_params floats, BN statistics num_stats floats.
 *
 * Input: the loader fills a staging buffer (from host_alloc: pinned memory on a GPU) with the
 * batch's source records, uint8 HWC RGB, src_h x src_w each, back to back, plus per-image
 * augmentation (augment.h). The backend crops/scales, flips, colour-shifts, normalises and
 * changes layout itself (on the GPU, in one kernel). This is how uint8 bytes, a quarter of
 * float's, cross to a GPU.
 *
 * Determinism: dropout masks are a pure function of (seed, step, layer, element), so a resumed
 * run draws the same masks as an uninterrupted one.
 */
#ifndef VGG_TRAIN_BACKEND_H
#define VGG_TRAIN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "train/augment.h"
#include "train/model.h"

typedef enum precision { PRECISION_FP32, PRECISION_BF16, PRECISION_FP16 } precision;

typedef struct backend_config {
    const model *m;             /* must outlive the backend */
    int max_batch;              /* images per step at most */
    int src_h, src_w;           /* shape of the records in the staging buffer (3 channels) */
    float mean[3], std[3];      /* normalisation, pixel units 0..255 */
    int threads;                /* CPU threads for compute (0: all cores) */
    int device_index;           /* GPU ordinal */
    precision prec;
    uint64_t seed;              /* dropout */
} backend_config;

typedef struct backend_batch {
    int n;                      /* 1..max_batch */
    const uint8_t *pixels;      /* n * src_h * src_w * 3 bytes, from host_alloc */
    const augment *aug;         /* n entries: crop box, flip, colour shift (eval: centre crop) */
    const int32_t *labels;      /* n labels (may be NULL for predict) */
    uint64_t step;              /* global step number: seeds dropout */
} backend_batch;

typedef struct sgd_params {
    float lr, momentum, weight_decay;
    int nesterov;
    int decay_bias_and_bn;      /* 0: no weight decay on biases and BN parameters */
    float grad_scale;           /* gradients are multiplied by this first (1/accumulation steps) */
} sgd_params;

/* Sums over the images seen since the last read (train_step and eval_step both add). */
typedef struct backend_metrics {
    double loss_sum;            /* sum over images of the per-image loss (with smoothing) */
    int64_t correct_top1, correct_top5, images;
    int nonfinite;              /* a non-finite loss was seen */
} backend_metrics;

typedef enum backend_buffer { BUF_PARAMS, BUF_GRADS, BUF_MOMENTUM, BUF_STATS } backend_buffer;

typedef struct backend backend;

typedef struct backend_ops {
    const char *name;           /* "cpu", "cuda" */
    precision auto_precision;   /* what train.precision = auto picks (zero: fp32) */
    int (*create)(const backend_config *cfg, backend **out, err *e);
    void (*destroy)(backend *b);

    /* Staging memory for input batches; the loader owns what it allocates. */
    void *(*host_alloc)(backend *b, size_t bytes, err *e);
    void (*host_free)(backend *b, void *p);

    /* Copies between the backend and host fp32 buffers in the model's flat layout. */
    int (*read)(backend *b, backend_buffer which, float *dst, err *e);
    int (*write)(backend *b, backend_buffer which, const float *src, err *e);

    /* Forward in training mode, softmax cross-entropy (label smoothing eps), backward; the
     * gradients of the batch-mean loss are ADDED to the gradient buffer. Returns when
     * batch->pixels may be reused (the computation itself may still be running). */
    int (*train_step)(backend *b, const backend_batch *batch, float label_smoothing, err *e);
    int (*zero_grads)(backend *b, err *e);
    /* SGD with momentum (PyTorch semantics, incl. Nesterov) over all parameters at once. */
    int (*sgd_step)(backend *b, const sgd_params *p, err *e);

    /* Forward in eval mode; writes n x num_classes logits (fp32) to `logits` when not NULL and
     * adds to the metrics when labels are given. */
    int (*eval_step)(backend *b, const backend_batch *batch, float *logits, err *e);

    /* Waits for queued work, returns the metrics summed since the last call and resets them. */
    int (*read_metrics)(backend *b, backend_metrics *out, err *e);

    /* Optional, NULL when not kept: seconds the device waited for input since the last call. */
    double (*input_wait_seconds)(backend *b);

    /* Optional, NULL when unknown: an estimate of the host memory create(cfg) would allocate:
     * parameters, gradients, momentum, BN statistics, and the activations, their gradients and
     * scratch of one batch of cfg->max_batch images (max_batch 0: the state alone). Device
     * memory is not counted. Called before create, so that a run that cannot fit is refused
     * before any work starts. */
    size_t (*host_bytes)(const backend_config *cfg);
} backend_ops;

extern const backend_ops backend_cpu_ops;
#ifdef VGG_HAVE_CUDA
extern const backend_ops backend_cuda_ops;
/* 1 when a usable CUDA device is present (for device = auto). */
int backend_cuda_available(void);
#endif

#endif
