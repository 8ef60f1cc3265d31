/* trainer.c: epochs, accumulation, schedules, validation, checkpoints, stop and resume. */
#include "train/trainer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/store.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/init.h"
#include "train/loader.h"
#include "train/memory_check.h"
#include "train/metrics.h"
#include "train/plot.h"
#include "train/schedule.h"

enum { PATH_LEN = 4200 };

typedef struct run {
    const trainer_opts *o;
    const train_config *cfg;
    store *s;
    const store_meta *meta;
    model m;
    backend *b;
    loader *train, *val;
    float *params, *stats, *momentum, *logits;
    eval_result val_result;
    schedule sched;
    train_state st;
    epoch_row *rows;
    int nrows;
    char *config_text;
    char last[PATH_LEN], best[PATH_LEN], csv[PATH_LEN], png[PATH_LEN], ini[PATH_LEN];
} run;

/* mkdir -p */
static int make_dirs(const char *path, err *e)
{
    char buf[PATH_LEN];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char saved = *p;
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return err_sys(e, errno, buf, "cannot create directory");
            *p = saved;
            if (!saved)
                return 0;
        }
    }
}

static int same_options(const model_options *a, const model_options *b)
{
    return a->num_classes == b->num_classes && a->input_size == b->input_size &&
           a->batch_norm == b->batch_norm && a->fc_width == b->fc_width &&
           a->width_div == b->width_div && a->dropout == b->dropout;
}

/* Weights, statistics, momentum and progress from --resume, --init-from or the seeded init. */
static int init_state(run *r, err *e)
{
    const trainer_opts *o = r->o;
    memset(&r->st, 0, sizeof r->st);
    r->st.plateau_scale = 1.0, r->st.plateau_best = -1.0, r->st.best_top1 = -1.0;
    memset(r->momentum, 0, r->m.num_params * sizeof(float));
    if (o->resume) {
        checkpoint_meta cm;
        if (checkpoint_read_meta(o->resume, &cm, e) < 0)
            return -1;
        int same = !strcmp(cm.arch, r->m.arch) && same_options(&cm.opt, &r->m.opt);
        int classes_rc = same ? checkpoint_classes_match(&cm, r->meta, r->cfg->data.store,
                                                         o->resume, e) : 0;
        r->st = cm.state;
        checkpoint_meta_free(&cm);
        if (!same)
            return err_set(e, "%s: a checkpoint of another architecture or other model options "
                              "than the configuration (%s)", o->resume, r->m.arch);
        if (classes_rc < 0)
            return -1;
        if (checkpoint_load_weights(o->resume, &r->m, 0, r->params, r->stats, NULL, e) < 0 ||
            checkpoint_load_momentum(o->resume, &r->m, r->st.step, r->momentum, e) < 0)
            return -1;
        log_info("resuming %s at epoch %d, step %llu", o->resume, r->st.epoch + 1,
                 (unsigned long long)r->st.step);
        return 0;
    }
    init_model(&r->m, (uint64_t)r->cfg->train.seed, r->params, r->stats);
    if (o->init_from) {
        int replaced = 0;
        if (checkpoint_load_weights(o->init_from, &r->m, 1, r->params, r->stats, &replaced, e) < 0)
            return -1;
        log_info("starting from the weights of %s%s", o->init_from,
                 replaced ? " (last layer replaced: another number of classes)" : "");
    }
    return 0;
}

static int save(run *r, const char *path, int with_momentum, err *e)
{
    const backend_ops *ops = r->o->ops;
    if (ops->read(r->b, BUF_PARAMS, r->params, e) < 0 ||
        (r->m.num_stats && ops->read(r->b, BUF_STATS, r->stats, e) < 0) ||
        (with_momentum && ops->read(r->b, BUF_MOMENTUM, r->momentum, e) < 0))
        return -1;
    checkpoint_meta cm = {.opt = r->m.opt, .class_names = (char **)r->meta->class_names,
                          .src_h = r->meta->height, .src_w = r->meta->width,
                          .config_text = r->config_text, .state = r->st};
    snprintf(cm.arch, sizeof cm.arch, "%s", r->m.arch);
    for (int c = 0; c < 3; c++)
        cm.mean[c] = (float)r->meta->mean[c], cm.std[c] = (float)r->meta->std[c];
    return checkpoint_save(path, &r->m, &cm, r->params, r->stats,
                           with_momentum ? r->momentum : NULL, e);
}

