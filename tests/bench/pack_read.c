/* Read throughput of the store reader API (common/store.h): every train record in a random
 * order, pixels copied into a batch of BATCH images as a loader would. Built and run by
 * tests/bench/pack.sh.
 * Usage: pack_read STORE PASSES [verify] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/store.h"

enum { BATCH = 32 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    store *s;
    store_txn *t;
    err e;
    if (store_open(argv[1], &s, &e) < 0 || store_txn_begin(s, &t, &e) < 0) {
        fprintf(stderr, "pack_read: %s\n", e.msg);
        return 2;
    }
    unsigned flags = argc > 3 ? STORE_GET_VERIFY : 0;
    uint64_t n = store_count(s, STORE_TRAIN);
    int passes = atoi(argv[2]);
    uint64_t *order = malloc(n * sizeof *order);
    for (uint64_t i = 0; i < n; i++)
        order[i] = i;
    srand(1);
    for (uint64_t i = n; i > 1; i--) {
        uint64_t j = (uint64_t)rand() % i, x = order[i - 1];
        order[i - 1] = order[j];
        order[j] = x;
    }
    const store_meta *m = store_get_meta(s);
    size_t rec_bytes = (size_t)m->height * m->width * 3;
    uint8_t *batch = malloc(BATCH * rec_bytes);
    unsigned sink = 0;   /* uses the copies, so the compiler cannot drop them */
    double t0 = 0, bytes = 0;
    for (int pass = -1; pass < passes; pass++) {   /* pass -1 warms the page cache */
        if (pass == 0)
            t0 = now();
        for (uint64_t i = 0; i < n; i++) {
            store_record rec;
            if (store_get(t, STORE_TRAIN, order[i], flags, &rec, &e) < 0) {
                fprintf(stderr, "pack_read: %s\n", e.msg);
                return 1;
            }
            uint8_t *slot = batch + (i % BATCH) * rec_bytes;
            memcpy(slot, rec.pixels, rec.size);
            sink += slot[i % rec.size];
            if (pass >= 0)
                bytes += (double)rec.size;
        }
    }
    double sec = now() - t0, recs = (double)n * passes;
    printf("reader API%s: %.0f records in %.2f s: %.0f records/s, %.2f GB/s (check %u)\n",
           flags ? " (with CRC check)" : "", recs, sec, recs / sec, bytes / 1e9 / sec, sink);
    free(batch);
    free(order);
    store_txn_end(t);
    store_close(s);
    return 0;
}
