/* resample.h: identity, exact (sub-)pixel boxes, flat and linear pictures kept. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "convert/resample.h"

enum { W = 40, H = 30 };

static uint8_t *ramp(void)  /* R = 4x, G = 6y, B = 200: linear in both directions */
{
    uint8_t *p = malloc(W * H * 3);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *q = p + (y * W + x) * 3;
            q[0] = (uint8_t)(4 * x), q[1] = (uint8_t)(6 * y), q[2] = 200;
        }
    return p;
}

Test(resample, same_size_integer_box_is_a_copy)
{
    resampler *r = resampler_new();
    uint8_t *src = ramp(), dst[20 * 10 * 3];
    cr_assert_eq(resample_rgb(r, src, W, H, 5, 7, 20, 10, dst, 20, 10, 20 * 3), 0);
    for (int y = 0; y < 10; y++)
        cr_assert_arr_eq(dst + y * 60, src + ((y + 7) * W + 5) * 3, 60, "row %d", y);
    free(src);
    resampler_free(r);
}

Test(resample, half_pixel_box_lands_between_pixels)
{
    resampler *r = resampler_new();
    uint8_t *src = ramp(), dst[10 * 10 * 3];
    /* A box starting at x = 10.5: output x is centred at source coordinate 11 + x, the border
     * of pixels 10 + x and 11 + x (centres at +0.5), so red (4 per pixel) is 4 * (10.5 + x). */
    resample_rgb(r, src, W, H, 10.5, 10, 10, 10, dst, 10, 10, 30);
    for (int x = 0; x < 10; x++)
        cr_assert(abs(dst[(5 * 10 + x) * 3] - (int)(4 * (10.5 + x) + 0.5)) <= 1, "x %d: %d", x,
                  dst[(5 * 10 + x) * 3]);
    free(src);
    resampler_free(r);
}

Test(resample, shrinking_keeps_flat_and_linear_areas)
{
    resampler *r = resampler_new();
    uint8_t *src = ramp(), dst[20 * 15 * 3];
    resample_rgb(r, src, W, H, 0, 0, W, H, dst, 20, 15, 60);
    /* Away from the edges, output (x, y) covers source 2x..2x+2: red 4 * (2x + 0.5). */
    for (int y = 3; y < 12; y++)
        for (int x = 3; x < 17; x++) {
            const uint8_t *q = dst + (y * 20 + x) * 3;
            cr_assert(abs(q[0] - (8 * x + 2)) <= 1 && abs(q[1] - (12 * y + 3)) <= 1 && q[2] == 200,
                      "(%d,%d): %d %d %d", x, y, q[0], q[1], q[2]);
        }
    free(src);
    resampler_free(r);
}

Test(resample, enlarging_a_single_pixel_fills_everything)
{
    resampler *r = resampler_new();
    uint8_t one[3] = {10, 20, 30}, dst[8 * 8 * 3];
    resample_rgb(r, one, 1, 1, 0, 0, 1, 1, dst, 8, 8, 24);
    for (int i = 0; i < 64; i++)
        cr_assert(dst[i * 3] == 10 && dst[i * 3 + 1] == 20 && dst[i * 3 + 2] == 30);
    resampler_free(r);
}
