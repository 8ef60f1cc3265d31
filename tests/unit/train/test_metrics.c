/* metrics.csv: rows read back as written, with the skipped and input-wait columns, and the
 * files of earlier versions (without them) still read for --resume. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "train/metrics.h"

static char path[64];

static void cleanup(void) { unlink(path); }

Test(metrics, rows_read_back_with_skipped_and_input_wait, .fini = cleanup)
{
    snprintf(path, sizeof path, "/tmp/vgg-metrics-test-%d.csv", (int)getpid());
    epoch_row rows[2] = {
        {1, 0.1, 2.5, 0.25, 2.0, 0.5, 0.9, 100, 12, 3, 1.5},
        {2, 0.05, 2.0, 0.5, NAN, NAN, NAN, 110, 11, 0, NAN},
    }, back[4];
    err e = {{0}};
    cr_assert_eq(metrics_write_csv(path, rows, 2, &e), 0, "%s", e.msg);
    cr_assert_eq(metrics_read_csv(path, 10, back, 4, &e), 2, "%s", e.msg);
    cr_expect_eq(back[0].skipped, 3);
    cr_expect_eq(back[0].input_wait, 1.5);
    cr_expect_eq(back[1].skipped, 0);
    cr_expect(isnan(back[1].input_wait) && isnan(back[1].val_top1));
    cr_expect_eq(back[1].train_loss, 2.0);
    cr_expect_eq(metrics_read_csv(path, 1, back, 4, &e), 1, "rows after max_epoch are kept");
}

Test(metrics, a_file_of_an_earlier_version_reads, .fini = cleanup)
{
    snprintf(path, sizeof path, "/tmp/vgg-metrics-test-%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("epoch,lr,train_loss,train_top1,val_loss,val_top1,val_top5,images_per_s,seconds\n"
          "1,0.1,2.5,0.25,2,0.5,0.9,100,12\n", f);
    fclose(f);
    epoch_row back[2];
    err e = {{0}};
    cr_assert_eq(metrics_read_csv(path, 10, back, 2, &e), 1, "%s", e.msg);
    cr_expect_eq(back[0].seconds, 12);
    cr_expect_eq(back[0].skipped, 0);
    cr_expect(isnan(back[0].input_wait));
}

Test(metrics, the_epoch_line_shows_skipped_and_input_wait_when_there_are_some)
{
    char buf[512];
    epoch_row r = {3, 0.1, 2.5, 0.25, NAN, NAN, NAN, 100, 12, 2, 0.75};
    FILE *f = fmemopen(buf, sizeof buf, "w");
    metrics_print(f, &r, 5);
    fclose(f);
    cr_expect(strstr(buf, "input wait 0.8 s") || strstr(buf, "input wait 0.7 s"), "%s", buf);
    cr_expect(strstr(buf, "skipped 2 damaged"), "%s", buf);
    r.skipped = 0, r.input_wait = NAN;
    f = fmemopen(buf, sizeof buf, "w");
    metrics_print(f, &r, 5);
    fclose(f);
    cr_expect(!strstr(buf, "skipped") && !strstr(buf, "input wait"), "%s", buf);
}