static int open_loaders(run *r, err *e)
{
    const train_config *c = r->cfg;
    loader_config lc = {
        .s = r->s, .split = STORE_TRAIN, .train = 1, .batch = c->train.batch,
        .workers = c->data.workers, .depth = c->data.prefetch, .seed = (uint64_t)c->train.seed,
        .ops = r->o->ops, .b = r->b, .skip_corrupt = c->data.skip_corrupt,
        .policy = {c->augment.mode, c->augment.scale_min, c->augment.scale_max,
                   c->augment.area_min, c->augment.area_max, c->augment.flip,
                   c->augment.lighting, c->model.input_size},
    };
    if (loader_create(&lc, &r->train, e) < 0)
        return -1;
    if (store_count(r->s, STORE_VAL) == 0)
        return 0;
    lc.split = STORE_VAL, lc.train = 0, lc.workers = 1;
    return loader_create(&lc, &r->val, e);
}

/* The activations of a batch of k images beyond the backend's state (0 when unknown). */
static uint64_t batch_bytes(const backend_ops *ops, const backend_config *bc, int k)
{
    if (!ops->host_bytes || k == 0)
        return 0;
    backend_config one = *bc, none = *bc;
    one.max_batch = k, none.max_batch = 0;
    return ops->host_bytes(&one) - ops->host_bytes(&none);
}

/* The memory the run needs, from the backend's estimate (the state and a full batch, plus the
 * smaller last batches that get buffers of their own, and with skip_corrupt a batch made
 * smaller by a damaged record), the host copies of the parameters and the loaders' staging
 * buffers, against what is available. */
static int check_memory(run *r, const backend_config *bc, err *e)
{
    const train_config *c = r->cfg;
    const backend_ops *ops = r->o->ops;
    uint64_t batch = (uint64_t)c->train.batch, classes = (uint64_t)r->m.opt.num_classes;
    uint64_t image = (uint64_t)r->meta->height * (uint64_t)r->meta->width * 3;
    uint64_t ntrain = store_count(r->s, STORE_TRAIN), nval = store_count(r->s, STORE_VAL);
    uint64_t need = ops->host_bytes ? ops->host_bytes(bc) : 0;
    if (ntrain < batch)
        need += batch_bytes(ops, bc, (int)ntrain);
    need += batch_bytes(ops, bc, (int)(nval % batch));
    if (c->data.skip_corrupt)
        need += batch_bytes(ops, bc, c->train.batch);
    need += (2 * (uint64_t)r->m.num_params + r->m.num_stats + batch * classes) * sizeof(float);
    int loaders = nval ? 2 : 1;
    need += (uint64_t)loaders * (uint64_t)c->data.prefetch * batch *
            (image + sizeof(augment) + sizeof(int32_t));
    need += (ntrain + nval) * sizeof(uint64_t); /* the loaders' record orders */
    need += ((uint64_t)c->train.epochs + 1) * sizeof(epoch_row);
    const char *name = r->o->config_name ? r->o->config_name : r->o->run_dir;
    return memory_check(name, need, memory_available(), c->train.batch, e);
}


/* The configured precision, with "auto" resolved for the backend that runs. */
static precision trainer_precision(int configured, const backend_ops *ops)
{
    return configured == CONFIG_PRECISION_AUTO ? ops->auto_precision : (precision)configured;
}

