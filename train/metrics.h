/* metrics.h: one row of numbers per epoch, to the terminal and to metrics.csv.
 * metrics.csv columns: epoch,lr,train_loss,train_top1,val_loss,val_top1,val_top5,
 * images_per_s,seconds,skipped,input_wait_s (top-1/top-5 as fractions; val_* are nan when the
 * store has no validation split; skipped: damaged records left out, training and validation,
 * with data.skip_corrupt; input_wait_s: seconds the device waited for input, nan when the
 * backend does not measure it). Files of earlier versions without the last two columns are
 * read too. */
#ifndef VGG_TRAIN_METRICS_H
#define VGG_TRAIN_METRICS_H

#include <stdio.h>

#include "common/error.h"

typedef struct epoch_row {
    int epoch;                  /* 1-based */
    double lr, train_loss, train_top1, val_loss, val_top1, val_top5, images_per_s, seconds;
    long long skipped;
    double input_wait;          /* seconds, NAN when not measured */
} epoch_row;

/* The epoch's line for the terminal (stdout). */
void metrics_print(FILE *f, const epoch_row *r, int epochs);
/* Writes all rows to path atomically. */
int metrics_write_csv(const char *path, const epoch_row *rows, int n, err *e);
/* Reads rows with epoch <= max_epoch from path into rows (capacity cap); a missing file gives
 * 0 rows. Returns the count or -1. */
int metrics_read_csv(const char *path, int max_epoch, epoch_row *rows, int cap, err *e);

#endif
