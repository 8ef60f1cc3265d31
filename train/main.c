/* main.c: the vgg-train command line. */
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/error.h"
#include "common/log.h"
#include "common/store.h"
#include "train/backend.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/evaluate.h"
#include "train/inference.h"
#include "train/loader.h"
#include "train/predict.h"
#include "train/summary.h"
#include "train/trainer.h"

static const char usage_text[] =
    "usage: vgg-train --config FILE [--set SECTION.KEY=VALUE]... [--init-from WEIGHTS]\n"
    "       vgg-train [--config FILE] --resume CHECKPOINT [--set SECTION.KEY=VALUE]...\n"
    "       vgg-train --eval CHECKPOINT --data STORE [--split val|train] [--batch N]\n"
    "       vgg-train --predict CHECKPOINT [--json] IMAGE...\n"
    "       vgg-train --summary (--config FILE | --arch NAME) [--set ...] [--classes N]\n"
    "Trains, evaluates and applies the VGG networks of Simonyan & Zisserman (2015).\n"
    "  -c, --config FILE      training configuration (INI; see docs/configs.md)\n"
    "      --set S.K=V        override one configuration key (repeatable)\n"
    "      --resume CKPT      continue the run saved in CKPT (its last.safetensors)\n"
    "      --init-from W      start from the weights in W (safetensors, torchvision names);\n"
    "                         the last layer is replaced when the class count differs\n"
    "      --eval CKPT        top-1/top-5, overall and per class, of CKPT on --data STORE\n"
    "      --data STORE       the store (from vgg-pack) to evaluate on\n"
    "      --split S          split to evaluate: val (default) or train\n"
    "      --batch N          images per evaluation batch (default 64)\n"
    "      --predict CKPT     top-5 classes with probabilities for each IMAGE\n"
    "      --json             with --predict: one JSON object per image, with all logits\n"
    "      --summary          print the layer table, parameters and FLOPs (no store needed)\n"
    "      --arch NAME        architecture for --summary without --config\n"
    "      --classes N        classes for --summary (default 1000)\n"
    "      --device D         auto (default: CUDA when usable), cpu or cuda\n"
    "  -j, --jobs N           compute threads, 0 or auto: all cores (default: train.threads)\n"
    "  -q, --quiet            no progress, epoch lines or notes (warnings still show)\n"
    "  -h, --help             this help\n"
    "  -V, --version          the version\n"
    "Exit status: 0 done; 1 stopped by Ctrl-C (resumable with --resume) or some --predict\n"
    "images unreadable; 2 usage error or fatal error (bad configuration, store, checkpoint,\n"
    "non-finite loss).\n";

enum mode { MODE_NONE, MODE_TRAIN, MODE_EVAL, MODE_PREDICT, MODE_SUMMARY };

typedef struct cli {
    enum mode mode;
    const char *config, *resume, *init_from, *checkpoint, *data, *arch;
    const char **sets;
    int nsets, jobs, quiet, classes, batch, device, json;
    store_split split;
    char **files;
    int nfiles;
} cli;

static volatile sig_atomic_t stop_requested;

static void on_sigint(int sig)
{
    stop_requested = 1;
    signal(sig, SIG_DFL); /* a second Ctrl-C ends the program at once */
}

/* cli_usage_error's message and exit status; int-typed so that it reads as a result. */
static int usage_error(const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    cli_usage_error("vgg-train", msg);
}

static int parse_int(const char *option, const char *text, int lo, int hi)
{
    long long v;
    err e;
    if (cli_parse_long(option, text, lo, hi, &v, &e) < 0)
        usage_error("%s", e.msg);
    return (int)v;
}

static int pick_device(const char *name, int *out)
{
    static const char *const names[] = {"auto", "cpu", "cuda"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, names[i]))
            return *out = i, 0;
    return -1;
}

