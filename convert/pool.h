/* pool.h: the worker threads of vgg-convert and the bounded queue that feeds them.
 *
 * The walking thread submits jobs; each of `jobs` workers owns a converter and writes its
 * outputs atomically. The queue holds 2 x jobs slots whose buffers are reused, so memory
 * stays bounded by the largest images in flight, whatever the number of files. Failures go
 * to the report; every finished job is counted in the tally and shown on the progress bar.
 */
#ifndef VGG_CONVERT_POOL_H
#define VGG_CONVERT_POOL_H

#include <stdint.h>

#include "common/error.h"
#include "common/progress.h"
#include "common/walker.h"
#include "convert/options.h"
#include "convert/output_file.h"
#include "convert/report.h"

/* Counts of one run, updated atomically (tally_add) from any thread. */
typedef struct tally {
    uint64_t converted, up_to_date, failed;
    progress *bar;
} tally;

/* Adds one to *field (a member of t) and updates the progress bar. */
void tally_add(tally *t, uint64_t *field);

typedef struct pool pool;

pool *pool_start(const convert_options *opt, report *rep, tally *t, err *e);

/* When a worker finds the disk full (or the quota exceeded, or the disk read-only:
 * OUTPUT_FILE_DISK_FULL of output_file.h), the workers stop after their current image,
 * queued jobs are dropped uncounted, and that error becomes the run's. */

/* Queues the conversion of `ent` (its bytes are copied) to out_path; waits for a free slot.
 * Returns 0, -1 (this entry could not be queued), or OUTPUT_FILE_DISK_FULL with its message. */
int pool_submit(pool *p, const walker_entry *ent, const char *out_path, err *e);

/* Waits until every queued job is done (or the disk filled), then stops the workers and
 * frees the pool. Returns 0, or OUTPUT_FILE_DISK_FULL with its message in *e. */
int pool_finish(pool *p, err *e);

#endif
