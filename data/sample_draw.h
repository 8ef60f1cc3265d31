/* sample_draw.h: the pictures of the embedded synthetic sample (see data/README.md).
 *
 * Each class is one kind of shape or texture drawn with MagickWand over a random textured
 * background: what tells the classes apart is the geometry, never the colours, the position or
 * the size, which are all random. Everything random comes from the `rng` passed in, so one
 * (seed, class, index) always gives the same picture.
 */
#ifndef VGG_DATA_SAMPLE_DRAW_H
#define VGG_DATA_SAMPLE_DRAW_H

#include <stddef.h>
#include <wand/MagickWand.h>

#include "common/error.h"
#include "common/rng.h"

typedef struct sample_class {
    const char *name;
    /* Draws this class's shapes onto `d` for a w x h picture whose background has mean
     * luminance `bg_luma` (0-255): shape colours are chosen to stand out from it. */
    void (*draw)(DrawingWand *d, rng *r, double w, double h, double bg_luma);
} sample_class;

extern const sample_class sample_classes[];
extern const int sample_class_count;

/* Makes a w x h RGB picture of class `cls` into `wand` (which must hold no image): the
 * background texture, then the class's shapes. Returns 0, or -1 with a message. */
int sample_draw(MagickWand *wand, const sample_class *cls, rng *r, size_t w, size_t h, err *e);

/* Fills e with "<what>: <ImageMagick's message>" from the wand's exception. Returns -1. */
int sample_wand_error(MagickWand *wand, const char *what, err *e);

#endif
