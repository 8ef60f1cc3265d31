#include "pack/plan.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/rng.h"
#include "common/store_format.h"
#include "common/walker.h"

/* Streams of the seeded generator: one per class for the split, one per split for the order. */
enum { STREAM_ORDER = 1u << 30 };

/* A file found by the walk, before classes are numbered. */
typedef struct found {
    char *class_name;
    char *path;
    uint8_t split;
} found;

typedef struct found_list {
    found *v;
    size_t n, cap;
} found_list;

static int add_problem(plan *p, err *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int add_problem(plan *p, err *e, const char *fmt, ...)
{
    char **v = realloc(p->problems, (p->num_problems + 1) * sizeof *v);
    if (!v)
        return err_set(e, "out of memory");
    p->problems = v;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&v[p->num_problems], fmt, ap);
    va_end(ap);
    if (n < 0)
        return err_set(e, "out of memory");
    p->num_problems++;
    return 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int walk_split(const char *dir, uint8_t split, found_list *l, plan *p, err *e)
{
    walker *w;
    walker_options wo = {NULL, (size_t)1 << 30};
    if (walker_open(&dir, 1, &wo, &w, e) < 0)
        return -1;
    walker_entry ent;
    int r;
    err pe;
    while ((r = walker_next(w, &ent, &pe)) != 0) {
        if (r == -2) {
            walker_close(w);
            *e = pe;
            return -1;
        }
        if (r == -1) {
            if (add_problem(p, e, "%s", pe.msg) < 0)
                break;
            continue;
        }
        if (!ent.path) {
            if (add_problem(p, e, "%s: vgg-pack reads image files, not archive members "
                            "(unpack it first, e.g. with vgg-convert)", ent.source) < 0)
                break;
            continue;
        }
        if (strchr(ent.class_name, '\n')) {
            if (add_problem(p, e, "%s: class name holds a newline", ent.source) < 0)
                break;
            continue;
        }
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 1024;
            found *v = realloc(l->v, cap * sizeof *v);
            if (!v)
                break;
            l->v = v;
            l->cap = cap;
        }
        found *f = &l->v[l->n];
        f->class_name = strdup(ent.class_name);
        f->path = strdup(ent.path);
        f->split = split;
        if (!f->class_name || !f->path) {
            free(f->class_name);
            free(f->path);
            break;
        }
        l->n++;
    }
    walker_close(w);
    return r == 0 ? 0 : err_set(e, "%s: out of memory", dir);
}

static int by_class_then_path(const void *a, const void *b)
{
    const found *x = a, *y = b;
    int c = strcmp(x->class_name, y->class_name);
    return c ? c : strcmp(x->path, y->path);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int class_index(const plan *p, const char *name)
{
    char *key = (char *)name;
    char **hit = bsearch(&key, p->classes, (size_t)p->num_classes, sizeof *p->classes, cmp_str);
    return hit ? (int)(hit - p->classes) : -1;
}

/* Class folders of one split with no image in them (the walk never mentions them). */
static int find_empty_classes(const char *dir, uint8_t split, plan *p, err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_sys(e, errno, dir, NULL);
    uint8_t *seen = calloc((size_t)p->num_classes + 1, 1);
    if (!seen) {
        closedir(d);
        return err_set(e, "out of memory");
    }
    for (size_t i = 0; i < p->num_entries; i++)
        if (p->entries[i].split == split)
            seen[p->entries[i].label] = 1;
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        char sub[4096];
        if (de->d_name[0] == '.' || snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name) >=
                                        (int)sizeof sub || !is_dir(sub))
            continue;
        int label = class_index(p, de->d_name);
        /* a val class missing from train was reported already, entry by entry */
        if (label >= 0 ? !seen[label] : split == STORE_TRAIN)
            rc = add_problem(p, e, "%s: empty class (no images)", sub);
    }
    free(seen);
    closedir(d);
    return rc;
}

/* Numbers the classes (sorted names of the train split) and fills p->entries. */
static int number_classes(plan *p, found_list *l, err *e)
{
    qsort(l->v, l->n, sizeof *l->v, by_class_then_path);
    p->classes = calloc(l->n, sizeof *p->classes);
    p->entries = calloc(l->n, sizeof *p->entries);
    if (!p->classes || !p->entries)
        return err_set(e, "out of memory");
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].split == STORE_TRAIN &&
            (p->num_classes == 0 || strcmp(p->classes[p->num_classes - 1], l->v[i].class_name)))
            p->classes[p->num_classes++] = l->v[i].class_name;
    for (size_t i = 0; i < l->n; i++) {
        found *f = &l->v[i];
        int label = class_index(p, f->class_name);
        if (label < 0) {
            if (add_problem(p, e, "%s: class '%s' is in val but not in train", f->path,
                            f->class_name) < 0)
                return -1;
            free(f->path);
            continue;
        }
        p->entries[p->num_entries++] = (plan_entry){f->path, (uint32_t)label, f->split, 0};
    }
    /* the class names now live in p->classes; free the other copies */
    for (size_t i = 0, c = 0; i < l->n; i++) {
        if (c < (size_t)p->num_classes && l->v[i].class_name == p->classes[c])
            c++;
        else
            free(l->v[i].class_name);
    }
    return 0;
}

