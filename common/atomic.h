/* atomic.h: files that appear whole or not at all.
 *
 * A file is written to a temporary name in its own directory (".<name>.tmp-XXXXXX"), flushed
 * and fsynced, then renamed over the final name, so a reader (or a rerun after Ctrl-C or
 * kill -9) never sees a partial file. A killed run leaves only such temporaries behind;
 * atomic_remove_temps deletes them. Thread-safe: every call works on its own file.
 */
#ifndef VGG_COMMON_ATOMIC_H
#define VGG_COMMON_ATOMIC_H

#include <stdio.h>

#include "common/error.h"

/* Writes `size` bytes to `path` atomically. Returns 0 or -1 (message names `path`); every
 * function here leaves the cause of a failure in errno too (EIO when none is known). */
int atomic_write(const char *path, const void *data, size_t size, err *e);

/* The same without the fsync: still whole or absent after a killed process (the rename is
 * atomic), but not after a power cut until atomic_sync_fs. For many small files, where one
 * fsync each would cost more than the work (vgg-convert's outputs: 4x slower with it). */
int atomic_write_nosync(const char *path, const void *data, size_t size, err *e);

/* Flushes the file system holding `path` (syncfs): makes earlier nosync writes durable. */
int atomic_sync_fs(const char *path, err *e);

/* For output produced in pieces: atomic_open gives a FILE* on a temporary; atomic_commit
 * flushes, fsyncs, closes and renames it to `path`; atomic_abort closes and removes it.
 * Exactly one of commit/abort must be called for each successful open. */
typedef struct atomic_file {
    FILE *f;
    char path[4096];
    char tmp[4096];
} atomic_file;

int atomic_open(atomic_file *af, const char *path, err *e);
int atomic_commit(atomic_file *af, err *e);
void atomic_abort(atomic_file *af);

/* Removes the temporaries that an interrupted atomic write left in directory `dir`.
 * Returns the number removed, or -1 when `dir` cannot be read. */
int atomic_remove_temps(const char *dir, err *e);

/* 1 if `name` (a file name, no directory) is such a temporary. */
int atomic_is_temp(const char *name);

#endif
