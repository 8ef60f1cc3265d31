/* pixel_stats.h: per-channel sums of an RGB image, for the mean and standard deviation of the
 * training split stored in meta. Integer sums, so the result does not depend on the order in
 * which workers finish. Pure functions; thread-safe.
 */
#ifndef VGG_PACK_PIXEL_STATS_H
#define VGG_PACK_PIXEL_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct pixel_stats {
    uint64_t n;                   /* pixels */
    uint64_t sum[3], sumsq[3];    /* per channel R, G, B */
} pixel_stats;

/* Adds the pixels of an interleaved RGB buffer of `size` bytes (a multiple of 3) to *s. */
void pixel_stats_add(pixel_stats *s, const uint8_t *rgb, size_t size);
void pixel_stats_merge(pixel_stats *into, const pixel_stats *from);
/* Mean and population standard deviation per channel (0 when no pixels). */
void pixel_stats_result(const pixel_stats *s, double mean[3], double std[3]);

#endif
