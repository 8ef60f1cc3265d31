/* cpu_input.c: uint8 HWC records -> augmented, normalised NCHW floats (augment.h). */
#include "train/cpu/cpu_kernels.h"
#include "train/cpu/cpu_omp.h"

void cpu_input_prepare(float *x, int n, int size, const uint8_t *pixels, int src_h, int src_w,
                       const augment *aug, const float *mean, const float *inv_std)
{
    long rows = (long)n * 3 * size;
    size_t img_bytes = (size_t)src_h * src_w * 3;
    CPU_PARALLEL_FOR
    for (long r = 0; r < rows; r++) {
        int y = (int)(r % size), c = (int)(r / size % 3), i = (int)(r / size / 3);
        const uint8_t *img = pixels + (size_t)i * img_bytes;
        float *row = x + r * size;
        for (int xx = 0; xx < size; xx++)
            row[xx] = augment_pixel(img, src_h, src_w, &aug[i], size, y, xx, c, mean, inv_std);
    }
}
