/* schedule.c: learning-rate schedules with linear warm-up. */
#include "train/schedule.h"

#include <math.h>

void schedule_init(schedule *s, const schedule_config *cfg, double base_lr, int epochs)
{
    s->cfg = *cfg;
    s->base_lr = base_lr;
    s->epochs = epochs;
    s->plateau_scale = 1.0;
    s->best = -1.0;
    s->bad_epochs = 0;
}

double schedule_lr(const schedule *s, int epoch, double frac)
{
    const schedule_config *c = &s->cfg;
    double t = epoch + frac, lr = s->base_lr;
    switch (c->kind) {
    case SCHED_STEP:
        lr *= pow(c->gamma, epoch / (c->step_epochs > 0 ? c->step_epochs : 1));
        break;
    case SCHED_COSINE: {
        double span = s->epochs - c->warmup_epochs;
        double p = span > 0 ? (t - c->warmup_epochs) / span : 0.0;
        p = p < 0 ? 0 : p > 1 ? 1 : p;
        lr = c->min_lr + (lr - c->min_lr) * 0.5 * (1.0 + cos(M_PI * p));
        break;
    }
    case SCHED_PLATEAU:
        lr *= s->plateau_scale;
        if (lr < c->min_lr)
            lr = c->min_lr;
        break;
    default:
        break;
    }
    if (c->warmup_epochs > 0 && t < c->warmup_epochs)
        lr *= t / c->warmup_epochs;
    return lr;
}

int schedule_epoch_end(schedule *s, double val_top1)
{
    if (s->cfg.kind != SCHED_PLATEAU)
        return 0;
    if (s->best < 0 || val_top1 > s->best + s->cfg.threshold) {
        s->best = val_top1;
        s->bad_epochs = 0;
        return 0;
    }
    if (++s->bad_epochs < s->cfg.patience)
        return 0;
    s->bad_epochs = 0;
    s->plateau_scale *= s->cfg.gamma;
    return 1;
}
