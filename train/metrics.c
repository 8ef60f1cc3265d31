/* metrics.c: per-epoch numbers, printed and kept in metrics.csv. */
#include "train/metrics.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic.h"

static const char csv_header[] =
    "epoch,lr,train_loss,train_top1,val_loss,val_top1,val_top5,images_per_s,seconds,skipped,"
    "input_wait_s\n";

void metrics_print(FILE *f, const epoch_row *r, int epochs)
{
    fprintf(f, "epoch %d/%d  lr %.3g  train loss %.4f top-1 %.2f%%", r->epoch, epochs, r->lr,
            r->train_loss, 100.0 * r->train_top1);
    if (!isnan(r->val_top1))
        fprintf(f, "  val loss %.4f top-1 %.2f%% top-5 %.2f%%", r->val_loss, 100.0 * r->val_top1,
                100.0 * r->val_top5);
    fprintf(f, "  %.1f img/s  %.1f s", r->images_per_s, r->seconds);
    if (!isnan(r->input_wait))
        fprintf(f, "  input wait %.1f s", r->input_wait);
    if (r->skipped)
        fprintf(f, "  skipped %lld damaged", r->skipped);
    fputc('\n', f);
    fflush(f);
}

int metrics_write_csv(const char *path, const epoch_row *rows, int n, err *e)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return err_set(e, "%s: out of memory", path);
    fputs(csv_header, f);
    for (int i = 0; i < n; i++) {
        const epoch_row *r = &rows[i];
        fprintf(f, "%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.6g,%.6g,%lld,%.6g\n", r->epoch, r->lr,
                r->train_loss, r->train_top1, r->val_loss, r->val_top1, r->val_top5,
                r->images_per_s, r->seconds, r->skipped, r->input_wait);
    }
    if (fclose(f) != 0) {
        free(buf);
        return err_set(e, "%s: out of memory", path);
    }
    int rc = atomic_write(path, buf, len, e);
    free(buf);
    return rc;
}

int metrics_read_csv(const char *path, int max_epoch, epoch_row *rows, int cap, err *e)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : err_sys(e, errno, path, NULL);
    char line[512];
    int n = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        if (++lineno == 1)
            continue;
        epoch_row r = {.input_wait = NAN};
        int got = sscanf(line, "%d,%lg,%lg,%lg,%lg,%lg,%lg,%lg,%lg,%lld,%lg", &r.epoch, &r.lr,
                         &r.train_loss, &r.train_top1, &r.val_loss, &r.val_top1, &r.val_top5,
                         &r.images_per_s, &r.seconds, &r.skipped, &r.input_wait);
        if (got != 9 && got != 11) {
            fclose(f);
            return err_set(e, "%s:%d: not a metrics.csv row", path, lineno);
        }
        if (r.epoch <= max_epoch && n < cap)
            rows[n++] = r;
    }
    fclose(f);
    return n;
}
