/* store_dir.h: a store appears whole or not at all.
 *
 * A store (an LMDB environment folder) is built in ".<name>.tmp-<pid>" next to its final
 * path, and renamed into place only when complete and synced. A run that was killed leaves
 * only such a temporary; store_dir_begin removes those whose process is gone. An existing
 * store is replaced (with `force`) by an atomic exchange, so a reader sees the old store or
 * the new one, never none. Only the files LMDB makes (data.mdb, lock.mdb) are ever removed.
 */
#ifndef VGG_PACK_STORE_DIR_H
#define VGG_PACK_STORE_DIR_H

#include <stddef.h>

#include "common/error.h"

/* Checks `path` may be written (exists and !force: error "exists; use --force"), removes
 * stale temporaries and creates the temporary folder, whose path goes to tmp (cap bytes). */
int store_dir_begin(const char *path, int force, char *tmp, size_t cap, err *e);

/* Moves the finished temporary into place (replacing an older store) and syncs the parent. */
int store_dir_commit(const char *tmp, const char *path, err *e);

/* Removes the temporary (after a failed pack). */
void store_dir_abort(const char *tmp);

#endif
