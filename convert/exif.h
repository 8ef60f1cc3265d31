/* exif.h: the EXIF orientation tag of a JPEG, read without decoding (TurboJPEG ignores it,
 * so vgg-convert hands rotated files to MagickWand, which applies it). */
#ifndef VGG_CONVERT_EXIF_H
#define VGG_CONVERT_EXIF_H

#include <stddef.h>
#include <stdint.h>

/* The orientation (1..8) in the JPEG's APP1 Exif segment; 1 when there is none or it is
 * malformed. Never reads outside data[0..size). */
int exif_orientation(const uint8_t *data, size_t size);

#endif
