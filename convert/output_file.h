/* output_file.h: writing one converted image, whole or not at all, and telling a full or
 * read-only disk (which dooms every later output too) from a failure of this one file.
 *
 * Written to a temporary name and renamed (atomic_write_nosync: without an fsync, the run
 * syncs the file system once at the end), which leaves the errno of a failure to classify.
 * Thread-safe: every call works on its own file.
 */
#ifndef VGG_CONVERT_OUTPUT_FILE_H
#define VGG_CONVERT_OUTPUT_FILE_H

#include <stddef.h>

#include "common/error.h"

enum { OUTPUT_FILE_DISK_FULL = -2 };

/* Writes `size` bytes to `path`. Returns 0; -1 when this file could not be written; or
 * OUTPUT_FILE_DISK_FULL on ENOSPC, EDQUOT or EROFS, with the message "<path>: <strerror>".
 * Nothing partial is left at `path` or under a temporary name in either failure case. */
int output_file_write(const char *path, const void *data, size_t size, err *e);

/* 1 when errno value `errnum` means no output can be written any more (ENOSPC, EDQUOT, EROFS). */
int output_file_errno_is_fatal(int errnum);

#endif
