/* trainer.h: the training loop.
 *
 * Per epoch: the training split in a new seeded order, one backend step per batch, an SGD
 * update every `accumulate` batches (gradients averaged over them), the learning rate from the
 * schedule at every update; then validation, a metrics row (terminal, metrics.csv,
 * curves.png), last.safetensors (+ last.optim.safetensors) and, when validation top-1
 * improved, best.safetensors, all in the run directory with the effective config.ini.
 * A stop request (*stop set, e.g. by SIGINT) finishes the current update, writes last and
 * returns TRAIN_STOPPED; --resume from that file continues the same run bit for bit on the
 * CPU. A non-finite loss stops with an error before the update, leaving the last good
 * checkpoint. With train.epochs = 0 the initialised model is written as last and nothing
 * is trained.
 * Before any work, the memory the run needs is estimated (memory_check.h) and a run that
 * cannot fit is refused; the temporaries of an interrupted earlier run in the run directory
 * are removed. A damaged store record stops the run (exit 2, the last good checkpoint kept)
 * or, with data.skip_corrupt, is left out and counted in the epoch's row.
 */
#ifndef VGG_TRAIN_TRAINER_H
#define VGG_TRAIN_TRAINER_H

#include <signal.h>

#include "common/error.h"
#include "train/backend.h"
#include "train/config.h"

typedef struct trainer_opts {
    const train_config *cfg;
    const char *config_name;    /* where cfg came from, for messages (NULL: the run directory) */
    const char *run_dir;
    const backend_ops *ops;
    const char *resume;         /* checkpoint to continue, or NULL */
    const char *init_from;      /* weights to start from (last layer replaced if needed), or NULL */
    volatile sig_atomic_t *stop;
    int quiet;
} trainer_opts;

enum { TRAIN_DONE = 0, TRAIN_STOPPED = 1 };

/* Returns TRAIN_DONE, TRAIN_STOPPED, or -1 with e set. */
int trainer_run(const trainer_opts *o, err *e);

#endif
