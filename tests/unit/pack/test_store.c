/* The writer and the reader together: what vgg-pack writes, common/store.c reads back. */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wand/MagickWand.h>

#include "common/crc32c.h"
#include "common/store.h"
#include "fixture.h"
#include "pack/plan.h"
#include "pack/writer.h"

static const char *const classes[] = {"cat", "ant", "bee"};
/* 5,792-byte records: LMDB overflow pages, which the writer pwrites */
enum { PER_CLASS = 5, H = 40, W = 48 };

static char *dir;
static char store_path_buf[4200];

static void setup(void)
{
    MagickWandGenesis();
    dir = fixture_tmpdir();
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < PER_CLASS; i++)
            fixture_jpeg(dir, classes[c], i, H, W, c);
    snprintf(store_path_buf, sizeof store_path_buf, "%s.lmdb", dir);
    mkdir(store_path_buf, 0755);
}

static void teardown(void)
{
    fixture_rmrf(dir);
    fixture_rmrf(store_path_buf);
    free(dir);
    MagickWandTerminus();
}

TestSuite(store, .init = setup, .fini = teardown);

static int pack(double val_fraction, int skip_bad, size_t initial_map, writer_result *r,
                err *e)
{
    plan p;
    plan_options po = {val_fraction, 9};
    cr_assert_eq(plan_build(dir, &po, &p, e), 0, "%s", e->msg);
    writer_options wo = {2, skip_bad, 1, 4, initial_map, "fixture"};
    int rc = writer_run(&p, store_path_buf, &wo, r, e);
    plan_free(&p);
    return rc;
}

/* Index of the fixture image (class*PER_CLASS + i) whose decoded pixels equal `px`. */
static int find_source(const uint8_t *px, uint8_t *const *decoded)
{
    for (int k = 0; k < 3 * PER_CLASS; k++)
        if (!memcmp(px, decoded[k], (size_t)H * W * 3))
            return k;
    return -1;
}

Test(store, round_trip_pixels_labels_and_meta, .timeout = 30)
{
    writer_result r;
    err e;
    /* a 64 KiB map cannot hold 15 records: the writer must grow it */
    cr_assert_eq(pack(0.2, 0, 64 << 10, &r, &e), 0, "%s", e.msg);
    cr_assert_gt(r.map_grown, 0);
    cr_assert_eq(r.records[STORE_TRAIN], 12);
    cr_assert_eq(r.records[STORE_VAL], 3);

    uint8_t *decoded[3 * PER_CLASS];
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < PER_CLASS; i++) {
            char path[4200];
            int h, w;
            snprintf(path, sizeof path, "%s/%s/img%03d.jpg", dir, classes[c], i);
            decoded[c * PER_CLASS + i] = fixture_decode(path, &h, &w);
        }
    store *s;
    cr_assert_eq(store_open(store_path_buf, &s, &e), 0, "%s", e.msg);
    const store_meta *m = store_get_meta(s);
    cr_assert_eq(m->height, H);
    cr_assert_eq(m->width, W);
    cr_assert_eq(m->num_classes, 3);
    cr_assert_str_eq(m->class_names[0], "ant");
    cr_assert_str_eq(m->class_names[1], "bee");
    cr_assert_str_eq(m->class_names[2], "cat");
    cr_assert_eq(m->class_count[STORE_VAL][0], 1);
    cr_assert_str_eq(m->source, "fixture");
    store_txn *t;
    cr_assert_eq(store_txn_begin(s, &t, &e), 0);
    int used[3 * PER_CLASS] = {0};
    for (int sp = 0; sp < STORE_NSPLITS; sp++)
        for (uint64_t i = 0; i < store_count(s, (store_split)sp); i++) {
            store_record rec;
            cr_assert_eq(store_get(t, (store_split)sp, i, STORE_GET_VERIFY, &rec, &e), 0, "%s",
                         e.msg);
            cr_assert_eq(rec.size, (size_t)H * W * 3);
            int k = find_source(rec.pixels, decoded);
            cr_assert_geq(k, 0, "record %d/%llu matches no source image", sp,
                          (unsigned long long)i);
            cr_assert_str_eq(m->class_names[rec.label], classes[k / PER_CLASS]);
            cr_assert_eq(used[k]++, 0, "source %d packed twice", k);
        }
    store_record rec;
    cr_assert_lt(store_get(t, STORE_VAL, 3, 0, &rec, &e), 0);
    cr_assert(strstr(e.msg, "val record 3"), "%s", e.msg);
    store_txn_end(t);
    store_close(s);
    for (int k = 0; k < 3 * PER_CLASS; k++)
        free(decoded[k]);
}

