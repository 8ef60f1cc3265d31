/* progress.h: the progress display on stderr.
 *
 * On a terminal: one line redrawn in place, at most ~10 times a second:
 *     <label> [#####-----]  1234/5000  25%  412.3 img/s  ETA 0:09  <extra>
 * Not on a terminal: a plain line every `plain_interval` seconds (default 10). Quiet: nothing.
 * progress_update may be called from any thread (it takes a lock and rate-limits itself).
 */
#ifndef VGG_COMMON_PROGRESS_H
#define VGG_COMMON_PROGRESS_H

#include <stdint.h>

typedef struct progress progress;

/* total may be 0 when unknown (then no bar and no ETA). unit: "img", "rec", ... */
progress *progress_start(const char *label, uint64_t total, const char *unit, int quiet);
/* Sets the count of items done so far and an optional short extra text (e.g. "loss 2.31"). */
void progress_update(progress *p, uint64_t done, const char *extra);
/* Clears the bar line (terminal) and frees. Returns the seconds elapsed since start. */
double progress_finish(progress *p);

/* Monotonic seconds, for rates. */
double progress_now(void);

#endif
