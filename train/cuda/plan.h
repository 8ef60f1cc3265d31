/* plan.h: the CUDA backend's memory plan, worked out once from the model and the batch size,
 * on the host and without a GPU (so it is unit-tested here).
 *
 * Activations live on the GPU in NHWC, in the compute precision, in one arena: the input (its
 * channels padded to a multiple of 8 so tensor cores apply), then every layer's output, each
 * kept for the backward pass. A LINEAR layer whose input still has a spatial extent reads it
 * through a flatten buffer in NCHW order, which is the order torchvision's weights expect.
 * Backward uses two ping-pong gradient buffers, each as large as the largest activation.
 * Weights are used in the compute precision from a packed copy of the fp32 master weights:
 * convolutions as O x KH x KW x Cin_pad (cuDNN's NHWC filter layout), linear as [out][in].
 * All sizes are in elements of the compute precision unless they say bytes.
 */
#ifndef VGG_TRAIN_CUDA_PLAN_H
#define VGG_TRAIN_CUDA_PLAN_H

#include <stddef.h>

#include "common/error.h"
#include "train/model.h"

/* Offsets into the arenas are multiples of this many elements (256 bytes at 2 bytes each). */
#define CUDA_PLAN_ALIGN 128

typedef struct cuda_layer_plan {
    int c, h, w;                /* output as stored: NHWC per image */
    size_t out_elems;           /* per image: c * h * w */
    size_t out_offset;          /* into the activation arena (whole batch) */
    int in_c, in_h, in_w;       /* input as stored (channels padded for the first layer; a
                                 * LINEAR layer's spatial input, which model.h flattens) */
    size_t flat_offset;         /* LINEAR with a spatial input: its NCHW flatten buffer; else 0 */
    int flatten;                /* 1 when flat_offset is used */
    size_t wc_offset, wc_count; /* CONV, LINEAR: packed compute-precision weights */
} cuda_layer_plan;

typedef struct cuda_plan {
    int max_batch;
    int num_layers;
    cuda_layer_plan *layers;    /* num_layers entries */
    int in_c, in_h, in_w;       /* the stored input: NHWC with in_c = padded channels */
    size_t in_offset;           /* into the activation arena (0) */
    size_t act_elems;           /* activation arena size, whole batch */
    size_t grad_elems;          /* each of the two gradient buffers, whole batch */
    size_t wc_elems;            /* packed weights */
    size_t max_conv_weight;     /* largest packed convolution weight (gradient scratch) */
    int num_classes;            /* outputs of the last layer (logits, kept in fp32) */
    int max_channels;           /* largest per-layer channel count (BN saved statistics) */
} cuda_plan;

/* Channels rounded up to a multiple of 8. */
int cuda_plan_pad_channels(int c);

/* Fills *p for model m and batch max_batch (free with cuda_plan_free). Fails with a message when
 * the model is not one this backend runs (first layer not CONV, last not LINEAR, LRN with an
 * even size, pooling of an odd size). */
int cuda_plan_build(const model *m, int max_batch, cuda_plan *p, err *e);
void cuda_plan_free(cuda_plan *p);

/* Bytes of device memory the plan needs for a compute precision of elem_bytes, excluding
 * convolution workspace, the staging of inputs and what cuDNN/cuBLAS keep themselves. */
size_t cuda_plan_device_bytes(const cuda_plan *p, const model *m, size_t elem_bytes);

/* The most workspace the convolution algorithm search may offer: half of the device memory
 * still free once `reserve` bytes are set aside, capped at `cap` bytes; 0 when none is left. */
size_t cuda_plan_search_workspace(size_t free_bytes, size_t reserve, size_t cap);

#endif
