/* rng.h: reproducible, independent streams, unbiased ranges. */
#include <criterion/criterion.h>

#include "common/rng.h"

Test(rng, same_seed_same_sequence_other_stream_other_sequence)
{
    rng a, b, c;
    rng_seed(&a, 42, 0);
    rng_seed(&b, 42, 0);
    rng_seed(&c, 42, 1);
    int same_as_c = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rng_next(&a);
        cr_assert_eq(x, rng_next(&b));
        same_as_c += x == rng_next(&c);
    }
    cr_assert_eq(same_as_c, 0);
}

Test(rng, below_and_uniform_stay_in_range_and_cover_it)
{
    rng r;
    rng_seed(&r, 1, 0);
    int counts[10] = {0};
    for (int i = 0; i < 100000; i++) {
        uint64_t v = rng_below(&r, 10);
        cr_assert_lt(v, 10);
        counts[v]++;
        double u = rng_uniform(&r);
        cr_assert(u >= 0.0 && u < 1.0);
    }
    for (int i = 0; i < 10; i++)  /* 10000 expected; 5 sigma is about 475 */
        cr_assert(counts[i] > 9500 && counts[i] < 10500, "bucket %d: %d", i, counts[i]);
}