Test(store, bad_images_fail_the_pack_or_are_skipped, .timeout = 30)
{
    fixture_file(dir, "bee", "broken.jpg", "\xFF\xD8\xFF\xE0 not really", 15);
    fixture_jpeg(dir, "ant", 99, H + 1, W, 0);   /* another size */
    writer_result r;
    err e;
    cr_assert_lt(pack(0, 0, 0, &r, &e), 0);
    cr_assert(strstr(e.msg, "/ant/img099.jpg") || strstr(e.msg, "/bee/broken.jpg"), "%s",
              e.msg);
    fixture_rmrf(store_path_buf);
    mkdir(store_path_buf, 0755);
    cr_assert_eq(pack(0, 1, 0, &r, &e), 0, "%s", e.msg);
    cr_assert_eq(r.skipped, 2);
    cr_assert_eq(r.records[STORE_TRAIN], 15);
    store *s;
    cr_assert_eq(store_open(store_path_buf, &s, &e), 0, "%s", e.msg);
    cr_assert_eq(store_get_meta(s)->class_count[STORE_TRAIN][1], PER_CLASS);
    store_close(s);
}

/* Sets a meta value with LMDB directly, as a store of another version would have it. */
static void set_meta(const char *key, const char *value)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    cr_assert_eq(mdb_env_open(env, store_path_buf, 0, 0644), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
    MDB_val k = {strlen(key), (void *)key}, v = {strlen(value), (void *)value};
    cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

Test(store, another_format_version_is_rejected, .timeout = 30)
{
    writer_result r;
    err e;
    cr_assert_eq(pack(0, 0, 0, &r, &e), 0, "%s", e.msg);
    set_meta("format_version", "2");
    store *s;
    cr_assert_lt(store_open(store_path_buf, &s, &e), 0);
    cr_assert(strstr(e.msg, store_path_buf) && strstr(e.msg, "format version 2"), "%s", e.msg);
}

/* Offset in data.mdb of the first record (its magic). */
static long first_record(FILE *f)
{
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    for (size_t i = 0; i + 4 <= n; i++)
        if (!memcmp(buf + i, "VGGR", 4))
            return (long)i;
    cr_assert_fail("no record found");
    return -1;
}

static void flip_byte(long offset_from_record)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/data.mdb", store_path_buf);
    FILE *f = fopen(path, "r+b");
    cr_assert(f);
    long at = first_record(f) + offset_from_record;
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
}

/* Which record of train holds the first record in the file: the one that fails. */
static int count_failures(unsigned flags, char *first_msg, size_t cap)
{
    store *s;
    store_txn *t;
    err e;
    cr_assert_eq(store_open(store_path_buf, &s, &e), 0, "%s", e.msg);
    cr_assert_eq(store_txn_begin(s, &t, &e), 0);
    int bad = 0;
    for (uint64_t i = 0; i < store_count(s, STORE_TRAIN); i++) {
        store_record rec;
        if (store_get(t, STORE_TRAIN, i, flags, &rec, &e) < 0 && bad++ == 0)
            snprintf(first_msg, cap, "%s", e.msg);
    }
    store_txn_end(t);
    store_close(s);
    return bad;
}

Test(store, a_flipped_pixel_fails_the_crc_and_a_flipped_header_any_read, .timeout = 30)
{
    writer_result r;
    err e;
    char msg[1024];
    cr_assert_eq(pack(0, 0, 0, &r, &e), 0, "%s", e.msg);
    flip_byte(32 + 100);   /* a pixel */
    cr_assert_eq(count_failures(0, msg, sizeof msg), 0);
    cr_assert_eq(count_failures(STORE_GET_VERIFY, msg, sizeof msg), 1);
    cr_assert(strstr(msg, "train record") && strstr(msg, "CRC mismatch"), "%s", msg);
    flip_byte(12 + 1);     /* the height */
    cr_assert_eq(count_failures(0, msg, sizeof msg), 1);
    cr_assert(strstr(msg, "payload") || strstr(msg, "shape"), "%s", msg);
}

typedef struct reader_arg {
    store *s;
    uint32_t crc_sum;
    int failures;
} reader_arg;

static void *read_all(void *p)
{
    reader_arg *a = p;
    store_txn *t;
    err e;
    if (store_txn_begin(a->s, &t, &e) < 0) {
        a->failures++;
        return NULL;
    }
    for (int pass = 0; pass < 20; pass++)
        for (uint64_t i = 0; i < store_count(a->s, STORE_TRAIN); i++) {
            store_record rec;
            if (store_get(t, STORE_TRAIN, (i * 7 + (uint64_t)pass) % 15, STORE_GET_VERIFY,
                          &rec, &e) < 0)
                a->failures++;
            else
                a->crc_sum += crc32c(0, rec.pixels, rec.size);
        }
    store_txn_end(t);
    return NULL;
}

Test(store, threads_read_one_store_concurrently, .timeout = 30)
{
    writer_result r;
    err e;
    cr_assert_eq(pack(0, 0, 0, &r, &e), 0, "%s", e.msg);
    store *s;
    cr_assert_eq(store_open(store_path_buf, &s, &e), 0, "%s", e.msg);
    reader_arg single = {s, 0, 0};
    read_all(&single);
    pthread_t th[6];
    reader_arg args[6];
    for (int i = 0; i < 6; i++) {
        args[i] = (reader_arg){s, 0, 0};
        cr_assert_eq(pthread_create(&th[i], NULL, read_all, &args[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(args[i].failures, 0);
        cr_assert_eq(args[i].crc_sum, single.crc_sum);
    }
    store_close(s);
}
