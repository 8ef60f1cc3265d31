#include "data/sample_draw.h"

#include <math.h>
#include <stdlib.h>

static double uniform(rng *r, double lo, double hi) { return lo + (hi - lo) * rng_uniform(r); }

static double luma(const double rgb[3]) { return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]; }

static void random_colour(rng *r, double rgb[3])
{
    for (int i = 0; i < 3; i++)
        rgb[i] = uniform(r, 0, 255);
}

/* A random colour whose luminance differs from the background's by at least 70 of 255, so the
 * shapes are visible whatever the draw; black or white when the draws keep missing. */
static void set_contrasting(DrawingWand *d, rng *r, double bg_luma, int fill)
{
    double rgb[3];
    int tries = 0;
    do
        random_colour(r, rgb);
    while (fabs(luma(rgb) - bg_luma) < 70 && ++tries < 16);
    if (fabs(luma(rgb) - bg_luma) < 70)
        rgb[0] = rgb[1] = rgb[2] = bg_luma < 128 ? 255 : 0;
    PixelWand *p = NewPixelWand();
    PixelSetRed(p, rgb[0] / 255);
    PixelSetGreen(p, rgb[1] / 255);
    PixelSetBlue(p, rgb[2] / 255);
    if (fill) {
        DrawSetFillColor(d, p);
    } else {
        DrawSetStrokeColor(d, p);
        PixelSetColor(p, "none");
        DrawSetFillColor(d, p);
    }
    DestroyPixelWand(p);
}

/* Discs (filled) and rings (hollow): `hollow` picks the class's counts and sizes. */
static void draw_circles(DrawingWand *d, rng *r, double w, double h, double bg_luma, int hollow)
{
    double s = fmin(w, h);
    int n = hollow ? 1 + (int)rng_below(r, 3) : 2 + (int)rng_below(r, 4);
    for (int i = 0; i < n; i++) {
        double rad = (hollow ? uniform(r, 0.12, 0.3) : uniform(r, 0.08, 0.2)) * s;
        double x = uniform(r, rad, w - rad), y = uniform(r, rad, h - rad);
        set_contrasting(d, r, bg_luma, !hollow);
        if (hollow)
            DrawSetStrokeWidth(d, uniform(r, 0.04, 0.07) * s);
        DrawCircle(d, x, y, x + rad, y);
    }
}

static void draw_discs(DrawingWand *d, rng *r, double w, double h, double bg_luma)
{
    draw_circles(d, r, w, h, bg_luma, 0);
}

static void draw_rings(DrawingWand *d, rng *r, double w, double h, double bg_luma)
{
    draw_circles(d, r, w, h, bg_luma, 1);
}

static void draw_triangles(DrawingWand *d, rng *r, double w, double h, double bg_luma)
{
    double s = fmin(w, h);
    int n = 1 + (int)rng_below(r, 3);
    for (int i = 0; i < n; i++) {
        double rad = uniform(r, 0.15, 0.3) * s; /* circumradius */
        double x = uniform(r, rad, w - rad), y = uniform(r, rad, h - rad);
        double a0 = uniform(r, 0, 2 * M_PI);
        PointInfo p[3];
        for (int k = 0; k < 3; k++) {
            double a = a0 + k * 2 * M_PI / 3 + uniform(r, -0.25, 0.25);
            p[k].x = x + rad * cos(a);
            p[k].y = y + rad * sin(a);
        }
        set_contrasting(d, r, bg_luma, 1);
        DrawPolygon(d, 3, p);
    }
}

/* Stripes and checkers are textures over the whole picture, at a random angle and period:
 * the drawing is rotated about the centre and covers the circle that holds the picture. */
static void rotate_about_centre(DrawingWand *d, rng *r, double w, double h)
{
    DrawTranslate(d, w / 2, h / 2);
    DrawRotate(d, uniform(r, 0, 180));
}

static void draw_stripes(DrawingWand *d, rng *r, double w, double h, double bg_luma)
{
    double period = uniform(r, 0.12, 0.25) * fmin(w, h);
    double band = period * uniform(r, 0.35, 0.65);
    double reach = hypot(w, h) / 2;
    set_contrasting(d, r, bg_luma, 1);
    rotate_about_centre(d, r, w, h);
    for (double y = -reach - uniform(r, 0, period); y < reach; y += period)
        DrawRectangle(d, -reach, y, reach, y + band);
}

