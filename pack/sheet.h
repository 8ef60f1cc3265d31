/* sheet.h: --sheet, a contact sheet of a store: one row per class (label order), the first
 * few training records of that class, the class name written on the row. Written atomically;
 * the format follows the file name's extension (png, jpg, ...). Needs MagickWandGenesis(). */
#ifndef VGG_PACK_SHEET_H
#define VGG_PACK_SHEET_H

#include "common/store.h"

enum { SHEET_PER_CLASS = 8 };

int sheet_write(store *s, const char *path, int per_class, err *e);

#endif