static const backend_ops *pick_backend(int device, err *e)
{
#ifdef VGG_HAVE_CUDA
    if (device != DEVICE_CPU && backend_cuda_available())
        return &backend_cuda_ops;
    if (device == DEVICE_CUDA) {
        err_set(e, "--device cuda: no usable CUDA device");
        return NULL;
    }
#else
    if (device == DEVICE_CUDA) {
        err_set(e, "--device cuda: this vgg-train was built without CUDA");
        return NULL;
    }
#endif
    return &backend_cpu_ops;
}

static int fatal(const err *e)
{
    log_error("%s", e->msg);
    return EXIT_FATAL;
}

/* The configuration: --config FILE, else the one stored in the --resume checkpoint, else (for
 * --summary) the defaults with --arch; --set applies to each. */
static int load_config(const cli *c, train_config *cfg, err *e)
{
    if (c->config)
        return config_load(c->config, c->sets, c->nsets, cfg, e);
    if (c->resume) {
        checkpoint_meta cm;
        if (checkpoint_read_meta(c->resume, &cm, e) < 0)
            return -1;
        int rc = config_parse_string(cm.config_text ? cm.config_text : "", c->resume, c->sets,
                                     c->nsets, cfg, e);
        checkpoint_meta_free(&cm);
        return rc;
    }
    const char *sets[c->nsets + 2]; /* the store is not needed for --summary */
    char arch[64];
    snprintf(arch, sizeof arch, "model.arch=%s", c->arch);
    sets[0] = arch, sets[1] = "data.store=-";
    for (int i = 0; i < c->nsets; i++)
        sets[i + 2] = c->sets[i];
    return config_parse_string("", "--summary", sets, c->nsets + 2, cfg, e);
}

static int run_train(const cli *c)
{
    err e = {{0}};
    train_config cfg;
    if (load_config(c, &cfg, &e) < 0)
        return fatal(&e);
    if (c->jobs)
        cfg.train.threads = c->jobs;
    if (c->device >= 0)
        cfg.train.device = c->device;
    char run_dir[CONFIG_PATH_MAX + 16], tmp[CONFIG_PATH_MAX];
    if (cfg.train.run_dir[0]) {
        snprintf(run_dir, sizeof run_dir, "%s", cfg.train.run_dir);
    } else if (c->resume) {
        snprintf(tmp, sizeof tmp, "%s", c->resume);
        snprintf(run_dir, sizeof run_dir, "%s", dirname(tmp));
    } else {
        snprintf(tmp, sizeof tmp, "%s", c->config);
        char *base = basename(tmp), *dot = strrchr(base, '.');
        if (dot && dot != base)
            *dot = 0;
        snprintf(run_dir, sizeof run_dir, "runs/%s", base);
    }
    const backend_ops *ops = pick_backend(cfg.train.device, &e);
    if (!ops)
        return fatal(&e);
    trainer_opts o = {.cfg = &cfg, .config_name = c->config ? c->config : c->resume,
                      .run_dir = run_dir, .ops = ops, .resume = c->resume,
                      .init_from = c->init_from, .stop = &stop_requested, .quiet = c->quiet};
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    int rc = trainer_run(&o, &e);
    if (rc < 0)
        return fatal(&e);
    return rc == TRAIN_STOPPED ? EXIT_PARTIAL : EXIT_ALL_OK;
}

