/* run.h: one vgg-convert run: walk the inputs, plan each output, convert in the pool,
 * report. */
#ifndef VGG_CONVERT_RUN_H
#define VGG_CONVERT_RUN_H

#include <stdint.h>

#include "common/error.h"
#include "convert/options.h"
#include "convert/report.h"

typedef struct convert_summary {
    uint64_t converted, up_to_date, failed;
    double seconds;
    int errors_listed;          /* OUT/convert-errors.tsv lists this run's failures */
} convert_summary;

/* Returns 0 when the run went through (failures of single inputs are in `rep` and counted
 * in sum->failed), -1 on a fatal error: an input or out/ that cannot be opened at all, or a
 * disk that is full (ENOSPC, EDQUOT) or read-only, which stops the run at once with the
 * message "<output path>: No space left on device"; the outputs completed before it are
 * kept, nothing partial is left, and a rerun with space completes the job. */
int convert_run(const convert_options *opt, report *rep, convert_summary *sum, err *e);

#endif
