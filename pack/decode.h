/* decode.h: image bytes -> uint8 RGB pixels, HWC, row-major.
 *
 * JPEG goes through libjpeg-turbo's TurboJPEG API (measured 1.6-1.7x as fast as MagickWand on
 * imagenet11's 224x224 JPEGs, one thread: tests/bench/pack.sh prints both); CMYK JPEGs and
 * every other format go through MagickWand. For a JPEG the output equals what Pillow's
 * Image.open(f).convert("RGB") gives (accurate integer IDCT, fancy upsampling).
 *
 * A decoder is owned by one thread at a time (each worker has its own). MagickWandGenesis()
 * must have been called once by the program before decoders are made.
 */
#ifndef VGG_PACK_DECODE_H
#define VGG_PACK_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct decoder decoder;

decoder *decoder_new(void);
void decoder_free(decoder *d);

/* Reads the image's size (without decoding it all). Returns 0 or -1 with the reason. */
int decoder_probe(decoder *d, const void *data, size_t size, int *height, int *width, err *e);

/* Decodes into `out` (height*width*3 bytes). Fails, writing nothing useful, when the image
 * cannot be decoded or is not height x width ("is 256x256, the store is 224x224"). */
int decoder_decode(decoder *d, const void *data, size_t size, int height, int width,
                   uint8_t *out, err *e);

#endif
