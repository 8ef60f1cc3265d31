/* outputs.h: where each source goes under out/, and whether it is already done.
 *
 * out/<class>/<stem>.<ext>, with class and stem sanitised (names.h) and disambiguated: two
 * raw classes that sanitise alike get "<class>" and "<class>-2"; two sources of one class
 * that map to one file name get "<stem>.jpg" and "<stem>-2.jpg" (in walk order, which is
 * sorted, so a rerun gives each source the same name). A class folder is created on first
 * use and the temporaries a killed run left in it are removed then.
 *
 * Not thread-safe: called by the walking thread only.
 */
#ifndef VGG_CONVERT_OUTPUTS_H
#define VGG_CONVERT_OUTPUTS_H

#include <stddef.h>

#include "common/error.h"
#include "convert/options.h"

typedef struct outputs outputs;

/* Creates out_dir (and its parents) when missing. */
int outputs_open(const char *out_dir, output_format format, outputs **out, err *e);
void outputs_close(outputs *o);

/* Writes the output path of (class_name, name) into path. Returns 1 when it must be made,
 * 0 when it exists and is not older than src_mtime (and !force), -1 on error,
 * OUTPUT_FILE_DISK_FULL (output_file.h) when its folder cannot be created for lack of space. */
int outputs_plan(outputs *o, const char *class_name, const char *name, long long src_mtime,
                 int force, char *path, size_t cap, err *e);

/* mkdir -p. Returns 0, -1, or OUTPUT_FILE_DISK_FULL. */
int outputs_mkdirs(const char *dir, err *e);

#endif