static int setup(run *r, err *e)
{
    const train_config *c = r->cfg;
    const trainer_opts *o = r->o;
    if (store_open(c->data.store, &r->s, e) < 0)
        return -1;
    r->meta = store_get_meta(r->s);
    if (store_count(r->s, STORE_TRAIN) == 0)
        return err_set(e, "%s: the training split is empty", c->data.store);
    model_options mo = {r->meta->num_classes, c->model.input_size, c->model.batch_norm,
                        c->model.fc_width, c->model.width_div, c->model.dropout};
    if (model_build(c->model.arch, &mo, &r->m, e) < 0)
        return -1;
    backend_config bc = {.m = &r->m, .max_batch = c->train.batch, .src_h = r->meta->height,
                         .src_w = r->meta->width, .threads = c->train.threads,
                         .prec = trainer_precision(c->train.precision, r->o->ops),
                         .seed = (uint64_t)c->train.seed};
    for (int i = 0; i < 3; i++)
        bc.mean[i] = (float)r->meta->mean[i], bc.std[i] = (float)r->meta->std[i];
    if (check_memory(r, &bc, e) < 0)
        return -1;
    size_t np = r->m.num_params, ns = r->m.num_stats ? r->m.num_stats : 1;
    r->params = malloc(np * sizeof(float));
    r->momentum = malloc(np * sizeof(float));
    r->stats = malloc(ns * sizeof(float));
    r->logits = malloc((size_t)c->train.batch * mo.num_classes * sizeof(float));
    r->rows = calloc((size_t)c->train.epochs + 1, sizeof *r->rows);
    r->config_text = config_format(c);
    if (!r->params || !r->momentum || !r->stats || !r->logits || !r->rows || !r->config_text)
        return err_set(e, "out of memory for a model of %zu parameters", np);
    if (init_state(r, e) < 0 || o->ops->create(&bc, &r->b, e) < 0)
        return -1;
    log_info("VGG %s, %zu parameters, on %s: %llu training and %llu validation images of %s",
             r->m.arch, r->m.num_params, o->ops->name,
             (unsigned long long)store_count(r->s, STORE_TRAIN),
             (unsigned long long)store_count(r->s, STORE_VAL), c->data.store);
    if (o->ops->write(r->b, BUF_PARAMS, r->params, e) < 0 ||
        (r->m.num_stats && o->ops->write(r->b, BUF_STATS, r->stats, e) < 0) ||
        o->ops->write(r->b, BUF_MOMENTUM, r->momentum, e) < 0 || o->ops->zero_grads(r->b, e) < 0)
        return -1;
    schedule_init(&r->sched, &c->schedule, c->optim.lr, c->train.epochs);
    r->sched.plateau_scale = r->st.plateau_scale, r->sched.best = r->st.plateau_best;
    r->sched.bad_epochs = r->st.plateau_bad_epochs;
    int removed;
    if (make_dirs(o->run_dir, e) < 0 || (removed = atomic_remove_temps(o->run_dir, e)) < 0)
        return -1;
    if (removed)
        log_info("%s: removed %d temporary file%s of an interrupted run", o->run_dir, removed,
                 removed == 1 ? "" : "s");
    snprintf(r->last, PATH_LEN, "%s/last.safetensors", o->run_dir);
    snprintf(r->best, PATH_LEN, "%s/best.safetensors", o->run_dir);
    snprintf(r->csv, PATH_LEN, "%s/metrics.csv", o->run_dir);
    snprintf(r->png, PATH_LEN, "%s/curves.png", o->run_dir);
    snprintf(r->ini, PATH_LEN, "%s/config.ini", o->run_dir);
    if (o->resume && (r->nrows = metrics_read_csv(r->csv, r->st.epoch, r->rows,
                                                  c->train.epochs, e)) < 0)
        return -1;
    if (atomic_write(r->ini, r->config_text, strlen(r->config_text), e) < 0 ||
        eval_result_init(&r->val_result, mo.num_classes, e) < 0)
        return -1;
    return open_loaders(r, e);
}

static void teardown(run *r)
{
    loader_destroy(r->train);
    loader_destroy(r->val);
    if (r->b)
        r->o->ops->destroy(r->b);
    if (r->s)
        store_close(r->s);
    eval_result_free(&r->val_result);
    model_free(&r->m);
    free(r->params);
    free(r->momentum);
    free(r->stats);
    free(r->logits);
    free(r->rows);
    free(r->config_text);
}

