/* fuzz_record_header.c: the store record header decoder (common/store_format.h) on arbitrary
 * bytes. A header it accepts must describe exactly the record it was given. */
#include "common/store_format.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    store_header h;
    err e;
    if (store_header_decode(data, size, &h, &e) < 0)
        return 0;
    uint64_t pixels = (uint64_t)h.height * h.width * h.channels;
    if (h.channels != 3 || h.height == 0 || h.width == 0 || h.height > STORE_MAX_SIDE ||
        h.width > STORE_MAX_SIDE || pixels != h.payload_size ||
        size != STORE_HEADER_SIZE + (size_t)h.payload_size)
        abort();
    uint8_t again[STORE_HEADER_SIZE];
    store_header_encode(&h, again);
    for (int i = 0; i < 28; i++)   /* the reserved word may be anything on input */
        if (again[i] != data[i])
            abort();
    return 0;
}
