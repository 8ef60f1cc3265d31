#include "common/walker.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/names.h"
#include "common/walker_labels.h"

enum {
    MAX_DIR_DEPTH = 32,     /* folders nested deeper are reported, not followed */
    MAX_ARCHIVE_DEPTH = 3,  /* an archive in an archive in an archive (ILSVRC needs 2) */
    CHUNK = 1 << 16,
};

/* One open folder: its sorted entries and the class its files belong to. */
typedef struct dir_frame {
    char path[4096];
    char class_name[256];   /* "" at the top of an input: its sub-folders are the classes */
    struct dirent **list;
    int n, next;
} dir_frame;

/* One open archive. An inner archive reads its bytes from the member of the level above. */
typedef struct archive_level {
    struct archive *a;
    char source[4096];      /* "raw/x.tar" or "raw/x.tar:n01440764.tar" */
    char stem[256];         /* archive name without extension: the class of flat members */
    char chunk[CHUNK];      /* bytes handed to the level below, when it is an archive */
} archive_level;

struct walker {
    char **inputs;
    int n_inputs, next_input;
    size_t max_entry_bytes;
    walker_labels *labels;
    const char *labels_path;

    dir_frame dirs[MAX_DIR_DEPTH];
    int n_dirs;

    archive_level *levels[MAX_ARCHIVE_DEPTH];
    int n_levels;
    char archive_class[256]; /* the class folder an archive was found in, or "" */
    long long archive_mtime;

    unsigned char *data;
    size_t data_cap;
    char class_buf[4096], name_buf[4096], source_buf[8192], path_buf[4096];
};

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int visible(const struct dirent *d) { return d->d_name[0] != '.'; }

int walker_open(const char *const *inputs, int n_inputs, const walker_options *opt,
                walker **out, err *e)
{
    walker *w = calloc(1, sizeof *w);
    if (!w || !(w->inputs = calloc((size_t)n_inputs + 1, sizeof *w->inputs))) {
        free(w);
        return err_set(e, "out of memory");
    }
    w->max_entry_bytes = opt && opt->max_entry_bytes ? opt->max_entry_bytes
                                                     : WALKER_MAX_IMAGE_BYTES;
    for (int i = 0; i < n_inputs; i++) {
        struct stat st;
        if (stat(inputs[i], &st) != 0) {
            err_sys(e, errno, inputs[i], NULL);
            walker_close(w);
            return -2;
        }
        size_t len = strlen(inputs[i]);
        while (len > 1 && inputs[i][len - 1] == '/')
            len--;  /* "raw/" and "raw" give the same sources */
        if (!(w->inputs[w->n_inputs++] = strndup(inputs[i], len))) {
            err_set(e, "out of memory");
            walker_close(w);
            return -2;
        }
    }
    if (opt && opt->labels_path) {
        w->labels_path = opt->labels_path;
        if (walker_labels_load(opt->labels_path, &w->labels, e) < 0) {
            walker_close(w);
            return -2;
        }
    }
    *out = w;
    return 0;
}

static int push_dir(walker *w, const char *path, const char *class_name, err *e)
{
    if (w->n_dirs == MAX_DIR_DEPTH)
        return err_set(e, "%s: folders nested too deep (more than %d levels)", path,
                       MAX_DIR_DEPTH);
    dir_frame *f = &w->dirs[w->n_dirs];
    if (snprintf(f->path, sizeof f->path, "%s", path) >= (int)sizeof f->path)
        return err_set(e, "%s: path too long", path);
    snprintf(f->class_name, sizeof f->class_name, "%s", class_name);
    f->n = scandir(path, &f->list, visible, by_name);
    if (f->n < 0)
        return err_sys(e, errno, path, "cannot read folder");
    f->next = 0;
    w->n_dirs++;
    return 0;
}

static void pop_dir(walker *w)
{
    dir_frame *f = &w->dirs[--w->n_dirs];
    for (int i = 0; i < f->n; i++)
        free(f->list[i]);
    free(f->list);
}

static void pop_archive(walker *w)
{
    archive_level *l = w->levels[--w->n_levels];
    archive_read_free(l->a);
    free(l);
}

static la_ssize_t read_from_outer(struct archive *a, void *ctx, const void **buf)
{
    archive_level *outer = ctx;
    la_ssize_t n = archive_read_data(outer->a, outer->chunk, sizeof outer->chunk);
    if (n < 0)
        archive_set_error(a, EIO, "%s", archive_error_string(outer->a));
    *buf = outer->chunk;
    return n < 0 ? ARCHIVE_FATAL : n;
}

