/* vgg-pack: the command line. See docs/man/vgg-pack.1. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wand/MagickWand.h>

#include "common/cli.h"
#include "common/error.h"
#include "common/log.h"
#include "common/store.h"
#include "pack/info.h"
#include "pack/plan.h"
#include "pack/sheet.h"
#include "pack/store_dir.h"
#include "pack/verify.h"
#include "pack/writer.h"

static const char usage[] =
    "Usage: vgg-pack [OPTION]... INPUT STORE     pack INPUT/<class>/<image> into STORE\n"
    "       vgg-pack --info [--json] STORE       what a store holds\n"
    "       vgg-pack --verify STORE              check every record\n"
    "       vgg-pack --sheet FILE.png STORE      contact sheet: a few images per class\n"
    "\n"
    "Packs a folder of images of one size (vgg-convert's output) into an LMDB store of\n"
    "uint8 RGB records that vgg-train reads in place. Classes are the sub-folders, labelled\n"
    "in name order; INPUT/train/<class> and INPUT/val/<class> become the two splits.\n"
    "\n"
    "  -j, --jobs N          decode threads (default: all cores; 0 or 'auto' likewise)\n"
    "      --val-fraction F  put this fraction of each class in a val split (0 <= F < 1)\n"
    "      --seed N          seed of the split and of the record order (default 0)\n"
    "      --skip-bad        leave out images that cannot be packed, list them, exit 1\n"
    "      --force           replace STORE if it exists\n"
    "      --json            with --info: JSON on stdout\n"
    "  -q, --quiet           no progress display, warnings or summary\n"
    "      --help            this help\n"
    "      --version         the version\n"
    "\n"
    "Exit status: 0 done; 1 done but images were skipped (--skip-bad), or --verify found\n"
    "bad records; 2 usage error or fatal error (nothing written).\n"
    "Format of the store: docs/format.md. Manual: man vgg-pack.\n";

enum mode { MODE_PACK, MODE_INFO, MODE_VERIFY, MODE_SHEET };

typedef struct options {
    enum mode mode;
    int json, quiet, force, skip_bad, jobs;
    double val_fraction;
    long long seed;
    const char *sheet;
    const char *args[2];
    int nargs;
} options;

static const char *program = "vgg-pack";

/* The temporary store being built, removed if the user interrupts the run. */
static char interrupted_tmp[4096];

static void on_signal(int sig)
{
    /* SIGBUS: a page of the store's memory map could not be backed, i.e. the disk is full */
    static const char bus[] = "vgg-pack: cannot write the store (disk full?); nothing written\n";
    if (sig == SIGBUS) {
        ssize_t ignored = write(STDERR_FILENO, bus, sizeof bus - 1);
        (void)ignored;
    }
    /* async-signal-safe removal of what the writer made in the temporary folder */
    static const char *const files[] = {"/data.mdb", "/lock.mdb"};
    char p[4200];
    for (int i = 0; i < 2 && interrupted_tmp[0]; i++) {
        size_t n = strlen(interrupted_tmp), m = strlen(files[i]);
        memcpy(p, interrupted_tmp, n);
        memcpy(p + n, files[i], m + 1);
        unlink(p);
    }
    if (interrupted_tmp[0])
        rmdir(interrupted_tmp);
    _exit(sig == SIGBUS ? EXIT_FATAL : 128 + sig);
}

static double parse_fraction(const char *text)
{
    char *end;
    errno = 0;
    double f = strtod(text, &end);
    if (errno || end == text || *end || !(f >= 0 && f < 1)) {
        char msg[256];
        snprintf(msg, sizeof msg, "--val-fraction: expected a number from 0 to below 1, got '%s'",
                 text);
        cli_usage_error(program, msg);
    }
    return f;
}

static void parse_args(int argc, char **argv, options *o)
{
    enum { OPT_VAL = 256, OPT_SEED, OPT_SKIP, OPT_FORCE, OPT_JSON, OPT_INFO, OPT_VERIFY,
           OPT_SHEET, OPT_HELP, OPT_VERSION };
    static const struct option longopts[] = {
        {"jobs", required_argument, NULL, 'j'},     {"quiet", no_argument, NULL, 'q'},
        {"val-fraction", required_argument, NULL, OPT_VAL},
        {"seed", required_argument, NULL, OPT_SEED}, {"skip-bad", no_argument, NULL, OPT_SKIP},
        {"force", no_argument, NULL, OPT_FORCE},    {"json", no_argument, NULL, OPT_JSON},
        {"info", no_argument, NULL, OPT_INFO},      {"verify", no_argument, NULL, OPT_VERIFY},
        {"sheet", required_argument, NULL, OPT_SHEET}, {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION}, {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->jobs = cli_default_jobs();
    err e;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":j:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (cli_parse_jobs(optarg, &o->jobs, &e) < 0)
                cli_usage_error(program, e.msg);
            break;
        case 'q': o->quiet = 1; break;
        case OPT_VAL: o->val_fraction = parse_fraction(optarg); break;
        case OPT_SEED:
            if (cli_parse_long("--seed", optarg, 0, INT64_MAX, &o->seed, &e) < 0)
                cli_usage_error(program, e.msg);
            break;
        case OPT_SKIP: o->skip_bad = 1; break;
        case OPT_FORCE: o->force = 1; break;
        case OPT_JSON: o->json = 1; break;
        case OPT_INFO: o->mode = MODE_INFO; break;
        case OPT_VERIFY: o->mode = MODE_VERIFY; break;
        case OPT_SHEET: o->mode = MODE_SHEET; o->sheet = optarg; break;
        case OPT_HELP: fputs(usage, stdout); exit(EXIT_ALL_OK);
        case OPT_VERSION: cli_print_version(program); exit(EXIT_ALL_OK);
        case ':':
            snprintf(e.msg, sizeof e.msg, "option '%s' needs a value", argv[optind - 1]);
            cli_usage_error(program, e.msg);
        default:
            snprintf(e.msg, sizeof e.msg, "unknown option '%s'", argv[optind - 1]);
            cli_usage_error(program, e.msg);
        }
    }
    o->nargs = argc - optind;
    int want = o->mode == MODE_PACK ? 2 : 1;
    if (o->nargs != want)
        cli_usage_error(program, want == 2 ? "expected INPUT and STORE" : "expected one STORE");
    o->args[0] = argv[optind];
    o->args[1] = want == 2 ? argv[optind + 1] : NULL;
    if (o->json && o->mode != MODE_INFO)
        cli_usage_error(program, "--json goes with --info");
}

