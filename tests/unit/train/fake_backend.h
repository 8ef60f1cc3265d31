/* fake_backend.h: a tiny numeric reference implementing backend_ops for the trainer's tests:
 * a linear softmax classifier over the normalised, augmented input (augment.h), whose weights
 * are the first classes * (3*S*S + 1) floats of the model's parameter buffer (the rest only
 * decays). Deterministic, single-threaded, fp32 like a real backend. */
#ifndef VGG_TESTS_TRAIN_FAKE_BACKEND_H
#define VGG_TESTS_TRAIN_FAKE_BACKEND_H

#include <signal.h>
#include <stdint.h>

#include "train/backend.h"

extern const backend_ops fake_backend_ops;

/* Test hooks: at train step `fake_stop_at_step`, set *fake_stop_flag (a Ctrl-C); from step
 * `fake_poison_at_step`, report a non-finite loss. UINT64_MAX: never. */
extern uint64_t fake_stop_at_step, fake_poison_at_step;
extern volatile sig_atomic_t *fake_stop_flag;
/* Train steps taken by all fake backends since the program started. */
extern uint64_t fake_steps_taken;

#endif
