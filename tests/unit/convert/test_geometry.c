/* geometry.h: where the source pixels go for crop, squash and pad, and the DCT scale pick. */
#include <criterion/criterion.h>

#include "convert/geometry.h"

Test(geometry, crop_takes_the_centred_square)
{
    geometry g = geometry_plan(500, 375, MODE_CROP, 224);
    cr_assert_eq(g.box_x, 62.5, "the exact centre, not rounded to a pixel");
    cr_assert_eq(g.box_y, 0);
    cr_assert_eq(g.box_w, 375);
    cr_assert_eq(g.box_h, 375);
    cr_assert_eq(g.resize_w, 224);
    cr_assert_eq(g.resize_h, 224);
    g = geometry_plan(375, 500, MODE_CROP, 224);
    cr_assert_eq(g.box_x, 0);
    cr_assert_eq(g.box_y, 62.5);
    g = geometry_scale_box(g, 5.0 / 8);
    cr_assert_eq(g.box_y, 39.0625);
    cr_assert_eq(g.box_w, 234.375);
    cr_assert_eq(g.resize_w, 224);
}

Test(geometry, squash_keeps_everything)
{
    geometry g = geometry_plan(4000, 10, MODE_SQUASH, 224);
    cr_assert_eq(g.box_w, 4000);
    cr_assert_eq(g.box_h, 10);
    cr_assert_eq(g.resize_w, 224);
    cr_assert_eq(g.resize_h, 224);
}

Test(geometry, pad_letterboxes_centred_never_empty)
{
    geometry g = geometry_plan(400, 200, MODE_PAD, 224);
    cr_assert_eq(g.resize_w, 224);
    cr_assert_eq(g.resize_h, 112);
    cr_assert_eq(g.place_x, 0);
    cr_assert_eq(g.place_y, 56);
    g = geometry_plan(4000, 10, MODE_PAD, 224);
    cr_assert_eq(g.resize_h, 1, "a sliver keeps one row");
    cr_assert_eq(g.place_y, 111);
    g = geometry_plan(1, 1, MODE_PAD, 224);
    cr_assert_eq(g.resize_w, 224);
}

static const int num[] = {2, 15, 7, 13, 3, 11, 5, 9, 1, 7, 3, 5, 1, 3, 1, 1};
static const int den[] = {1, 8, 4, 8, 2, 8, 4, 8, 1, 8, 4, 8, 2, 8, 4, 8};

Test(geometry, scale_is_the_smallest_that_still_covers_the_target)
{
    /* 500x375 to 224, crop: the shorter side 375 must stay >= 224: 5/8 gives 235. */
    int i = geometry_pick_scale(500, 375, MODE_CROP, 224, num, den, 16);
    cr_assert_eq(num[i] * 8 / den[i], 5);
    /* 2000x1500: 1/4 gives 375 (1/8 would give 188 < 224). */
    i = geometry_pick_scale(2000, 1500, MODE_CROP, 224, num, den, 16);
    cr_assert_eq(num[i] * 8 / den[i], 2);
    /* pad needs the longer side: 2000x200 -> 1/8 leaves 250 >= 224. */
    i = geometry_pick_scale(2000, 200, MODE_PAD, 224, num, den, 16);
    cr_assert_eq(num[i] * 8 / den[i], 1);
    /* Already small: never upscale in the DCT, 1/1. */
    i = geometry_pick_scale(200, 100, MODE_CROP, 224, num, den, 16);
    cr_assert_eq(num[i], den[i]);
}