static int run_pack(const options *o)
{
    const char *input = o->args[0], *path = o->args[1];
    plan p;
    err e;
    plan_options po = {o->val_fraction, (uint64_t)o->seed};
    if (plan_build(input, &po, &p, &e) < 0) {
        log_error("%s", e.msg);
        return EXIT_FATAL;
    }
    for (size_t i = 0; i < p.num_problems; i++)
        if (o->skip_bad)
            log_warn("skipped %s", p.problems[i]);
        else
            log_error("%s", p.problems[i]);
    if (p.num_problems && !o->skip_bad) {
        log_error("%zu problem%s in %s; nothing written (--skip-bad packs the rest)",
                  p.num_problems, p.num_problems == 1 ? "" : "s", input);
        plan_free(&p);
        return EXIT_FATAL;
    }
    char tmp[4096];
    if (store_dir_begin(path, o->force, tmp, sizeof tmp, &e) < 0) {
        log_error("%s", e.msg);
        plan_free(&p);
        return EXIT_FATAL;
    }
    snprintf(interrupted_tmp, sizeof interrupted_tmp, "%s", tmp);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGBUS, on_signal);
    char *source = realpath(input, NULL);   /* provenance: where the images came from */
    writer_options wo = {o->jobs, o->skip_bad, o->quiet, 0, 0, source ? source : input};
    writer_result r;
    int rc = writer_run(&p, tmp, &wo, &r, &e);
    free(source);
    if (rc == 0)
        rc = store_dir_commit(tmp, path, &e);
    if (rc < 0) {
        store_dir_abort(tmp);
        log_error("%s", e.msg);
        plan_free(&p);
        return EXIT_FATAL;
    }
    interrupted_tmp[0] = '\0';
    size_t skipped = r.skipped + p.num_problems;
    uint64_t n = r.records[STORE_TRAIN] + r.records[STORE_VAL];
    char skipped_text[64] = "";
    if (skipped)
        snprintf(skipped_text, sizeof skipped_text, ", %zu skipped", skipped);
    if (!o->quiet)
        printf("vgg-pack: %s: %llu images (train %llu, val %llu), %d classes, %dx%d, %.1f MB "
               "in %.2f s: %.0f images/s, %.0f MB/s%s\n", path, (unsigned long long)n,
               (unsigned long long)r.records[STORE_TRAIN],
               (unsigned long long)r.records[STORE_VAL], p.num_classes, r.width, r.height,
               (double)r.bytes / 1e6, r.seconds, (double)n / r.seconds,
               (double)r.bytes / 1e6 / r.seconds, skipped_text);
    plan_free(&p);
    return skipped ? EXIT_PARTIAL : EXIT_ALL_OK;
}

static int run_on_store(const options *o)
{
    store *s;
    err e;
    if (store_open(o->args[0], &s, &e) < 0) {
        log_error("%s", e.msg);
        /* for --verify, a store that exists but fails its checks is a failed check */
        return o->mode == MODE_VERIFY && access(o->args[0], F_OK) == 0 ? EXIT_PARTIAL
                                                                        : EXIT_FATAL;
    }
    int status = EXIT_ALL_OK;
    if (o->mode == MODE_INFO) {
        (o->json ? info_print_json : info_print)(s, stdout);
    } else if (o->mode == MODE_VERIFY) {
        verify_result r;
        int rc = verify_store(s, stdout, 10, &r, &e);
        if (rc < 0) {
            log_error("%s", e.msg);
            status = EXIT_FATAL;
        } else {
            printf("vgg-pack: %s: %llu records checked, %llu bad\n", o->args[0],
                   (unsigned long long)r.checked, (unsigned long long)r.bad);
            status = rc ? EXIT_PARTIAL : EXIT_ALL_OK;
        }
    } else if (sheet_write(s, o->sheet, SHEET_PER_CLASS, &e) < 0) {
        log_error("%s", e.msg);
        status = EXIT_FATAL;
    }
    store_close(s);
    return status;
}

int main(int argc, char **argv)
{
    options o;
    log_init(program, LOG_INFO);
    parse_args(argc, argv, &o);
    if (o.quiet)
        log_set_level(LOG_ERROR);
    MagickWandGenesis();
    SetMagickResourceLimit(ThreadResource, 1);   /* our own threads are the parallelism */
    int status = o.mode == MODE_PACK ? run_pack(&o) : run_on_store(&o);
    MagickWandTerminus();
    return status;
}