/* Opens `path` (a file, when no level is open) or the current member of the innermost level. */
static int push_archive(walker *w, const char *path, const char *source, const char *name,
                        walker_entry *ent, err *e)
{
    if (source != w->source_buf)  /* a member's source is there already */
        snprintf(w->source_buf, sizeof w->source_buf, "%s", source);
    ent->source = w->source_buf;
    if (w->n_levels == MAX_ARCHIVE_DEPTH)
        return err_set(e, "%s: archives nested too deep", source);
    archive_level *l = calloc(1, sizeof *l);
    if (!l || !(l->a = archive_read_new())) {
        free(l);
        return err_set(e, "%s: out of memory", source);
    }
    snprintf(l->source, sizeof l->source, "%s", w->source_buf);
    snprintf(l->stem, sizeof l->stem, "%.*s", (int)names_archive_stem_len(name), name);
    archive_read_support_filter_all(l->a);
    archive_read_support_format_all(l->a);
    int r = w->n_levels == 0
                ? archive_read_open_filename(l->a, path, CHUNK)
                : archive_read_open(l->a, w->levels[w->n_levels - 1], NULL, read_from_outer,
                                    NULL);
    if (r != ARCHIVE_OK) {
        err_set(e, "%s: not a readable archive: %s", source, archive_error_string(l->a));
        archive_read_free(l->a);
        free(l);
        return -1;
    }
    w->levels[w->n_levels++] = l;
    return 0;
}

/* Class of an image: the labels file when there is one, else the folder/archive rule. */
static int set_class(walker *w, walker_entry *ent, const char *from_layout, err *e)
{
    const char *cls = from_layout;
    if (w->labels) {
        cls = walker_labels_find(w->labels, ent->name);
        if (!cls)
            return err_set(e, "%s: not in labels file %s", ent->source, w->labels_path);
    } else if (!cls || !*cls) {
        return err_set(e, "%s: not in a class folder (give --labels for a flat folder)",
                       ent->source);
    }
    snprintf(w->class_buf, sizeof w->class_buf, "%s", cls);
    ent->class_name = w->class_buf;
    return 0;
}

static int read_member(walker *w, archive_level *l, struct archive_entry *ae, walker_entry *ent,
                       err *e)
{
    if (archive_entry_size_is_set(ae) && (size_t)archive_entry_size(ae) > w->max_entry_bytes)
        return err_set(e, "%s: member larger than %zu bytes", ent->source, w->max_entry_bytes);
    size_t n = 0;
    for (;;) {
        if (w->data_cap - n < CHUNK) {
            size_t cap = w->data_cap ? w->data_cap * 2 : (size_t)1 << 20;
            unsigned char *bigger = realloc(w->data, cap);
            if (!bigger)
                return err_set(e, "%s: out of memory", ent->source);
            w->data = bigger;
            w->data_cap = cap;
        }
        la_ssize_t got = archive_read_data(l->a, w->data + n, w->data_cap - n);
        if (got == 0)
            break;
        if (got < 0)
            return -2;  /* the archive is broken from here on */
        n += (size_t)got;
        if (n > w->max_entry_bytes)
            return err_set(e, "%s: member larger than %zu bytes", ent->source,
                           w->max_entry_bytes);
    }
    ent->data = w->data;
    ent->size = n;
    return 1;
}

static int hidden_component(const char *member)
{
    for (const char *p = member; p; p = strchr(p, '/')) {
        p += *p == '/';
        if (p[0] == '.' && p[1] && p[1] != '/')
            return 1;
    }
    return 0;
}

