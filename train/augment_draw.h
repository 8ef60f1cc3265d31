/* augment_draw.h: deciding each image's augmentation (augment.h) on the host.
 *   scale:   the paper's scale jittering: the image is (virtually) rescaled so that its
 *            smaller side is S, S uniform in [scale_min, scale_max], and an out_size square
 *            is cropped at a random place;
 *   resized: torchvision's RandomResizedCrop: a box of area fraction in [area_min, area_max]
 *            and aspect ratio in [3/4, 4/3] at a random place, resized to out_size;
 *   none:    the centre crop of evaluation.
 * Then a horizontal flip with probability 1/2 (flip) and AlexNet's PCA lighting (lighting =
 * std of the eigenvalue weights; 0 = off). */
#ifndef VGG_TRAIN_AUGMENT_DRAW_H
#define VGG_TRAIN_AUGMENT_DRAW_H

#include "train/augment.h"
#include "common/rng.h"

typedef struct augment_policy {
    int mode;                   /* augment_mode (config.h) */
    float scale_min, scale_max, area_min, area_max;
    int flip;
    float lighting;
    int out_size;               /* the model's input size */
} augment_policy;

void augment_draw(const augment_policy *p, int src_h, int src_w, rng *r, augment *out);
/* Evaluation: the centred out_size square when the image is at least that large (an exact
 * copy of pixels), otherwise the largest centred square, scaled up. */
void augment_centre(int src_h, int src_w, int out_size, augment *out);

#endif