static void shuffle(size_t *v, size_t n, rng *r)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rng_below(r, i);
        size_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

int plan_split_class(plan_entry *entries, size_t n, double fraction, uint64_t seed,
                     uint32_t label)
{
    size_t nval = (size_t)(fraction * (double)n + 0.5);
    if (nval >= n)
        nval = n ? n - 1 : 0;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return -1;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    rng r;
    rng_seed(&r, seed, label);
    shuffle(idx, n, &r);
    for (size_t i = 0; i < nval; i++)
        entries[idx[i]].split = STORE_VAL;
    free(idx);
    return 0;
}

static int make_order(plan *p, uint64_t seed, err *e)
{
    for (int s = 0; s < STORE_NSPLITS; s++) {
        p->order[s] = malloc((p->num_entries + 1) * sizeof(size_t));
        if (!p->order[s])
            return err_set(e, "out of memory");
        for (size_t i = 0; i < p->num_entries; i++)
            if (p->entries[i].split == s)
                p->order[s][p->count[s]++] = i;
        rng r;
        rng_seed(&r, seed, STREAM_ORDER + (uint64_t)s);
        shuffle(p->order[s], p->count[s], &r);
    }
    return 0;
}

int plan_build(const char *input, const plan_options *o, plan *p, err *e)
{
    memset(p, 0, sizeof *p);
    struct stat st;
    if (stat(input, &st) != 0)
        return err_sys(e, errno, input, NULL);
    if (!S_ISDIR(st.st_mode))
        return err_set(e, "%s: not a folder", input);
    char dirs[STORE_NSPLITS][4096];
    for (int s = 0; s < STORE_NSPLITS; s++)
        snprintf(dirs[s], sizeof dirs[s], "%s/%s", input, store_split_names[s]);
    p->given_splits = is_dir(dirs[STORE_TRAIN]) && is_dir(dirs[STORE_VAL]);
    if (p->given_splits && o->val_fraction > 0)
        return err_set(e, "%s: has train/ and val/ already; --val-fraction does not apply",
                       input);
    int nsplits = p->given_splits ? STORE_NSPLITS : 1;
    if (!p->given_splits)
        snprintf(dirs[STORE_TRAIN], sizeof dirs[STORE_TRAIN], "%s", input);

    found_list l = {0};
    int rc = 0;
    for (int s = 0; s < nsplits && rc == 0; s++)
        rc = walk_split(dirs[s], (uint8_t)s, &l, p, e);
    if (rc == 0)
        rc = number_classes(p, &l, e);
    for (int s = 0; s < nsplits && rc == 0; s++)
        rc = find_empty_classes(dirs[s], (uint8_t)s, p, e);
    if (rc < 0) {
        for (size_t i = 0; i < l.n && !p->entries; i++) {
            free(l.v[i].class_name);
            free(l.v[i].path);
        }
        free(l.v);
        plan_free(p);
        return -1;
    }
    free(l.v);
    if (p->num_entries == 0) {
        plan_free(p);
        return err_set(e, "%s: no images found (expected <class>/<image> files)", input);
    }
    if (!p->given_splits && o->val_fraction > 0)
        for (size_t i = 0, j; i < p->num_entries; i = j) {
            for (j = i; j < p->num_entries && p->entries[j].label == p->entries[i].label; j++)
                ;
            if (plan_split_class(p->entries + i, j - i, o->val_fraction, o->seed,
                                 p->entries[i].label) < 0) {
                plan_free(p);
                return err_set(e, "out of memory");
            }
        }
    if (make_order(p, o->seed, e) < 0) {
        plan_free(p);
        return -1;
    }
    return 0;
}

void plan_free(plan *p)
{
    for (int c = 0; c < p->num_classes; c++)
        free(p->classes[c]);
    free(p->classes);
    for (size_t i = 0; i < p->num_entries; i++)
        free(p->entries[i].path);
    free(p->entries);
    for (int s = 0; s < STORE_NSPLITS; s++)
        free(p->order[s]);
    for (size_t i = 0; i < p->num_problems; i++)
        free(p->problems[i]);
    free(p->problems);
    memset(p, 0, sizeof *p);
}
