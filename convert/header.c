#include "convert/header.h"

#include <string.h>

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]; }
static unsigned le16(const uint8_t *p) { return (unsigned)(p[1] << 8 | p[0]); }

int header_dimensions(const uint8_t *data, size_t size, uint64_t *w, uint64_t *h)
{
    if (size >= 24 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(data + 12, "IHDR", 4) == 0) {
        *w = be32(data + 16);
        *h = be32(data + 20);
        return 1;
    }
    if (size >= 10 && (memcmp(data, "GIF87a", 6) == 0 || memcmp(data, "GIF89a", 6) == 0)) {
        *w = le16(data + 6);
        *h = le16(data + 8);
        return 1;
    }
    if (size >= 26 && data[0] == 'B' && data[1] == 'M' && le32(data + 14) >= 40) {
        int32_t height = (int32_t)le32(data + 22);  /* negative: rows stored top-down */
        *w = le32(data + 18);
        *h = height < 0 ? (uint64_t)(-(int64_t)height) : (uint64_t)height;
        return 1;
    }
    return 0;
}

const char *header_format(const uint8_t *data, size_t size)
{
    static const struct { const char *magic; size_t len; const char *format; } known[] = {
        {"\xff\xd8\xff", 3, "JPEG"}, {"\x89PNG\r\n\x1a\n", 8, "PNG"}, {"GIF87a", 6, "GIF"},
        {"GIF89a", 6, "GIF"}, {"BM", 2, "BMP"}, {"II*\0", 4, "TIFF"}, {"MM\0*", 4, "TIFF"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (size >= known[i].len && memcmp(data, known[i].magic, known[i].len) == 0)
            return known[i].format;
    if (size >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0)
        return "WEBP";
    if (size >= 3 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6' &&
        strchr(" \t\r\n#", data[2]))
        return "PNM";
    return NULL;
}
