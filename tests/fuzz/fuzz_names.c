/* fuzz_names.c: the archive member name checks and the output name sanitiser (common/names.h)
 * on arbitrary names. Checks the promises of the header: a sanitised name is portable and
 * never a path; a member name judged safe never leaves the output folder. */
#include "common/names.h"

#include <stdlib.h>
#include <string.h>

static int portable(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAMES_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || s[0] == '.' ||
        s[0] == '-')
        return 0;
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p))
            return 0;
    return 1;
}

static int escapes(const char *m)
{
    if (m[0] == '/')
        return 1;
    for (const char *p = m; *p; ) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        p += len + (p[len] == '/');
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *raw = malloc(size + 1);
    memcpy(raw, data, size);
    raw[size] = '\0';
    char out[NAMES_MAX + 1];
    names_sanitize(raw, out, sizeof out);
    if (!portable(out))
        abort();
    const char *why = NULL;
    int safe = names_member_is_safe(raw, &why);
    if (safe ? escapes(raw) || !raw[0] : !why)
        abort();
    const char *base = names_basename(raw);
    if (strchr(base, '/'))
        abort();
    (void)names_is_image(raw);
    if (names_is_archive(raw) && names_archive_stem_len(raw) >= strlen(raw))
        abort();
    free(raw);
    return 0;
}
