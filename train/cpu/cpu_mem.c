/* cpu_mem.c: every buffer of the backend is allocated once and touched up front: a first touch
 * of a fresh 4 KiB page costs 13-16 us here, so large buffers ask for 2 MiB pages too. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "train/cpu/cpu_internal.h"

#define HUGE_PAGE ((size_t)2 << 20)

void *cpu_alloc(size_t bytes)
{
    size_t align = bytes >= HUGE_PAGE ? HUGE_PAGE : 64;
    size_t size = (bytes + align - 1) / align * align;
    void *p = NULL;
    if (posix_memalign(&p, align, size ? size : align) != 0)
        return NULL;
    if (align == HUGE_PAGE)
        madvise(p, size, MADV_HUGEPAGE); /* advice only: fine when refused */
    memset(p, 0, size ? size : align);
    return p;
}

void cpu_free(void *p)
{
    free(p);
}
