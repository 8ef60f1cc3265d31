#include "pack/info.h"

#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Bytes of the store's data file (0 when it cannot be read). */
static uint64_t store_bytes(const store *s)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", store_path(s));
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

void info_print(const store *s, FILE *out)
{
    const store_meta *m = store_get_meta(s);
    char when[64];
    time_t t = (time_t)m->created;
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
    fprintf(out, "store:          %s\n", store_path(s));
    fprintf(out, "format version: %" PRIu32 "\n", m->format_version);
    fprintf(out, "images:         %dx%d, %d channels (uint8 RGB, HWC)\n", m->width, m->height,
            m->channels);
    fprintf(out, "records:        %" PRIu64 " train, %" PRIu64 " val\n",
            m->split_count[STORE_TRAIN], m->split_count[STORE_VAL]);
    fprintf(out, "size:           %.1f MB\n", (double)store_bytes(s) / 1e6);
    fprintf(out, "mean (R G B):   %.3f %.3f %.3f (train, pixel units 0..255)\n", m->mean[0],
            m->mean[1], m->mean[2]);
    fprintf(out, "std (R G B):    %.3f %.3f %.3f\n", m->std[0], m->std[1], m->std[2]);
    fprintf(out, "created:        %s by vgg-pack %s\n", when, m->tool_version);
    fprintf(out, "source:         %s\n", m->source);
    fprintf(out, "classes:        %d\n", m->num_classes);
    fprintf(out, "  label  %8s  %8s  name\n", "train", "val");
    for (int c = 0; c < m->num_classes; c++)
        fprintf(out, "  %5d  %8" PRIu64 "  %8" PRIu64 "  %s\n", c,
                m->class_count[STORE_TRAIN][c], m->class_count[STORE_VAL][c],
                m->class_names[c]);
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

void info_print_json(const store *s, FILE *out)
{
    const store_meta *m = store_get_meta(s);
    fputs("{\"path\": ", out);
    json_string(out, store_path(s));
    fprintf(out, ", \"format_version\": %" PRIu32 ", \"height\": %d, \"width\": %d, "
            "\"channels\": %d, \"bytes\": %" PRIu64 ",\n \"classes\": [", m->format_version,
            m->height, m->width, m->channels, store_bytes(s));
    for (int c = 0; c < m->num_classes; c++) {
        fputs(c ? ", " : "", out);
        json_string(out, m->class_names[c]);
    }
    fputs("],\n \"counts\": {", out);
    for (int sp = 0; sp < STORE_NSPLITS; sp++)
        fprintf(out, "%s\"%s\": %" PRIu64, sp ? ", " : "", sp ? "val" : "train",
                m->split_count[sp]);
    fputs("},\n \"class_counts\": {", out);
    for (int sp = 0; sp < STORE_NSPLITS; sp++) {
        fprintf(out, "%s\"%s\": [", sp ? ", " : "", sp ? "val" : "train");
        for (int c = 0; c < m->num_classes; c++)
            fprintf(out, "%s%" PRIu64, c ? ", " : "", m->class_count[sp][c]);
        fputc(']', out);
    }
    fprintf(out, "},\n \"mean\": [%.17g, %.17g, %.17g], \"std\": [%.17g, %.17g, %.17g],\n",
            m->mean[0], m->mean[1], m->mean[2], m->std[0], m->std[1], m->std[2]);
    fputs(" \"tool_version\": ", out);
    json_string(out, m->tool_version);
    fputs(", \"source\": ", out);
    json_string(out, m->source);
    fprintf(out, ", \"created\": %" PRId64 "}\n", m->created);
}
