/* schedule.h: the learning rate as a function of training progress.
 *   constant: lr
 *   step:     lr * gamma^floor(epoch / step_epochs)
 *   cosine:   min_lr + (lr - min_lr) * (1 + cos(pi * p)) / 2, p = progress after warm-up
 *   plateau:  the paper's rule: lr * gamma each time validation top-1 has not improved by
 *             `threshold` for `patience` epochs (never below min_lr)
 * All with an optional linear warm-up over the first warmup_epochs (lr * t / warmup_epochs).
 * The state (plateau scale, best metric, epochs without improvement) is saved in checkpoints. */
#ifndef VGG_TRAIN_SCHEDULE_H
#define VGG_TRAIN_SCHEDULE_H

typedef enum schedule_kind { SCHED_CONSTANT, SCHED_STEP, SCHED_COSINE, SCHED_PLATEAU } schedule_kind;

typedef struct schedule_config {
    int kind;                   /* schedule_kind */
    float warmup_epochs;
    int step_epochs;
    float gamma;
    int patience;
    float threshold;
    float min_lr;
} schedule_config;

typedef struct schedule {
    schedule_config cfg;
    double base_lr;
    int epochs;
    double plateau_scale;       /* product of the plateau decays so far */
    double best;                /* best validation top-1 seen (plateau), -1 before any */
    int bad_epochs;             /* epochs since `best` improved */
} schedule;

void schedule_init(schedule *s, const schedule_config *cfg, double base_lr, int epochs);
/* lr for a step in epoch `epoch` (0-based) after which `frac` (0 < frac <= 1) of the epoch is
 * done. */
double schedule_lr(const schedule *s, int epoch, double frac);
/* Called after each epoch's validation with its top-1 (0..1). Returns 1 when the plateau rule
 * just decayed the rate. */
int schedule_epoch_end(schedule *s, double val_top1);

#endif
