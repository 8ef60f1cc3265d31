/* checkpoint.c: model <-> safetensors with torchvision's names, and the metadata. */
#include "train/checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train/safetensors.h"

static const char format_name[] = "vgg-train/1";
/* The momentum is staged at "<companion>.pending" and renamed over the companion only once the
 * main file is in place. A kill -9 between the two renames leaves a main file one save ahead
 * of the companion and level with the pending file, which checkpoint_load_momentum then moves
 * into place: whatever the moment of the kill, the pair on disk describes one step. */
static const char pending_suffix[] = ".pending";

static void set_tensor(st_tensor *t, const layer_desc *l, const char *what, st_dtype dtype,
                       const void *data)
{
    snprintf(t->name, sizeof t->name, "%s.%d.%s", l->in_classifier ? "classifier" : "features",
             l->torch_index, what);
    t->dtype = dtype;
    t->data = data;
    t->ndim = 1;
    t->shape[0] = l->out_c;
}

/* The tensors of `m` over the given buffers: parameters always, BN statistics when stats is
 * not NULL (then *batches is num_batches_tracked). Returns the count; `out` holds
 * 5 * m->num_layers entries. */
static int model_tensors(const model *m, const float *params, const float *stats,
                         const int64_t *batches, st_tensor *out)
{
    int n = 0;
    for (int i = 0; i < m->num_layers; i++) {
        const layer_desc *l = &m->layers[i];
        if (l->kind != LAYER_CONV && l->kind != LAYER_LINEAR && l->kind != LAYER_BN)
            continue;
        st_tensor *w = &out[n++];
        set_tensor(w, l, "weight", ST_F32, params + l->weight_offset);
        if (l->kind == LAYER_CONV) {
            w->ndim = 4;
            w->shape[1] = l->in_c, w->shape[2] = w->shape[3] = l->kernel;
        } else if (l->kind == LAYER_LINEAR) {
            w->ndim = 2;
            w->shape[1] = l->in_c;
        }
        set_tensor(&out[n++], l, "bias", ST_F32, params + l->bias_offset);
        if (l->kind == LAYER_BN && stats) {
            set_tensor(&out[n++], l, "running_mean", ST_F32, stats + l->stats_offset);
            set_tensor(&out[n++], l, "running_var", ST_F32, stats + l->stats_offset + l->out_c);
            set_tensor(&out[n], l, "num_batches_tracked", ST_I64, batches);
            out[n++].ndim = 0;
        }
    }
    return n;
}

void checkpoint_optim_path(const char *path, char *out, size_t len)
{
    size_t n = strlen(path);
    const char *ext = ".safetensors";
    size_t el = strlen(ext);
    if (n >= el && !strcmp(path + n - el, ext))
        snprintf(out, len, "%.*s.optim%s", (int)(n - el), path, ext);
    else
        snprintf(out, len, "%s.optim", path);
}

static char *format_state(const train_state *s)
{
    char *text = NULL;
    if (asprintf(&text, "epoch=%d\nbatch_in_epoch=%lld\nstep=%llu\nplateau_scale=%.17g\n"
                        "plateau_best=%.17g\nplateau_bad_epochs=%d\nbest_top1=%.17g\n"
                        "epoch_loss_sum=%.17g\nepoch_correct=%lld\nepoch_images=%lld\n"
                        "epoch_skipped=%lld\n",
                 s->epoch, (long long)s->batch_in_epoch, (unsigned long long)s->step,
                 s->plateau_scale, s->plateau_best, s->plateau_bad_epochs, s->best_top1,
                 s->epoch_loss_sum, (long long)s->epoch_correct, (long long)s->epoch_images,
                 (long long)s->epoch_skipped) < 0)
        return NULL;
    return text;
}

