#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "pack/pixel_stats.h"

/* Naive two-pass mean and population std, in doubles: the oracle. */
static void naive(const uint8_t *rgb, size_t npix, double mean[3], double std[3])
{
    for (int c = 0; c < 3; c++) {
        double s = 0, q = 0;
        for (size_t i = 0; i < npix; i++)
            s += rgb[i * 3 + c];
        mean[c] = s / (double)npix;
        for (size_t i = 0; i < npix; i++)
            q += (rgb[i * 3 + c] - mean[c]) * (rgb[i * 3 + c] - mean[c]);
        std[c] = sqrt(q / (double)npix);
    }
}

Test(pixel_stats, matches_a_two_pass_computation_at_any_size)
{
    static const size_t sizes[] = {1, 15, 16, 17, 100, 224 * 224, 33 * 47};
    srand(3);
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t npix = sizes[k];
        uint8_t *rgb = malloc(npix * 3);
        for (size_t i = 0; i < npix * 3; i++)
            rgb[i] = (uint8_t)(i % 3 == 0 ? 200 + rand() % 56 : rand() % (i % 3 == 1 ? 10 : 256));
        pixel_stats s = {0}, half = {0};
        pixel_stats_add(&s, rgb, npix * 3);
        /* the same pixels in two pieces, merged, give the same sums */
        pixel_stats_add(&half, rgb, (npix / 2) * 3);
        pixel_stats rest = {0};
        pixel_stats_add(&rest, rgb + (npix / 2) * 3, (npix - npix / 2) * 3);
        pixel_stats_merge(&half, &rest);
        double m[3], sd[3], em[3], esd[3];
        pixel_stats_result(&s, m, sd);
        naive(rgb, npix, em, esd);
        cr_assert_eq(s.n, npix);
        for (int c = 0; c < 3; c++) {
            cr_assert_float_eq(m[c], em[c], 1e-9, "size %zu channel %d", npix, c);
            cr_assert_float_eq(sd[c], esd[c], 1e-7, "size %zu channel %d", npix, c);
            cr_assert_eq(half.sum[c], s.sum[c]);
            cr_assert_eq(half.sumsq[c], s.sumsq[c]);
        }
        free(rgb);
    }
}

Test(pixel_stats, constant_image_has_zero_std)
{
    uint8_t rgb[300];
    for (int i = 0; i < 300; i++)
        rgb[i] = (uint8_t)(i % 3 == 0 ? 255 : 7);
    pixel_stats s = {0};
    pixel_stats_add(&s, rgb, sizeof rgb);
    double m[3], sd[3];
    pixel_stats_result(&s, m, sd);
    cr_assert_eq(m[0], 255);
    cr_assert_eq(m[2], 7);
    cr_assert_eq(sd[0], 0);
    cr_assert_eq(sd[1], 0);
}
