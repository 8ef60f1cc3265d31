/* report.h: the inputs that could not be converted, with one reason each.
 *
 * Shown at the end of a run and written to out/convert-errors.tsv ("source<TAB>reason" lines
 * under a header line). Thread-safe: workers add to it concurrently.
 */
#ifndef VGG_CONVERT_REPORT_H
#define VGG_CONVERT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "common/error.h"

typedef struct report report;

report *report_new(void);
void report_free(report *r);

/* Records one failure. When `reason` starts with "<source>: " that prefix is dropped. */
void report_add(report *r, const char *source, const char *reason);
size_t report_count(const report *r);

/* Writes <out_dir>/convert-errors.tsv atomically, or removes a stale one when there is
 * nothing to report. */
int report_write_tsv(const report *r, const char *out_dir, err *e);

/* Prints up to `max` lines "  <source>: <reason>" to f, then "  ... and N more" if needed. */
void report_print(const report *r, FILE *f, size_t max);

#endif
