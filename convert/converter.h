/* converter.h: one image in, one size x size sRGB 8-bit 3-channel image out, encoded.
 *
 * JPEGs in plain YCbCr or grayscale without an EXIF rotation are decoded by TurboJPEG,
 * downscaled in the DCT domain to the smallest size that still covers the target; everything
 * else (PNG, GIF, CMYK or rotated JPEG, 16-bit, alpha...) is read by MagickWand (first frame,
 * EXIF orientation applied, converted to sRGB, alpha flattened on white). The pixels are then
 * resized with an exact sub-pixel box (resample.h, geometry.h) and encoded by TurboJPEG (jpg)
 * or MagickWand (png), without metadata. Image sizes are checked against max_pixels from
 * the header, before decoding.
 *
 * Threads: one converter per worker thread; converters share nothing. MagickWandGenesis must
 * have been called. Buffers grow to the largest image seen and are reused.
 */
#ifndef VGG_CONVERT_CONVERTER_H
#define VGG_CONVERT_CONVERTER_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "convert/options.h"

typedef struct converter converter;

converter *converter_new(const convert_options *opt, err *e);
void converter_free(converter *c);

/* Converts the encoded image data[0..size). On success *out and *out_size hold the encoded
 * output, valid until the next call. Errors are one line without the file name
 * ("not an image", "20000x20000 is over the limit of 100000000 pixels"). */
int converter_run(converter *c, const void *data, size_t size, const uint8_t **out,
                  size_t *out_size, err *e);

/* Reads the file at `path` (at most max_bytes) into the converter, then converter_run. */
int converter_run_file(converter *c, const char *path, size_t max_bytes, const uint8_t **out,
                       size_t *out_size, err *e);

/* Sets ImageMagick's process-wide limits: its own threads off (workers are the threads). */
void converter_global_setup(void);

#endif
