/* evaluate.c: accuracy over a split, overall and per class, from the logits. */
#include "train/evaluate.h"

#include <stdlib.h>
#include <string.h>

int eval_result_init(eval_result *r, int num_classes, err *e)
{
    memset(r, 0, sizeof *r);
    r->num_classes = num_classes;
    r->class_images = calloc((size_t)num_classes * 3, sizeof(int64_t));
    if (!r->class_images)
        return err_set(e, "evaluate: out of memory");
    r->class_top1 = r->class_images + num_classes;
    r->class_top5 = r->class_top1 + num_classes;
    return 0;
}

void eval_result_free(eval_result *r)
{
    free(r->class_images);
    r->class_images = r->class_top1 = r->class_top5 = NULL;
}

static void reset(eval_result *r)
{
    r->images = r->top1 = r->top5 = r->skipped = 0;
    r->loss = 0;
    memset(r->class_images, 0, (size_t)r->num_classes * 3 * sizeof(int64_t));
}

/* Whether class c (logit v) ranks above class y (logit t): higher, or equal with a lower index
 * (argmax's first maximum). A NaN true logit ranks last, a NaN other logit never above. */
static int ranks_above(float v, int c, float t, int y)
{
    if (t != t)
        return 1;
    return v > t || (v == t && c < y);
}

void eval_count(eval_result *r, const float *logits, const int32_t *labels, int n)
{
    for (int i = 0; i < n; i++) {
        const float *row = logits + (size_t)i * r->num_classes;
        int32_t y = labels[i];
        if (y < 0 || y >= r->num_classes)
            continue;
        int above = 0;
        for (int c = 0; c < r->num_classes; c++)
            above += c != y && ranks_above(row[c], c, row[y], y);
        r->images++, r->class_images[y]++;
        if (above == 0)
            r->top1++, r->class_top1[y]++;
        if (above < 5)
            r->top5++, r->class_top5[y]++;
    }
}

int evaluate_split(const backend_ops *ops, backend *b, loader *l, float *logits, eval_result *r,
                   err *e)
{
    reset(r);
    backend_metrics m;
    if (ops->read_metrics(b, &m, e) < 0) /* drop sums of earlier work */
        return -1;
    loader_start_epoch(l, 0, 0);
    backend_batch *batch;
    int rc;
    while ((rc = loader_next(l, &batch, e)) > 0) {
        r->skipped += loader_skipped(l);
        if (batch->n == 0) /* every record of the batch was damaged */
            continue;
        batch->step = 0;
        if (ops->eval_step(b, batch, logits, e) < 0)
            return -1;
        eval_count(r, logits, batch->labels, batch->n);
    }
    if (rc < 0 || ops->read_metrics(b, &m, e) < 0)
        return -1;
    r->loss = m.images > 0 ? m.loss_sum / (double)m.images : 0.0;
    return 0;
}

static double pct(int64_t a, int64_t b) { return b > 0 ? 100.0 * (double)a / (double)b : 0.0; }

void evaluate_print(FILE *f, const eval_result *r, const char *const *class_names)
{
    fprintf(f, "%-32s %8s %8s %8s\n", "class", "images", "top-1", "top-5");
    for (int c = 0; c < r->num_classes; c++)
        fprintf(f, "%-32s %8lld %7.2f%% %7.2f%%\n", class_names[c], (long long)r->class_images[c],
                pct(r->class_top1[c], r->class_images[c]), pct(r->class_top5[c], r->class_images[c]));
    fprintf(f, "%-32s %8lld %7.2f%% %7.2f%%\n", "all", (long long)r->images, pct(r->top1, r->images),
            pct(r->top5, r->images));
    fprintf(f, "loss %.4f\n", r->loss);
}
