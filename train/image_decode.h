/* image_decode.h: an image file (any format ImageMagick reads) as uint8 RGB of exactly h x w,
 * prepared like vgg-convert's crop mode: EXIF orientation applied, converted to sRGB, alpha
 * flattened onto white, resized so that it covers h x w (aspect kept), centre-cropped. */
#ifndef VGG_TRAIN_IMAGE_DECODE_H
#define VGG_TRAIN_IMAGE_DECODE_H

#include <stdint.h>

#include "common/error.h"

/* Writes h*w*3 bytes (HWC RGB) to out. Thread-safe after the first call. */
int image_decode_rgb(const char *path, int h, int w, uint8_t *out, err *e);

#endif