/* One SGD update over the gradients of `pending` batches; fails on a non-finite loss. */
static int update(run *r, int epoch, uint64_t batches, int pending, double *lr, err *e)
{
    const backend_ops *ops = r->o->ops;
    const train_config *c = r->cfg;
    backend_metrics bm;
    if (ops->read_metrics(r->b, &bm, e) < 0)
        return -1;
    if (bm.nonfinite || !isfinite(bm.loss_sum))
        return err_set(e, "epoch %d, step %llu: the loss is not finite (NaN or infinite); stopped "
                          "without saving: %s%s (try a lower optim.lr)", epoch + 1,
                       (unsigned long long)r->st.step,
                       access(r->last, F_OK) == 0 ? "the last good checkpoint is " : "no checkpoint "
                       "was written yet", access(r->last, F_OK) == 0 ? r->last : "");
    r->st.epoch_loss_sum += bm.loss_sum;
    r->st.epoch_correct += bm.correct_top1;
    r->st.epoch_images += bm.images;
    *lr = schedule_lr(&r->sched, epoch, (double)r->st.batch_in_epoch / (double)batches);
    sgd_params sp = {(float)*lr, c->optim.momentum, c->optim.weight_decay, c->optim.nesterov,
                     c->optim.decay_bias_bn, 1.0f / (float)pending};
    if (ops->sgd_step(r->b, &sp, e) < 0 || ops->zero_grads(r->b, e) < 0)
        return -1;
    return 0;
}

/* Trains the rest of epoch st.epoch. Returns 0 at its end, 1 when stopped, -1 on error.
 * *wait: seconds the device waited for input (NAN when the backend does not say). */
static int train_epoch(run *r, double *lr, double *seconds, int64_t *images, double *wait,
                       err *e)
{
    const train_config *c = r->cfg;
    const backend_ops *ops = r->o->ops;
    if (ops->input_wait_seconds)
        ops->input_wait_seconds(r->b); /* drop what validation and checkpoints waited */
    int epoch = r->st.epoch;
    uint64_t batches = loader_batches(r->train);
    char label[64], extra[96];
    snprintf(label, sizeof label, "epoch %d/%d", epoch + 1, c->train.epochs);
    progress *p = progress_start(label, batches * (uint64_t)c->train.batch, "img", r->o->quiet);
    loader_start_epoch(r->train, (uint64_t)epoch, (uint64_t)r->st.batch_in_epoch);
    int64_t images_before = r->st.epoch_images;
    int pending = 0, rc;
    backend_batch *batch;
    while ((rc = loader_next(r->train, &batch, e)) > 0) {
        r->st.epoch_skipped += loader_skipped(r->train);
        batch->step = r->st.step;
        if (batch->n > 0) { /* 0: every record of the batch was damaged (skip_corrupt) */
            if (ops->train_step(r->b, batch, c->train.label_smoothing, e) < 0) {
                rc = -1;
                break;
            }
            pending++;
        }
        r->st.step++, r->st.batch_in_epoch++;
        if (r->st.batch_in_epoch % c->train.accumulate && (uint64_t)r->st.batch_in_epoch < batches)
            continue;
        if (pending && update(r, epoch, batches, pending, lr, e) < 0) {
            rc = -1;
            break;
        }
        pending = 0;
        snprintf(extra, sizeof extra, "loss %.4f  lr %.3g",
                 r->st.epoch_loss_sum / (double)(r->st.epoch_images ? r->st.epoch_images : 1), *lr);
        progress_update(p, (uint64_t)r->st.batch_in_epoch * (uint64_t)c->train.batch, extra);
        if (r->o->stop && *r->o->stop && (uint64_t)r->st.batch_in_epoch < batches) {
            rc = 1;
            break;
        }
    }
    *seconds = progress_finish(p);
    *images = r->st.epoch_images - images_before;
    *wait = ops->input_wait_seconds ? ops->input_wait_seconds(r->b) : NAN;
    if (rc == 0 && r->st.epoch_images == 0)
        return err_set(e, "%s: epoch %d: every record of the training split was left out as "
                          "damaged", c->data.store, epoch + 1);
    return rc;
}

