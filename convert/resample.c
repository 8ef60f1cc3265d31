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

/* Weights are fixed point with WEIGHT_BITS fraction bits, as Pillow's resampler (which keeps
 * 22 in int32): 14 keep every product and sum of 8-bit pixels in int32 and each weight (at
 * most 1.0) in int16, so the vectorised loops work on 16-bit lanes. Rounding the weights
 * costs under 1/16384 of a level. */
enum { WEIGHT_BITS = 14 };

/* The taps of one axis: output i reads in[first[i] .. first[i] + count[i]) with weights
 * weight[i * max_taps ..]. */
typedef struct axis {
    int *first, *count;
    int16_t *weight;
    int max_taps;
    size_t cap_out, cap_weights;
    int in_len, out_len;        /* the plan above is for these (images often share sizes) */
    double b0, blen;
} axis;

enum { CACHED_AXES = 4 };   /* landscape and portrait sources each need two */

struct resampler {
    axis axes[CACHED_AXES];
    int next;                   /* the cached axis to replace next */
    uint8_t *tmp;       /* vertically resampled rows, only the columns the box reads,
                         * transposed */
    size_t tmp_cap;
    uint8_t *block;     /* BLOCK_ROWS lines of bytes */
    size_t block_cap;
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
        free(r->block);
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

/* Pillow's precompute_coeffs. */
static int axis_plan(axis *a, int in_len, double b0, double blen, int out_len)
{
    double scale = blen / out_len, filterscale = scale < 1 ? 1 : scale;
    double support = lanczos_support * filterscale;
    a->max_taps = (int)ceil(support) * 2 + 1;
    size_t need_out = (size_t)out_len * sizeof(int);
    size_t need_w = (size_t)out_len * (size_t)a->max_taps * sizeof(int16_t);
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
        int16_t *w = a->weight + (size_t)i * (size_t)a->max_taps;
        double total = 0, v[a->max_taps];
        int n = hi - lo;
        if (n > a->max_taps)
            n = a->max_taps;
        for (int k = 0; k < n; k++)
            total += v[k] = lanczos3((lo + k + 0.5 - center) / filterscale);
        for (int k = 0; k < n; k++)
            w[k] = total != 0 ? (int16_t)lround(v[k] / total * (1 << WEIGHT_BITS)) : 0;
        a->first[i] = lo;
        a->count[i] = n;
    }
    a->in_len = in_len;
    a->out_len = out_len;
    a->b0 = b0;
    a->blen = blen;
    return 0;
}

/* The plan of one axis, from the cache when an earlier image had the same geometry; a miss
 * replaces the slots in turn, but never `keep` (the other axis's plan, in use). */
static const axis *find_axis(resampler *r, int in_len, double b0, double blen, int out_len,
                             const axis *keep)
{
    for (int i = 0; i < CACHED_AXES; i++) {
        const axis *a = &r->axes[i];
        if (a->first && a->in_len == in_len && a->out_len == out_len && a->b0 == b0 &&
            a->blen == blen)
            return a;
    }
    if (&r->axes[r->next] == keep)
        r->next = (r->next + 1) % CACHED_AXES;
    axis *a = &r->axes[r->next];
    r->next = (r->next + 1) % CACHED_AXES;
    a->in_len = 0;  /* invalid until planned */
    return axis_plan(a, in_len, b0, blen, out_len) < 0 ? NULL : a;
}

enum { BLOCK_ROWS = 8 };  /* rows the vertical pass transposes at once */

