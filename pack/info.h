/* info.h: what a store holds, for people (--info) and for scripts (--info --json). */
#ifndef VGG_PACK_INFO_H
#define VGG_PACK_INFO_H

#include <stdio.h>

#include "common/store.h"

void info_print(const store *s, FILE *out);
void info_print_json(const store *s, FILE *out);

#endif
