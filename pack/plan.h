/* plan.h: what a pack will write, decided before any pixel is decoded.
 *
 * The input folder is walked (common/walker.h): <class>/<files>, or train/<class> and
 * val/<class> for given splits. Classes are sorted by name (byte order, like torchvision's
 * ImageFolder) and numbered from 0; files are sorted by path within a class, so the plan does
 * not depend on directory order. Without given splits, `val_fraction` of each class (rounded,
 * at least one image left in train) goes to val, chosen with the seed; then each split's
 * records are put in a seeded random order.
 *
 * Problems found while walking (unreadable entries, archive members, empty classes) are
 * listed in `problems` with their path; the caller decides whether they are fatal.
 */
#ifndef VGG_PACK_PLAN_H
#define VGG_PACK_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/store.h"

typedef struct plan_entry {
    char *path;
    uint32_t label;
    uint8_t split;      /* store_split */
    uint8_t bad;        /* set by the writer when the file cannot be packed */
} plan_entry;

typedef struct plan {
    char **classes;
    int num_classes;
    plan_entry *entries;            /* sorted by (label, path) */
    size_t num_entries;
    size_t *order[STORE_NSPLITS];   /* record order: indices into entries */
    size_t count[STORE_NSPLITS];
    int given_splits;               /* 1 when the input had train/ and val/ */
    char **problems;                /* "path: reason" */
    size_t num_problems;
} plan;

typedef struct plan_options {
    double val_fraction;    /* 0 <= f < 1; must be 0 when the input has train/ and val/ */
    uint64_t seed;
} plan_options;

/* Returns 0 (problems may still be listed), or -1 on a fatal error (input missing, no image
 * at all, val_fraction with given splits, out of memory). */
int plan_build(const char *input, const plan_options *o, plan *p, err *e);
void plan_free(plan *p);

/* Splits entries [0, n) of one class, all in train, into train and val: round(n * fraction)
 * of them (at most n - 1) move to val, chosen by a shuffle seeded with (seed, label).
 * Returns 0, or -1 when out of memory. Exposed for the tests. */
int plan_split_class(plan_entry *entries, size_t n, double fraction, uint64_t seed,
                     uint32_t label);

#endif
