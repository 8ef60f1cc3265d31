#include "common/names.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int portable_byte(unsigned char c)
{
    return isascii(c) && (isalnum(c) || c == '.' || c == '_' || c == '-');
}

void names_sanitize(const char *raw, char *out, size_t cap)
{
    size_t n = 0, limit = cap - 1 < NAMES_MAX ? cap - 1 : NAMES_MAX;
    for (const unsigned char *p = (const unsigned char *)raw; *p && n < limit; p++) {
        if (n == 0 && (*p == '.' || *p == '-'))
            continue;
        if (portable_byte(*p))
            out[n++] = (char)*p;
        else if (n == 0 || out[n - 1] != '_')
            out[n++] = '_';
    }
    if (n == 0)
        out[n++] = '_';
    out[n] = '\0';
}

int names_member_is_safe(const char *member, const char **why)
{
    if (!member || !*member) {
        *why = "empty name";
        return 0;
    }
    if (member[0] == '/' || member[0] == '\\') {
        *why = "absolute path";
        return 0;
    }
    for (const char *p = member; *p;) {
        size_t len = strcspn(p, "/\\");
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            *why = "path escapes the output (..)";
            return 0;
        }
        p += len;
        if (*p)
            p++;
    }
    return 1;
}

const char *names_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n > s && strcasecmp(name + n - s, suffix) == 0;
}

static int has_any_suffix(const char *name, const char *const *suffixes)
{
    for (; *suffixes; suffixes++)
        if (has_suffix(name, *suffixes))
            return 1;
    return 0;
}

static const char *const image_suffixes[] = {
    ".jpg", ".jpeg", ".jpe", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp",
    ".ppm", ".pgm", ".pbm", ".pnm", NULL};

/* Longest first, so the stem of "x.tar.gz" is "x". */
static const char *const archive_suffixes[] = {
    ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar", ".tgz", ".tbz2", ".txz",
    ".zip", ".7z", NULL};

int names_is_image(const char *name)
{
    name = names_basename(name);
    return name[0] != '.' && has_any_suffix(name, image_suffixes);
}

int names_is_archive(const char *name)
{
    name = names_basename(name);
    return name[0] != '.' && has_any_suffix(name, archive_suffixes);
}

size_t names_archive_stem_len(const char *name)
{
    size_t n = strlen(name);
    for (const char *const *s = archive_suffixes; *s; s++)
        if (has_suffix(name, *s))
            return n - strlen(*s);
    return n;
}

/* Open addressing over 64-bit hashes of the lower-cased "dir/name"; 0 marks a free slot. */
struct names_set {
    uint64_t *slots;
    size_t cap, used;
};

names_set *names_set_new(void)
{
    names_set *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cap = 1024;
    s->slots = calloc(s->cap, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    return s;
}

void names_set_free(names_set *s)
{
    if (s) {
        free(s->slots);
        free(s);
    }
}

static uint64_t hash_lower(const char *dir, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;  /* FNV-1a, then a final mix */
    for (const char *parts[] = {dir, "/", name, NULL}, **p = parts; *p; p++)
        for (const unsigned char *c = (const unsigned char *)*p; *c; c++)
            h = (h ^ (uint64_t)tolower(*c)) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static size_t find_slot(const names_set *s, uint64_t h)
{
    size_t i = h & (s->cap - 1);
    while (s->slots[i] && s->slots[i] != h)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int grow(names_set *s)
{
    names_set bigger = {calloc(s->cap * 2, sizeof *s->slots), s->cap * 2, s->used};
    if (!bigger.slots)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            bigger.slots[find_slot(&bigger, s->slots[i])] = s->slots[i];
    free(s->slots);
    *s = bigger;
    return 0;
}

int names_set_insert(names_set *s, const char *dir, const char *name)
{
    if (s->used * 2 >= s->cap && grow(s) < 0)
        return -1;
    uint64_t h = hash_lower(dir, name);
    size_t i = find_slot(s, h);
    if (s->slots[i])
        return 0;
    s->slots[i] = h;
    s->used++;
    return 1;
}

int names_claim(names_set *s, const char *dir, const char *stem, const char *ext,
                char *out, size_t cap, err *e)
{
    for (unsigned n = 1;; n++) {
        int len = n == 1 ? snprintf(out, cap, "%s%s", stem, ext)
                         : snprintf(out, cap, "%s-%u%s", stem, n, ext);
        if (len < 0 || (size_t)len >= cap)
            return err_set(e, "%s/%s%s: name too long", dir, stem, ext);
        int r = names_set_insert(s, dir, out);
        if (r < 0)
            return err_set(e, "%s/%s%s: out of memory", dir, stem, ext);
        if (r > 0)
            return 0;
    }
}
