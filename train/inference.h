/* inference.h: a trained model on a backend, from a vgg-train checkpoint, for --eval and
 * --predict. */
#ifndef VGG_TRAIN_INFERENCE_H
#define VGG_TRAIN_INFERENCE_H

#include "common/error.h"
#include "train/backend.h"
#include "train/checkpoint.h"
#include "train/model.h"

typedef struct inference {
    checkpoint_meta meta;       /* architecture, classes, normalisation of the checkpoint */
    model m;
    const backend_ops *ops;
    backend *b;
} inference;

/* Loads `path` onto a new backend taking up to max_batch images of src_h x src_w
 * (0, 0: the checkpoint's source size). */
int inference_open(const char *path, const backend_ops *ops, int max_batch, int src_h, int src_w,
                   int threads, inference *inf, err *e);
void inference_close(inference *inf);

#endif
