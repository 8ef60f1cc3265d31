/* writer.h: decodes a plan's images in worker threads and writes them into an LMDB store.
 *
 * One thread (the caller) owns the LMDB write transaction. For each batch it reserves every
 * record's place in the map (MDB_RESERVE with MDB_WRITEMAP, so LMDB itself never copies a
 * record); the workers decode each image into a buffer of their own and pwrite the record to
 * its place in the data file, in parallel (a record small enough for a leaf page is copied
 * into the map instead). That costs the kernel a copy into the page cache,
 * far less than faulting fresh pages into the map one by one (and cleaning their mappings at
 * writeback). Batches are committed without sync (the store is a temporary until it is
 * complete); one sync at the end makes it durable.
 * When LMDB reports the map full, the batch is redone in a map twice the size; when an image
 * turns out bad, the batch is redone without it (and the run fails unless skip_bad).
 *
 * Meta (shape, classes, counts, mean/std of train, provenance) is written last. The store is
 * written into `dir`, an existing empty folder; renaming it into place is the caller's job.
 */
#ifndef VGG_PACK_WRITER_H
#define VGG_PACK_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "pack/plan.h"

typedef struct writer_options {
    int jobs;                   /* decode threads, >= 1 */
    int skip_bad;               /* go on without images that cannot be packed */
    int quiet;                  /* no progress display */
    size_t batch_records;       /* records per transaction (0: default) */
    size_t initial_map_bytes;   /* 0: estimated from the plan */
    const char *source;         /* provenance: the input folder (main passes its realpath) */
} writer_options;

typedef struct writer_result {
    uint64_t records[STORE_NSPLITS];
    uint64_t bytes;             /* size of the store's data file */
    int height, width;
    size_t skipped;             /* images left out (skip_bad) */
    int map_grown;              /* times the map was grown */
    double seconds;
} writer_result;

/* Returns 0, or -1 with a message. A bad image without skip_bad is an error naming its path.
 * Bad images are marked in p->entries[].bad and logged as they are found. */
int writer_run(plan *p, const char *dir, const writer_options *o, writer_result *r, err *e);

#endif
