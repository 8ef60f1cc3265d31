#include "pack/verify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/store_format.h"

int verify_store(store *s, FILE *out, int max_named, verify_result *r, err *e)
{
    const store_meta *m = store_get_meta(s);
    memset(r, 0, sizeof *r);
    uint64_t *seen = calloc((size_t)m->num_classes, sizeof *seen);
    store_txn *t;
    if (!seen)
        return err_set(e, "%s: out of memory", store_path(s));
    if (store_txn_begin(s, &t, e) < 0) {
        free(seen);
        return -1;
    }
    for (int sp = 0; sp < STORE_NSPLITS; sp++) {
        uint64_t bad_before = r->bad;
        memset(seen, 0, (size_t)m->num_classes * sizeof *seen);
        for (uint64_t i = 0; i < m->split_count[sp]; i++, r->checked++) {
            store_record rec;
            err re;
            if (store_get(t, (store_split)sp, i, STORE_GET_VERIFY, &rec, &re) == 0) {
                seen[rec.label]++;
                continue;
            }
            if (r->bad++ < (uint64_t)max_named) {
                /* the reader's message starts with the store path: name the key instead */
                const char *why = re.msg;
                size_t pl = strlen(store_path(s));
                if (!strncmp(why, store_path(s), pl) && !strncmp(why + pl, ": ", 2))
                    why += pl + 2;
                fprintf(out, "bad record: %s\n", why);
            }
        }
        /* counts are only meaningful when every record of the split could be read */
        for (int c = 0; c < m->num_classes && r->bad == bad_before; c++)
            if (seen[c] != m->class_count[sp][c]) {
                fprintf(out, "bad count: %s class %d (%s) has %" PRIu64 " records, meta says %"
                        PRIu64 "\n", store_split_names[sp], c, m->class_names[c], seen[c],
                        m->class_count[sp][c]);
                r->bad++;
            }
    }
    store_txn_end(t);
    free(seen);
    return r->bad ? 1 : 0;
}
