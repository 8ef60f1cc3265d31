#include "common/cli.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef VGG_VERSION
#define VGG_VERSION "unknown"
#endif

int cli_parse_long(const char *option, const char *text, long long min, long long max,
                   long long *out, err *e)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max)
        return err_set(e, "%s: expected an integer from %lld to %lld, got '%s'", option, min,
                       max, text);
    *out = v;
    return 0;
}

int cli_parse_jobs(const char *text, int *out, err *e)
{
    long long v;
    if (strcmp(text, "auto") == 0)
        v = 0;
    else if (cli_parse_long("--jobs", text, 0, 1024, &v, e) < 0)
        return -1;
    *out = v == 0 ? cli_default_jobs() : (int)v;
    return 0;
}

int cli_default_jobs(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    return 1;
}

void cli_print_version(const char *program)
{
    printf("%s (vgg-suite) %s\n", program, VGG_VERSION);
}

void cli_usage_error(const char *program, const char *message)
{
    fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", program, message,
            program);
    exit(EXIT_FATAL);
}
