/* predict.c: decode -> centre crop -> logits -> softmax -> top-5. */
#include "train/predict.h"

#include <math.h>
#include <stdlib.h>

#include "train/augment_draw.h"
#include "train/image_decode.h"
#include "train/json_out.h"

struct predictor {
    inference *inf;
    uint8_t *pixels;            /* from host_alloc: one image at the source size */
    float *logits;
    augment aug;
};

int predictor_create(inference *inf, predictor **out, err *e)
{
    predictor *p = calloc(1, sizeof *p);
    if (!p)
        return err_set(e, "out of memory");
    p->inf = inf;
    p->logits = malloc((size_t)inf->m.opt.num_classes * sizeof(float));
    p->pixels = inf->ops->host_alloc(inf->b, (size_t)inf->meta.src_h * inf->meta.src_w * 3, e);
    if (!p->logits || !p->pixels) {
        if (p->pixels)
            err_set(e, "out of memory");
        predictor_destroy(p);
        return -1;
    }
    augment_centre(inf->meta.src_h, inf->meta.src_w, inf->m.opt.input_size, &p->aug);
    *out = p;
    return 0;
}

void predictor_destroy(predictor *p)
{
    if (!p)
        return;
    if (p->pixels)
        p->inf->ops->host_free(p->inf->b, p->pixels);
    free(p->logits);
    free(p);
}

int predict_file(predictor *p, const char *path, prediction *out, err *e)
{
    inference *inf = p->inf;
    int classes = inf->m.opt.num_classes;
    if (image_decode_rgb(path, inf->meta.src_h, inf->meta.src_w, p->pixels, e) < 0)
        return -1;
    backend_batch batch = {.n = 1, .pixels = p->pixels, .aug = &p->aug};
    if (inf->ops->eval_step(inf->b, &batch, p->logits, e) < 0) {
        err_prefix(e, "%s", path);
        return -1;
    }
    double max = -INFINITY, sum = 0;
    for (int c = 0; c < classes; c++)
        max = fmax(max, p->logits[c]);
    for (int c = 0; c < classes; c++)
        sum += exp(p->logits[c] - max);
    out->k = classes < PREDICT_TOP ? classes : PREDICT_TOP;
    for (int r = 0; r < out->k; r++) { /* selection of the k largest, first index on ties */
        int bestc = -1;
        for (int c = 0; c < classes; c++) {
            int taken = 0;
            for (int q = 0; q < r; q++)
                taken |= out->class_index[q] == c;
            if (!taken && (bestc < 0 || p->logits[c] > p->logits[bestc]))
                bestc = c;
        }
        out->class_index[r] = bestc;
        out->prob[r] = exp(p->logits[bestc] - max) / sum;
    }
    out->logits = p->logits;
    return 0;
}

void predict_print(FILE *f, const char *path, const prediction *pr, char *const *class_names)
{
    fprintf(f, "%s\n", path);
    for (int r = 0; r < pr->k; r++)
        fprintf(f, "  %d  %.6f  %s\n", r + 1, pr->prob[r], class_names[pr->class_index[r]]);
}

void predict_print_json(FILE *f, const char *path, const prediction *pr,
                        char *const *class_names, int num_classes)
{
    fputs("{\"file\": ", f);
    json_out_string(f, path);
    fputs(", \"top\": [", f);
    for (int r = 0; r < pr->k; r++) {
        fputs(r ? ", {\"class\": " : "{\"class\": ", f);
        json_out_string(f, class_names[pr->class_index[r]]);
        fprintf(f, ", \"index\": %d, \"probability\": %.9g}", pr->class_index[r], pr->prob[r]);
    }
    fputs("], \"logits\": [", f);
    for (int c = 0; c < num_classes; c++)
        fprintf(f, "%s%.9g", c ? ", " : "", (double)pr->logits[c]);
    fputs("]}\n", f);
}