static int run_eval(const cli *c)
{
    err e = {{0}};
    const backend_ops *ops = pick_backend(c->device < 0 ? DEVICE_AUTO : c->device, &e);
    store *s = NULL;
    if (!ops || store_open(c->data, &s, &e) < 0)
        return fatal(&e);
    const store_meta *sm = store_get_meta(s);
    inference inf;
    loader *l = NULL;
    eval_result r = {0};
    float *logits = NULL;
    int rc = EXIT_FATAL;
    if (inference_open(c->checkpoint, ops, c->batch, sm->height, sm->width, c->jobs, &inf, &e) < 0) {
        store_close(s);
        return fatal(&e);
    }
    int classes = inf.m.opt.num_classes;
    if (store_count(s, c->split) == 0) {
        err_set(&e, "%s has no %s split", c->data, c->split == STORE_VAL ? "val" : "train");
        goto out;
    }
    if (checkpoint_classes_match(&inf.meta, sm, c->data, c->checkpoint, &e) < 0)
        goto out;
    loader_config lc = {.s = s, .split = c->split, .batch = c->batch, .workers = 2, .depth = 3,
                        .ops = ops, .b = inf.b, .policy = {.out_size = inf.m.opt.input_size}};
    logits = malloc((size_t)c->batch * classes * sizeof(float));
    if (!logits) {
        err_set(&e, "out of memory");
        goto out;
    }
    if (loader_create(&lc, &l, &e) < 0 || eval_result_init(&r, classes, &e) < 0 ||
        evaluate_split(ops, inf.b, l, logits, &r, &e) < 0)
        goto out;
    printf("%s on %s (%s split)\n", c->checkpoint, c->data, c->split == STORE_VAL ? "val" : "train");
    evaluate_print(stdout, &r, (const char *const *)inf.meta.class_names);
    rc = EXIT_ALL_OK;
out:
    if (rc != EXIT_ALL_OK)
        fatal(&e);
    free(logits);
    eval_result_free(&r);
    loader_destroy(l);
    inference_close(&inf);
    store_close(s);
    return rc;
}

static int run_predict(const cli *c)
{
    err e = {{0}};
    const backend_ops *ops = pick_backend(c->device < 0 ? DEVICE_AUTO : c->device, &e);
    inference inf;
    predictor *p;
    if (!ops || inference_open(c->checkpoint, ops, 1, 0, 0, c->jobs, &inf, &e) < 0)
        return fatal(&e);
    if (predictor_create(&inf, &p, &e) < 0) {
        inference_close(&inf);
        return fatal(&e);
    }
    int failed = 0;
    for (int i = 0; i < c->nfiles; i++) {
        prediction pr;
        if (predict_file(p, c->files[i], &pr, &e) < 0) {
            log_error("%s", e.msg);
            failed++;
            continue;
        }
        if (c->json)
            predict_print_json(stdout, c->files[i], &pr, inf.meta.class_names,
                               inf.m.opt.num_classes);
        else
            predict_print(stdout, c->files[i], &pr, inf.meta.class_names);
    }
    predictor_destroy(p);
    inference_close(&inf);
    return failed ? EXIT_PARTIAL : EXIT_ALL_OK;
}

static int run_summary(const cli *c)
{
    err e = {{0}};
    train_config cfg;
    if (load_config(c, &cfg, &e) < 0)
        return fatal(&e);
    model_options mo = {c->classes, cfg.model.input_size, cfg.model.batch_norm,
                        cfg.model.fc_width, cfg.model.width_div, cfg.model.dropout};
    model m;
    if (model_build(cfg.model.arch, &mo, &m, &e) < 0)
        return fatal(&e);
    summary_print(stdout, &m);
    model_free(&m);
    return EXIT_ALL_OK;
}

static int set_mode(cli *c, enum mode m)
{
    if (c->mode != MODE_NONE && c->mode != m)
        return -1;
    c->mode = m;
    return 0;
}

