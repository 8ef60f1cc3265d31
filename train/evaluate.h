/* evaluate.h: top-1/top-5 overall and per class over one split (eval mode, centre crops). */
#ifndef VGG_TRAIN_EVALUATE_H
#define VGG_TRAIN_EVALUATE_H

#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "train/backend.h"
#include "train/loader.h"

typedef struct eval_result {
    int num_classes;
    int64_t images, top1, top5;
    int64_t skipped;            /* damaged records left out (a loader with skip_corrupt) */
    double loss;                /* mean loss per image (with the run's label smoothing: none) */
    int64_t *class_images, *class_top1, *class_top5;    /* [num_classes] */
} eval_result;

int eval_result_init(eval_result *r, int num_classes, err *e);
void eval_result_free(eval_result *r);
/* Adds n images' logits ([n][num_classes]) with their labels. */
void eval_count(eval_result *r, const float *logits, const int32_t *labels, int n);
/* Runs the whole split of loader l (an evaluation loader) through the backend; logits is a
 * scratch buffer of max_batch * num_classes floats. Resets r first. */
int evaluate_split(const backend_ops *ops, backend *b, loader *l, float *logits, eval_result *r,
                   err *e);
/* The per-class table and the totals (stdout format of --eval). */
void evaluate_print(FILE *f, const eval_result *r, const char *const *class_names);

#endif
