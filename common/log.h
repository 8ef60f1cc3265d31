/* log.h: messages to stderr, prefixed with the program name ("vgg-pack: ...").
 *
 * Results and summaries go to stdout (plain printf); diagnostics go through here.
 * Thread-safe: each message is written with one call, so lines from workers never interleave.
 */
#ifndef VGG_COMMON_LOG_H
#define VGG_COMMON_LOG_H

enum log_level { LOG_QUIET = 0, LOG_ERROR = 1, LOG_WARN = 2, LOG_INFO = 3, LOG_DEBUG = 4 };

/* Sets the program name used as prefix (basename of argv[0] is fine) and the level. */
void log_init(const char *program, enum log_level level);
void log_set_level(enum log_level level);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
