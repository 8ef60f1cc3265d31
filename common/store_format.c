#include "common/store_format.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const store_split_names[STORE_NSPLITS] = {"train", "val"};

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Header layout (offsets): 0 magic "VGGR", 4 u16 version, 6 u8 layout, 7 u8 channels,
 * 8 label, 12 height, 16 width, 20 payload size, 24 CRC-32C, 28 reserved (0). */
void store_header_encode(const store_header *h, uint8_t out[STORE_HEADER_SIZE])
{
    memcpy(out, STORE_RECORD_MAGIC, 4);
    out[4] = (uint8_t)h->version;
    out[5] = (uint8_t)(h->version >> 8);
    out[6] = (uint8_t)h->layout;
    out[7] = (uint8_t)h->channels;
    put_le32(out + 8, h->label);
    put_le32(out + 12, h->height);
    put_le32(out + 16, h->width);
    put_le32(out + 20, h->payload_size);
    put_le32(out + 24, h->crc);
    put_le32(out + 28, 0);
}

int store_header_decode(const void *record, size_t size, store_header *h, err *e)
{
    const uint8_t *p = record;
    if (size < STORE_HEADER_SIZE)
        return err_set(e, "record of %zu bytes is shorter than its header", size);
    if (memcmp(p, STORE_RECORD_MAGIC, 4) != 0)
        return err_set(e, "bad record magic (not a vgg-pack record)");
    h->version = (uint32_t)p[4] | (uint32_t)p[5] << 8;
    if (h->version != STORE_FORMAT_VERSION)
        return err_set(e, "record format version %" PRIu32 "; this build reads version %d",
                       h->version, STORE_FORMAT_VERSION);
    h->layout = p[6];
    h->channels = p[7];
    h->label = get_le32(p + 8);
    h->height = get_le32(p + 12);
    h->width = get_le32(p + 16);
    h->payload_size = get_le32(p + 20);
    h->crc = get_le32(p + 24);
    if (h->layout != STORE_LAYOUT_HWC_RGB8 || h->channels != 3)
        return err_set(e, "unknown pixel layout %" PRIu32 " with %" PRIu32 " channels",
                       h->layout, h->channels);
    if (get_le32(p + 28) != 0)
        return err_set(e, "bad record header (reserved field not zero)");
    if (h->height == 0 || h->width == 0 || h->height > STORE_MAX_SIDE || h->width > STORE_MAX_SIDE)
        return err_set(e, "bad record shape %" PRIu32 "x%" PRIu32, h->height, h->width);
    uint64_t expect = (uint64_t)h->height * h->width * h->channels;
    if (h->payload_size != expect || size - STORE_HEADER_SIZE != expect)
        return err_set(e, "record payload is %zu bytes, header says %" PRIu32 " for %" PRIu32
                       "x%" PRIu32 "x%" PRIu32, size - STORE_HEADER_SIZE, h->payload_size,
                       h->height, h->width, h->channels);
    return 0;
}

void store_key_encode(uint64_t index, uint8_t out[STORE_KEY_SIZE])
{
    for (int i = 0; i < STORE_KEY_SIZE; i++)
        out[i] = (uint8_t)(index >> (8 * (STORE_KEY_SIZE - 1 - i)));
}

uint64_t store_key_decode(const uint8_t key[STORE_KEY_SIZE])
{
    uint64_t v = 0;
    for (int i = 0; i < STORE_KEY_SIZE; i++)
        v = v << 8 | key[i];
    return v;
}

/* ---- meta encoding ---- */

