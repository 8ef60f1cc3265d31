/* names.h: portable output names, path safety of archive member names, and collision
 * disambiguation.
 *
 * Pure functions except names_set, which is an owned object. Not thread-safe: the one thread
 * that walks the inputs claims the output names.
 */
#ifndef VGG_COMMON_NAMES_H
#define VGG_COMMON_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

enum { NAMES_MAX = 200 };   /* bytes of a sanitised name, without the terminating NUL */

/* Writes into out (cap >= NAMES_MAX + 1) a portable version of `raw`: bytes other than
 * [A-Za-z0-9._-] become '_' (a run of them one '_'), leading dots and dashes are dropped,
 * the result is cut to NAMES_MAX bytes, and an empty result becomes "_". Never "." or "..",
 * never contains '/'. */
void names_sanitize(const char *raw, char *out, size_t cap);

/* 1 if an archive member name is safe to use as a relative path: not absolute, no ".."
 * component, no NUL, not empty. 0 otherwise, with the reason in *why (a static string). */
int names_member_is_safe(const char *member, const char **why);

/* Last path component of `path` (after the last '/'), pointing into `path`. */
const char *names_basename(const char *path);

/* 1 if the file name has an image extension vgg-convert reads (jpg, jpeg, jpe, png, gif, bmp,
 * tif, tiff, webp, ppm, pgm, pbm, pnm), case-insensitive; 0 otherwise (README.txt, .DS_Store). */
int names_is_image(const char *name);

/* 1 if the file name has an archive extension the walker opens (.tar, .tar.gz, .tgz, .tar.bz2,
 * .tbz2, .tar.xz, .txz, .tar.zst, .zip, .7z), case-insensitive. */
int names_is_archive(const char *name);

/* Length of `name` without its archive extension (".tar.gz" counts as one). */
size_t names_archive_stem_len(const char *name);

/* The set of output names claimed so far in one run. Memory: 8 bytes per claimed name. */
typedef struct names_set names_set;

names_set *names_set_new(void);
void names_set_free(names_set *s);

/* Adds "<dir>/<name>" (case-insensitive) to the set: 1 if it was new, 0 if it was there
 * already, -1 when out of memory. */
int names_set_insert(names_set *s, const char *dir, const char *name);

/* Claims a unique "<stem><ext>" within directory `dir` and writes it to out (cap bytes).
 * The first claim gets "<stem><ext>"; later claims that would collide with it (compared
 * case-insensitively, so the output is portable to case-insensitive file systems) get
 * "<stem>-2<ext>", "<stem>-3<ext>", ... A run that claims the same sources in the same order
 * gets the same names. Returns 0, or -1 when out of memory or the name does not fit. */
int names_claim(names_set *s, const char *dir, const char *stem, const char *ext,
                char *out, size_t cap, err *e);

#endif
