/* store_format.h: the bytes of the LMDB image store (specified in docs/format.md).
 *
 * A store is an LMDB environment with three named databases: "train" and "val" (records,
 * keyed by index) and "meta" (text values). This module encodes and decodes those bytes and
 * knows nothing of LMDB, so the writer (pack/), the reader (store.c) and the tests share it.
 * Pure functions; thread-safe.
 */
#ifndef VGG_COMMON_STORE_FORMAT_H
#define VGG_COMMON_STORE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/store.h"

enum {
    STORE_FORMAT_VERSION = 1,
    STORE_HEADER_SIZE = 32,       /* bytes before the pixels of every record */
    STORE_KEY_SIZE = 8,           /* record index, big-endian uint64 */
    STORE_LAYOUT_HWC_RGB8 = 1,    /* uint8, row-major height x width x channels, R G B */
    STORE_MAX_SIDE = 65535,
    STORE_MAX_CLASSES = 100000,
};
#define STORE_RECORD_MAGIC "VGGR"

/* Names of the LMDB databases, by split, and of the meta database. */
extern const char *const store_split_names[STORE_NSPLITS];   /* "train", "val" */
#define STORE_META_DB "meta"

typedef struct store_header {
    uint32_t version;     /* format version the record was written with */
    uint32_t layout;      /* STORE_LAYOUT_* */
    uint32_t channels, label, height, width;
    uint32_t payload_size;
    uint32_t crc;         /* CRC-32C of the payload */
} store_header;

/* Writes the 32-byte little-endian header (magic, version, layout, channels, label, height,
 * width, payload size, CRC, reserved zero). */
void store_header_encode(const store_header *h, uint8_t out[STORE_HEADER_SIZE]);

/* Decodes and checks the header of a record of `size` bytes (header + payload): magic,
 * version, layout, shape consistent with the payload size and with `size`. Does not check the
 * CRC. Returns 0, or -1 with the reason (no path: the caller prefixes it). */
int store_header_decode(const void *record, size_t size, store_header *h, err *e);

void store_key_encode(uint64_t index, uint8_t out[STORE_KEY_SIZE]);
uint64_t store_key_decode(const uint8_t key[STORE_KEY_SIZE]);

/* Meta: text key/value pairs. Encoding calls `put` once per pair; it stops at the first put
 * that fails (returns < 0) and returns that. */
typedef int (*store_meta_put_fn)(void *ctx, const char *key, const char *value, err *e);
int store_meta_encode(const store_meta *m, store_meta_put_fn put, void *ctx, err *e);

/* Decoding asks `get` for each key: it returns the value bytes (not NUL-terminated) and their
 * length, or NULL when the key is missing. The decoded meta owns its strings and arrays. */
typedef const char *(*store_meta_get_fn)(void *ctx, const char *key, size_t *len);

typedef struct store_meta_buf {
    store_meta meta;      /* points into the fields below */
    char **names;
    uint64_t *class_count[STORE_NSPLITS];
    char *tool_version, *source;
} store_meta_buf;

/* Rejects another format version first ("format version 2; this build reads version 1"),
 * then missing keys, malformed values and counts that do not add up. On failure *out is
 * left empty (nothing to free). */
int store_meta_decode(store_meta_get_fn get, void *ctx, store_meta_buf *out, err *e);
void store_meta_buf_free(store_meta_buf *b);

#endif
