/* fixture_store.h: a small real store (LMDB, common/store_format.h) for the trainer's tests. */
#ifndef VGG_TESTS_TRAIN_FIXTURE_STORE_H
#define VGG_TESTS_TRAIN_FIXTURE_STORE_H

#include <stdint.h>

/* Creates directory `dir` holding n_train + n_val records of h x w RGB; record i of a split
 * has label i % classes and pixels that are a pseudo-random function of (split, i) plus a
 * per-class colour, so a model can tell the classes apart. */
void fixture_store(const char *dir, int n_train, int n_val, int classes, int h, int w);
/* The same with classes named <prefix>00, <prefix>01, ... (fixture_store: "class"). */
void fixture_store_named(const char *dir, int n_train, int n_val, int classes, int h, int w,
                         const char *prefix);
/* Flips one pixel byte of record `index` of split `split` (0 train, 1 val): only its CRC-32C
 * tells. */
void fixture_corrupt(const char *dir, int split, int index);
/* rm -r of a fixture directory (files one level deep). */
void fixture_remove_dir(const char *dir);

#endif
