/* walker.h: one iterator over image inputs, whatever their container.
 *
 * Inputs are folders (<class>/<file>, at any depth below the class folder), archives read with
 * libarchive without unpacking (.tar, .tar.gz, .zip, ...), folders holding archives, and the
 * ILSVRC layout (an outer tar of per-class tars whose names are the classes). With a labels
 * file (lines "file,class" or "file<TAB>class") a flat folder or archive is sorted by it.
 *
 * Entries come from a plain file (`path` set) or from an archive (`data`/`size` set, valid until
 * the next walker_next). Names are as found (not sanitised: see names.h). Entries that cannot
 * be taken (unsafe archive names, links, devices, unreadable members) are returned as problems
 * with a reason, so the caller reports them and goes on.
 *
 * Not thread-safe: one thread walks; it may hand entries to workers (copy `data` first).
 */
#ifndef VGG_COMMON_WALKER_H
#define VGG_COMMON_WALKER_H

#include <stddef.h>

#include "common/error.h"

typedef struct walker_options {
    const char *labels_path;    /* NULL: classes come from folder / archive names */
    size_t max_entry_bytes;     /* archive members larger than this are skipped as problems */
} walker_options;

typedef struct walker_entry {
    const char *class_name;     /* raw class name */
    const char *name;           /* file name (last path component), raw */
    const char *source;         /* for messages: "raw/cls/a.jpg" or "raw/x.tar:cls/a.jpg" */
    const char *path;           /* filesystem path, or NULL when the bytes are in `data` */
    const void *data;
    size_t size;
    long long mtime;            /* source modification time (seconds), for resumability */
} walker_entry;

typedef struct walker walker;

int walker_open(const char *const *inputs, int n_inputs, const walker_options *opt,
                walker **out, err *e);

/* 1: an entry in *ent. 0: the end. -1: a problem with one input or entry, described in *e
 * (e.g. "raw/x.tar:../evil: path escapes the output"); the walk may continue with another
 * call. -2: fatal (an input that cannot be opened at all): stop. */
int walker_next(walker *w, walker_entry *ent, err *e);
void walker_close(walker *w);

#endif
