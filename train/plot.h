/* plot.h: curves.png, drawn with MagickWand: training and validation loss (left) and top-1
 * (right) per epoch, with axes, ticks and a legend. */
#ifndef VGG_TRAIN_PLOT_H
#define VGG_TRAIN_PLOT_H

#include "common/error.h"
#include "train/metrics.h"

/* Writes the PNG atomically. Needs at least one row. */
int plot_curves(const char *path, const epoch_row *rows, int n, err *e);

#endif
