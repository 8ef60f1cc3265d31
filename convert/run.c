#include "convert/run.h"

#include <string.h>
#include <sys/stat.h>

#include "common/atomic.h"
#include "common/progress.h"
#include "common/walker.h"
#include "convert/outputs.h"
#include "convert/pool.h"

/* The number of images, known cheaply when every input is a folder of files: a walk that only
 * lists names. 0 (unknown) as soon as an archive shows up, since counting would decompress. */
static uint64_t count_images(const convert_options *opt)
{
    for (int i = 0; i < opt->n_inputs; i++) {
        struct stat st;
        if (stat(opt->inputs[i], &st) != 0 || !S_ISDIR(st.st_mode))
            return 0;
    }
    walker_options wo = {.labels_path = opt->labels_path};
    walker *w;
    if (walker_open(opt->inputs, opt->n_inputs, &wo, &w, NULL) < 0)
        return 0;
    uint64_t n = 0;
    walker_entry ent;
    for (int r; (r = walker_next(w, &ent, NULL)) != 0 && r != -2;) {
        if (r == 1 && !ent.path) {
            n = 0;
            break;
        }
        n += r == 1;
    }
    walker_close(w);
    return n;
}

/* Walks every input and hands each image that needs doing to the pool. Returns 0, -1 (a fatal
 * walker error) or OUTPUT_FILE_DISK_FULL. */
static int feed(const convert_options *opt, walker *w, outputs *o, pool *p, report *rep,
                tally *t, err *e)
{
    walker_entry ent;
    char out_path[4096];
    for (;;) {
        int r = walker_next(w, &ent, e);
        if (r == 0)
            return 0;
        if (r == -2)
            return -1;
        if (r == 1) {
            r = outputs_plan(o, ent.class_name, ent.name, ent.mtime, opt->force, out_path,
                             sizeof out_path, e);
            if (r == 0) {
                tally_add(t, &t->up_to_date);
                continue;
            }
            if (r == 1)
                r = pool_submit(p, &ent, out_path, e);
        }
        if (r == OUTPUT_FILE_DISK_FULL)
            return r;
        if (r < 0) {
            report_add(rep, ent.source ? ent.source : "-", e->msg);
            tally_add(t, &t->failed);
        }
    }
}

int convert_run(const convert_options *opt, report *rep, convert_summary *sum, err *e)
{
    walker_options wo = {.labels_path = opt->labels_path};
    walker *w = NULL;
    outputs *o = NULL;
    memset(sum, 0, sizeof *sum);
    if (walker_open(opt->inputs, opt->n_inputs, &wo, &w, e) < 0 ||
        outputs_open(opt->out_dir, opt->format, &o, e) < 0) {
        walker_close(w);
        return -1;
    }
    tally t = {0};
    t.bar = progress_start("convert", count_images(opt), "img", opt->quiet);
    pool *p = pool_start(opt, rep, &t, e);
    int r = p ? feed(opt, w, o, p, rep, &t, e) : -1;
    err pool_err;
    if (p && pool_finish(p, &pool_err) == OUTPUT_FILE_DISK_FULL && r != OUTPUT_FILE_DISK_FULL) {
        r = OUTPUT_FILE_DISK_FULL;  /* a worker's: it outranks a walker error */
        *e = pool_err;
    }
    sum->seconds = progress_finish(t.bar);
    sum->converted = t.converted;
    sum->up_to_date = t.up_to_date;
    sum->failed = t.failed;
    outputs_close(o);
    walker_close(w);
    if (r == OUTPUT_FILE_DISK_FULL) {
        atomic_sync_fs(opt->out_dir, NULL);  /* what was completed stays; the report cannot */
        return -1;
    }
    /* After a walker error too: the failures until then were real, the outputs are kept. */
    err later;
    err *first = r == 0 ? e : &later;   /* the walker's message comes first */
    if (report_write_tsv(rep, opt->out_dir, first) < 0)
        r = -1, first = &later;
    else
        sum->errors_listed = report_count(rep) > 0;
    if (atomic_sync_fs(opt->out_dir, first) < 0)
        r = -1;
    return r;
}
