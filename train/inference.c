/* inference.c: checkpoint -> model -> backend in eval mode. */
#include "train/inference.h"

#include <stdlib.h>
#include <string.h>

int inference_open(const char *path, const backend_ops *ops, int max_batch, int src_h, int src_w,
                   int threads, inference *inf, err *e)
{
    memset(inf, 0, sizeof *inf);
    inf->ops = ops;
    if (checkpoint_read_meta(path, &inf->meta, e) < 0)
        return -1;
    if (model_build(inf->meta.arch, &inf->meta.opt, &inf->m, e) < 0) {
        err_prefix(e, "%s", path);
        return -1;
    }
    size_t ns = inf->m.num_stats ? inf->m.num_stats : 1;
    float *params = malloc(inf->m.num_params * sizeof(float)), *stats = malloc(ns * sizeof(float));
    int rc = -1;
    if (!params || !stats) {
        err_set(e, "%s: out of memory", path);
        goto out;
    }
    if (checkpoint_load_weights(path, &inf->m, 0, params, stats, NULL, e) < 0)
        goto out;
    backend_config bc = {.m = &inf->m, .max_batch = max_batch,
                         .src_h = src_h ? src_h : inf->meta.src_h,
                         .src_w = src_w ? src_w : inf->meta.src_w, .threads = threads};
    memcpy(bc.mean, inf->meta.mean, sizeof bc.mean);
    memcpy(bc.std, inf->meta.std, sizeof bc.std);
    if (ops->create(&bc, &inf->b, e) < 0)
        goto out;
    if (ops->write(inf->b, BUF_PARAMS, params, e) < 0 ||
        (inf->m.num_stats && ops->write(inf->b, BUF_STATS, stats, e) < 0))
        goto out;
    rc = 0;
out:
    free(params);
    free(stats);
    if (rc < 0)
        inference_close(inf);
    return rc;
}

void inference_close(inference *inf)
{
    if (inf->b)
        inf->ops->destroy(inf->b);
    inf->b = NULL;
    model_free(&inf->m);
    checkpoint_meta_free(&inf->meta);
}
