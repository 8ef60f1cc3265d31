/* gen-sample: writes the embedded synthetic sample, raw pictures of a few classes of shapes
 * and textures at mixed sizes and formats, as OUT/<class>/<class>_NNNN.<ext>.
 * Picture i of class c depends only on (seed, c, i), so the output is the same whatever -j. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "common/atomic.h"
#include "common/cli.h"
#include "common/log.h"
#include "data/sample_draw.h"

static const char *program = "gen-sample";

/* The size and format mix of a typical photo folder: mostly 4:3 JPEGs in both orientations. */
static const struct { size_t w, h; int weight; } sizes[] = {
    {500, 375, 40}, {375, 500, 25}, {640, 480, 20}, {320, 240, 15},
};
enum { PNG_PERCENT = 12, GRAY_PERCENT = 6 };

typedef struct job {
    const char *out;
    long per_class;
    uint64_t seed;
    atomic_long next;
    atomic_int failed;
    pthread_mutex_t lock;
    err first_error;
} job;

typedef struct picture {
    size_t w, h;
    int png, gray;
    size_t quality;
    const char *ext;
} picture;

static picture pick_picture(rng *r)
{
    picture p = {0};
    int total = 0, pick;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        total += sizes[i].weight;
    pick = (int)rng_below(r, (uint64_t)total);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (pick < sizes[i].weight) {
            p.w = sizes[i].w;
            p.h = sizes[i].h;
            break;
        }
        pick -= sizes[i].weight;
    }
    p.png = rng_below(r, 100) < PNG_PERCENT;
    p.gray = rng_below(r, 100) < GRAY_PERCENT;
    p.quality = 75 + rng_below(r, 21);
    /* Both spellings a user meets: ImageNet's .JPEG and the common .jpg. */
    p.ext = p.png ? "png" : rng_below(r, 3) == 0 ? "JPEG" : "jpg";
    return p;
}

static int make_picture(MagickWand *wand, const job *j, int cls, long index, err *e)
{
    const sample_class *c = &sample_classes[cls];
    rng r;
    rng_seed(&r, j->seed, ((uint64_t)cls << 32) | (uint64_t)index);
    picture p = pick_picture(&r);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s_%04ld.%s", j->out, c->name, c->name, index, p.ext);

    ClearMagickWand(wand);
    if (sample_draw(wand, c, &r, p.w, p.h, e) < 0) {
        err_prefix(e, "%s", path);
        return -1;
    }
    if (p.gray && (!MagickTransformImageColorspace(wand, GRAYColorspace) ||
                   !MagickSetImageType(wand, GrayscaleType)))
        return sample_wand_error(wand, path, e);
    if (!MagickSetImageFormat(wand, p.png ? "PNG" : "JPEG") ||
        !MagickSetImageCompressionQuality(wand, p.png ? 75 : p.quality))
        return sample_wand_error(wand, path, e);
    size_t len;
    unsigned char *blob = MagickGetImageBlob(wand, &len);
    if (!blob)
        return sample_wand_error(wand, path, e);
    int rc = atomic_write(path, blob, len, e);
    MagickRelinquishMemory(blob);
    return rc;
}

static void *worker(void *arg)
{
    job *j = arg;
    MagickWand *wand = NewMagickWand();
    long total = j->per_class * sample_class_count;
    for (long k; !atomic_load(&j->failed) && (k = atomic_fetch_add(&j->next, 1)) < total;) {
        err e;
        if (make_picture(wand, j, (int)(k / j->per_class), k % j->per_class, &e) < 0) {
            pthread_mutex_lock(&j->lock);
            if (!atomic_exchange(&j->failed, 1))
                j->first_error = e;
            pthread_mutex_unlock(&j->lock);
        }
    }
    DestroyMagickWand(wand);
    return NULL;
}

static int make_dirs(const char *out, err *e)
{
    char path[4096];
    if (mkdir(out, 0777) < 0 && errno != EEXIST)
        return err_sys(e, errno, out, "mkdir");
    for (int c = 0; c < sample_class_count; c++) {
        snprintf(path, sizeof path, "%s/%s", out, sample_classes[c].name);
        if (mkdir(path, 0777) < 0 && errno != EEXIST)
            return err_sys(e, errno, path, "mkdir");
    }
    return 0;
}

static void usage(void)
{
    printf("Usage: %s [OPTION]... OUT\n"
           "Writes the embedded synthetic sample: %d classes of shapes and textures, raw\n"
           "pictures of mixed sizes (500x375, 375x500, 640x480, 320x240) and formats (JPEG,\n"
           "some PNG, a few grayscale) as OUT/<class>/<class>_NNNN.<ext>. The same seed\n"
           "gives the same files, whatever the number of jobs.\n\n"
           "  -n, --per-class N  pictures per class (default 300)\n"
           "  -s, --seed N       random seed (default 1)\n"
           "  -j, --jobs N       worker threads (default: all cores)\n"
           "  -q, --quiet        no summary line\n"
           "      --help         this help\n"
           "      --version      version\n\n"
           "Exit status: 0 written, 2 usage or fatal error.\n",
           program, sample_class_count);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"per-class", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 's'},
        {"jobs", required_argument, NULL, 'j'},      {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},            {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    long long per_class = 300, seed = 1;
    int jobs = cli_default_jobs(), quiet = 0, opt;
    err e;
    log_init(program, LOG_INFO);
    while ((opt = getopt_long(argc, argv, "n:s:j:q", longopts, NULL)) != -1) {
        int rc = 0;
        switch (opt) {
        case 'n': rc = cli_parse_long("--per-class", optarg, 1, 1000000, &per_class, &e); break;
        case 's': rc = cli_parse_long("--seed", optarg, 0, INT64_MAX, &seed, &e); break;
        case 'j': rc = cli_parse_jobs(optarg, &jobs, &e); break;
        case 'q': quiet = 1; break;
        case 'h': usage(); return EXIT_ALL_OK;
        case 'V': cli_print_version(program); return EXIT_ALL_OK;
        default: cli_usage_error(program, "unknown option");
        }
        if (rc < 0)
            cli_usage_error(program, e.msg);
    }
    if (optind != argc - 1)
        cli_usage_error(program, "expected one output folder");

    job j = {.out = argv[optind], .per_class = (long)per_class, .seed = (uint64_t)seed,
             .lock = PTHREAD_MUTEX_INITIALIZER};
    if (make_dirs(j.out, &e) < 0) {
        log_error("%s", e.msg);
        return EXIT_FATAL;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    MagickWandGenesis();
    /* Parallelism comes from our threads; ImageMagick's own would oversubscribe the cores. */
    MagickSetResourceLimit(ThreadResource, 1);
    pthread_t threads[1024];
    int started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&threads[started], NULL, worker, &j) != 0)
            break;
    if (started == 0)
        worker(&j);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    MagickWandTerminus();
    if (j.failed) {
        log_error("%s", j.first_error.msg);
        return EXIT_FATAL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!quiet)
        printf("%s: %ld pictures of %d classes in %s (%.1f s)\n", program,
               j.per_class * sample_class_count, sample_class_count, j.out,
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
    return EXIT_ALL_OK;
}
