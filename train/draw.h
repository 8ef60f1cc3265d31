/* draw.h: the trainer's random draws on top of common/rng.h: streams named by two
 * coordinates (e.g. epoch and image position), so that each draw that must repeat on
 * --resume is a pure function of where it is, and normal deviates. */
#ifndef VGG_TRAIN_DRAW_H
#define VGG_TRAIN_DRAW_H

#include <math.h>
#include <stdint.h>

#include "common/rng.h"
#include "train/dropout_mask.h"

/* Purposes, so that streams of one seed never coincide. */
enum { DRAW_INIT = 1, DRAW_SHUFFLE = 2, DRAW_AUGMENT = 3 };

static inline void draw_seed(rng *r, uint64_t seed, uint32_t purpose, uint64_t a, uint64_t b)
{
    rng_seed(r, seed ^ dropout_mix(((uint64_t)purpose << 56) ^ a), b);
}

/* Standard normal deviate (Box-Muller, one value per call). */
static inline double draw_normal(rng *r)
{
    double u1 = 1.0 - rng_uniform(r), u2 = rng_uniform(r); /* u1 in (0, 1] */
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

#endif
