/* augment_draw.c: per-image augmentation decisions (seeded by the caller). */
#include "train/augment_draw.h"

#include <math.h>
#include <string.h>

#include "train/config.h"
#include "train/draw.h"

/* ImageNet RGB eigenvalues and eigenvectors (AlexNet; as in fb.resnet.torch), for 0..1 pixels. */
static const float pca_eigval[3] = {0.2175f, 0.0188f, 0.0045f};
static const float pca_eigvec[3][3] = {
    {-0.5675f, 0.7192f, 0.4009f}, {-0.5808f, -0.0045f, -0.8140f}, {-0.5836f, -0.6948f, 0.4203f}};

void augment_centre(int src_h, int src_w, int out_size, augment *out)
{
    memset(out, 0, sizeof *out);
    float side = (float)(src_h < src_w ? src_h : src_w);
    if (side > (float)out_size)
        side = (float)out_size;
    out->crop_h = out->crop_w = side;
    out->crop_y = floorf(((float)src_h - side) / 2.0f);
    out->crop_x = floorf(((float)src_w - side) / 2.0f);
}

static void random_resized(const augment_policy *p, int src_h, int src_w, rng *r, augment *out)
{
    double area = (double)src_h * src_w;
    for (int attempt = 0; attempt < 10; attempt++) {
        double target = area * (p->area_min + (p->area_max - p->area_min) * rng_uniform(r));
        double log_ratio = log(3.0 / 4.0) + (log(4.0 / 3.0) - log(3.0 / 4.0)) * rng_uniform(r);
        double ratio = exp(log_ratio), w = sqrt(target * ratio), h = sqrt(target / ratio);
        if (w <= src_w && h <= src_h) {
            out->crop_h = (float)h, out->crop_w = (float)w;
            out->crop_y = (float)((src_h - h) * rng_uniform(r));
            out->crop_x = (float)((src_w - w) * rng_uniform(r));
            return;
        }
    }
    float side = (float)(src_h < src_w ? src_h : src_w);
    out->crop_h = out->crop_w = side;
    out->crop_y = ((float)src_h - side) / 2.0f, out->crop_x = ((float)src_w - side) / 2.0f;
}

static void scale_jitter(const augment_policy *p, int src_h, int src_w, rng *r, augment *out)
{
    double s = p->scale_min + (p->scale_max - p->scale_min) * rng_uniform(r);
    double smaller = src_h < src_w ? src_h : src_w;
    double box = p->out_size * smaller / s; /* out_size pixels of the rescaled image */
    if (box > smaller)
        box = smaller;
    out->crop_h = out->crop_w = (float)box;
    out->crop_y = (float)((src_h - box) * rng_uniform(r));
    out->crop_x = (float)((src_w - box) * rng_uniform(r));
}

void augment_draw(const augment_policy *p, int src_h, int src_w, rng *r, augment *out)
{
    memset(out, 0, sizeof *out);
    if (p->mode == AUG_SCALE)
        scale_jitter(p, src_h, src_w, r, out);
    else if (p->mode == AUG_RESIZED)
        random_resized(p, src_h, src_w, r, out);
    else
        augment_centre(src_h, src_w, p->out_size, out);
    if (p->flip)
        out->flip = rng_uniform(r) < 0.5;
    if (p->lighting > 0) {
        float alpha[3];
        for (int i = 0; i < 3; i++)
            alpha[i] = (float)(p->lighting * draw_normal(r)) * pca_eigval[i];
        for (int c = 0; c < 3; c++)
            out->shift[c] = 255.0f * (pca_eigvec[c][0] * alpha[0] + pca_eigvec[c][1] * alpha[1] +
                                      pca_eigvec[c][2] * alpha[2]);
    }
}