static void draw_checkers(DrawingWand *d, rng *r, double w, double h, double bg_luma)
{
    double cell = uniform(r, 0.12, 0.22) * fmin(w, h);
    int n = (int)ceil(hypot(w, h) / 2 / cell) + 1;
    set_contrasting(d, r, bg_luma, 1);
    rotate_about_centre(d, r, w, h);
    double shift = uniform(r, 0, cell);
    for (int i = -n; i < n; i++)
        for (int j = -n; j < n; j++)
            if (((i + j) & 1) == 0)
                DrawRectangle(d, i * cell + shift, j * cell + shift, (i + 1) * cell + shift,
                              (j + 1) * cell + shift);
}

const sample_class sample_classes[] = {
    {"checkers", draw_checkers},
    {"discs", draw_discs},
    {"rings", draw_rings},
    {"stripes", draw_stripes},
    {"triangles", draw_triangles},
};
const int sample_class_count = (int)(sizeof sample_classes / sizeof sample_classes[0]);

/* The background: a linear gradient between two random colours at a random angle, plus smooth
 * low-frequency noise (bilinear over a coarse random grid) and a little per-pixel grain.
 * Returns its mean luminance. */
static double fill_background(unsigned char *px, rng *r, size_t w, size_t h)
{
    enum { GRID = 6 };
    double c0[3], c1[3], coarse[GRID + 1][GRID + 1];
    random_colour(r, c0);
    random_colour(r, c1);
    double angle = uniform(r, 0, 2 * M_PI), dx = cos(angle), dy = sin(angle);
    double amp = uniform(r, 10, 40);
    for (int i = 0; i <= GRID; i++)
        for (int j = 0; j <= GRID; j++)
            coarse[i][j] = uniform(r, -1, 1);
    double span = fabs(dx) * (double)w + fabs(dy) * (double)h, sum = 0;
    for (size_t y = 0; y < h; y++) {
        double gy = (double)y / (double)h * (GRID - 1);
        int iy = (int)gy;
        double fy = gy - iy;
        for (size_t x = 0; x < w; x++) {
            double gx = (double)x / (double)w * (GRID - 1);
            int ix = (int)gx;
            double fx = gx - ix;
            double noise = (1 - fy) * ((1 - fx) * coarse[iy][ix] + fx * coarse[iy][ix + 1]) +
                           fy * ((1 - fx) * coarse[iy + 1][ix] + fx * coarse[iy + 1][ix + 1]);
            double t = ((double)x * dx + (double)y * dy) / span + 0.5;
            t = fmin(1, fmax(0, t));
            double off = amp * noise + (double)rng_below(r, 17) - 8;
            double rgb[3];
            for (int c = 0; c < 3; c++) {
                rgb[c] = fmin(255, fmax(0, c0[c] + (c1[c] - c0[c]) * t + off));
                px[(y * w + x) * 3 + c] = (unsigned char)lrint(rgb[c]);
            }
            sum += luma(rgb);
        }
    }
    return sum / ((double)w * (double)h);
}

int sample_wand_error(MagickWand *wand, const char *what, err *e)
{
    ExceptionType type;
    char *desc = MagickGetException(wand, &type);
    err_set(e, "%s: %s", what, desc && *desc ? desc : "ImageMagick error");
    MagickRelinquishMemory(desc);
    return -1;
}

int sample_draw(MagickWand *wand, const sample_class *cls, rng *r, size_t w, size_t h, err *e)
{
    unsigned char *px = malloc(w * h * 3);
    if (!px)
        return err_set(e, "out of memory for a %zux%zu picture", w, h);
    double bg_luma = fill_background(px, r, w, h);
    MagickBooleanType ok = MagickConstituteImage(wand, w, h, "RGB", CharPixel, px);
    free(px);
    if (!ok)
        return sample_wand_error(wand, "background", e);
    DrawingWand *d = NewDrawingWand();
    cls->draw(d, r, (double)w, (double)h, bg_luma);
    ok = MagickDrawImage(wand, d);
    DestroyDrawingWand(d);
    return ok ? 0 : sample_wand_error(wand, cls->name, e);
}
