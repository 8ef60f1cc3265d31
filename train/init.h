/* init.h: torchvision's VGG initialisation, seeded and reproducible: convolutions Kaiming
 * normal (fan_out, ReLU gain: std = sqrt(2 / (out_c * k * k))), linear layers N(0, 0.01),
 * biases 0, BN weight 1 and bias 0, running mean 0 and variance 1. */
#ifndef VGG_TRAIN_INIT_H
#define VGG_TRAIN_INIT_H

#include <stdint.h>

#include "train/model.h"

/* Fills params (m->num_params floats) and stats (m->num_stats floats). */
void init_model(const model *m, uint64_t seed, float *params, float *stats);

#endif
