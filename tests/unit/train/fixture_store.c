/* fixture_store.c: writes a store with liblmdb and the common record/meta encoders. */
#include "fixture_store.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "common/store_format.h"

typedef struct meta_ctx {
    MDB_txn *txn;
    MDB_dbi dbi;
} meta_ctx;

static int put_meta(void *ctx, const char *key, const char *value, err *e)
{
    meta_ctx *m = ctx;
    MDB_val k = {strlen(key), (void *)key}, v = {strlen(value), (void *)value};
    return mdb_put(m->txn, m->dbi, &k, &v, 0) ? err_set(e, "meta put %s", key) : 0;
}

void fixture_store(const char *dir, int n_train, int n_val, int classes, int h, int w)
{
    fixture_store_named(dir, n_train, n_val, classes, h, w, "class");
}

void fixture_store_named(const char *dir, int n_train, int n_val, int classes, int h, int w,
                         const char *prefix)
{
    cr_assert_eq(mkdir(dir, 0777), 0, "mkdir %s", dir);
    MDB_env *env;
    MDB_txn *txn;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    mdb_env_set_mapsize(env, (size_t)64 << 20);
    cr_assert_eq(mdb_env_open(env, dir, 0, 0644), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    int counts[2] = {n_train, n_val};
    size_t payload = (size_t)h * w * 3;
    uint8_t *rec = malloc(STORE_HEADER_SIZE + payload);
    uint64_t *class_count[2] = {calloc((size_t)classes, 8), calloc((size_t)classes, 8)};
    for (int s = 0; s < 2; s++) {
        MDB_dbi dbi;
        cr_assert_eq(mdb_dbi_open(txn, store_split_names[s], MDB_CREATE, &dbi), 0);
        for (int i = 0; i < counts[s]; i++) {
            uint8_t *px = rec + STORE_HEADER_SIZE;
            uint32_t x = (uint32_t)(s * 100003 + i * 7919 + 1), label = (uint32_t)(i % classes);
            for (size_t p = 0; p < payload; p++) {
                x = x * 1664525u + 1013904223u;
                px[p] = (uint8_t)(((x >> 24) & 63) + 48 * ((label + p % 3) % 4));
            }
            store_header hd = {STORE_FORMAT_VERSION, STORE_LAYOUT_HWC_RGB8, 3, label,
                               (uint32_t)h, (uint32_t)w, (uint32_t)payload, crc32c(0, px, payload)};
            store_header_encode(&hd, rec);
            uint8_t key[STORE_KEY_SIZE];
            store_key_encode((uint64_t)i, key);
            MDB_val k = {STORE_KEY_SIZE, key}, v = {STORE_HEADER_SIZE + payload, rec};
            cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
            class_count[s][label]++;
        }
    }
    char **names = calloc((size_t)classes, sizeof *names);
    for (int c = 0; c < classes; c++) {
        names[c] = malloc(16);
        snprintf(names[c], 16, "%s%02d", prefix, c);
    }
    store_meta m = {.format_version = STORE_FORMAT_VERSION, .height = h, .width = w,
                    .channels = 3, .num_classes = classes,
                    .class_names = (const char *const *)names,
                    .split_count = {(uint64_t)n_train, (uint64_t)n_val},
                    .class_count = {class_count[0], class_count[1]},
                    .mean = {120, 110, 100}, .std = {60, 55, 50},
                    .tool_version = "test", .source = "fixture", .created = 1};
    meta_ctx mc = {txn, 0};
    err e = {{0}};
    cr_assert_eq(mdb_dbi_open(txn, STORE_META_DB, MDB_CREATE, &mc.dbi), 0);
    cr_assert_eq(store_meta_encode(&m, put_meta, &mc, &e), 0, "%s", e.msg);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    for (int c = 0; c < classes; c++)
        free(names[c]);
    free(names);
    free(class_count[0]);
    free(class_count[1]);
    free(rec);
}

void fixture_corrupt(const char *dir, int split, int index)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    cr_assert_eq(mdb_env_open(env, dir, 0, 0644), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, store_split_names[split], 0, &dbi), 0);
    uint8_t key[STORE_KEY_SIZE];
    store_key_encode((uint64_t)index, key);
    MDB_val k = {STORE_KEY_SIZE, key}, v;
    cr_assert_eq(mdb_get(txn, dbi, &k, &v), 0);
    uint8_t *rec = malloc(v.mv_size);
    memcpy(rec, v.mv_data, v.mv_size);
    rec[STORE_HEADER_SIZE + 5] ^= 0x10;
    v.mv_data = rec;
    cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    free(rec);
}

void fixture_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *ent;
    char path[4200];
    while ((ent = readdir(d)))
        if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(dir);
}
