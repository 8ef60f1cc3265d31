/* resample.h: identity, exact (sub-)pixel boxes, flat and linear pictures kept, Pillow's
 * Lanczos matched. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Against Pillow's Image.resize(LANCZOS, box=...) (tests/golden/make_resample_fixture.py), for
 * boxes and sizes that take the vectorised loop, its tail and the narrow path. Pillow runs its
 * passes in the other order and rounds to bytes in between, so about one byte in five is one
 * level apart and, after an enlargement's overshoot, one in thousands two levels: within 2
 * everywhere, a mean absolute difference under 0.3. */
Test(resample, matches_pillow_lanczos)
{
    FILE *f = fopen("tests/golden/resample.bin", "rb");
    cr_assert(f, "tests/golden/resample.bin missing (run from the project root)");
    char magic[8];
    int32_t head[3];
    cr_assert(fread(magic, 8, 1, f) == 1 && !memcmp(magic, "RESAMPL1", 8) &&
              fread(head, sizeof head, 1, f) == 1);
    int sw = head[0], sh = head[1], cases = head[2];
    uint8_t *src = malloc((size_t)sw * sh * 3);
    cr_assert(fread(src, (size_t)sw * sh * 3, 1, f) == 1);
    resampler *r = resampler_new();
    long off_by_two = 0, abs_sum = 0, total = 0;
    for (int c = 0; c < cases; c++) {
        double box[4];
        int32_t size[2];
        cr_assert(fread(box, sizeof box, 1, f) == 1 && fread(size, sizeof size, 1, f) == 1);
        size_t n = (size_t)size[0] * size[1] * 3;
        uint8_t *want = malloc(n), *got = malloc(n);
        cr_assert(fread(want, n, 1, f) == 1);
        cr_assert_eq(resample_rgb(r, src, sw, sh, box[0], box[1], box[2], box[3], got, size[0],
                                  size[1], (size_t)size[0] * 3), 0);
        for (size_t i = 0; i < n; i++) {
            int d = abs(got[i] - want[i]);
            cr_assert(d <= 2, "case %d (%gx%g at %g,%g -> %dx%d): byte %zu is %d, Pillow %d", c,
                      box[2], box[3], box[0], box[1], size[0], size[1], i, got[i], want[i]);
            off_by_two += d == 2;
            abs_sum += d;
        }
        total += (long)n;
        free(want), free(got);
    }
    cr_expect_lt(off_by_two * 1000, total, "%ld of %ld bytes two levels from Pillow", off_by_two,
                 total);
    cr_expect_lt((double)abs_sum / (double)total, 0.3, "mean absolute difference %g",
                 (double)abs_sum / (double)total);
    fclose(f);
    free(src);
    resampler_free(r);
}

/* A resampler reused across pictures of many shapes gives what a fresh one gives: its cache of
 * axis plans never replaces the plan of one axis with the other's (portrait 375x500, then
 * 640x480, then 375x400 once did: the width's plan was a hit in the slot the height's miss
 * was about to take). */
Test(resample, a_reused_resampler_equals_a_fresh_one)
{
    static const int shapes[][2] = {{375, 500}, {640, 480}, {375, 400}, {500, 375},
                                    {640, 480}, {500, 300}, {375, 500}, {333, 500}};
    enum { S = 224 };
    resampler *reused = resampler_new();
    uint8_t *src = malloc(640 * 500 * 3), got[S * S * 3], want[S * S * 3];
    for (int i = 0; i < 640 * 500 * 3; i++)
        src[i] = (uint8_t)(i * 7 + i / 1920 * 13);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        int w = shapes[i][0], h = shapes[i][1], side = w < h ? w : h;
        double bx = (w - side) / 2.0, by = (h - side) / 2.0;
        resampler *fresh = resampler_new();
        cr_assert_eq(resample_rgb(fresh, src, w, h, bx, by, side, side, want, S, S, S * 3), 0);
        cr_assert_eq(resample_rgb(reused, src, w, h, bx, by, side, side, got, S, S, S * 3), 0);
        cr_assert_arr_eq(got, want, sizeof got, "picture %zu (%dx%d)", i, w, h);
        resampler_free(fresh);
    }
    free(src);
    resampler_free(reused);
}
