/* Top-1/top-5 counting from logits, overall and per class. */
#include <criterion/criterion.h>
#include <math.h>

#include "train/evaluate.h"

Test(evaluate, counts_top1_top5_per_class_with_ties_and_nan)
{
    eval_result r;
    cr_assert_eq(eval_result_init(&r, 7, NULL), 0);
    float logits[4][7] = {
        {0, 1, 2, 3, 4, 5, 6},          /* label 6: top-1 */
        {0, 1, 2, 3, 4, 5, 6},          /* label 1: rank 6, not top-5 */
        {6, 5, 4, 3, 2, 1, 0},          /* label 4: rank 5, top-5 */
        {1, 1, 1, 1, 1, 1, NAN},        /* label 0: tie, first index wins: top-1 */
    };
    int32_t labels[4] = {6, 1, 4, 0};
    eval_count(&r, &logits[0][0], labels, 4);
    cr_expect_eq(r.images, 4);
    cr_expect_eq(r.top1, 2);
    cr_expect_eq(r.top5, 3);
    cr_expect_eq(r.class_images[6], 1);
    cr_expect_eq(r.class_top1[6], 1);
    cr_expect_eq(r.class_top5[1], 0);
    cr_expect_eq(r.class_top5[4], 1);
    cr_expect_eq(r.class_top1[0], 1);
    float nan_true[7] = {0, 0, 0, 0, 0, 0, 0};
    nan_true[2] = NAN;
    int32_t two = 2;
    eval_count(&r, nan_true, &two, 1);
    cr_expect_eq(r.class_top5[2], 0, "a NaN logit is never right");
    eval_result_free(&r);
}