/* epoch_skipped is absent from checkpoints of earlier versions: 0 then. */
static int parse_state(const char *text, train_state *s)
{
    long long batch, correct, images, skipped = 0;
    unsigned long long step;
    int n = sscanf(text, "epoch=%d\nbatch_in_epoch=%lld\nstep=%llu\nplateau_scale=%lg\n"
                         "plateau_best=%lg\nplateau_bad_epochs=%d\nbest_top1=%lg\n"
                         "epoch_loss_sum=%lg\nepoch_correct=%lld\nepoch_images=%lld\n"
                         "epoch_skipped=%lld",
                   &s->epoch, &batch, &step, &s->plateau_scale, &s->plateau_best,
                   &s->plateau_bad_epochs, &s->best_top1, &s->epoch_loss_sum, &correct, &images,
                   &skipped);
    s->batch_in_epoch = batch, s->step = step, s->epoch_correct = correct;
    s->epoch_images = images, s->epoch_skipped = skipped;
    return n == 10 || n == 11 ? 0 : -1;
}

static char *join_classes(char *const *names, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? "\n" : "", names[i]);
    *p = 0;
    return s;
}

int checkpoint_save(const char *path, const model *m, const checkpoint_meta *meta,
                    const float *params, const float *stats, const float *momentum, err *e)
{
    st_tensor *tensors = calloc((size_t)m->num_layers * 5, sizeof *tensors);
    char *classes = join_classes(meta->class_names, m->opt.num_classes);
    char *state = format_state(&meta->state);
    char options[256], source[64], mean[96], stdv[96], epoch[32], step[32];
    int rc = -1;
    if (!tensors || !classes || !state) {
        err_set(e, "%s: out of memory", path);
        goto out;
    }
    const model_options *o = &m->opt;
    snprintf(options, sizeof options, "num_classes=%d input_size=%d batch_norm=%d fc_width=%d "
             "width_div=%d dropout=%.9g", o->num_classes, o->input_size, o->batch_norm,
             o->fc_width, o->width_div, (double)o->dropout);
    snprintf(source, sizeof source, "%dx%d", meta->src_h, meta->src_w);
    snprintf(mean, sizeof mean, "%.9g %.9g %.9g", (double)meta->mean[0], (double)meta->mean[1],
             (double)meta->mean[2]);
    snprintf(stdv, sizeof stdv, "%.9g %.9g %.9g", (double)meta->std[0], (double)meta->std[1],
             (double)meta->std[2]);
    snprintf(epoch, sizeof epoch, "%d", meta->state.epoch);
    snprintf(step, sizeof step, "%llu", (unsigned long long)meta->state.step);
    st_meta kv[] = {{"format", format_name}, {"arch", m->arch}, {"options", options},
                    {"classes", classes}, {"source", source}, {"mean", mean}, {"std", stdv},
                    {"epoch", epoch}, {"step", step}, {"state", state},
                    {"config", meta->config_text ? meta->config_text : ""}};
    int nkv = sizeof kv / sizeof kv[0];
    char optim_path[4200], pending[4300];
    checkpoint_optim_path(path, optim_path, sizeof optim_path);
    snprintf(pending, sizeof pending, "%s%s", optim_path, pending_suffix);
    if (momentum) {
        int n = model_tensors(m, momentum, NULL, NULL, tensors);
        st_meta okv[] = {{"format", format_name}, {"step", step}};
        if (safetensors_write(pending, tensors, n, okv, 2, e) < 0)
            goto out;
    }
    int64_t batches = (int64_t)meta->state.step;
    int n = model_tensors(m, params, stats, &batches, tensors);
    rc = safetensors_write(path, tensors, n, kv, nkv, e);
    if (rc < 0 && momentum)
        unlink(pending);    /* the main file failed (disk full, say): the pair stays as it was */
    else if (rc == 0 && momentum && rename(pending, optim_path) < 0)
        rc = err_sys(e, errno, pending, "cannot rename it over the companion");
out:
    free(tensors);
    free(classes);
    free(state);
    return rc;
}

static int parse_options(const char *text, model_options *o)
{
    double dropout;
    int n = sscanf(text, "num_classes=%d input_size=%d batch_norm=%d fc_width=%d width_div=%d "
                         "dropout=%lg", &o->num_classes, &o->input_size, &o->batch_norm,
                   &o->fc_width, &o->width_div, &dropout);
    o->dropout = (float)dropout;
    return n == 6 ? 0 : -1;
}

