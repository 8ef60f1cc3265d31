/* json_out.h: writing JSON strings (quoted and escaped), for safetensors headers and
 * --predict --json. */
#ifndef VGG_TRAIN_JSON_OUT_H
#define VGG_TRAIN_JSON_OUT_H

#include <stdio.h>

void json_out_string(FILE *f, const char *s);

#endif
