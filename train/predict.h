/* predict.h: the top-5 classes of single image files with a trained model. */
#ifndef VGG_TRAIN_PREDICT_H
#define VGG_TRAIN_PREDICT_H

#include <stdio.h>

#include "common/error.h"
#include "train/inference.h"

enum { PREDICT_TOP = 5 };

typedef struct prediction {
    int k;                      /* min(5, classes) */
    int class_index[PREDICT_TOP];
    double prob[PREDICT_TOP];   /* softmax probabilities, descending */
    const float *logits;        /* all classes; valid until the next predict_file */
} prediction;

typedef struct predictor predictor;

/* Buffers for one image at the checkpoint's source size on inf's backend. */
int predictor_create(inference *inf, predictor **out, err *e);
void predictor_destroy(predictor *p);
/* Decodes `path` (image_decode.h), runs the model in eval mode, ranks the classes. */
int predict_file(predictor *p, const char *path, prediction *out, err *e);
/* "path" then one line per class: rank, probability, name. */
void predict_print(FILE *f, const char *path, const prediction *pr, char *const *class_names);
/* One JSON object on one line: {"file": path, "top": [{"class", "index", "probability"}...],
 * "logits": [every class]}. */
void predict_print_json(FILE *f, const char *path, const prediction *pr,
                        char *const *class_names, int num_classes);

#endif