/* A growable string for the list-valued keys. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

static int sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sb_printf(strbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -1;
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return 0;
        }
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s)
            return -1;
        b->s = s;
        b->cap = cap;
    }
}

static int put_text(store_meta_put_fn put, void *ctx, const char *key, strbuf *b, err *e)
{
    if (!b->s)
        return err_set(e, "meta: out of memory");
    int rc = put(ctx, key, b->s, e);
    b->len = 0;
    b->s[0] = '\0';
    return rc;
}

int store_meta_encode(const store_meta *m, store_meta_put_fn put, void *ctx, err *e)
{
    strbuf b = {0};
    char key[64];
    int rc = 0;
#define PUT(k, ...) \
    if (rc == 0) rc = sb_printf(&b, __VA_ARGS__) < 0 ? err_set(e, "meta: out of memory") \
                                                      : put_text(put, ctx, k, &b, e)
    PUT("format_version", "%" PRIu32, m->format_version);
    PUT("height", "%d", m->height);
    PUT("width", "%d", m->width);
    PUT("channels", "%d", m->channels);
    for (int c = 0; c < m->num_classes && rc == 0; c++)
        if (sb_printf(&b, "%s%s", c ? "\n" : "", m->class_names[c]) < 0)
            rc = err_set(e, "meta: out of memory");
    PUT("classes", "%s", "");
    for (int s = 0; s < STORE_NSPLITS && rc == 0; s++) {
        snprintf(key, sizeof key, "count.%s", store_split_names[s]);
        PUT(key, "%" PRIu64, m->split_count[s]);
        for (int c = 0; c < m->num_classes && rc == 0; c++)
            if (sb_printf(&b, "%s%" PRIu64, c ? " " : "", m->class_count[s][c]) < 0)
                rc = err_set(e, "meta: out of memory");
        snprintf(key, sizeof key, "class_count.%s", store_split_names[s]);
        PUT(key, "%s", "");
    }
    PUT("mean", "%.17g %.17g %.17g", m->mean[0], m->mean[1], m->mean[2]);
    PUT("std", "%.17g %.17g %.17g", m->std[0], m->std[1], m->std[2]);
    PUT("tool_version", "%s", m->tool_version);
    PUT("source", "%s", m->source);
    PUT("created", "%" PRId64, m->created);
#undef PUT
    free(b.s);
    return rc;
}

/* ---- meta decoding ---- */

/* The value of `key` as a NUL-terminated copy, or NULL (message set) when missing. */
static char *get_text(store_meta_get_fn get, void *ctx, const char *key, err *e)
{
    size_t len = 0;
    const char *v = get(ctx, key, &len);
    if (!v) {
        err_set(e, "meta: missing key '%s'", key);
        return NULL;
    }
    char *s = malloc(len + 1);
    if (!s) {
        err_set(e, "meta: out of memory");
        return NULL;
    }
    memcpy(s, v, len);
    s[len] = '\0';
    if (strlen(s) != len) {
        free(s);
        err_set(e, "meta: key '%s' holds a NUL byte", key);
        return NULL;
    }
    return s;
}

/* Parses `n` whitespace-separated unsigned integers (each <= max) or doubles from `key`. */
static int get_u64s(store_meta_get_fn get, void *ctx, const char *key, uint64_t *out, int n,
                    uint64_t max, err *e)
{
    char *s = get_text(get, ctx, key, e);
    if (!s)
        return -1;
    char *p = s, *end;
    int i = 0, rc = 0;
    for (; i < n; i++, p = end) {
        while (*p == ' ')
            p++;
        errno = 0;
        if (*p < '0' || *p > '9')
            break;
        out[i] = strtoull(p, &end, 10);
        if (errno || out[i] > max || (*end && *end != ' '))
            break;
    }
    while (i == n && *p == ' ')
        p++;
    if (i != n || *p)
        rc = err_set(e, "meta: key '%s' should hold %d integer%s", key, n, n == 1 ? "" : "s");
    free(s);
    return rc;
}

static int get_doubles(store_meta_get_fn get, void *ctx, const char *key, double *out, int n,
                       err *e)
{
    char *s = get_text(get, ctx, key, e);
    if (!s)
        return -1;
    char *p = s, *end;
    int i = 0;
    for (; i < n; i++, p = end) {
        out[i] = strtod(p, &end);
        if (end == p || !(out[i] >= 0 && out[i] <= 255))
            break;
    }
    int rc = i != n || *p ? err_set(e, "meta: key '%s' should hold %d numbers in 0..255", key, n)
                          : 0;
    free(s);
    return rc;
}

static int decode_classes(store_meta_get_fn get, void *ctx, store_meta_buf *b, err *e)
{
    char *all = get_text(get, ctx, "classes", e);
    if (!all)
        return -1;
    int n = 1;
    for (char *p = all; *p; p++)
        n += *p == '\n';
    if (!*all || n > STORE_MAX_CLASSES) {
        free(all);
        return err_set(e, "meta: key 'classes' should hold 1 to %d names", STORE_MAX_CLASSES);
    }
    b->names = calloc((size_t)n, sizeof *b->names);
    if (!b->names) {
        free(all);
        return err_set(e, "meta: out of memory");
    }
    b->meta.num_classes = n;
    int rc = 0;
    char *p = all;
    for (int c = 0; c < n && rc == 0; c++) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len == 0)
            rc = err_set(e, "meta: class %d has an empty name", c);
        else if (!(b->names[c] = strndup(p, len)))
            rc = err_set(e, "meta: out of memory");
        p += len + 1;
    }
    free(all);
    return rc;
}

