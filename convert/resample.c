#include "convert/resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double lanczos_support = 3.0;

static double lanczos3(double x)
{
    if (x == 0)
        return 1;
    if (x <= -lanczos_support || x >= lanczos_support)
        return 0;
    double px = M_PI * x;
    return lanczos_support * sin(px) * sin(px / lanczos_support) / (px * px);
}

/* The taps of one axis: output i reads in[first[i] .. first[i] + count[i]) with weights
 * weight[i * max_taps ..]. */
typedef struct axis {
    int *first, *count;
    float *weight;
    int max_taps;
    size_t cap_out, cap_weights;
    int in_len, out_len;        /* the plan above is for these (images often share sizes) */
    double b0, blen;
} axis;

enum { CACHED_AXES = 4 };   /* landscape and portrait sources each need two */

struct resampler {
    axis axes[CACHED_AXES];
    int next;                   /* the cached axis to replace next */
    uint8_t *tmp;       /* vertically resampled rows, only the columns the box reads */
    size_t tmp_cap;
    float *acc;         /* one row of sums */
    size_t acc_cap;
};

resampler *resampler_new(void) { return calloc(1, sizeof(resampler)); }

static void axis_free(axis *a)
{
    free(a->first);
    free(a->count);
    free(a->weight);
}

void resampler_free(resampler *r)
{
    if (r) {
        for (int i = 0; i < CACHED_AXES; i++)
            axis_free(&r->axes[i]);
        free(r->tmp);
        free(r->acc);
        free(r);
    }
}

static int grow(void **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    void *bigger = realloc(*buf, need);
    if (!bigger)
        return -1;
    *buf = bigger;
    *cap = need;
    return 0;
}

/* Pillow's precompute_coeffs, in floating point. */
static int axis_plan(axis *a, int in_len, double b0, double blen, int out_len)
{
    double scale = blen / out_len, filterscale = scale < 1 ? 1 : scale;
    double support = lanczos_support * filterscale;
    a->max_taps = (int)ceil(support) * 2 + 1;
    size_t need_out = (size_t)out_len * sizeof(int);
    size_t need_w = (size_t)out_len * (size_t)a->max_taps * sizeof(float);
    size_t cap_first = a->cap_out;
    if (grow((void **)&a->first, &cap_first, need_out) < 0 ||
        grow((void **)&a->count, &a->cap_out, need_out) < 0 ||
        grow((void **)&a->weight, &a->cap_weights, need_w) < 0)
        return -1;
    for (int i = 0; i < out_len; i++) {
        double center = b0 + (i + 0.5) * scale;
        int lo = (int)floor(center - support + 0.5), hi = (int)floor(center + support + 0.5);
        if (lo < 0)
            lo = 0;
        if (hi > in_len)
            hi = in_len;
        float *w = a->weight + (size_t)i * (size_t)a->max_taps;
        double total = 0;
        int n = hi - lo;
        if (n > a->max_taps)
            n = a->max_taps;
        for (int k = 0; k < n; k++) {
            double v = lanczos3((lo + k + 0.5 - center) / filterscale);
            w[k] = (float)v;
            total += v;
        }
        for (int k = 0; k < n; k++)
            w[k] = total != 0 ? (float)(w[k] / total) : 0;
        a->first[i] = lo;
        a->count[i] = n;
    }
    a->in_len = in_len;
    a->out_len = out_len;
    a->b0 = b0;
    a->blen = blen;
    return 0;
}

/* The plan of one axis, from the cache when an earlier image had the same geometry. */
static const axis *find_axis(resampler *r, int in_len, double b0, double blen, int out_len)
{
    for (int i = 0; i < CACHED_AXES; i++) {
        const axis *a = &r->axes[i];
        if (a->first && a->in_len == in_len && a->out_len == out_len && a->b0 == b0 &&
            a->blen == blen)
            return a;
    }
    axis *a = &r->axes[r->next];
    r->next = (r->next + 1) % CACHED_AXES;
    a->in_len = 0;  /* invalid until planned */
    return axis_plan(a, in_len, b0, blen, out_len) < 0 ? NULL : a;
}

static uint8_t clamp_round(float v)
{
    return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)(v + 0.5f);
}

/* Vertical pass over whole rows (`width` bytes from `src`, rows `stride` apart): the inner
 * loop runs along a row, which the compiler vectorises. */
__attribute__((optimize("tree-vectorize")))
static void vertical(const axis *v, const uint8_t *src, size_t stride, size_t width, float *acc,
                     uint8_t *dst, int dh)
{
    for (int y = 0; y < dh; y++) {
        const float *w = v->weight + (size_t)y * (size_t)v->max_taps;
        const uint8_t *row = src + (size_t)v->first[y] * stride;
        for (size_t x = 0; x < width; x++)
            acc[x] = 0;
        int k = 0;
        for (; k + 1 < v->count[y]; k += 2, row += 2 * stride)  /* two rows per pass over acc */
            for (size_t x = 0; x < width; x++)
                acc[x] += w[k] * row[x] + w[k + 1] * row[stride + x];
        if (k < v->count[y])
            for (size_t x = 0; x < width; x++)
                acc[x] += w[k] * row[x];
        uint8_t *out = dst + (size_t)y * width;
        for (size_t x = 0; x < width; x++)
            out[x] = clamp_round(acc[x]);
    }
}

static void horizontal(const axis *h, const uint8_t *src, int first_col, uint8_t *dst, int dw)
{
    for (int x = 0; x < dw; x++) {
        const float *w = h->weight + (size_t)x * (size_t)h->max_taps;
        const uint8_t *p = src + (size_t)(h->first[x] - first_col) * 3;
        float s0 = 0, s1 = 0, s2 = 0;
        for (int k = 0; k < h->count[x]; k++, p += 3) {
            s0 += w[k] * p[0];
            s1 += w[k] * p[1];
            s2 += w[k] * p[2];
        }
        dst[x * 3] = clamp_round(s0);
        dst[x * 3 + 1] = clamp_round(s1);
        dst[x * 3 + 2] = clamp_round(s2);
    }
}

int resample_rgb(resampler *r, const uint8_t *src, int sw, int sh, double bx, double by,
                 double bw, double bh, uint8_t *dst, int dw, int dh, size_t dst_stride)
{
    const axis *h = find_axis(r, sw, bx, bw, dw);
    if (!h)
        return -1;
    const axis *v = find_axis(r, sh, by, bh, dh);  /* replaces another slot than h's */
    if (!v)
        return -1;
    /* Vertical first, on the columns the horizontal pass reads only: the cheap, vectorised
     * pass gets the bigger input. */
    int col0 = h->first[0], col1 = h->first[dw - 1] + h->count[dw - 1];
    size_t width = (size_t)(col1 - col0) * 3;
    if (grow((void **)&r->tmp, &r->tmp_cap, width * (size_t)dh) < 0 ||
        grow((void **)&r->acc, &r->acc_cap, width * sizeof(float)) < 0)
        return -1;
    vertical(v, src + (size_t)col0 * 3, (size_t)sw * 3, width, r->acc, r->tmp, dh);
    for (int y = 0; y < dh; y++)
        horizontal(h, r->tmp + (size_t)y * width, col0, dst + (size_t)y * dst_stride, dw);
    return 0;
}
