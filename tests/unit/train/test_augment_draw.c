/* Augmentation decisions: the paper's scale jittering, centre crops, PCA lighting. */
#include <criterion/criterion.h>
#include <math.h>

#include "train/augment_draw.h"
#include "train/config.h"

Test(augment_draw, scale_jittering_crops_224_of_an_image_rescaled_to_s)
{
    augment_policy p = {AUG_SCALE, 256, 512, 0, 0, 1, 0, 224};
    rng r;
    rng_seed(&r, 1, 0);
    float smallest = 1e9f, largest = 0;
    for (int i = 0; i < 2000; i++) {
        augment a;
        augment_draw(&p, 224, 300, &r, &a);
        /* a 224 crop of the image rescaled so that its smaller side (224) is S */
        cr_assert_float_eq(a.crop_h, a.crop_w, 1e-4);
        cr_assert(a.crop_h >= 224.0f * 224 / 512 - 1e-3 && a.crop_h <= 224.0f * 224 / 256 + 1e-3);
        cr_assert(a.crop_y >= 0 && a.crop_y + a.crop_h <= 224 + 1e-3);
        cr_assert(a.crop_x >= 0 && a.crop_x + a.crop_w <= 300 + 1e-3);
        cr_assert_float_eq(a.shift[0], 0, 0);
        smallest = fminf(smallest, a.crop_h), largest = fmaxf(largest, a.crop_h);
    }
    cr_expect(smallest < 100.0f && largest > 190.0f, "S not spread over [256, 512]: %g..%g",
              smallest, largest);
}

Test(augment_draw, centre_crop_is_exact_or_the_largest_square)
{
    augment a;
    augment_centre(72, 72, 64, &a);
    cr_expect_float_eq(a.crop_y, 4, 0);
    cr_expect_float_eq(a.crop_x, 4, 0);
    cr_expect_float_eq(a.crop_h, 64, 0);
    cr_expect_eq(a.flip, 0);
    augment_centre(48, 60, 64, &a); /* smaller than the input: the centred 48x48, scaled up */
    cr_expect_float_eq(a.crop_h, 48, 0);
    cr_expect_float_eq(a.crop_x, 6, 0);
    cr_expect_float_eq(a.crop_y, 0, 0);
}

Test(augment_draw, pca_lighting_shifts_colours_with_the_given_strength)
{
    augment_policy p = {AUG_NONE, 0, 0, 0, 0, 0, 0.1f, 32};
    rng r;
    rng_seed(&r, 2, 0);
    double sum2 = 0;
    for (int i = 0; i < 4000; i++) {
        augment a;
        augment_draw(&p, 32, 32, &r, &a);
        cr_assert_eq(a.flip, 0);
        sum2 += (double)a.shift[0] * a.shift[0];
    }
    /* red's shift: 255 * sum_k eigvec[0][k] * N(0, 0.1) * eigval[k]; its std is about 3.5 */
    double want = 255 * 0.1 * sqrt(pow(0.5675 * 0.2175, 2) + pow(0.7192 * 0.0188, 2) +
                                   pow(0.4009 * 0.0045, 2));
    cr_expect(fabs(sqrt(sum2 / 4000) / want - 1) < 0.1, "std %g, want %g", sqrt(sum2 / 4000), want);
}
