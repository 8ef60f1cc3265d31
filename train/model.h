/* model.h: the VGG configurations of Simonyan & Zisserman (Table 1) as data.
 *
 * model_build() turns a configuration name and options into a flat list of layers with their
 * shapes (per image, logical NCHW) and their place in one contiguous fp32 parameter buffer
 * (llm.c style: one allocation, one read to load, one optimizer loop). Parameter names follow
 * torchvision's VGG state_dict ("features.0.weight", "classifier.6.bias", ...).
 * ReLU is not a layer of its own: CONV, BN and LINEAR layers carry a `relu` flag (the output is
 * max(0, .)), so backends can fuse it; torchvision indices still count the ReLU modules.
 */
#ifndef VGG_TRAIN_MODEL_H
#define VGG_TRAIN_MODEL_H

#include <stddef.h>

#include "common/error.h"

typedef enum layer_kind {
    LAYER_CONV,     /* kernel x kernel, stride 1, pad kernel/2, bias; weight OIHW */
    LAYER_BN,       /* batch norm 2d: weight (gamma), bias (beta); running mean/var in stats */
    LAYER_LRN,      /* across channels, PyTorch LocalResponseNorm semantics */
    LAYER_MAXPOOL,  /* kernel 2, stride 2 */
    LAYER_LINEAR,   /* weight [out][in] (in = flattened C*H*W in NCHW order), bias */
    LAYER_DROPOUT,  /* inverted dropout with probability p in training, identity in eval */
} layer_kind;

typedef struct layer_desc {
    layer_kind kind;
    int in_c, in_h, in_w;       /* input shape per image */
    int out_c, out_h, out_w;    /* output shape per image (LINEAR: out_c features, 1x1) */
    int kernel;                 /* CONV: 3 or 1; MAXPOOL: 2 */
    int relu;                   /* CONV, BN, LINEAR: apply ReLU to the output */
    float lrn_alpha, lrn_beta, lrn_k;
    int lrn_size;
    float dropout_p;
    float bn_eps, bn_momentum;  /* PyTorch convention: running = (1-m)*running + m*batch */
    size_t weight_offset, weight_count;  /* into the parameter buffer, in floats */
    size_t bias_offset, bias_count;
    size_t stats_offset;        /* BN: running_mean[C] then running_var[C] in the stats buffer */
    int torch_index;            /* N of features.N / classifier.N */
    int in_classifier;          /* 0: features.N, 1: classifier.N */
} layer_desc;

typedef struct model_options {
    int num_classes;            /* 1000 in the paper */
    int input_size;             /* square input; must be divisible by 32 */
    int batch_norm;             /* BN after every convolution (torchvision's vggXX_bn) */
    int fc_width;               /* 4096 in the paper */
    int width_div;              /* convolution channels divided by this (1 = paper) */
    float dropout;              /* 0.5 in the paper */
} model_options;

typedef struct model {
    char arch[16];              /* canonical name: "A", "A-LRN", "B", "C", "D", "E" */
    model_options opt;
    int num_layers;
    layer_desc *layers;
    size_t num_params;          /* floats in the parameter buffer */
    size_t num_stats;           /* floats in the BN running-statistics buffer */
    int in_c, in_h, in_w;
} model;

/* Accepts "A".."E", "A-LRN" and the aliases vgg11, vgg11-lrn, vgg13, vgg16c, vgg16, vgg19
 * (case-insensitive). Fills *m (free with model_free). */
int model_build(const char *name, const model_options *opt, model *m, err *e);
void model_free(model *m);

/* Forward FLOPs per image (multiply-add = 2). */
double model_flops(const model *m);
/* Forward FLOPs per image of one layer (convolutions and linear layers; others count 0). */
double model_layer_flops(const layer_desc *l);

/* The canonical name ("A".."E", "A-LRN") of a name or alias, or NULL when unknown. */
const char *model_canonical_name(const char *name);
/* "conv", "batchnorm", "lrn", "maxpool", "linear", "dropout". */
const char *model_layer_kind_name(layer_kind kind);

#endif
