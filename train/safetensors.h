/* safetensors.h: reading and writing the safetensors format (8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and byte range, then the data;
 * "__metadata__" holds string pairs). Only F32 and I64 tensors, as torchvision's VGG uses.
 * Files are written atomically (temporary name in the same directory, fsync, rename). */
#ifndef VGG_TRAIN_SAFETENSORS_H
#define VGG_TRAIN_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef enum st_dtype { ST_F32, ST_I64 } st_dtype;

enum { ST_MAX_DIMS = 4, ST_NAME_MAX = 128 };

typedef struct st_tensor {
    char name[ST_NAME_MAX];
    st_dtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    const void *data;           /* write: the values; read: a view into the mapped file */
} st_tensor;

typedef struct st_meta {
    const char *key, *value;
} st_meta;

int safetensors_write(const char *path, const st_tensor *tensors, int n, const st_meta *meta,
                      int nmeta, err *e);

typedef struct safetensors safetensors;

/* Maps and validates the file (header syntax, dtypes, byte ranges inside the file). */
int safetensors_open(const char *path, safetensors **out, err *e);
void safetensors_close(safetensors *f);
/* Metadata value for `key`, or NULL. Valid until close. */
const char *safetensors_meta(const safetensors *f, const char *key);
int safetensors_count(const safetensors *f);
/* Tensor i (0 <= i < count); data points into the map (may be unaligned: copy with memcpy). */
const st_tensor *safetensors_tensor(const safetensors *f, int i);
const st_tensor *safetensors_find(const safetensors *f, const char *name);
size_t st_tensor_elements(const st_tensor *t);

#endif
