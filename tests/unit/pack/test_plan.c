#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "pack/plan.h"

static size_t count_val(const plan_entry *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += v[i].split == STORE_VAL;
    return k;
}

Test(plan, split_takes_the_rounded_fraction_and_leaves_train_non_empty)
{
    plan_entry v[40];
    static const struct { size_t n; double f; size_t want; } cases[] = {
        {40, 0.1, 4}, {40, 0.25, 10}, {7, 0.1, 1}, {4, 0.1, 0}, {1, 0.5, 0}, {2, 0.9, 1},
        {40, 0.0, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        memset(v, 0, sizeof v);
        cr_assert_eq(plan_split_class(v, cases[k].n, cases[k].f, 42, 3), 0);
        cr_assert_eq(count_val(v, cases[k].n), cases[k].want, "n %zu f %g", cases[k].n,
                     cases[k].f);
    }
}

Test(plan, split_is_deterministic_under_a_seed_and_changes_with_it)
{
    plan_entry a[100] = {0}, b[100] = {0}, c[100] = {0};
    cr_assert(!plan_split_class(a, 100, 0.2, 7, 1) && !plan_split_class(b, 100, 0.2, 7, 1) &&
              !plan_split_class(c, 100, 0.2, 8, 1));
    int same_ab = 1, same_ac = 1;
    for (int i = 0; i < 100; i++) {
        same_ab &= a[i].split == b[i].split;
        same_ac &= a[i].split == c[i].split;
    }
    cr_assert(same_ab);
    cr_assert(!same_ac, "another seed should choose other images");
}

static void make_classes(const char *dir, const char *const *classes, const int *n, int k)
{
    for (int c = 0; c < k; c++)
        for (int i = 0; i < n[c]; i++)
            fixture_jpeg(dir, classes[c], i, 8, 8, c);
}

Test(plan, classes_sorted_split_stratified_and_order_seeded)
{
    char *dir = fixture_tmpdir();
    static const char *const classes[] = {"zebra", "Apple", "mango"};
    static const int n[] = {20, 10, 30};
    make_classes(dir, classes, n, 3);
    plan p, q;
    err e;
    plan_options o = {0.1, 5};
    cr_assert_eq(plan_build(dir, &o, &p, &e), 0, "%s", e.msg);
    cr_assert_eq(p.num_classes, 3);
    cr_assert_str_eq(p.classes[0], "Apple");   /* byte order, like ImageFolder */
    cr_assert_str_eq(p.classes[1], "mango");
    cr_assert_str_eq(p.classes[2], "zebra");
    cr_assert_eq(p.count[STORE_TRAIN] + p.count[STORE_VAL], 60);
    size_t val_per_class[3] = {0};
    for (size_t i = 0; i < p.count[STORE_VAL]; i++)
        val_per_class[p.entries[p.order[STORE_VAL][i]].label]++;
    cr_assert_eq(val_per_class[0], 1);
    cr_assert_eq(val_per_class[1], 3);
    cr_assert_eq(val_per_class[2], 2);
    /* the record order mixes the classes: not sorted by label */
    int sorted = 1;
    for (size_t i = 1; i < p.count[STORE_TRAIN]; i++)
        sorted &= p.entries[p.order[STORE_TRAIN][i - 1]].label <=
                  p.entries[p.order[STORE_TRAIN][i]].label;
    cr_assert(!sorted);
    cr_assert_eq(plan_build(dir, &o, &q, &e), 0);
    for (size_t i = 0; i < p.count[STORE_TRAIN]; i++)
        cr_assert_str_eq(p.entries[p.order[STORE_TRAIN][i]].path,
                         q.entries[q.order[STORE_TRAIN][i]].path);
    plan_free(&q);
    o.seed = 6;
    cr_assert_eq(plan_build(dir, &o, &q, &e), 0);
    int same = 1;
    for (size_t i = 0; i < p.count[STORE_TRAIN] && i < q.count[STORE_TRAIN]; i++)
        same &= !strcmp(p.entries[p.order[STORE_TRAIN][i]].path,
                        q.entries[q.order[STORE_TRAIN][i]].path);
    cr_assert(!same, "another seed should give another order");
    plan_free(&p);
    plan_free(&q);
    fixture_rmrf(dir);
    free(dir);
}

Test(plan, train_and_val_folders_are_the_splits)
{
    char *dir = fixture_tmpdir(), sub[4096];
    static const char *const classes[] = {"b", "a"};
    snprintf(sub, sizeof sub, "%s/train", dir);
    make_classes(sub, classes, (int[]){3, 4}, 2);
    snprintf(sub, sizeof sub, "%s/val", dir);
    make_classes(sub, classes, (int[]){1, 2}, 2);
    plan p;
    err e;
    plan_options o = {0, 1};
    cr_assert_eq(plan_build(dir, &o, &p, &e), 0, "%s", e.msg);
    cr_assert(p.given_splits);
    cr_assert_eq(p.count[STORE_TRAIN], 7);
    cr_assert_eq(p.count[STORE_VAL], 3);
    cr_assert_str_eq(p.classes[0], "a");
    cr_assert_eq(p.num_problems, 0);
    plan_free(&p);
    o.val_fraction = 0.1;
    cr_assert_lt(plan_build(dir, &o, &p, &e), 0);
    cr_assert(strstr(e.msg, "--val-fraction"), "%s", e.msg);
    fixture_rmrf(dir);
    free(dir);
}

Test(plan, empty_class_and_missing_input_are_reported_with_their_path)
{
    char *dir = fixture_tmpdir(), sub[4096];
    fixture_jpeg(dir, "full", 0, 8, 8, 0);
    snprintf(sub, sizeof sub, "%s/empty", dir);
    mkdir(sub, 0755);
    plan p;
    err e;
    plan_options o = {0, 1};
    cr_assert_eq(plan_build(dir, &o, &p, &e), 0, "%s", e.msg);
    cr_assert_eq(p.num_problems, 1);
    cr_assert(strstr(p.problems[0], sub) && strstr(p.problems[0], "empty class"), "%s",
              p.problems[0]);
    cr_assert_eq(p.num_classes, 1);
    plan_free(&p);
    snprintf(sub, sizeof sub, "%s/nothing-here", dir);
    cr_assert_lt(plan_build(sub, &o, &p, &e), 0);
    cr_assert(strstr(e.msg, sub), "%s", e.msg);
    fixture_rmrf(dir);
    free(dir);
}
