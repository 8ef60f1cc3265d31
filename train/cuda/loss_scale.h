/* loss_scale.h: dynamic loss scaling for fp16 training, with torch.cuda.amp.GradScaler's
 * defaults: start at 2^16; an optimizer step whose gradients hold an inf or NaN is skipped and
 * halves the scale; 2000 steps in a row without one double it. Pure host logic.
 * bf16 and fp32 use a fixed scale of 1 (loss_scale_fixed). */
#ifndef VGG_TRAIN_CUDA_LOSS_SCALE_H
#define VGG_TRAIN_CUDA_LOSS_SCALE_H

typedef struct loss_scale {
    float scale;
    int dynamic;
    int good_steps;             /* consecutive steps without overflow */
} loss_scale;

#define LOSS_SCALE_INIT 65536.0f
#define LOSS_SCALE_GROWTH_INTERVAL 2000

loss_scale loss_scale_dynamic(void);
loss_scale loss_scale_fixed(void);

/* Records the outcome of one optimizer step; returns 1 when the step must be applied, 0 when
 * it must be skipped (overflow seen). The scale never drops below 1 or grows past 2^24. */
int loss_scale_update(loss_scale *s, int overflow);

#endif
