/* The store reader. Stores are never written in place: vgg-pack builds one under a
 * temporary name and renames it into place when complete, so an open store is immutable and
 * readers need no lock file (MDB_NOLOCK). That is what lets a store be read from a read-only
 * file system or a read-only directory, from any number of processes and threads. */
#include "common/store.h"

#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "common/store_format.h"

struct store {
    MDB_env *env;
    MDB_dbi dbi[STORE_NSPLITS];
    store_meta_buf mb;
    char *path;
};

struct store_txn {
    store *s;
    MDB_txn *txn;
};

typedef struct meta_reader {
    MDB_txn *txn;
    MDB_dbi dbi;
} meta_reader;

static const char *meta_get(void *ctx, const char *key, size_t *len)
{
    meta_reader *r = ctx;
    MDB_val k = {strlen(key), (void *)key}, v;
    if (mdb_get(r->txn, r->dbi, &k, &v) != 0)
        return NULL;
    *len = v.mv_size;
    return v.mv_data;
}

/* Reads meta and checks it against the record databases. */
static int store_load(store *s, err *e)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return err_set(e, "%s: %s", s->path, mdb_strerror(rc));
    meta_reader r = {txn, 0};
    rc = mdb_dbi_open(txn, STORE_META_DB, 0, &r.dbi);
    if (rc) {
        mdb_txn_abort(txn);
        return err_set(e, "%s: not a vgg-pack store (no meta database: %s)", s->path,
                       mdb_strerror(rc));
    }
    if (store_meta_decode(meta_get, &r, &s->mb, e) < 0) {
        mdb_txn_abort(txn);
        err_prefix(e, "%s", s->path);
        return -1;
    }
    for (int sp = 0; sp < STORE_NSPLITS; sp++) {
        MDB_stat st = {0};
        rc = mdb_dbi_open(txn, store_split_names[sp], 0, &s->dbi[sp]);
        if (rc == 0)
            rc = mdb_stat(txn, s->dbi[sp], &st);
        else if (rc == MDB_NOTFOUND && s->mb.meta.split_count[sp] == 0)
            rc = 0, s->dbi[sp] = 0;   /* an empty split may have no database */
        if (rc) {
            mdb_txn_abort(txn);
            return err_set(e, "%s: %s split: %s", s->path, store_split_names[sp],
                           mdb_strerror(rc));
        }
        if (st.ms_entries != s->mb.meta.split_count[sp]) {
            mdb_txn_abort(txn);
            return err_set(e, "%s: %s split holds %zu records, meta says %" PRIu64, s->path,
                           store_split_names[sp], (size_t)st.ms_entries,
                           s->mb.meta.split_count[sp]);
        }
    }
    /* Committing (not aborting) keeps the dbi handles for the life of the env. */
    rc = mdb_txn_commit(txn);
    return rc ? err_set(e, "%s: %s", s->path, mdb_strerror(rc)) : 0;
}

int store_open(const char *path, store **out, err *e)
{
    store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return err_set(e, "%s: out of memory", path);
    }
    int rc = mdb_env_create(&s->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(s->env, 4);
    if (rc == 0)
        rc = mdb_env_open(s->env, path, MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS, 0);
    if (rc == ENOENT && access(path, F_OK) == 0)
        err_set(e, "%s: not a store (no data.mdb in it)", path);
    else if (rc)
        err_set(e, "%s: cannot open store: %s", path, mdb_strerror(rc));
    if (rc) {
        store_close(s);
        return -1;
    }
    if (store_load(s, e) < 0) {
        store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void store_close(store *s)
{
    if (!s)
        return;
    if (s->env)
        mdb_env_close(s->env);
    store_meta_buf_free(&s->mb);
    free(s->path);
    free(s);
}

const store_meta *store_get_meta(const store *s) { return &s->mb.meta; }

uint64_t store_count(const store *s, store_split split)
{
    return split < STORE_NSPLITS ? s->mb.meta.split_count[split] : 0;
}

const char *store_path(const store *s) { return s->path; }

int store_txn_begin(store *s, store_txn **out, err *e)
{
    store_txn *t = malloc(sizeof *t);
    if (!t)
        return err_set(e, "%s: out of memory", s->path);
    t->s = s;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
    if (rc) {
        free(t);
        return err_set(e, "%s: %s", s->path, mdb_strerror(rc));
    }
    *out = t;
    return 0;
}

void store_txn_end(store_txn *t)
{
    if (!t)
        return;
    mdb_txn_abort(t->txn);
    free(t);
}

int store_get(store_txn *t, store_split split, uint64_t index, unsigned flags,
              store_record *rec, err *e)
{
    const store *s = t->s;
    const store_meta *m = &s->mb.meta;
    if (split >= STORE_NSPLITS || index >= m->split_count[split])
        return err_set(e, "%s: %s record %" PRIu64 ": no such record (the split holds %" PRIu64
                       ")", s->path, split < STORE_NSPLITS ? store_split_names[split] : "?",
                       index, split < STORE_NSPLITS ? m->split_count[split] : 0);
    const char *sname = store_split_names[split];
    uint8_t key[STORE_KEY_SIZE];
    store_key_encode(index, key);
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_get(t->txn, s->dbi[split], &k, &v);
    if (rc)
        return err_set(e, "%s: %s record %" PRIu64 ": %s", s->path, sname, index,
                       mdb_strerror(rc));
    store_header h;
    if (store_header_decode(v.mv_data, v.mv_size, &h, e) < 0) {
        err_prefix(e, "%s: %s record %" PRIu64, s->path, sname, index);
        return -1;
    }
    if (h.height != (uint32_t)m->height || h.width != (uint32_t)m->width ||
        h.label >= (uint32_t)m->num_classes)
        return err_set(e, "%s: %s record %" PRIu64 ": shape %" PRIu32 "x%" PRIu32 " label %"
                       PRIu32 " do not fit the store (%dx%d, %d classes)", s->path, sname,
                       index, h.height, h.width, h.label, m->height, m->width, m->num_classes);
    const uint8_t *pixels = (const uint8_t *)v.mv_data + STORE_HEADER_SIZE;
    if ((flags & STORE_GET_VERIFY) && crc32c(0, pixels, h.payload_size) != h.crc)
        return err_set(e, "%s: %s record %" PRIu64 ": CRC mismatch (corrupt pixels)", s->path,
                       sname, index);
    rec->label = h.label;
    rec->height = (int)h.height;
    rec->width = (int)h.width;
    rec->channels = (int)h.channels;
    rec->pixels = pixels;
    rec->size = h.payload_size;
    return 0;
}
