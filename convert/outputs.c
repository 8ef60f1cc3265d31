#include "convert/outputs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/atomic.h"
#include "common/names.h"
#include "convert/output_file.h"

typedef struct class_dir {
    char *raw, *out;
} class_dir;

struct outputs {
    char *dir;
    const char *ext;
    names_set *names;           /* claimed class folders ("" dir) and files */
    class_dir *classes;         /* raw class -> output folder name */
    size_t n_classes, cap_classes;
    size_t last;                /* index of the last class used: sources come class by class */
};

int outputs_mkdirs(const char *dir, err *e)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return err_set(e, "%s: path too long", dir);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            if (output_file_errno_is_fatal(errno)) {
                err_set(e, "%s: %s", path, strerror(errno));
                return OUTPUT_FILE_DISK_FULL;
            }
            return err_sys(e, errno, path, "cannot create folder");
        }
        *p = saved;
        if (!saved)
            break;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_set(e, "%s: not a folder", dir);
    return 0;
}

int outputs_open(const char *out_dir, output_format format, outputs **out, err *e)
{
    if (outputs_mkdirs(out_dir, e) < 0)
        return -1;
    outputs *o = calloc(1, sizeof *o);
    if (!o || !(o->dir = strdup(out_dir)) || !(o->names = names_set_new())) {
        outputs_close(o);
        return err_set(e, "out of memory");
    }
    o->ext = format == FORMAT_PNG ? ".png" : ".jpg";
    *out = o;
    return 0;
}

void outputs_close(outputs *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n_classes; i++) {
        free(o->classes[i].raw);
        free(o->classes[i].out);
    }
    free(o->classes);
    names_set_free(o->names);
    free(o->dir);
    free(o);
}

/* The output folder name of a raw class in *folder, made (and its folder created) on first
 * use. Returns 0, -1, or OUTPUT_FILE_DISK_FULL. */
static int class_folder(outputs *o, const char *raw, const char **folder, err *e)
{
    if (o->n_classes && strcmp(o->classes[o->last].raw, raw) == 0) {
        *folder = o->classes[o->last].out;
        return 0;
    }
    for (size_t i = 0; i < o->n_classes; i++)
        if (strcmp(o->classes[i].raw, raw) == 0) {
            *folder = o->classes[o->last = i].out;
            return 0;
        }
    if (o->n_classes == o->cap_classes) {
        size_t cap = o->cap_classes ? o->cap_classes * 2 : 64;
        class_dir *bigger = realloc(o->classes, cap * sizeof *bigger);
        if (!bigger)
            return err_set(e, "out of memory");
        o->classes = bigger;
        o->cap_classes = cap;
    }
    char clean[NAMES_MAX + 1], unique[NAMES_MAX + 16], path[4096];
    names_sanitize(raw, clean, sizeof clean);
    if (names_claim(o->names, "", clean, "", unique, sizeof unique, e) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s", o->dir, unique);
    int r = outputs_mkdirs(path, e);
    if (r < 0 || atomic_remove_temps(path, e) < 0)
        return r < 0 ? r : -1;
    class_dir *c = &o->classes[o->n_classes];
    c->raw = strdup(raw);
    c->out = strdup(unique);
    if (!c->raw || !c->out) {
        free(c->raw);
        free(c->out);
        return err_set(e, "out of memory");
    }
    o->last = o->n_classes++;
    *folder = c->out;
    return 0;
}

int outputs_plan(outputs *o, const char *class_name, const char *name, long long src_mtime,
                 int force, char *path, size_t cap, err *e)
{
    const char *folder = NULL;
    int r = class_folder(o, class_name, &folder, e);
    if (r < 0)
        return r;
    char stem[NAMES_MAX + 1], unique[NAMES_MAX + 32];
    const char *dot = strrchr(name, '.');
    char raw_stem[4096];
    snprintf(raw_stem, sizeof raw_stem, "%.*s", dot ? (int)(dot - name) : (int)strlen(name), name);
    names_sanitize(raw_stem, stem, sizeof stem);
    if (names_claim(o->names, folder, stem, o->ext, unique, sizeof unique, e) < 0)
        return -1;
    if (snprintf(path, cap, "%s/%s/%s", o->dir, folder, unique) >= (int)cap)
        return err_set(e, "%s/%s/%s: path too long", o->dir, folder, unique);
    struct stat st;
    if (!force && stat(path, &st) == 0 && (long long)st.st_mtime >= src_mtime)
        return 0;
    return 1;
}
