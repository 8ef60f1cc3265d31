/* Learning-rate schedules: values at known points. */
#include <criterion/criterion.h>
#include <math.h>

#include "train/schedule.h"

static schedule make(int kind, float warmup)
{
    schedule_config c = {.kind = kind, .warmup_epochs = warmup, .step_epochs = 10, .gamma = 0.1f,
                         .patience = 2, .threshold = 0.01f, .min_lr = 0.0f};
    schedule s;
    schedule_init(&s, &c, 0.1, 30);
    return s;
}

Test(schedule, step_divides_every_step_epochs)
{
    schedule s = make(SCHED_STEP, 0);
    cr_expect_float_eq(schedule_lr(&s, 0, 0.5), 0.1, 1e-9);
    cr_expect_float_eq(schedule_lr(&s, 9, 1.0), 0.1, 1e-9);
    cr_expect_float_eq(schedule_lr(&s, 10, 0.1), 0.01, 1e-9);
    cr_expect_float_eq(schedule_lr(&s, 25, 0.1), 0.001, 1e-9);
}

Test(schedule, cosine_after_linear_warmup)
{
    schedule s = make(SCHED_COSINE, 2);
    cr_expect_float_eq(schedule_lr(&s, 0, 0.5), 0.1 * 0.25, 1e-9);  /* t = 0.5 of 2 */
    cr_expect_float_eq(schedule_lr(&s, 1, 1.0), 0.1, 1e-9);         /* warm-up done */
    cr_expect_float_eq(schedule_lr(&s, 15, 1.0), 0.05, 1e-9);        /* half way: (1+cos(pi/2))/2 */
    cr_expect_float_eq(schedule_lr(&s, 29, 1.0), 0.0, 1e-9);        /* the end */
}

Test(schedule, plateau_divides_by_ten_after_patience)
{
    schedule s = make(SCHED_PLATEAU, 0);
    cr_expect_eq(schedule_epoch_end(&s, 0.50), 0);
    cr_expect_eq(schedule_epoch_end(&s, 0.60), 0);
    cr_expect_eq(schedule_epoch_end(&s, 0.605), 0); /* below threshold: one bad epoch */
    cr_expect_float_eq(schedule_lr(&s, 3, 0.5), 0.1, 1e-9);
    cr_expect_eq(schedule_epoch_end(&s, 0.59), 1);  /* second bad epoch: decay */
    cr_expect_float_eq(schedule_lr(&s, 4, 0.5), 0.01, 1e-9);
    cr_expect_eq(schedule_epoch_end(&s, 0.70), 0);
    cr_expect_float_eq(schedule_lr(&s, 5, 0.5), 0.01, 1e-9);
}

Test(schedule, constant_with_warmup)
{
    schedule s = make(SCHED_CONSTANT, 1);
    cr_expect_float_eq(schedule_lr(&s, 0, 0.1), 0.01, 1e-9);
    cr_expect_float_eq(schedule_lr(&s, 5, 0.1), 0.1, 1e-9);
}
