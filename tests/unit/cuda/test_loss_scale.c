/* fp16's dynamic loss scaling (train/cuda/loss_scale.h) follows torch.cuda.amp.GradScaler. */
#include <criterion/criterion.h>

#include "train/cuda/loss_scale.h"

Test(loss_scale, starts_at_2_to_the_16)
{
    loss_scale s = loss_scale_dynamic();
    cr_assert_eq(s.scale, 65536.0f);
}

Test(loss_scale, overflow_skips_the_step_and_halves_the_scale)
{
    loss_scale s = loss_scale_dynamic();
    cr_assert_eq(loss_scale_update(&s, 1), 0);
    cr_assert_eq(s.scale, 32768.0f);
    cr_assert_eq(loss_scale_update(&s, 0), 1);
    cr_assert_eq(s.scale, 32768.0f);
}

Test(loss_scale, doubles_after_2000_clean_steps_and_overflow_restarts_the_count)
{
    loss_scale s = loss_scale_dynamic();
    for (int i = 0; i < 1999; i++)
        cr_assert_eq(loss_scale_update(&s, 0), 1);
    cr_assert_eq(s.scale, 65536.0f);
    cr_assert_eq(loss_scale_update(&s, 0), 1);
    cr_assert_eq(s.scale, 131072.0f);
    for (int i = 0; i < 1000; i++)
        loss_scale_update(&s, 0);
    loss_scale_update(&s, 1);
    for (int i = 0; i < 1999; i++)
        loss_scale_update(&s, 0);
    cr_assert_eq(s.scale, 65536.0f, "the count restarts after an overflow");
}

Test(loss_scale, never_drops_below_one)
{
    loss_scale s = loss_scale_dynamic();
    for (int i = 0; i < 40; i++)
        loss_scale_update(&s, 1);
    cr_assert_eq(s.scale, 1.0f);
}

Test(loss_scale, fixed_scale_stays_one)
{
    loss_scale s = loss_scale_fixed();
    for (int i = 0; i < 3000; i++)
        cr_assert_eq(loss_scale_update(&s, 0), 1);
    cr_assert_eq(s.scale, 1.0f);
}
