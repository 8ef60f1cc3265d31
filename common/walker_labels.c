#include "common/walker_labels.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Open addressing from file name to class; both strings live in `text` (the file, edited
 * in place). */
typedef struct label_slot {
    const char *file, *class_name;
} label_slot;

struct walker_labels {
    char *text;
    label_slot *slots;
    size_t cap;
};

static uint64_t hash_name(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

static label_slot *find(const walker_labels *l, const char *name, size_t n)
{
    for (size_t i = hash_name(name, n) & (l->cap - 1);; i = (i + 1) & (l->cap - 1)) {
        label_slot *s = &l->slots[i];
        if (!s->file || (strlen(s->file) == n && memcmp(s->file, name, n) == 0))
            return s;
    }
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int read_whole(const char *path, char **out, err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_sys(e, errno, path, NULL);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap) {
            char *bigger = cap < ((size_t)1 << 31) ? realloc(buf, cap * 2) : NULL;
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (!buf || failed) {
        free(buf);
        return err_set(e, "%s: %s", path, failed ? "read error" : "too large");
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

int walker_labels_load(const char *path, walker_labels **out, err *e)
{
    walker_labels *l = calloc(1, sizeof *l);
    if (!l || read_whole(path, &l->text, e) < 0) {
        free(l);
        return l ? -1 : err_set(e, "%s: out of memory", path);
    }
    size_t lines = 1;
    for (const char *p = l->text; *p; p++)
        lines += *p == '\n';
    for (l->cap = 16; l->cap < lines * 2; l->cap *= 2) {
    }
    l->slots = calloc(l->cap, sizeof *l->slots);
    if (!l->slots) {
        walker_labels_free(l);
        return err_set(e, "%s: out of memory", path);
    }
    char *save = NULL;
    size_t lineno = 0;
    for (char *line = l->text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char *sep = strchr(line, '\t');
        if (!sep)
            sep = strchr(line, ',');
        if (!sep) {
            if (*trim(line) == '\0')
                continue;
            walker_labels_free(l);
            return err_set(e, "%s:%zu: expected 'file,class' or 'file<TAB>class'", path, lineno);
        }
        *sep = '\0';
        char *file = trim(line), *cls = strtok_r(trim(sep + 1), " ", &save);
        if (!cls || !*file) {
            walker_labels_free(l);
            return err_set(e, "%s:%zu: empty file or class", path, lineno);
        }
        if (strcasecmp(file, "ImageId") == 0 || strcasecmp(file, "file") == 0)
            continue;
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        label_slot *s = find(l, base, strlen(base));
        s->file = base;
        s->class_name = cls;
    }
    *out = l;
    return 0;
}

const char *walker_labels_find(const walker_labels *l, const char *file_name)
{
    label_slot *s = find(l, file_name, strlen(file_name));
    if (!s->file) {
        const char *dot = strrchr(file_name, '.');
        if (dot)
            s = find(l, file_name, (size_t)(dot - file_name));
    }
    return s->file ? s->class_name : NULL;
}

void walker_labels_free(walker_labels *l)
{
    if (l) {
        free(l->text);
        free(l->slots);
        free(l);
    }
}