static int split_classes(const char *text, int n, char ***out)
{
    char **names = calloc((size_t)n, sizeof *names);
    if (!names)
        return -1;
    const char *p = text;
    for (int i = 0; i < n; i++) {
        size_t len = strcspn(p, "\n");
        if (!(names[i] = strndup(p, len)))
            goto fail;
        p += len;
        if (i < n - 1 && *p++ != '\n')
            goto fail;
    }
    if (*p)
        goto fail;
    *out = names;
    return 0;
fail:
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return -1;
}

int checkpoint_read_meta(const char *path, checkpoint_meta *meta, err *e)
{
    memset(meta, 0, sizeof *meta);
    safetensors *f;
    if (safetensors_open(path, &f, e) < 0)
        return -1;
    const char *format = safetensors_meta(f, "format"), *arch = safetensors_meta(f, "arch");
    const char *options = safetensors_meta(f, "options"), *classes = safetensors_meta(f, "classes");
    const char *source = safetensors_meta(f, "source"), *mean = safetensors_meta(f, "mean");
    const char *stdv = safetensors_meta(f, "std"), *state = safetensors_meta(f, "state");
    const char *config = safetensors_meta(f, "config");
    int rc = -1;
    if (!format || strcmp(format, format_name)) {
        err_set(e, "%s: not a vgg-train checkpoint (metadata format is %s, expected %s)", path,
                format ? format : "missing", format_name);
    } else if (!arch || !model_canonical_name(arch) || !options ||
               parse_options(options, &meta->opt) < 0 || meta->opt.num_classes < 1 ||
               meta->opt.num_classes > 1000000 || !classes || !source || !mean || !stdv ||
               !state || sscanf(source, "%dx%d", &meta->src_h, &meta->src_w) != 2 ||
               sscanf(mean, "%g %g %g", &meta->mean[0], &meta->mean[1], &meta->mean[2]) != 3 ||
               sscanf(stdv, "%g %g %g", &meta->std[0], &meta->std[1], &meta->std[2]) != 3 ||
               parse_state(state, &meta->state) < 0) {
        err_set(e, "%s: bad vgg-train checkpoint metadata", path);
    } else if (split_classes(classes, meta->opt.num_classes, &meta->class_names) < 0) {
        err_set(e, "%s: checkpoint lists other than %d class names", path, meta->opt.num_classes);
    } else if (config && !(meta->config_text = strdup(config))) {
        err_set(e, "%s: out of memory", path);
    } else {
        snprintf(meta->arch, sizeof meta->arch, "%s", model_canonical_name(arch));
        rc = 0;
    }
    safetensors_close(f);
    if (rc < 0)
        checkpoint_meta_free(meta);
    return rc;
}

int checkpoint_classes_match(const checkpoint_meta *meta, const store_meta *sm,
                             const char *store_path, const char *ckpt_path, err *e)
{
    int classes = meta->opt.num_classes;
    if (sm->num_classes != classes)
        return err_set(e, "%s has %d classes, the checkpoint %s %d", store_path, sm->num_classes,
                       ckpt_path, classes);
    for (int i = 0; i < classes; i++)
        if (strcmp(sm->class_names[i], meta->class_names[i]))
            return err_set(e, "%s: class %d is '%s', the checkpoint's is '%s'", store_path, i,
                           sm->class_names[i], meta->class_names[i]);
    return 0;
}

void checkpoint_meta_free(checkpoint_meta *meta)
{
    if (meta->class_names)
        for (int i = 0; i < meta->opt.num_classes; i++)
            free(meta->class_names[i]);
    free(meta->class_names);
    free(meta->config_text);
    meta->class_names = NULL, meta->config_text = NULL;
}

static int same_shape(const st_tensor *a, const st_tensor *b)
{
    if (a->dtype != b->dtype || a->ndim != b->ndim)
        return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d])
            return 0;
    return 1;
}