int main(int argc, char **argv)
{
    log_init("vgg-train", LOG_INFO);
    enum { O_SET = 256, O_RESUME, O_INIT, O_EVAL, O_DATA, O_SPLIT, O_BATCH, O_PREDICT, O_SUMMARY,
           O_ARCH, O_CLASSES, O_DEVICE, O_JSON };
    static const struct option longopts[] = {
        {"config", required_argument, 0, 'c'}, {"set", required_argument, 0, O_SET},
        {"resume", required_argument, 0, O_RESUME}, {"init-from", required_argument, 0, O_INIT},
        {"eval", required_argument, 0, O_EVAL}, {"data", required_argument, 0, O_DATA},
        {"split", required_argument, 0, O_SPLIT}, {"batch", required_argument, 0, O_BATCH},
        {"predict", required_argument, 0, O_PREDICT}, {"summary", no_argument, 0, O_SUMMARY},
        {"arch", required_argument, 0, O_ARCH}, {"classes", required_argument, 0, O_CLASSES},
        {"device", required_argument, 0, O_DEVICE}, {"json", no_argument, 0, O_JSON}, {"jobs", required_argument, 0, 'j'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};
    cli c = {.classes = 1000, .batch = 64, .device = -1, .split = STORE_VAL};
    const char *sets[argc]; /* at most one --set per argument */
    c.sets = sets;
    int opt, bad_mode = 0;
    while ((opt = getopt_long(argc, argv, "c:j:qhV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': c.config = optarg; break;
        case O_SET: c.sets[c.nsets++] = optarg; break;
        case O_RESUME: c.resume = optarg; bad_mode |= set_mode(&c, MODE_TRAIN); break;
        case O_INIT: c.init_from = optarg; break;
        case O_EVAL: c.checkpoint = optarg; bad_mode |= set_mode(&c, MODE_EVAL); break;
        case O_DATA: c.data = optarg; break;
        case O_SPLIT:
            if (strcmp(optarg, "val") && strcmp(optarg, "train"))
                return usage_error("--split %s: expected val or train", optarg);
            c.split = strcmp(optarg, "val") ? STORE_TRAIN : STORE_VAL;
            break;
        case O_BATCH:
            c.batch = parse_int("--batch", optarg, 1, 65536);
            break;
        case O_PREDICT: c.checkpoint = optarg; bad_mode |= set_mode(&c, MODE_PREDICT); break;
        case O_SUMMARY: bad_mode |= set_mode(&c, MODE_SUMMARY); break;
        case O_ARCH: c.arch = optarg; break;
        case O_CLASSES:
            c.classes = parse_int("--classes", optarg, 1, 1000000);
            break;
        case O_DEVICE:
            if (pick_device(optarg, &c.device) < 0)
                return usage_error("--device %s: expected auto, cpu or cuda", optarg);
            break;
        case 'j': {
            err e;
            if (cli_parse_jobs(optarg, &c.jobs, &e) < 0)
                return usage_error("%s", e.msg);
            break;
        }
        case O_JSON: c.json = 1; break;
        case 'q': c.quiet = 1; log_set_level(LOG_WARN); break; /* damaged records still show */
        case 'h': fputs(usage_text, stdout); return EXIT_ALL_OK;
        case 'V': cli_print_version("vgg-train"); return EXIT_ALL_OK;
        default: return usage_error("%s", "bad option");
        }
    }
    if (bad_mode)
        return usage_error("%s", "choose one of training, --eval, --predict and --summary");
    if (c.resume && c.init_from)
        return usage_error("%s", "--resume and --init-from exclude each other");
    if (c.mode == MODE_NONE && c.config)
        c.mode = MODE_TRAIN;
    c.files = argv + optind, c.nfiles = argc - optind;
    if (c.mode != MODE_PREDICT && c.nfiles > 0)
        return usage_error("unexpected argument '%s'", c.files[0]);
    int rc;
    switch (c.mode) {
    case MODE_TRAIN: rc = run_train(&c); break;
    case MODE_EVAL:
        rc = c.data ? run_eval(&c) : usage_error("%s", "--eval needs --data STORE");
        break;
    case MODE_PREDICT:
        rc = c.nfiles ? run_predict(&c) : usage_error("%s", "--predict needs image files");
        break;
    case MODE_SUMMARY:
        rc = c.config || c.arch ? run_summary(&c)
                                : usage_error("%s", "--summary needs --config or --arch");
        break;
    default: rc = usage_error("%s", "nothing to do: give --config, --eval, --predict or --summary");
    }
    return rc;
}
