/* geometry.h: where the pixels of a w x h source go in the size x size output.
 *
 * The source box (box_*, in source pixels, fractional: the exact centre) is resized to
 * resize_w x resize_h and placed at (place_x, place_y) in the output; the rest of the output
 * (pad mode only) is background. Pure functions.
 */
#ifndef VGG_CONVERT_GEOMETRY_H
#define VGG_CONVERT_GEOMETRY_H

#include "convert/options.h"

typedef struct geometry {
    double box_x, box_y, box_w, box_h;
    int resize_w, resize_h;
    int place_x, place_y;
} geometry;

/* w, h >= 1, size >= 1. */
geometry geometry_plan(int w, int h, resize_mode mode, int size);

/* The same plan for the source decoded at `factor` of its size (a DCT-scaled JPEG). */
geometry geometry_scale_box(geometry g, double factor);

/* The smallest DCT scaling factor num/denom among the n given (each <= 1 considered) for
 * which the scaled w x h (rounded up, as libjpeg does) still gives the resize at least
 * `size` pixels where geometry_plan needs them, so no detail is lost to the DCT shortcut.
 * Returns the index of the factor, or -1 when none is <= 1. */
int geometry_pick_scale(int w, int h, resize_mode mode, int size, const int *num,
                        const int *denom, int n);

#endif