static int decode_counts(store_meta_get_fn get, void *ctx, store_meta_buf *b, err *e)
{
    char key[64];
    store_meta *m = &b->meta;
    for (int s = 0; s < STORE_NSPLITS; s++) {
        snprintf(key, sizeof key, "count.%s", store_split_names[s]);
        if (get_u64s(get, ctx, key, &m->split_count[s], 1, UINT64_MAX, e) < 0)
            return -1;
        b->class_count[s] = calloc((size_t)m->num_classes, sizeof(uint64_t));
        if (!b->class_count[s])
            return err_set(e, "meta: out of memory");
        m->class_count[s] = b->class_count[s];
        snprintf(key, sizeof key, "class_count.%s", store_split_names[s]);
        if (get_u64s(get, ctx, key, b->class_count[s], m->num_classes, UINT64_MAX, e) < 0)
            return -1;
        uint64_t sum = 0;
        for (int c = 0; c < m->num_classes; c++)
            sum += b->class_count[s][c];
        if (sum != m->split_count[s])
            return err_set(e, "meta: %s class counts add up to %" PRIu64 ", not %" PRIu64,
                           store_split_names[s], sum, m->split_count[s]);
    }
    return 0;
}

int store_meta_decode(store_meta_get_fn get, void *ctx, store_meta_buf *b, err *e)
{
    memset(b, 0, sizeof *b);
    store_meta *m = &b->meta;
    uint64_t v[3];
    if (get_u64s(get, ctx, "format_version", v, 1, UINT32_MAX, e) < 0)
        return -1;
    if (v[0] != STORE_FORMAT_VERSION)
        return err_set(e, "store format version %" PRIu64 "; this build reads version %d",
                       v[0], STORE_FORMAT_VERSION);
    m->format_version = (uint32_t)v[0];
    int rc = get_u64s(get, ctx, "height", &v[0], 1, STORE_MAX_SIDE, e);
    if (rc == 0)
        rc = get_u64s(get, ctx, "width", &v[1], 1, STORE_MAX_SIDE, e);
    if (rc == 0)
        rc = get_u64s(get, ctx, "channels", &v[2], 1, 3, e);
    if (rc == 0 && (v[0] == 0 || v[1] == 0 || v[2] != 3))
        rc = err_set(e, "meta: bad image shape %" PRIu64 "x%" PRIu64 "x%" PRIu64, v[0], v[1],
                     v[2]);
    m->height = (int)v[0];
    m->width = (int)v[1];
    m->channels = (int)v[2];
    if (rc == 0)
        rc = decode_classes(get, ctx, b, e);
    if (rc == 0)
        rc = decode_counts(get, ctx, b, e);
    if (rc == 0)
        rc = get_doubles(get, ctx, "mean", m->mean, 3, e);
    if (rc == 0)
        rc = get_doubles(get, ctx, "std", m->std, 3, e);
    if (rc == 0 && !(b->tool_version = get_text(get, ctx, "tool_version", e)))
        rc = -1;
    if (rc == 0 && !(b->source = get_text(get, ctx, "source", e)))
        rc = -1;
    uint64_t created = 0;
    if (rc == 0)
        rc = get_u64s(get, ctx, "created", &created, 1, INT64_MAX, e);
    if (rc < 0) {
        store_meta_buf_free(b);
        return -1;
    }
    m->class_names = (const char *const *)b->names;
    m->tool_version = b->tool_version;
    m->source = b->source;
    m->created = (int64_t)created;
    return 0;
}

void store_meta_buf_free(store_meta_buf *b)
{
    if (b->names)
        for (int c = 0; c < b->meta.num_classes; c++)
            free(b->names[c]);
    free(b->names);
    for (int s = 0; s < STORE_NSPLITS; s++)
        free(b->class_count[s]);
    free(b->tool_version);
    free(b->source);
    memset(b, 0, sizeof *b);
}
