/* fuzz_safetensors.c: the safetensors reader (train/safetensors.h) on arbitrary files. The
 * input becomes an in-memory file; every tensor of a file it accepts is read in full, so a
 * byte range outside the map is caught. */
#include "train/safetensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int fd = -1;
volatile uint8_t fuzz_sink;   /* keeps the reads of tensor bytes */
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        fd = memfd_create("fuzz.safetensors", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    safetensors *f;
    err e;
    if (safetensors_open(path, &f, &e) < 0)
        return 0;
    for (int i = 0; i < safetensors_count(f); i++) {
        const st_tensor *t = safetensors_tensor(f, i);
        if (safetensors_find(f, t->name) == NULL)
            abort();
        size_t bytes = st_tensor_elements(t) * (t->dtype == ST_F32 ? 4 : 8);
        for (size_t b = 0; b < bytes; b++)
            fuzz_sink += ((const uint8_t *)t->data)[b];
    }
    (void)safetensors_meta(f, "format");
    safetensors_close(f);
    return 0;
}
