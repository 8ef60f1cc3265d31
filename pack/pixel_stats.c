#include "pack/pixel_stats.h"

#include <math.h>

/* 48 bytes = 16 RGB pixels: lane j of a 48-byte block is always channel j % 3, so the inner
 * loop is a plain lane-wise sum that the compiler vectorises. uint32 lanes hold at most
 * BLOCKS_PER_FLUSH squares of 255 before they are flushed into the uint64 totals. */
enum { LANES = 48, BLOCKS_PER_FLUSH = 32768 };

void pixel_stats_add(pixel_stats *s, const uint8_t *rgb, size_t size)
{
    size_t blocks = size / LANES;
    const uint8_t *p = rgb;
    while (blocks) {
        size_t n = blocks < BLOCKS_PER_FLUSH ? blocks : BLOCKS_PER_FLUSH;
        uint32_t sum[LANES] = {0}, sq[LANES] = {0};
        for (size_t b = 0; b < n; b++, p += LANES)
            for (int j = 0; j < LANES; j++) {
                sum[j] += p[j];
                sq[j] += (uint32_t)p[j] * p[j];
            }
        for (int j = 0; j < LANES; j++) {
            s->sum[j % 3] += sum[j];
            s->sumsq[j % 3] += sq[j];
        }
        blocks -= n;
    }
    for (size_t i = 0; p + i < rgb + size; i++) {
        s->sum[i % 3] += p[i];
        s->sumsq[i % 3] += (uint32_t)p[i] * p[i];
    }
    s->n += size / 3;
}

void pixel_stats_merge(pixel_stats *into, const pixel_stats *from)
{
    into->n += from->n;
    for (int c = 0; c < 3; c++) {
        into->sum[c] += from->sum[c];
        into->sumsq[c] += from->sumsq[c];
    }
}

void pixel_stats_result(const pixel_stats *s, double mean[3], double std[3])
{
    for (int c = 0; c < 3; c++) {
        if (!s->n) {
            mean[c] = std[c] = 0;
            continue;
        }
        double n = (double)s->n;
        mean[c] = (double)s->sum[c] / n;
        /* exact integer numerator: n*sumsq - sum^2 >= 0 (in long double to keep precision) */
        long double var = ((long double)s->n * s->sumsq[c] -
                           (long double)s->sum[c] * s->sum[c]) / ((long double)n * n);
        std[c] = var > 0 ? sqrt((double)var) : 0;
    }
}