/* Validation, the metrics row, the plot and the checkpoints of a finished epoch. */
static int finish_epoch(run *r, double lr, double seconds, int64_t images, double wait, err *e)
{
    const train_config *c = r->cfg;
    epoch_row row = {.epoch = r->st.epoch + 1, .lr = lr, .seconds = seconds,
                     .images_per_s = seconds > 0 ? (double)images / seconds : 0,
                     .val_loss = NAN, .val_top1 = NAN, .val_top5 = NAN,
                     .skipped = r->st.epoch_skipped, .input_wait = wait};
    int64_t n = r->st.epoch_images ? r->st.epoch_images : 1;
    row.train_loss = r->st.epoch_loss_sum / (double)n;
    row.train_top1 = (double)r->st.epoch_correct / (double)n;
    if (r->val) {
        if (evaluate_split(r->o->ops, r->b, r->val, r->logits, &r->val_result, e) < 0)
            return -1;
        int64_t vn = r->val_result.images ? r->val_result.images : 1;
        row.val_loss = r->val_result.loss;
        row.val_top1 = (double)r->val_result.top1 / (double)vn;
        row.val_top5 = (double)r->val_result.top5 / (double)vn;
        row.skipped += r->val_result.skipped;
    }
    double score = r->val ? row.val_top1 : row.train_top1;
    if (schedule_epoch_end(&r->sched, score))
        log_info("%s top-1 stopped improving: learning rate divided by %g",
                 r->val ? "validation" : "training", 1.0 / c->schedule.gamma);
    r->st.plateau_scale = r->sched.plateau_scale, r->st.plateau_best = r->sched.best;
    r->st.plateau_bad_epochs = r->sched.bad_epochs;
    r->st.epoch++, r->st.batch_in_epoch = 0;
    r->st.epoch_loss_sum = 0, r->st.epoch_correct = r->st.epoch_images = 0;
    r->st.epoch_skipped = 0;
    int is_best = score > r->st.best_top1;
    if (is_best)
        r->st.best_top1 = score;
    r->rows[r->nrows++] = row;
    if (!r->o->quiet)
        metrics_print(stdout, &row, c->train.epochs);
    err pe;
    if (plot_curves(r->png, r->rows, r->nrows, &pe) < 0)
        log_warn("%s", pe.msg);
    if (metrics_write_csv(r->csv, r->rows, r->nrows, e) < 0 || save(r, r->last, 1, e) < 0)
        return -1;
    return is_best ? save(r, r->best, 0, e) : 0;
}

int trainer_run(const trainer_opts *o, err *e)
{
    run r = {.o = o, .cfg = o->cfg};
    int rc = setup(&r, e);
    if (rc == 0 && o->cfg->train.epochs == 0)
        rc = save(&r, r.last, 1, e);
    while (rc == 0 && r.st.epoch < o->cfg->train.epochs) {
        double lr = schedule_lr(&r.sched, r.st.epoch, 0), seconds, wait;
        int64_t images;
        rc = train_epoch(&r, &lr, &seconds, &images, &wait, e);
        if (rc == 0)
            rc = finish_epoch(&r, lr, seconds, images, wait, e);
        else if (rc == 1 && save(&r, r.last, 1, e) < 0)
            rc = -1;
        if (rc == 0 && o->stop && *o->stop && r.st.epoch < o->cfg->train.epochs)
            rc = 1;
    }
    if (rc == 1)
        log_info("stopped: %s holds epoch %d, batch %lld; continue with --resume %s", r.last,
                 r.st.epoch + 1, (long long)r.st.batch_in_epoch, r.last);
    teardown(&r);
    return rc == 1 ? TRAIN_STOPPED : rc;
}
