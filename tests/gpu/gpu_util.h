/* gpu_util.h: what the GPU check programs (parity.c, bench.c) share: option parsing, models,
 * seeded random batches and the relative error they are judged by. */
#ifndef VGG_TESTS_GPU_UTIL_H
#define VGG_TESTS_GPU_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "train/backend.h"
#include "train/model.h"

typedef struct gpu_opts {
    const char *arch;
    int size, classes, batch_norm, width_div, fc_width, batch, steps;
    precision prec;
} gpu_opts;

/* Parses --arch --size --classes --bn --width-div --fc --batch --steps --precision into *o
 * (which holds the defaults). Returns 0, or -1 after printing a usage line. */
int gpu_parse(int argc, char **argv, gpu_opts *o);
const char *gpu_precision_name(precision p);

/* Builds the model and fills params and stats (malloc'd) with the seeded torchvision
 * initialisation. Exits with status 2 on failure. */
void gpu_model(const gpu_opts *o, model *m, float **params, float **stats);

/* A seeded batch: n random src x src RGB images, augmentations cropping `size` pixels (with
 * scale jitter, flips and colour shifts when `jitter`, else a centre crop), labels < classes. */
void gpu_fill_batch(uint64_t seed, int n, int src, int size, int jitter, int classes,
                    uint8_t *pixels, augment *aug, int32_t *labels);

/* ||a - ref|| / ||ref|| (2-norms; absolute when ref is all zero). */
double gpu_rel_err(const float *a, const float *ref, size_t n);

/* Backend config shared by both programs. */
backend_config gpu_backend_config(const model *m, int batch, int src, precision prec);

#endif
