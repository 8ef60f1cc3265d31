/* header.h: the pixel size of a PNG, GIF or BMP read from its first bytes, so an image bomb
 * is refused by its declared size before any decoder (or ImageMagick's own limits, which
 * would only say "not readable") sees it. converter.c pings every non-JPEG with MagickWand
 * too, since what the coder will decode (a GIF frame, say) may be larger than the header's
 * canvas; other formats are sized by that ping alone. */
#ifndef VGG_CONVERT_HEADER_H
#define VGG_CONVERT_HEADER_H

#include <stddef.h>
#include <stdint.h>

/* 1 and *w, *h set when the format is known and its header complete; 0 otherwise. */
int header_dimensions(const uint8_t *data, size_t size, uint64_t *w, uint64_t *h);

/* The ImageMagick coder for the formats vgg-convert reads ("JPEG", "PNG", "GIF", "BMP",
 * "TIFF", "WEBP", "PNM"), told by their first bytes; NULL for anything else, which is then
 * never handed to ImageMagick (whose other coders run external programs: PCL, PostScript,
 * PDF through Ghostscript, and can take minutes on a few bytes). */
const char *header_format(const uint8_t *data, size_t size);

#endif
