/* cli.h: conventions shared by the three programs' command lines.
 *
 * Option values are parsed strictly (the whole string, in range) and a bad one is a usage
 * error: the message names the option and the allowed range, and main() prints it followed
 * by "Try '<program> --help'." and exits EXIT_FATAL (cli_usage_error does exactly that).
 */
#ifndef VGG_COMMON_CLI_H
#define VGG_COMMON_CLI_H

#include "common/error.h"

/* Parses a whole decimal integer in [min, max] into *out. Message: "--size: expected an
 * integer from 1 to 65536, got 'abc'". */
int cli_parse_long(const char *option, const char *text, long long min, long long max,
                   long long *out, err *e);

/* Parses -j/--jobs: an integer from 1 to 1024, or 0 / "auto" for all available cores. */
int cli_parse_jobs(const char *text, int *out, err *e);

/* Number of cores this process may run on (sched_getaffinity), at least 1. */
int cli_default_jobs(void);

/* Prints "<program> (vgg-suite) <VGG_VERSION>" to stdout. */
void cli_print_version(const char *program);

/* Prints "<program>: <message>\nTry '<program> --help' for more information." to stderr
 * and exits with EXIT_FATAL. */
_Noreturn void cli_usage_error(const char *program, const char *message);

#endif
