/* store.h: the reader API of the LMDB image store (format: docs/format.md).
 *
 * The trainer and every tool read stores only through this API. A store is opened read-only
 * (MDB_RDONLY; it works on a read-only file system, from several processes at once). Records
 * are returned as a decoded header plus a pointer into the memory map: no copy.
 *
 * Threads: a `store` may be shared by any number of threads; each thread that reads records
 * opens its own `store_txn`. A record's `pixels` stay valid until that txn is ended.
 */
#ifndef VGG_COMMON_STORE_H
#define VGG_COMMON_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef enum store_split { STORE_TRAIN = 0, STORE_VAL = 1, STORE_NSPLITS = 2 } store_split;

typedef struct store_meta {
    uint32_t format_version;
    int height, width, channels;        /* every record of the store has this shape */
    int num_classes;
    const char *const *class_names;     /* label order (sorted by name, like ImageFolder) */
    uint64_t split_count[STORE_NSPLITS];
    const uint64_t *class_count[STORE_NSPLITS]; /* [split][label] */
    double mean[3], std[3];             /* per-channel (R,G,B) of the train split, pixel units 0..255 */
    const char *tool_version, *source;  /* provenance */
    int64_t created;                    /* Unix time */
} store_meta;

typedef struct store_record {
    uint32_t label;
    int height, width, channels;
    const uint8_t *pixels;              /* HWC, RGB, row-major, height*width*channels bytes */
    size_t size;
} store_record;

typedef struct store store;
typedef struct store_txn store_txn;

/* Opens the store at `path` (an LMDB environment directory) read-only. Rejects another format
 * version or missing/inconsistent meta with a message naming the path. */
int store_open(const char *path, store **out, err *e);
void store_close(store *s);
const store_meta *store_get_meta(const store *s);   /* owned by the store, valid until close */
uint64_t store_count(const store *s, store_split split);
const char *store_path(const store *s);

int store_txn_begin(store *s, store_txn **out, err *e);
void store_txn_end(store_txn *t);

enum { STORE_GET_VERIFY = 1 };  /* also check the payload's CRC-32C */

/* Record `index` (0 <= index < store_count) of `split`. Fails with a message naming the split
 * and index on a missing record, a bad header, or (with STORE_GET_VERIFY) a CRC mismatch. */
int store_get(store_txn *t, store_split split, uint64_t index, unsigned flags,
              store_record *rec, err *e);

#endif
