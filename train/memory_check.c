/* memory_check.c: the memory left to this process, and the error when a run needs more. */
#include "train/memory_check.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The value in kB of "<key>:" in a /proc file, or -1. */
static long long proc_kb(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    long long kb = -1;
    size_t n = strlen(key);
    while (kb < 0 && fgets(line, sizeof line, f))
        if (!strncmp(line, key, n) && line[n] == ':' && sscanf(line + n + 1, "%lld", &kb) != 1)
            kb = -1;
    fclose(f);
    return kb;
}

uint64_t memory_available(void)
{
    long long kb = proc_kb("/proc/meminfo", "MemAvailable");
    uint64_t avail = kb >= 0 ? (uint64_t)kb * 1024
                             : (uint64_t)sysconf(_SC_AVPHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        long long mapped = proc_kb("/proc/self/status", "VmSize");
        uint64_t used = mapped > 0 ? (uint64_t)mapped * 1024 : 0;
        uint64_t left = rl.rlim_cur > used ? rl.rlim_cur - used : 0;
        avail = left < avail ? left : avail;
    }
    return avail;
}

/* "312.4 GiB", "87 MiB" */
static void human(uint64_t bytes, char *buf, size_t len)
{
    double gib = (double)bytes / (double)(1ull << 30);
    if (gib >= 1.0)
        snprintf(buf, len, "%.1f GiB", gib);
    else
        snprintf(buf, len, "%.0f MiB", (double)bytes / (double)(1ull << 20));
}

int memory_check(const char *name, uint64_t need, uint64_t available, int batch, err *e)
{
    if (need <= available)
        return 0;
    char n[32], a[32];
    human(need, n, sizeof n);
    human(available, a, sizeof a);
    return err_set(e, "%s: this run needs about %s of memory (batch %d), %s are available; lower "
                      "train.batch or use train.accumulate", name, n, batch, a);
}
