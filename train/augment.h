/* augment.h: per-image augmentation, decided on the host by the loader (seeded) and applied
 * by a backend while it turns the uint8 record into the normalised float input.
 *
 * The mapping is written once here as inline per-pixel math that both the CPU backend (C) and
 * the CUDA kernel (compiled as CUDA C) include, so both produce the same input.
 *
 * Output pixel (y, x), y,x in [0, out_size), channel c, of an image whose source is
 * src_h x src_w: the source point is
 *     sy = crop_y + (y + 0.5) * crop_h / out_size - 0.5,  sx likewise (x mirrored when flip),
 * sampled bilinearly with clamping at the edges, then
 *     value = (sample + shift[c] - mean[c]) / std[c]        (pixel units 0..255).
 * A centre crop with crop_h == out_size is an exact copy of pixels (no interpolation).
 */
#ifndef VGG_TRAIN_AUGMENT_H
#define VGG_TRAIN_AUGMENT_H

#ifdef __CUDACC__
#define AUGMENT_FN static __host__ __device__ inline
#else
#define AUGMENT_FN static inline
#endif

typedef struct augment {
    float crop_y, crop_x;       /* top-left of the crop box in source pixels */
    float crop_h, crop_w;       /* size of the crop box in source pixels */
    int flip;                   /* mirror horizontally */
    float shift[3];             /* added to R, G, B (PCA lighting), pixel units */
} augment;

/* Source coordinate of output coordinate `o` along one axis. */
AUGMENT_FN float augment_src_coord(float crop_start, float crop_len, int out_size, int o)
{
    return crop_start + ((float)o + 0.5f) * crop_len / (float)out_size - 0.5f;
}

/* Bilinear sample of channel c at (sy, sx) of an HWC uint8 image, clamped at the borders. */
AUGMENT_FN float augment_sample(const unsigned char *img, int h, int w, int c, float sy, float sx)
{
    if (sy < 0.f) sy = 0.f;
    if (sx < 0.f) sx = 0.f;
    if (sy > (float)(h - 1)) sy = (float)(h - 1);
    if (sx > (float)(w - 1)) sx = (float)(w - 1);
    int y0 = (int)sy, x0 = (int)sx;
    int y1 = y0 + 1 < h ? y0 + 1 : y0, x1 = x0 + 1 < w ? x0 + 1 : x0;
    float fy = sy - (float)y0, fx = sx - (float)x0;
    float p00 = img[((long)y0 * w + x0) * 3 + c], p01 = img[((long)y0 * w + x1) * 3 + c];
    float p10 = img[((long)y1 * w + x0) * 3 + c], p11 = img[((long)y1 * w + x1) * 3 + c];
    float top = p00 + (p01 - p00) * fx, bottom = p10 + (p11 - p10) * fx;
    return top + (bottom - top) * fy;
}

/* The normalised input value of output pixel (y, x), channel c. */
AUGMENT_FN float augment_pixel(const unsigned char *img, int src_h, int src_w, const augment *a,
                               int out_size, int y, int x, int c, const float *mean,
                               const float *inv_std)
{
    int xm = a->flip ? out_size - 1 - x : x;
    float sy = augment_src_coord(a->crop_y, a->crop_h, out_size, y);
    float sx = augment_src_coord(a->crop_x, a->crop_w, out_size, xm);
    return (augment_sample(img, src_h, src_w, c, sy, sx) + a->shift[c] - mean[c]) * inv_std[c];
}

#endif
