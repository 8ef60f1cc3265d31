/* loader.h: threads that read a split of the store into batches while the previous batch
 * trains.
 *
 * Training order: a new permutation every epoch, a pure function of (seed, epoch); each
 * image's augmentation is a pure function of (seed, epoch, position), so an epoch can be
 * started at any batch (--resume) and yields the same batches as an uninterrupted run.
 * Evaluation order: the split in index order, centre crops.
 * Staging buffers come from the backend's host_alloc (pinned on a GPU), `depth` of them,
 * filled by `workers` threads, each reading records zero-copy in its own store txn.
 * Every record's CRC-32C is checked (STORE_GET_VERIFY). A damaged record (CRC mismatch, bad
 * header, wrong shape or label) is an error naming the store, split and index, or, with
 * skip_corrupt, is left out of its batch (one warning per record per loader); which records
 * are left out depends only on the store, so --resume still sees the same batches.
 *
 * Threads: one consumer thread calls start_epoch/next; workers are internal.
 */
#ifndef VGG_TRAIN_LOADER_H
#define VGG_TRAIN_LOADER_H

#include <stdint.h>

#include "common/error.h"
#include "common/store.h"
#include "train/augment_draw.h"
#include "train/backend.h"

typedef struct loader_config {
    store *s;
    store_split split;
    int train;                  /* 1: shuffle and augment; 0: in order, centre crops */
    int batch, workers, depth;
    augment_policy policy;
    uint64_t seed;
    int skip_corrupt;           /* 1: leave damaged records out instead of failing */
    const backend_ops *ops;     /* host_alloc/host_free of the staging buffers */
    backend *b;
} loader_config;

typedef struct loader loader;

int loader_create(const loader_config *cfg, loader **out, err *e);
void loader_destroy(loader *l);
/* Batches per epoch: training drops the last partial batch (one batch if the split is
 * smaller than a batch); evaluation keeps it. */
uint64_t loader_batches(const loader *l);
/* Starts (or restarts) epoch `epoch` at batch `first`; batches being prepared are dropped. */
void loader_start_epoch(loader *l, uint64_t epoch, uint64_t first);
/* The next batch of the epoch: 1 (with *out valid until the next call), 0 at the end of the
 * epoch, -1 on a read error. The caller sets (*out)->step. With skip_corrupt, (*out)->n may be
 * below the batch size, and 0 when every record of the batch was damaged (nothing to run). */
int loader_next(loader *l, backend_batch **out, err *e);
/* Records left out of the batch last returned by loader_next (skip_corrupt). */
int loader_skipped(const loader *l);

#endif
