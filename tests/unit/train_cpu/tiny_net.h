/* tiny_net.h: small models built layer by layer for the CPU backend tests (any layer order,
 * any shapes: model_build only makes the paper's configurations), and a backend to run them. */
#ifndef VGG_TESTS_TINY_NET_H
#define VGG_TESTS_TINY_NET_H

#include "train/backend.h"
#include "train/model.h"

/* Starts an empty model for size x size RGB input (free with model_free). */
void tiny_begin(model *m, int size, int num_classes);
/* Appends a layer taking the previous output; returns it for extra settings. */
layer_desc *tiny_conv(model *m, int out_c, int kernel, int relu);
layer_desc *tiny_bn(model *m, int relu);
layer_desc *tiny_lrn(model *m, int size, float alpha, float beta, float k);
layer_desc *tiny_pool(model *m);
layer_desc *tiny_linear(model *m, int out, int relu);
layer_desc *tiny_dropout(model *m, float p);

/* Deterministic parameters (He-like scale, BN gamma near 1) and BN statistics 0 / 1. */
void tiny_params(const model *m, float *params, float *stats, unsigned seed);

/* A batch of n src x src uint8 records, centre-cropped to the model's input, labels i % k. */
typedef struct tiny_batch {
    uint8_t *pixels;
    augment *aug;
    int32_t *labels;
    backend_batch bt;
} tiny_batch;
void tiny_batch_make(tiny_batch *t, backend *b, const model *m, int n, int src, unsigned seed);
void tiny_batch_free(tiny_batch *t, backend *b);

/* A CPU backend for m (max batch n, 1 thread) with tiny_params written. */
backend *tiny_backend(const model *m, int n, int src, unsigned seed);

#endif
