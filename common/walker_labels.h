/* walker_labels.h: the labels file of the walker (internal to walker.c and its tests).
 *
 * Lines "file,class" or "file<TAB>class"; the class is the second field up to its first space
 * (so ImageNet's "ImageId,PredictionString" solution file works too); blank lines and a line
 * whose file is "ImageId" or "file" (a header) are skipped; CRLF is accepted. A file is looked
 * up by its base name, then by its base name without extension.
 */
#ifndef VGG_COMMON_WALKER_LABELS_H
#define VGG_COMMON_WALKER_LABELS_H

#include "common/error.h"

typedef struct walker_labels walker_labels;

/* Reads `path`. A malformed line is an error naming "path:line". */
int walker_labels_load(const char *path, walker_labels **out, err *e);
/* The class of `file_name` (a base name), or NULL. Valid until walker_labels_free. */
const char *walker_labels_find(const walker_labels *l, const char *file_name);
void walker_labels_free(walker_labels *l);

#endif
