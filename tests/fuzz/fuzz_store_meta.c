/* fuzz_store_meta.c: the store meta decoder (common/store_format.h). The input is a list of
 * pairs "key\0value\0key\0value..."; each value is handed to the decoder in a buffer of exactly
 * its length, without a terminating NUL, as LMDB does, so an over-read is caught. */
#include "common/store_format.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_PAIRS = 32 };

typedef struct pairs {
    int n;
    const char *key[MAX_PAIRS];
    size_t key_len[MAX_PAIRS];
    char *value[MAX_PAIRS];
    size_t value_len[MAX_PAIRS];
} pairs;

static const char *get(void *ctx, const char *key, size_t *len)
{
    pairs *p = ctx;
    for (int i = 0; i < p->n; i++)
        if (p->key_len[i] == strlen(key) && memcmp(p->key[i], key, p->key_len[i]) == 0) {
            *len = p->value_len[i];
            return p->value[i];
        }
    return NULL;
}

static const uint8_t *field(const uint8_t *p, const uint8_t *end, size_t *len)
{
    const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
    *len = (size_t)((nul ? nul : end) - p);
    return nul ? nul + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pairs p = {0};
    const uint8_t *cur = data, *end = data + size;
    while (cur < end && p.n < MAX_PAIRS) {
        const uint8_t *key = cur;
        size_t klen, vlen;
        cur = field(cur, end, &klen);
        const uint8_t *value = cur;
        cur = field(cur, end, &vlen);
        p.key[p.n] = (const char *)key;
        p.key_len[p.n] = klen;
        p.value[p.n] = malloc(vlen ? vlen : 1);
        memcpy(p.value[p.n], value, vlen);
        p.value_len[p.n++] = vlen;
    }
    store_meta_buf b;
    err e;
    if (store_meta_decode(get, &p, &b, &e) == 0) {
        uint64_t sum = 0;
        for (int c = 0; c < b.meta.num_classes; c++) {
            if (!b.meta.class_names[c][0])
                abort();
            sum += b.meta.class_count[0][c];
        }
        if (sum != b.meta.split_count[0] || b.meta.height <= 0 || b.meta.width <= 0)
            abort();
        store_meta_buf_free(&b);
    }
    for (int i = 0; i < p.n; i++)
        free(p.value[i]);
    return 0;
}
