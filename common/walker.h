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
 * Details (implemented in walker.c, tested in tests/unit/common/test_walker.c):
 * - Only image files by name are returned (names_is_image: .jpg .jpeg .png .gif .bmp .tif
 *   .webp .ppm ...); other files (README.txt, convert-errors.tsv) and hidden names (".x",
 *   "__MACOSX/._x") are skipped silently. Archives are recognised by name (names_is_archive);
 *   an input given directly is opened as an archive whatever its name.
 * - Folders are walked in byte order of names (deterministic), following symbolic links,
 *   at most 32 levels deep. In a folder input, each sub-folder is a class and every image
 *   below it (any depth) belongs to it; an image loose at the top is a problem ("not in a
 *   class folder") unless a labels file is given. So vgg-pack can walk out/<class>/<x>.jpg.
 * - Archive members: the class is the member's first folder ("cls/a.jpg" -> cls); a flat
 *   member's class is the archive's name without extension (n01440764.tar -> n01440764); an
 *   archive found inside a class folder gives all its members to that class. A member that
 *   is itself an archive is read in place (streamed, not loaded), up to 3 levels.
 * - With a labels file the class always comes from it (by base name, then base name without
 *   extension); an image missing from it is a problem.
 * - mtime: the file's, or for archive members the mtime of the archive file on disk.
 * - max_entry_bytes 0 means WALKER_MAX_IMAGE_BYTES. A truncated or corrupt archive gives one problem and the
 *   walk goes on with the next input.
 *
 * Not thread-safe: one thread walks; it may hand entries to workers (copy `data` first).
 */
#ifndef VGG_COMMON_WALKER_H
#define VGG_COMMON_WALKER_H

#include <stddef.h>

#include "common/error.h"

/* The largest file the programs take for an image (a bigger one is refused, so memory stays
 * bounded): archive members here, files read by vgg-convert's and vgg-pack's workers. */
#define WALKER_MAX_IMAGE_BYTES ((size_t)256 << 20)

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
