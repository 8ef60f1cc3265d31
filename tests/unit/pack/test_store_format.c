#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common/store_format.h"

static store_header sample_header(void)
{
    return (store_header){STORE_FORMAT_VERSION, STORE_LAYOUT_HWC_RGB8, 3, 7, 2, 4, 2 * 4 * 3,
                          0xDEADBEEF};
}

Test(store_format, header_round_trip_and_little_endian_bytes)
{
    store_header h = sample_header(), back;
    uint8_t rec[STORE_HEADER_SIZE + 24] = {0};
    store_header_encode(&h, rec);
    cr_assert_eq(memcmp(rec, "VGGR", 4), 0);
    cr_assert_eq(rec[4], 1);            /* version, little-endian u16 */
    cr_assert_eq(rec[8], 7);            /* label */
    cr_assert_eq(rec[24], 0xEF);        /* CRC, little-endian */
    cr_assert_eq(rec[27], 0xDE);
    err e;
    cr_assert_eq(store_header_decode(rec, sizeof rec, &back, &e), 0, "%s", e.msg);
    cr_assert_eq(memcmp(&h, &back, sizeof h), 0);
}

static void expect_reject(uint8_t *rec, size_t size, const char *why)
{
    store_header h;
    err e = {{0}};
    cr_assert_lt(store_header_decode(rec, size, &h, &e), 0);
    cr_assert(strstr(e.msg, why), "message '%s' should say '%s'", e.msg, why);
}

Test(store_format, header_rejects_bad_records)
{
    store_header h = sample_header();
    uint8_t rec[STORE_HEADER_SIZE + 24];
    store_header_encode(&h, rec);
    expect_reject(rec, 10, "shorter than its header");
    expect_reject(rec, sizeof rec - 1, "payload");
    rec[0] = 'X';
    expect_reject(rec, sizeof rec, "magic");
    store_header_encode(&h, rec);
    rec[4] = 2;
    expect_reject(rec, sizeof rec, "format version 2");
    store_header_encode(&h, rec);
    rec[6] = 9;
    expect_reject(rec, sizeof rec, "layout");
    store_header_encode(&h, rec);
    rec[20] = 99;
    expect_reject(rec, sizeof rec, "payload");
    h.height = 0;
    store_header_encode(&h, rec);
    expect_reject(rec, sizeof rec, "shape");
}

Test(store_format, keys_sort_as_numbers)
{
    uint8_t a[STORE_KEY_SIZE], b[STORE_KEY_SIZE];
    store_key_encode(255, a);
    store_key_encode(256, b);
    cr_assert_lt(memcmp(a, b, STORE_KEY_SIZE), 0);
    cr_assert_eq(store_key_decode(b), 256);
    store_key_encode(0x0102030405060708ull, a);
    cr_assert_eq(a[0], 1);
    cr_assert_eq(a[7], 8);
}

/* An in-memory key/value table standing in for the meta database. */
typedef struct table {
    char key[32][64];
    char val[32][512];
    int n;
} table;

static int table_put(void *ctx, const char *key, const char *value, err *e)
{
    table *t = ctx;
    cr_assert_lt(t->n, 32);
    snprintf(t->key[t->n], sizeof t->key[0], "%s", key);
    snprintf(t->val[t->n], sizeof t->val[0], "%s", value);
    t->n++;
    return 0;
}

static const char *table_get(void *ctx, const char *key, size_t *len)
{
    table *t = ctx;
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->key[i], key)) {
            *len = strlen(t->val[i]);
            return t->val[i];
        }
    return NULL;
}

static void table_set(table *t, const char *key, const char *value)
{
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->key[i], key))
            snprintf(t->val[i], sizeof t->val[0], "%s", value);
}

static const char *const names[] = {"ant", "bee", "cat dog"};
static const uint64_t train_counts[] = {5, 0, 7}, val_counts[] = {1, 1, 2};

static void encode_sample(table *t)
{
    store_meta m = {STORE_FORMAT_VERSION, 224, 160, 3, 3, names, {12, 4},
                    {train_counts, val_counts}, {1.5, 100.25, 254.0}, {0.1, 60, 70.125},
                    "0.1.0", "/data/out", 1764150000};
    err e;
    memset(t, 0, sizeof *t);
    cr_assert_eq(store_meta_encode(&m, table_put, t, &e), 0, "%s", e.msg);
}

Test(store_format, meta_round_trip)
{
    table t;
    encode_sample(&t);
    cr_assert_str_eq(table_get(&t, "classes", &(size_t){0}), "ant\nbee\ncat dog");
    store_meta_buf b;
    err e;
    cr_assert_eq(store_meta_decode(table_get, &t, &b, &e), 0, "%s", e.msg);
    const store_meta *m = &b.meta;
    cr_assert_eq(m->height, 224);
    cr_assert_eq(m->width, 160);
    cr_assert_eq(m->num_classes, 3);
    cr_assert_str_eq(m->class_names[2], "cat dog");
    cr_assert_eq(m->split_count[STORE_TRAIN], 12);
    cr_assert_eq(m->class_count[STORE_VAL][2], 2);
    cr_assert_eq(m->mean[1], 100.25);
    cr_assert_eq(m->std[0], 0.1);   /* %.17g round-trips doubles exactly */
    cr_assert_str_eq(m->source, "/data/out");
    cr_assert_eq(m->created, 1764150000);
    store_meta_buf_free(&b);
}

static void expect_meta_reject(const char *key, const char *value, const char *why)
{
    table t;
    encode_sample(&t);
    table_set(&t, key, value);
    store_meta_buf b;
    err e = {{0}};
    cr_assert_lt(store_meta_decode(table_get, &t, &b, &e), 0, "%s=%s accepted", key, value);
    cr_assert(strstr(e.msg, why), "message '%s' should say '%s'", e.msg, why);
}

Test(store_format, meta_rejects_other_versions_and_bad_values)
{
    expect_meta_reject("format_version", "2", "format version 2; this build reads version 1");
    expect_meta_reject("height", "abc", "'height'");
    expect_meta_reject("height", "0", "shape");
    expect_meta_reject("channels", "4", "'channels'");
    expect_meta_reject("count.train", "13", "add up to 12, not 13");
    expect_meta_reject("class_count.val", "1 1", "3 integers");
    expect_meta_reject("classes", "ant\n\nbee", "empty name");
    expect_meta_reject("mean", "1 2", "3 numbers");
    expect_meta_reject("std", "1 2 300", "3 numbers");
}

Test(store_format, meta_reports_a_missing_key)
{
    table t;
    encode_sample(&t);
    strcpy(t.key[t.n - 1], "renamed");   /* "created" */
    store_meta_buf b;
    err e;
    cr_assert_lt(store_meta_decode(table_get, &t, &b, &e), 0);
    cr_assert(strstr(e.msg, "missing key 'created'"), "%s", e.msg);
}
