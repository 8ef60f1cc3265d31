/* loss_scale.c: dynamic loss scaling (see loss_scale.h). */
#include "train/cuda/loss_scale.h"

loss_scale loss_scale_dynamic(void)
{
    return (loss_scale){.scale = LOSS_SCALE_INIT, .dynamic = 1};
}

loss_scale loss_scale_fixed(void)
{
    return (loss_scale){.scale = 1.0f};
}

int loss_scale_update(loss_scale *s, int overflow)
{
    if (!s->dynamic)
        return !overflow;
    if (overflow) {
        s->good_steps = 0;
        if (s->scale > 1.0f)
            s->scale *= 0.5f;
        return 0;
    }
    if (++s->good_steps >= LOSS_SCALE_GROWTH_INTERVAL) {
        s->good_steps = 0;
        if (s->scale < 16777216.0f)
            s->scale *= 2.0f;
    }
    return 1;
}