/* One fixed-point sum rounded and clamped to 0..255. */
static uint8_t to_byte(int32_t acc)
{
    int32_t v = (acc + (1 << (WEIGHT_BITS - 1))) >> WEIGHT_BITS;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* out[x] for x < n: the sum over k < taps of w[k] * src[k * tap_stride + x], as a byte. One
 * output line of either pass; the taps of a line are whole lines of src. */
static void convolve_scalar(const int16_t *w, int taps, const uint8_t *src, size_t tap_stride,
                            size_t n, uint8_t *out)
{
    for (size_t x = 0; x < n; x++) {
        int32_t acc = 0;
        for (int k = 0; k < taps; k++)
            acc += w[k] * src[(size_t)k * tap_stride + x];
        out[x] = to_byte(acc);
    }
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* Four int32 sums of pixels x..x+3 after two taps: the bytes of both taps interleaved as
 * int16 pairs, multiplied by (w0, w1) pairs and each pair added, by one pmaddwd. */
#define MADD_PAIR(lo_a, lo_b, wpair) _mm_madd_epi16(_mm_unpacklo_epi16(lo_a, lo_b), wpair)
#define MADD_PAIR_HI(lo_a, lo_b, wpair) _mm_madd_epi16(_mm_unpackhi_epi16(lo_a, lo_b), wpair)

/* The same, 16 pixels at a time with the sums in registers (pmaddwd does two taps of eight
 * 16-bit lanes in one instruction; the compiler's own vectorisation of the plain loop used
 * 32-bit multiplies, a quarter of the work per instruction). */
static void convolve(const int16_t *w, int taps, const uint8_t *src, size_t tap_stride, size_t n,
                     uint8_t *out)
{
    if (n < 16) {
        convolve_scalar(w, taps, src, tap_stride, n, out);
        return;
    }
    const __m128i zero = _mm_setzero_si128(), round = _mm_set1_epi32(1 << (WEIGHT_BITS - 1));
    for (size_t x0 = 0; x0 < n; x0 += 16) {
        size_t x = x0 + 16 <= n ? x0 : n - 16;  /* the last block overlaps the one before */
        __m128i s0 = round, s1 = round, s2 = round, s3 = round;
        const uint8_t *p = src + x;
        int k = 0;
        for (; k + 1 < taps; k += 2, p += 2 * tap_stride) {
            __m128i wp = _mm_set1_epi32((int32_t)((uint32_t)(uint16_t)w[k] |
                                                  (uint32_t)(uint16_t)w[k + 1] << 16));
            __m128i a = _mm_loadu_si128((const __m128i *)p);
            __m128i b = _mm_loadu_si128((const __m128i *)(p + tap_stride));
            __m128i al = _mm_unpacklo_epi8(a, zero), ah = _mm_unpackhi_epi8(a, zero);
            __m128i bl = _mm_unpacklo_epi8(b, zero), bh = _mm_unpackhi_epi8(b, zero);
            s0 = _mm_add_epi32(s0, MADD_PAIR(al, bl, wp));
            s1 = _mm_add_epi32(s1, MADD_PAIR_HI(al, bl, wp));
            s2 = _mm_add_epi32(s2, MADD_PAIR(ah, bh, wp));
            s3 = _mm_add_epi32(s3, MADD_PAIR_HI(ah, bh, wp));
        }
        if (k < taps) {     /* an odd last tap, paired with a zero weight */
            __m128i wp = _mm_set1_epi32((int32_t)(uint16_t)w[k]);
            __m128i a = _mm_loadu_si128((const __m128i *)p);
            __m128i al = _mm_unpacklo_epi8(a, zero), ah = _mm_unpackhi_epi8(a, zero);
            s0 = _mm_add_epi32(s0, MADD_PAIR(al, zero, wp));
            s1 = _mm_add_epi32(s1, MADD_PAIR_HI(al, zero, wp));
            s2 = _mm_add_epi32(s2, MADD_PAIR(ah, zero, wp));
            s3 = _mm_add_epi32(s3, MADD_PAIR_HI(ah, zero, wp));
        }
        s0 = _mm_srai_epi32(s0, WEIGHT_BITS), s1 = _mm_srai_epi32(s1, WEIGHT_BITS);
        s2 = _mm_srai_epi32(s2, WEIGHT_BITS), s3 = _mm_srai_epi32(s3, WEIGHT_BITS);
        __m128i bytes = _mm_packus_epi16(_mm_packs_epi32(s0, s1), _mm_packs_epi32(s2, s3));
        _mm_storeu_si128((__m128i *)(out + x), bytes);
    }
}
#else
static void convolve(const int16_t *w, int taps, const uint8_t *src, size_t tap_stride, size_t n,
                     uint8_t *out)
{
    convolve_scalar(w, taps, src, tap_stride, n, out);
}
#endif

/* Vertical pass over `width` bytes of each row of `src` (rows `stride` apart), written
 * transposed: byte x of output row y goes to dst[x * dh + y], so that the horizontal pass
 * reads its taps as whole lines too. BLOCK_ROWS rows at a time (through `block`), so that
 * the transposed writes fill cache lines instead of touching one per byte. */
static void vertical(const axis *v, const uint8_t *src, size_t stride, size_t width,
                     uint8_t *block, uint8_t *dst, int dh)
{
    for (int y0 = 0; y0 < dh; y0 += BLOCK_ROWS) {
        int rows = dh - y0 < BLOCK_ROWS ? dh - y0 : BLOCK_ROWS;
        for (int r = 0; r < rows; r++) {
            int y = y0 + r;
            convolve(v->weight + (size_t)y * (size_t)v->max_taps, v->count[y],
                     src + (size_t)v->first[y] * stride, stride, width, block + (size_t)r * width);
        }
        for (size_t x = 0; x < width; x++)
            for (int r = 0; r < rows; r++)
                dst[x * (size_t)dh + (size_t)(y0 + r)] = block[(size_t)r * width + x];
    }
}

/* Horizontal pass over the transposed rows (`src`: line j holds byte j of every row, dh of
 * them; its first line is column first_col): each output channel is one line of dh values. */
static void horizontal(const axis *h, const uint8_t *src, int first_col, uint8_t *line,
                       uint8_t *dst, int dw, int dh, size_t dst_stride)
{
    size_t line_len = (size_t)dh;
    for (int x = 0; x < dw; x++)
        for (int c = 0; c < 3; c++) {
            size_t j = (size_t)(h->first[x] - first_col) * 3 + (size_t)c;
            convolve(h->weight + (size_t)x * (size_t)h->max_taps, h->count[x],
                     src + j * line_len, 3 * line_len, line_len, line);
            uint8_t *out = dst + (size_t)x * 3 + (size_t)c;
            for (int y = 0; y < dh; y++)
                out[(size_t)y * dst_stride] = line[y];
        }
}

int resample_rgb(resampler *r, const uint8_t *src, int sw, int sh, double bx, double by,
                 double bw, double bh, uint8_t *dst, int dw, int dh, size_t dst_stride)
{
    const axis *h = find_axis(r, sw, bx, bw, dw, NULL);
    if (!h)
        return -1;
    const axis *v = find_axis(r, sh, by, bh, dh, h);
    if (!v)
        return -1;
    /* Vertical first, on the columns the horizontal pass reads only: the cheap, vectorised
     * pass gets the bigger input. */
    int col0 = h->first[0], col1 = h->first[dw - 1] + h->count[dw - 1];
    size_t width = (size_t)(col1 - col0) * 3;
    size_t line = width > (size_t)dh ? width : (size_t)dh;
    if (grow((void **)&r->tmp, &r->tmp_cap, width * (size_t)dh) < 0 ||
        grow((void **)&r->block, &r->block_cap, line * BLOCK_ROWS) < 0)
        return -1;
    vertical(v, src + (size_t)col0 * 3, (size_t)sw * 3, width, r->block, r->tmp, dh);
    horizontal(h, r->tmp, col0, r->block, dst, dw, dh, dst_stride);
    return 0;
}
