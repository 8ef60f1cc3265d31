/* exif.h: the orientation tag, in either byte order, and no overreads on junk. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "convert/exif.h"

/* SOI, an APP0, then APP1 Exif with one IFD0 entry (tag 0x0112, SHORT, value v). */
static size_t make_jpeg(uint8_t *b, int big_endian, unsigned v)
{
    static const uint8_t app0[] = {0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00};
    size_t n = 0;
    b[n++] = 0xFF, b[n++] = 0xD8;
    memcpy(b + n, app0, sizeof app0), n += sizeof app0;
    uint8_t tiff[26] = {0};
    memcpy(tiff, big_endian ? "MM\0\x2a" : "II\x2a\0", 4);
    tiff[big_endian ? 7 : 4] = 8;           /* IFD0 at offset 8 */
    tiff[big_endian ? 9 : 8] = 1;           /* one entry */
    tiff[big_endian ? 10 : 11] = 0x01;      /* tag 0x0112 */
    tiff[big_endian ? 11 : 10] = 0x12;
    tiff[big_endian ? 13 : 12] = 3;         /* SHORT */
    tiff[big_endian ? 17 : 14] = 1;         /* count 1 */
    tiff[big_endian ? 19 : 18] = (uint8_t)v;
    size_t len = 2 + 6 + sizeof tiff;
    b[n++] = 0xFF, b[n++] = 0xE1, b[n++] = (uint8_t)(len >> 8), b[n++] = (uint8_t)len;
    memcpy(b + n, "Exif\0\0", 6), n += 6;
    memcpy(b + n, tiff, sizeof tiff), n += sizeof tiff;
    b[n++] = 0xFF, b[n++] = 0xDA;
    return n;
}

Test(exif, reads_orientation_in_both_byte_orders)
{
    uint8_t b[128];
    for (unsigned v = 1; v <= 8; v++) {
        cr_assert_eq(exif_orientation(b, make_jpeg(b, 0, v)), (int)v);
        cr_assert_eq(exif_orientation(b, make_jpeg(b, 1, v)), (int)v);
    }
}

Test(exif, defaults_to_1_on_missing_or_bad_values)
{
    uint8_t b[128];
    cr_assert_eq(exif_orientation(b, make_jpeg(b, 0, 9)), 1);
    cr_assert_eq(exif_orientation((const uint8_t *)"\xFF\xD8\xFF\xDA", 4), 1);
    cr_assert_eq(exif_orientation((const uint8_t *)"PNG", 3), 1);
}

Test(exif, never_reads_past_the_end)
{
    uint8_t b[128];
    size_t n = make_jpeg(b, 1, 6);
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *exact = malloc(cut ? cut : 1);  /* ASan (make SANITIZE=1) catches overreads */
        memcpy(exact, b, cut);
        int v = exif_orientation(exact, cut);
        cr_assert(v == 1 || v == 6);
        free(exact);
    }
}
