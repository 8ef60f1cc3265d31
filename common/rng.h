/* rng.h: a small seeded random generator (xoshiro256** seeded through splitmix64).
 *
 * Same seed, same sequence, on every machine. A `rng` is a plain value: each thread uses its
 * own (rng_seed with a per-thread stream number gives independent streams).
 */
#ifndef VGG_COMMON_RNG_H
#define VGG_COMMON_RNG_H

#include <stdint.h>

typedef struct rng {
    uint64_t s[4];
} rng;

/* Seeds from (seed, stream): different streams of one seed do not overlap in practice. */
void rng_seed(rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(rng *r);
/* Uniform in [0, n), without modulo bias; n > 0. */
uint64_t rng_below(rng *r, uint64_t n);
/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(rng *r);

#endif
