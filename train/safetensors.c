/* safetensors.c: a writer and a validating reader for the subset vgg-train uses. */
#include "train/safetensors.h"

#include "common/atomic.h"
#include "train/json_out.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { HEADER_MAX = 64 << 20 };

static const char *const dtype_names[] = {"F32", "I64"};
static const size_t dtype_sizes[] = {4, 8};

size_t st_tensor_elements(const st_tensor *t)
{
    size_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        n *= (size_t)t->shape[d];
    return n;
}

static char *format_header(const st_tensor *t, int n, const st_meta *meta, int nmeta, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    fputc('{', f);
    if (nmeta > 0) {
        fputs("\"__metadata__\":{", f);
        for (int i = 0; i < nmeta; i++) {
            if (i)
                fputc(',', f);
            json_out_string(f, meta[i].key);
            fputc(':', f);
            json_out_string(f, meta[i].value);
        }
        fputc('}', f);
    }
    size_t offset = 0;
    for (int i = 0; i < n; i++) {
        size_t bytes = st_tensor_elements(&t[i]) * dtype_sizes[t[i].dtype];
        if (i || nmeta > 0)
            fputc(',', f);
        json_out_string(f, t[i].name);
        fprintf(f, ":{\"dtype\":\"%s\",\"shape\":[", dtype_names[t[i].dtype]);
        for (int d = 0; d < t[i].ndim; d++)
            fprintf(f, "%s%lld", d ? "," : "", (long long)t[i].shape[d]);
        fprintf(f, "],\"data_offsets\":[%zu,%zu]}", offset, offset + bytes);
        offset += bytes;
    }
    fputc('}', f);
    while ((ftell(f) % 8) != 0) /* pad with spaces so the data starts 8-aligned */
        fputc(' ', f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

int safetensors_write(const char *path, const st_tensor *tensors, int n, const st_meta *meta,
                      int nmeta, err *e)
{
    size_t hlen;
    char *header = format_header(tensors, n, meta, nmeta, &hlen);
    if (!header)
        return err_set(e, "%s: out of memory", path);
    atomic_file af;
    if (atomic_open(&af, path, e) < 0) {
        free(header);
        return -1;
    }
    uint8_t len_le[8];
    for (int i = 0; i < 8; i++)
        len_le[i] = (uint8_t)((uint64_t)hlen >> (8 * i));
    int ok = fwrite(len_le, 1, 8, af.f) == 8 && fwrite(header, 1, hlen, af.f) == hlen;
    free(header);
    for (int i = 0; ok && i < n; i++) {
        size_t count = st_tensor_elements(&tensors[i]);
        ok = fwrite(tensors[i].data, dtype_sizes[tensors[i].dtype], count, af.f) == count;
    }
    if (!ok) {
        int saved = errno;
        atomic_abort(&af);
        return err_sys(e, saved ? saved : EIO, path, "cannot write");
    }
    return atomic_commit(&af, e);
}

struct safetensors {
    void *map;
    size_t map_len;
    int ntensors, nmeta;
    st_tensor *tensors;
    char **meta_keys, **meta_values;
};

/* A cursor over the JSON header; errors go to `e` with the file name. */
typedef struct json {
    const char *p, *end, *path;
    err *e;
} json;

static int json_fail(json *j, const char *what)
{
    return err_set(j->e, "%s: not a safetensors file: bad header (%s)", j->path, what);
}

static void skip_ws(json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
        j->p++;
}

static int expect(json *j, char c)
{
    skip_ws(j);
    if (j->p >= j->end || *j->p != c) {
        char what[32];
        snprintf(what, sizeof what, "expected '%c'", c);
        return json_fail(j, what);
    }
    j->p++;
    return 0;
}

static int peek(json *j, char c)
{
    skip_ws(j);
    return j->p < j->end && *j->p == c;
}

/* Parses a string into a malloc'd buffer (\uXXXX limited to the BMP, written as UTF-8). */
static char *parse_string(json *j)
{
    if (expect(j, '"') < 0)
        return NULL;
    size_t cap = 64, n = 0;
    char *s = malloc(cap);
    while (s && j->p < j->end && *j->p != '"') {
        if (n + 4 >= cap) {
            char *bigger = realloc(s, cap *= 2);
            if (!bigger)
                break;
            s = bigger;
        }
        char ch = *j->p++;
        if (ch != '\\') {
            s[n++] = ch;
            continue;
        }
        if (j->p >= j->end)
            break;
        ch = *j->p++;
        const char *esc = strchr("\"\\/bfnrt", ch);
        if (esc && ch && ch != 'u') {
            s[n++] = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"];
        } else if (ch == 'u' && j->end - j->p >= 4) {
            unsigned cp = 0;
            int k = 0;
            for (; k < 4 && isxdigit((unsigned char)j->p[k]); k++)
                cp = cp * 16 + (unsigned)(isdigit((unsigned char)j->p[k])
                                               ? j->p[k] - '0'
                                               : (tolower((unsigned char)j->p[k]) - 'a' + 10));
            if (k < 4)
                break;
            j->p += 4;
            if (cp < 0x80) {
                s[n++] = (char)cp;
            } else if (cp < 0x800) {
                s[n++] = (char)(0xc0 | cp >> 6), s[n++] = (char)(0x80 | (cp & 0x3f));
            } else {
                s[n++] = (char)(0xe0 | cp >> 12), s[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                s[n++] = (char)(0x80 | (cp & 0x3f));
            }
        } else {
            break;
        }
    }
    if (!s || j->p >= j->end || *j->p != '"') {
        free(s);
        json_fail(j, "bad string");
        return NULL;
    }
    j->p++;
    s[n] = 0;
    return s;
}

/* A non-negative integer, read up to j->end only: the header is not NUL-terminated and may
 * end where the mapped file does (strtoll would read on). */
static int parse_int(json *j, int64_t *out)
{
    skip_ws(j);
    const char *start = j->p;
    int64_t v = 0;
    for (; j->p < j->end && *j->p >= '0' && *j->p <= '9'; j->p++) {
        if (v > (INT64_MAX - 9) / 10)
            return json_fail(j, "bad integer");
        v = v * 10 + (*j->p - '0');
    }
    if (j->p == start)
        return json_fail(j, "bad integer");
    *out = v;
    return 0;
}

/* [int, ...] with at most `max` entries. */
static int parse_int_array(json *j, int64_t *vals, int max, int *count)
{
    *count = 0;
    if (expect(j, '[') < 0)
        return -1;
    if (peek(j, ']'))
        return j->p++, 0;
    do {
        if (*count == max)
            return json_fail(j, "array too long");
        if (parse_int(j, &vals[(*count)++]) < 0)
            return -1;
    } while (peek(j, ',') && j->p++);
    return expect(j, ']');
}

static int parse_metadata(json *j, safetensors *f)
{
    if (expect(j, '{') < 0)
        return -1;
    if (peek(j, '}'))
        return j->p++, 0;
    do {
        char **k = realloc(f->meta_keys, (size_t)(f->nmeta + 1) * sizeof *k);
        char **v = k ? realloc(f->meta_values, (size_t)(f->nmeta + 1) * sizeof *v) : NULL;
        if (k)
            f->meta_keys = k;
        if (v)
            f->meta_values = v;
        if (!k || !v)
            return err_set(j->e, "%s: out of memory", j->path);
        f->meta_keys[f->nmeta] = parse_string(j);
        f->meta_values[f->nmeta] = NULL;
        f->nmeta++;
        if (!f->meta_keys[f->nmeta - 1] || expect(j, ':') < 0 ||
            !(f->meta_values[f->nmeta - 1] = parse_string(j)))
            return -1;
    } while (peek(j, ',') && j->p++);
    return expect(j, '}');
}

/* {"dtype": ..., "shape": [...], "data_offsets": [b, e]} checked against the data size. */
static int parse_tensor(json *j, st_tensor *t, size_t data_len)
{
    int64_t offsets[2] = {-1, -1};
    int have_dtype = 0, have_shape = 0, noffsets = 0;
    if (expect(j, '{') < 0)
        return -1;
    do {
        char *key = parse_string(j);
        if (!key || expect(j, ':') < 0) {
            free(key);
            return -1;
        }
        int rc = 0;
        if (!strcmp(key, "dtype")) {
            char *dt = parse_string(j);
            rc = dt ? 0 : -1;
            if (dt && !strcmp(dt, "F32"))
                t->dtype = ST_F32, have_dtype = 1;
            else if (dt && !strcmp(dt, "I64"))
                t->dtype = ST_I64, have_dtype = 1;
            else if (dt)
                rc = err_set(j->e, "%s: tensor %s has dtype %s (only F32 and I64 are read)",
                             j->path, t->name, dt);
            free(dt);
        } else if (!strcmp(key, "shape")) {
            rc = parse_int_array(j, t->shape, ST_MAX_DIMS, &t->ndim);
            have_shape = 1;
        } else if (!strcmp(key, "data_offsets")) {
            rc = parse_int_array(j, offsets, 2, &noffsets);
        } else {
            rc = json_fail(j, "unknown tensor field");
        }
        free(key);
        if (rc < 0)
            return -1;
    } while (peek(j, ',') && j->p++);
    if (expect(j, '}') < 0)
        return -1;
    if (!have_dtype || !have_shape || noffsets != 2)
        return json_fail(j, "tensor without dtype, shape or data_offsets");
    size_t bytes = dtype_sizes[t->dtype];
    for (int d = 0; d < t->ndim; d++) { /* no overflow: every partial product fits the file */
        if (t->shape[d] != 0 && bytes > data_len / (size_t)t->shape[d])
            return err_set(j->e, "%s: tensor %s is larger than the file", j->path, t->name);
        bytes *= (size_t)t->shape[d];
    }
    if (offsets[0] > offsets[1] || (size_t)offsets[1] > data_len ||
        (size_t)(offsets[1] - offsets[0]) != bytes)
        return err_set(j->e, "%s: tensor %s: byte range [%lld, %lld) does not fit its shape or "
                             "the file (truncated?)", j->path, t->name,
                       (long long)offsets[0], (long long)offsets[1]);
    t->data = (const void *)(uintptr_t)offsets[0]; /* rebased onto the map by the caller */
    return 0;
}

static int parse_header(json *j, safetensors *f, size_t data_len)
{
    if (expect(j, '{') < 0)
        return -1;
    if (peek(j, '}'))
        return j->p++, 0;
    do {
        char *key = parse_string(j);
        if (!key || expect(j, ':') < 0) {
            free(key);
            return -1;
        }
        int rc;
        if (!strcmp(key, "__metadata__")) {
            rc = parse_metadata(j, f);
        } else {
            st_tensor *bigger = realloc(f->tensors, (size_t)(f->ntensors + 1) * sizeof *bigger);
            if (!bigger) {
                free(key);
                return err_set(j->e, "%s: out of memory", j->path);
            }
            f->tensors = bigger;
            st_tensor *t = &f->tensors[f->ntensors++];
            memset(t, 0, sizeof *t);
            snprintf(t->name, sizeof t->name, "%s", key);
            rc = strlen(key) >= sizeof t->name ? json_fail(j, "tensor name too long")
                                               : parse_tensor(j, t, data_len);
        }
        free(key);
        if (rc < 0)
            return -1;
    } while (peek(j, ',') && j->p++);
    return expect(j, '}');
}

int safetensors_open(const char *path, safetensors **out, err *e)
{
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return err_sys(e, errno, path, NULL);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return err_sys(e, errno, path, NULL);
    }
    if (!S_ISREG(st.st_mode) || st.st_size < 8) {
        close(fd);
        return err_set(e, "%s: not a safetensors file (too short)", path);
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return err_sys(e, errno, path, "mmap");
    safetensors *f = calloc(1, sizeof *f);
    if (!f) {
        munmap(map, (size_t)st.st_size);
        return err_set(e, "%s: out of memory", path);
    }
    f->map = map, f->map_len = (size_t)st.st_size;
    const uint8_t *bytes = map;
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++)
        hlen |= (uint64_t)bytes[i] << (8 * i);
    if (hlen > HEADER_MAX || hlen < 2 || hlen > f->map_len - 8) {
        safetensors_close(f);
        return err_set(e, "%s: not a safetensors file (header length %llu)", path,
                       (unsigned long long)hlen);
    }
    json j = {(const char *)bytes + 8, (const char *)bytes + 8 + hlen, path, e};
    const uint8_t *data = bytes + 8 + hlen;
    if (parse_header(&j, f, f->map_len - 8 - hlen) < 0) {
        safetensors_close(f);
        return -1;
    }
    for (int i = 0; i < f->ntensors; i++)
        f->tensors[i].data = data + (uintptr_t)f->tensors[i].data;
    *out = f;
    return 0;
}

void safetensors_close(safetensors *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->nmeta; i++) {
        free(f->meta_keys[i]);
        free(f->meta_values[i]);
    }
    free(f->meta_keys);
    free(f->meta_values);
    free(f->tensors);
    munmap(f->map, f->map_len);
    free(f);
}

const char *safetensors_meta(const safetensors *f, const char *key)
{
    for (int i = 0; i < f->nmeta; i++)
        if (!strcmp(f->meta_keys[i], key))
            return f->meta_values[i];
    return NULL;
}

int safetensors_count(const safetensors *f) { return f->ntensors; }

const st_tensor *safetensors_tensor(const safetensors *f, int i) { return &f->tensors[i]; }

const st_tensor *safetensors_find(const safetensors *f, const char *name)
{
    for (int i = 0; i < f->ntensors; i++)
        if (!strcmp(f->tensors[i].name, name))
            return &f->tensors[i];
    return NULL;
}
