/* vgg-convert: resize folders and archives of images to out/<class>/<name>.jpg. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/log.h"
#include "convert/converter.h"
#include "convert/run.h"

static const char program[] = "vgg-convert";

static void usage(void)
{
    printf("Usage: %s [OPTION]... INPUT... OUT\n"
           "Resize images to OUT/<class>/<name>.jpg, square, sRGB, 8-bit, 3 channels.\n"
           "\n"
           "An INPUT is a folder of class folders (raw/<class>/*.jpg, any depth below the\n"
           "class), an archive (.tar, .tar.gz, .zip, ...; read without unpacking), a folder\n"
           "holding archives, or ILSVRC's tar of per-class tars. Flat members of an archive\n"
           "belong to the class named like the archive (n01440764.tar -> n01440764).\n"
           "\n"
           "  -s, --size=N         output side in pixels (default 224)\n"
           "  -m, --mode=MODE      crop: shorter side to N, centre crop (default);\n"
           "                       squash: both sides to N, aspect ignored;\n"
           "                       pad: longer side to N, centred on black\n"
           "  -f, --format=FMT     jpg (default) or png\n"
           "  -Q, --quality=N      JPEG quality 1..100 (default 95)\n"
           "  -l, --labels=FILE    classes of a flat folder/archive: lines 'file,class' or\n"
           "                       'file<TAB>class' (ImageNet validation style)\n"
           "      --max-pixels=N   refuse images over N pixels, from their header\n"
           "                       (default 100000000)\n"
           "      --force          redo outputs that are already there and up to date\n"
           "  -j, --jobs=N         worker threads (default: all cores)\n"
           "  -q, --quiet          no progress and no summary\n"
           "  -h, --help           show this help and exit\n"
           "  -V, --version        show the version and exit\n"
           "\n"
           "Alpha is flattened on white; EXIF orientation is applied; metadata is stripped;\n"
           "multi-frame files give their first frame. Outputs not older than their source\n"
           "are kept (rerun to resume); every output is written to a temporary name and\n"
           "renamed.\n"
           "Inputs that cannot be converted are listed at the end and in\n"
           "OUT/convert-errors.tsv; files that are not images by name are ignored.\n"
           "\n"
           "Exit status: 0 all converted, 1 some inputs skipped, 2 usage or fatal error (a\n"
           "full or read-only disk included: the run stops, completed outputs are kept).\n",
           program);
}

static int parse_choice(const char *option, const char *text, const char *const *choices)
{
    for (int i = 0; choices[i]; i++)
        if (strcmp(text, choices[i]) == 0)
            return i;
    char msg[512];
    snprintf(msg, sizeof msg, "%s: unknown value '%s'", option, text);
    cli_usage_error(program, msg);
}

static long long parse_number(const char *option, const char *text, long long min,
                              long long max)
{
    long long v;
    err e;
    if (cli_parse_long(option, text, min, max, &v, &e) < 0)
        cli_usage_error(program, e.msg);
    return v;
}

static void parse_args(int argc, char **argv, convert_options *opt)
{
    static const struct option longs[] = {
        {"size", required_argument, NULL, 's'},    {"mode", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},  {"quality", required_argument, NULL, 'Q'},
        {"labels", required_argument, NULL, 'l'},  {"max-pixels", required_argument, NULL, 'P'},
        {"force", no_argument, NULL, 'F'},         {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
    };
    static const char *const modes[] = {"crop", "squash", "pad", NULL};
    static const char *const formats[] = {"jpg", "png", NULL};
    err e;
    for (int c; (c = getopt_long(argc, argv, "s:m:f:Q:l:j:qhV", longs, NULL)) != -1;) {
        switch (c) {
        case 's': opt->size = (int)parse_number("--size", optarg, 1, 8192); break;
        case 'm': opt->mode = (resize_mode)parse_choice("--mode", optarg, modes); break;
        case 'f': opt->format = (output_format)parse_choice("--format", optarg, formats); break;
        case 'Q': opt->quality = (int)parse_number("--quality", optarg, 1, 100); break;
        case 'l': opt->labels_path = optarg; break;
        case 'P': opt->max_pixels = (uint64_t)parse_number("--max-pixels", optarg, 1, 1LL << 40); break;
        case 'F': opt->force = 1; break;
        case 'j':
            if (cli_parse_jobs(optarg, &opt->jobs, &e) < 0)
                cli_usage_error(program, e.msg);
            break;
        case 'q': opt->quiet = 1; break;
        case 'h': usage(); exit(EXIT_ALL_OK);
        case 'V': cli_print_version(program); exit(EXIT_ALL_OK);
        default: cli_usage_error(program, "unknown option");
        }
    }
    if (argc - optind < 2)
        cli_usage_error(program, "expected at least one INPUT and the OUT folder");
    opt->inputs = (const char *const *)argv + optind;
    opt->n_inputs = argc - optind - 1;
    opt->out_dir = argv[argc - 1];
}

int main(int argc, char **argv)
{
    convert_options opt = {
        .size = 224, .mode = MODE_CROP, .format = FORMAT_JPG, .quality = 95,
        .max_pixels = 100000000, .jobs = cli_default_jobs(),
    };
    parse_args(argc, argv, &opt);
    log_init(program, opt.quiet ? LOG_ERROR : LOG_INFO);
    converter_global_setup();

    report *rep = report_new();
    convert_summary sum;
    err e;
    if (!rep) {
        log_error("out of memory");
        return EXIT_FATAL;
    }
    int r = convert_run(&opt, rep, &sum, &e);
    size_t failed = report_count(rep);
    if (failed) {
        if (sum.errors_listed)
            log_error("%zu input%s skipped (listed in %s/convert-errors.tsv):", failed,
                      failed == 1 ? "" : "s", opt.out_dir);
        else
            log_error("%zu input%s skipped:", failed, failed == 1 ? "" : "s");
        report_print(rep, stderr, 20);
    }
    report_free(rep);
    if (r < 0) {
        log_error("%s", e.msg);
        return EXIT_FATAL;
    }
    uint64_t done = sum.converted + sum.up_to_date;
    if (!opt.quiet)
        printf("%s: %llu converted, %llu up to date, %llu failed in %.1f s (%.1f img/s)\n",
               program, (unsigned long long)sum.converted, (unsigned long long)sum.up_to_date,
               (unsigned long long)sum.failed, sum.seconds,
               sum.seconds > 0 ? (double)sum.converted / sum.seconds : 0.0);
    if (done == 0 && sum.failed == 0) {
        log_error("no images found in the inputs");
        return EXIT_PARTIAL;
    }
    return sum.failed ? EXIT_PARTIAL : EXIT_ALL_OK;
}
