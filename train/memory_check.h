/* memory_check.h: whether a run fits in the memory left, checked before any work starts.
 *
 * The caller estimates what the run needs (trainer.c: the backend's host_bytes, its own host
 * copies and the loader's staging buffers); this module finds what the process may still
 * use and turns a shortfall into one clear error instead of an allocation failure halfway or
 * a visit from the OOM killer.
 */
#ifndef VGG_TRAIN_MEMORY_CHECK_H
#define VGG_TRAIN_MEMORY_CHECK_H

#include <stdint.h>

#include "common/error.h"

/* Bytes this process may still allocate: MemAvailable (/proc/meminfo; else the free pages of
 * sysconf), and, when RLIMIT_AS is set, that limit less the address space already mapped
 * (VmSize), whichever is smaller. */
uint64_t memory_available(void);

/* 0 when `need` bytes fit in `available`; else -1 with "<name>: this run needs about X GiB of
 * memory (batch B), Y GiB are available; lower train.batch or use train.accumulate". */
int memory_check(const char *name, uint64_t need, uint64_t available, int batch, err *e);

#endif