static void shape_text(const st_tensor *t, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "[");
    for (int d = 0; d < t->ndim && n < len; d++)
        n += (size_t)snprintf(buf + n, len - n, "%s%lld", d ? "," : "", (long long)t->shape[d]);
    if (n < len)
        snprintf(buf + n, len - n, "]");
}

/* Copies every expected tensor from f; `last_weight`/`last_bias` may mismatch when
 * replace_last (then left alone). */
static int load_tensors(safetensors *f, const char *path, const model *m, st_tensor *want,
                        int n, int replace_last, int *replaced, err *e)
{
    const char *hint = "a checkpoint of another architecture or other model options";
    char arch_hint[64] = "";
    const char *arch = safetensors_meta(f, "arch");
    if (arch)
        snprintf(arch_hint, sizeof arch_hint, " (it is %.16s, this model %s)", arch, m->arch);
    if (replaced)
        *replaced = 0;
    for (int i = 0; i < n; i++) {
        const st_tensor *have = safetensors_find(f, want[i].name);
        if (!have)
            return err_set(e, "%s: no tensor %s: %s%s", path, want[i].name, hint, arch_hint);
        if (!same_shape(have, &want[i])) {
            if (replace_last && i >= n - 2) {
                *replaced = 1;
                continue;
            }
            char a[64], b[64];
            shape_text(have, a, sizeof a);
            shape_text(&want[i], b, sizeof b);
            return err_set(e, "%s: tensor %s is %s, this model needs %s: %s%s", path,
                           want[i].name, a, b, hint, arch_hint);
        }
    }
    if (safetensors_count(f) != n)
        return err_set(e, "%s: %d tensors where this model has %d: %s%s", path,
                       safetensors_count(f), n, hint, arch_hint);
    for (int i = 0; i < n; i++) {
        const st_tensor *have = safetensors_find(f, want[i].name);
        if (want[i].dtype == ST_F32 && same_shape(have, &want[i]))
            memcpy((void *)want[i].data, have->data, st_tensor_elements(have) * sizeof(float));
    }
    return 0;
}

static int load_file(const char *path, const model *m, float *params, float *stats,
                     int replace_last, int *replaced, uint64_t step, int check_step, err *e)
{
    st_tensor *want = calloc((size_t)m->num_layers * 5, sizeof *want);
    if (!want)
        return err_set(e, "%s: out of memory", path);
    int64_t batches = 0;
    int n = model_tensors(m, params, stats, &batches, want);
    safetensors *f = NULL;
    int rc = safetensors_open(path, &f, e);
    if (rc == 0 && check_step) {
        const char *s = safetensors_meta(f, "step");
        if (!s || strtoull(s, NULL, 10) != step)
            rc = err_set(e, "%s: optimizer state of step %s, the checkpoint is at step %llu", path,
                         s ? s : "(none)", (unsigned long long)step);
    }
    if (rc == 0)
        rc = load_tensors(f, path, m, want, n, replace_last, replaced, e);
    safetensors_close(f);
    free(want);
    return rc;
}

int checkpoint_load_weights(const char *path, const model *m, int replace_last, float *params,
                            float *stats, int *replaced, err *e)
{
    return load_file(path, m, params, stats, replace_last, replaced, 0, 0, e);
}

int checkpoint_load_momentum(const char *path, const model *m, uint64_t step, float *momentum,
                             err *e)
{
    char optim_path[4200], pending[4300];
    checkpoint_optim_path(path, optim_path, sizeof optim_path);
    snprintf(pending, sizeof pending, "%s%s", optim_path, pending_suffix);
    err pe;
    if (access(pending, F_OK) == 0 &&
        load_file(pending, m, momentum, NULL, 0, NULL, step, 1, &pe) == 0) {
        if (rename(pending, optim_path) < 0)
            return err_sys(e, errno, pending, "cannot rename it over the companion");
        return 0;
    }
    return load_file(optim_path, m, momentum, NULL, 0, NULL, step, 1, e);
}
