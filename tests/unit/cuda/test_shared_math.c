/* The per-element math the CUDA kernels share with the CPU backend (train/augment.h,
 * train/dropout_mask.h), compiled here as plain C: the kernels use these very functions, so
 * what holds here holds on the GPU. */
#include <criterion/criterion.h>
#include <math.h>

#include "train/augment.h"
#include "train/dropout_mask.h"

Test(shared_math, centre_crop_of_the_output_size_copies_pixels)
{
    enum { S = 6, OUT = 4 };
    unsigned char img[S * S * 3];
    for (int i = 0; i < S * S * 3; i++)
        img[i] = (unsigned char)(i * 7 % 251);
    augment a = {.crop_y = 1, .crop_x = 1, .crop_h = OUT, .crop_w = OUT};
    float mean[3] = {0, 0, 0}, inv_std[3] = {1, 1, 1};
    for (int y = 0; y < OUT; y++)
        for (int x = 0; x < OUT; x++)
            for (int c = 0; c < 3; c++)
                cr_assert_float_eq(augment_pixel(img, S, S, &a, OUT, y, x, c, mean, inv_std),
                                   (float)img[((y + 1) * S + x + 1) * 3 + c], 1e-4);
}

Test(shared_math, flip_mirrors_and_normalisation_applies_shift_mean_and_std)
{
    enum { S = 4 };
    unsigned char img[S * S * 3];
    for (int i = 0; i < S * S * 3; i++)
        img[i] = (unsigned char)(i * 13 % 256);
    augment a = {.crop_h = S, .crop_w = S, .flip = 1, .shift = {1.f, 2.f, 3.f}};
    float mean[3] = {10.f, 20.f, 30.f}, inv_std[3] = {0.5f, 0.25f, 0.125f};
    for (int c = 0; c < 3; c++) {
        float expect = ((float)img[(1 * S + S - 1 - 2) * 3 + c] + a.shift[c] - mean[c]) *
                       inv_std[c];
        cr_assert_float_eq(augment_pixel(img, S, S, &a, S, 1, 2, c, mean, inv_std), expect,
                           1e-4);
    }
}

Test(shared_math, dropout_mask_is_deterministic_and_keeps_one_minus_p)
{
    const float p = 0.3f;
    int kept = 0, n = 200000;
    for (int i = 0; i < n; i++)
        kept += dropout_keep(42, 7, 3, (uint64_t)i, p);
    /* A fixed function of its coordinates: pinned, since a checkpoint resumed by another build
     * must draw the masks the interrupted run would have drawn. */
    uint32_t bits = 0;
    for (int i = 0; i < 32; i++)
        bits |= (uint32_t)dropout_keep(42, 7, 3, (uint64_t)i, 0.5f) << i;
    cr_assert_eq(bits, 0xa801bafeu, "mask bits 0x%08x", bits);
    cr_assert(fabs((double)kept / n - (1 - p)) < 0.005, "kept %d of %d", kept, n);
    int same = 0;
    for (int i = 0; i < 1000; i++)
        same += dropout_keep(42, 7, 3, (uint64_t)i, 0.5f) ==
                dropout_keep(42, 8, 3, (uint64_t)i, 0.5f);
    cr_assert(same < 600, "another step draws another mask (%d of 1000 equal)", same);
    for (int i = 0; i < 1000; i++)
        cr_assert(dropout_keep(1, 1, 1, (uint64_t)i, 0.f), "p = 0 keeps everything");
}
