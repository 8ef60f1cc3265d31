/* header.h: declared sizes of PNG, GIF and BMP, for refusing bombs before decoding. */
#include <criterion/criterion.h>

#include "convert/header.h"

Test(header, png_gif_bmp)
{
    uint64_t w, h;
    static const uint8_t png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x4e\x20\0\0\x4e\x20\x08\0";
    cr_assert(header_dimensions(png, 24, &w, &h));
    cr_assert_eq(w, 20000);
    cr_assert_eq(h, 20000);
    static const uint8_t gif[] = "GIF89a\x40\x01\xf0\x00";
    cr_assert(header_dimensions(gif, 10, &w, &h));
    cr_assert_eq(w, 320);
    cr_assert_eq(h, 240);
    uint8_t bmp[26] = {'B', 'M'};
    bmp[14] = 40;
    bmp[18] = 0x10, bmp[19] = 0x27;             /* 10000 */
    bmp[22] = 0xF0, bmp[23] = 0xD8, bmp[24] = 0xFF, bmp[25] = 0xFF;  /* -10000: top-down */
    cr_assert(header_dimensions(bmp, 26, &w, &h));
    cr_assert_eq(w, 10000);
    cr_assert_eq(h, 10000);
}

Test(header, unknown_or_short_is_not_sized)
{
    uint64_t w, h;
    cr_assert_not(header_dimensions((const uint8_t *)"\x89PNG\r\n\x1a\n", 8, &w, &h));
    cr_assert_not(header_dimensions((const uint8_t *)"\xFF\xD8\xFF", 3, &w, &h));
    cr_assert_not(header_dimensions((const uint8_t *)"", 0, &w, &h));
}
