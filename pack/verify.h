/* verify.h: --verify, every record of a store re-read and checked. */
#ifndef VGG_PACK_VERIFY_H
#define VGG_PACK_VERIFY_H

#include <stdint.h>
#include <stdio.h>

#include "common/store.h"

typedef struct verify_result {
    uint64_t checked, bad;
} verify_result;

/* Reads every record of every split: header, shape, label, CRC-32C of the pixels, and the
 * per-class counts against meta. Names the first `max_named` bad records on `out`
 * ("bad record: train record 17: CRC mismatch (corrupt pixels)"). Returns 0 when all is
 * well, 1 when something is bad, -1 on an error that stopped the check (message in *e). */
int verify_store(store *s, FILE *out, int max_named, verify_result *r, err *e);

#endif
