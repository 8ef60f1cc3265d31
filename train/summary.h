/* summary.h: the layer table of --summary (type, torchvision name, output shape, parameters,
 * forward FLOPs per image) with totals. */
#ifndef VGG_TRAIN_SUMMARY_H
#define VGG_TRAIN_SUMMARY_H

#include <stdio.h>

#include "train/model.h"

void summary_print(FILE *f, const model *m);

#endif
