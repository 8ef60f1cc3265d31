#include "convert/exif.h"

#include <string.h>

static unsigned get16(const uint8_t *p, int big_endian)
{
    return big_endian ? (unsigned)(p[0] << 8 | p[1]) : (unsigned)(p[1] << 8 | p[0]);
}

static uint32_t get32(const uint8_t *p, int big_endian)
{
    return big_endian ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                      : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* tiff: the TIFF structure after "Exif\0\0", n bytes. */
static int orientation_in_tiff(const uint8_t *tiff, size_t n)
{
    if (n < 8 || (memcmp(tiff, "II", 2) != 0 && memcmp(tiff, "MM", 2) != 0))
        return 1;
    int be = tiff[0] == 'M';
    uint32_t ifd = get32(tiff + 4, be);
    if (ifd > n - 2)
        return 1;
    unsigned count = get16(tiff + ifd, be);
    for (unsigned i = 0; i < count; i++) {
        size_t at = ifd + 2 + (size_t)i * 12;
        if (at + 12 > n)
            return 1;
        if (get16(tiff + at, be) == 0x0112 && get16(tiff + at + 2, be) == 3) {
            unsigned v = get16(tiff + at + 8, be);
            return v >= 1 && v <= 8 ? (int)v : 1;
        }
    }
    return 1;
}

int exif_orientation(const uint8_t *data, size_t size)
{
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8)
        return 1;
    size_t at = 2;
    while (at + 4 <= size && data[at] == 0xFF) {
        unsigned marker = data[at + 1], len = get16(data + at + 2, 1);
        if (marker == 0xDA || marker == 0xD9 || len < 2 || at + 2 + len > size)
            return 1;  /* image data or the end reached, or a broken segment */
        if (marker == 0xE1 && len >= 8 && memcmp(data + at + 4, "Exif\0\0", 6) == 0)
            return orientation_in_tiff(data + at + 10, len - 8);
        at += 2 + len;
    }
    return 1;
}
