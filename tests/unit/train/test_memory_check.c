/* The memory check before a run: what is available, RLIMIT_AS included, and the message a
 * user reads when the run cannot fit. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "train/backend.h"
#include "train/memory_check.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

Test(memory_check, the_message_gives_both_sizes_and_the_remedy)
{
    err e = {{0}};
    cr_expect_eq(memory_check("x.ini", 1000, 1000, 8, &e), 0);
    uint64_t gib = 1ull << 30;
    cr_assert_lt(memory_check("configs/x.ini", 3124 * gib / 10, 228 * gib / 10, 65536, &e), 0);
    cr_expect_str_eq(e.msg, "configs/x.ini: this run needs about 312.4 GiB of memory (batch "
                            "65536), 22.8 GiB are available; lower train.batch or use "
                            "train.accumulate");
    cr_assert_lt(memory_check("y.ini", 3 * gib / 2, 300ull << 20, 4, &e), 0);
    cr_expect(strstr(e.msg, "about 1.5 GiB of memory (batch 4), 300 MiB are available"), "%s",
              e.msg);
}

/* Each Criterion test runs in a process of its own, so the limit stays here. AddressSanitizer
 * cannot live under an address-space limit (its shadow memory). */
Test(memory_check, an_address_space_limit_counts)
{
#ifdef UNDER_ASAN
    cr_skip_test("AddressSanitizer: no address-space limit");
#else
    uint64_t before = memory_available();
    cr_assert_gt(before, 0);
    FILE *f = fopen("/proc/self/status", "r");
    cr_assert(f);
    char line[256];
    unsigned long long vm_kb = 0;
    while (fgets(line, sizeof line, f))
        sscanf(line, "VmSize: %llu", &vm_kb);
    fclose(f);
    struct rlimit rl = {(rlim_t)(vm_kb * 1024 + (64ull << 20)), RLIM_INFINITY};
    cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
    uint64_t after = memory_available();
    cr_expect_leq(after, 64ull << 20, "%llu bytes available under the limit",
                  (unsigned long long)after);
    cr_expect_gt(after, 32ull << 20);
#endif
}

static uint64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
        sscanf(line, "VmRSS: %llu", &kb);
    if (f)
        fclose(f);
    return kb * 1024;
}

/* The CPU backend's estimate against what create() really takes (it touches every buffer up
 * front), for a plain and a batch-norm model. */
Test(memory_check, the_cpu_estimate_is_close_to_what_the_backend_allocates)
{
    for (int bn = 0; bn < 2; bn++) {
        model m;
        err e = {{0}};
        model_options o = {10, 64, bn, 256, 4, 0.5f};
        cr_assert_eq(model_build("A", &o, &m, &e), 0, "%s", e.msg);
        backend_config bc = {.m = &m, .max_batch = 48, .src_h = 72, .src_w = 72,
                             .std = {1, 1, 1}, .threads = 1};
        double estimate = (double)backend_cpu_ops.host_bytes(&bc);
        bc.max_batch = 0;
        cr_expect_eq(backend_cpu_ops.host_bytes(&bc), (3 * m.num_params + m.num_stats) * 4,
                     "the state alone");
        bc.max_batch = 48;
        uint64_t before = rss_bytes();
        backend *b;
        cr_assert_eq(backend_cpu_ops.create(&bc, &b, &e), 0, "%s", e.msg);
        double used = (double)(rss_bytes() - before);
        backend_cpu_ops.destroy(b);
        model_free(&m);
        cr_expect(estimate > 0.7 * used && estimate < 1.4 * used,
                  "batch norm %d: estimate %.0f MiB, create() took %.0f MiB", bn,
                  estimate / 1048576, used / 1048576);
    }
}