/* Next entry of the innermost open archive: 1 entry, 0 this archive is done, -1 problem. */
static int next_in_archive(walker *w, walker_entry *ent, err *e)
{
    archive_level *l = w->levels[w->n_levels - 1];
    struct archive_entry *ae;
    for (;;) {
        int r = archive_read_next_header(l->a, &ae);
        if (r == ARCHIVE_EOF) {
            pop_archive(w);
            return 0;
        }
        if (r < ARCHIVE_WARN) {
            snprintf(w->source_buf, sizeof w->source_buf, "%s", l->source);
            ent->source = w->source_buf;
            err_set(e, "%s: unreadable archive: %s", l->source, archive_error_string(l->a));
            pop_archive(w);
            return -1;
        }
        const char *member = archive_entry_pathname(ae);
        const char *why;
        snprintf(w->source_buf, sizeof w->source_buf, "%s:%s", l->source,
                 member ? member : "(no name)");
        ent->source = w->source_buf;
        if (!names_member_is_safe(member, &why))
            return err_set(e, "%s: refused: %s", ent->source, why);
        mode_t type = archive_entry_filetype(ae);
        if (type == AE_IFDIR)
            continue;
        if (type == AE_IFLNK || archive_entry_hardlink(ae))
            return err_set(e, "%s: refused: link", ent->source);
        if (type != AE_IFREG)
            return err_set(e, "%s: refused: device or special file", ent->source);
        while (member[0] == '.' && member[1] == '/')
            member += 2;
        const char *base = names_basename(member);
        if (hidden_component(member))
            continue;
        if (names_is_archive(base)) {
            if (push_archive(w, NULL, ent->source, base, ent, e) < 0)
                return -1;
            l = w->levels[w->n_levels - 1];
            continue;
        }
        if (!names_is_image(base))
            continue;
        snprintf(w->name_buf, sizeof w->name_buf, "%s", base);
        ent->name = w->name_buf;
        ent->path = NULL;
        ent->mtime = w->archive_mtime;
        /* Class: the folder the archive was found in, else the member's first folder, else
         * (a flat member) the archive's own name, as in ILSVRC's per-class tars. */
        char first[256];
        const char *slash = strchr(member, '/');
        snprintf(first, sizeof first, "%.*s", slash ? (int)(slash - member) : 0, member);
        const char *cls = w->archive_class[0] ? w->archive_class : slash ? first : l->stem;
        if (set_class(w, ent, cls, e) < 0) {
            archive_read_data_skip(l->a);
            return -1;
        }
        r = read_member(w, l, ae, ent, e);
        if (r == -2) {
            ent->data = NULL;
            err_set(e, "%s: unreadable: %s", ent->source, archive_error_string(l->a));
            pop_archive(w);
            return -1;
        }
        return r;
    }
}

/* Next entry of the innermost open folder: 1 entry, 0 moved on (folder done, archive
 * opened or file ignored), -1 problem. */
static int next_in_dir(walker *w, walker_entry *ent, err *e)
{
    dir_frame *f = &w->dirs[w->n_dirs - 1];
    if (f->next == f->n) {
        pop_dir(w);
        return 0;
    }
    const char *name = f->list[f->next++]->d_name;
    if (snprintf(w->path_buf, sizeof w->path_buf, "%s/%s", f->path, name) >=
        (int)sizeof w->path_buf)
        return err_set(e, "%s/%s: path too long", f->path, name);
    struct stat st;
    if (stat(w->path_buf, &st) != 0)
        return err_sys(e, errno, w->path_buf, NULL);
    if (S_ISDIR(st.st_mode))
        return push_dir(w, w->path_buf, f->class_name[0] ? f->class_name : name, e);
    if (!S_ISREG(st.st_mode))
        return 0;
    if (names_is_archive(name)) {
        snprintf(w->archive_class, sizeof w->archive_class, "%s", f->class_name);
        w->archive_mtime = (long long)st.st_mtime;
        return push_archive(w, w->path_buf, w->path_buf, name, ent, e);
    }
    if (!names_is_image(name))
        return 0;
    snprintf(w->name_buf, sizeof w->name_buf, "%s", name);
    ent->name = w->name_buf;
    ent->source = ent->path = w->path_buf;
    ent->data = NULL;
    ent->size = (size_t)st.st_size;
    ent->mtime = (long long)st.st_mtime;
    return set_class(w, ent, f->class_name, e) < 0 ? -1 : 1;
}

static int open_next_input(walker *w, walker_entry *ent, err *e)
{
    const char *in = w->inputs[w->next_input++];
    struct stat st;
    if (stat(in, &st) != 0) {
        err_sys(e, errno, in, NULL);
        return -2;
    }
    if (S_ISDIR(st.st_mode))
        return push_dir(w, in, "", e) < 0 ? -2 : 0;
    w->archive_class[0] = '\0';
    w->archive_mtime = (long long)st.st_mtime;
    return push_archive(w, in, in, names_basename(in), ent, e);
}

int walker_next(walker *w, walker_entry *ent, err *e)
{
    memset(ent, 0, sizeof *ent);
    for (;;) {
        int r;
        if (w->n_levels)
            r = next_in_archive(w, ent, e);
        else if (w->n_dirs)
            r = next_in_dir(w, ent, e);
        else if (w->next_input < w->n_inputs)
            r = open_next_input(w, ent, e);
        else
            return 0;
        if (r != 0)
            return r;
    }
}

void walker_close(walker *w)
{
    if (!w)
        return;
    while (w->n_levels)
        pop_archive(w);
    while (w->n_dirs)
        pop_dir(w);
    for (int i = 0; i < w->n_inputs; i++)
        free(w->inputs[i]);
    free(w->inputs);
    walker_labels_free(w->labels);
    free(w->data);
    free(w);
}
