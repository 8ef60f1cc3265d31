/* config.c: the INI schema as one table, read with inih. */
#include "train/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/model.h"

typedef enum key_type { T_INT, T_I64, T_FLOAT, T_BOOL, T_STR, T_ENUM } key_type;

typedef struct key_def {
    const char *section, *key;
    key_type type;
    size_t offset, size;
    const char *def;            /* default, as it would be written in the file */
    int required;
    double min, max;            /* numeric range */
    const char *const *names;   /* T_ENUM: value names, NULL-terminated */
} key_def;

static const char *const aug_names[] = {"none", "scale", "resized", NULL};
static const char *const sched_names[] = {"constant", "step", "cosine", "plateau", NULL};
static const char *const device_names[] = {"auto", "cpu", "cuda", NULL};
/* In the order of backend.h's enum precision, then "auto" (CONFIG_PRECISION_AUTO). */
static const char *const precision_names[] = {"fp32", "bf16", "fp16", "auto", NULL};

#define F(field) offsetof(train_config, field), sizeof(((train_config *)0)->field)
static const key_def schema[] = {
    {"model", "arch", T_STR, F(model.arch), "", 1, 0, 0, NULL},
    {"model", "batch_norm", T_BOOL, F(model.batch_norm), "false", 0, 0, 1, NULL},
    {"model", "fc_width", T_INT, F(model.fc_width), "4096", 0, 1, 65536, NULL},
    {"model", "width_div", T_INT, F(model.width_div), "1", 0, 1, 64, NULL},
    {"model", "input_size", T_INT, F(model.input_size), "224", 0, 32, 4096, NULL},
    {"model", "dropout", T_FLOAT, F(model.dropout), "0.5", 0, 0, 0.99, NULL},
    {"data", "store", T_STR, F(data.store), "", 1, 0, 0, NULL},
    {"data", "workers", T_INT, F(data.workers), "2", 0, 1, 64, NULL},
    {"data", "prefetch", T_INT, F(data.prefetch), "3", 0, 2, 16, NULL},
    {"data", "skip_corrupt", T_BOOL, F(data.skip_corrupt), "false", 0, 0, 1, NULL},
    {"augment", "mode", T_ENUM, F(augment.mode), "scale", 0, 0, 0, aug_names},
    {"augment", "scale_min", T_FLOAT, F(augment.scale_min), "256", 0, 1, 65536, NULL},
    {"augment", "scale_max", T_FLOAT, F(augment.scale_max), "512", 0, 1, 65536, NULL},
    {"augment", "area_min", T_FLOAT, F(augment.area_min), "0.08", 0, 1e-4, 1, NULL},
    {"augment", "area_max", T_FLOAT, F(augment.area_max), "1", 0, 1e-4, 1, NULL},
    {"augment", "flip", T_BOOL, F(augment.flip), "true", 0, 0, 1, NULL},
    {"augment", "lighting", T_FLOAT, F(augment.lighting), "0", 0, 0, 10, NULL},
    {"optim", "lr", T_FLOAT, F(optim.lr), "0.01", 0, 0, 100, NULL},
    {"optim", "momentum", T_FLOAT, F(optim.momentum), "0.9", 0, 0, 0.9999, NULL},
    {"optim", "weight_decay", T_FLOAT, F(optim.weight_decay), "0.0005", 0, 0, 1, NULL},
    {"optim", "nesterov", T_BOOL, F(optim.nesterov), "false", 0, 0, 1, NULL},
    {"optim", "decay_bias_bn", T_BOOL, F(optim.decay_bias_bn), "true", 0, 0, 1, NULL},
    {"schedule", "kind", T_ENUM, F(schedule.kind), "plateau", 0, 0, 0, sched_names},
    {"schedule", "warmup_epochs", T_FLOAT, F(schedule.warmup_epochs), "0", 0, 0, 1e6, NULL},
    {"schedule", "step_epochs", T_INT, F(schedule.step_epochs), "30", 0, 1, 1000000, NULL},
    {"schedule", "gamma", T_FLOAT, F(schedule.gamma), "0.1", 0, 1e-6, 1, NULL},
    {"schedule", "patience", T_INT, F(schedule.patience), "2", 0, 1, 1000000, NULL},
    {"schedule", "threshold", T_FLOAT, F(schedule.threshold), "0.001", 0, 0, 1, NULL},
    {"schedule", "min_lr", T_FLOAT, F(schedule.min_lr), "0", 0, 0, 100, NULL},
    {"train", "epochs", T_INT, F(train.epochs), "74", 0, 0, 1000000, NULL},
    {"train", "batch", T_INT, F(train.batch), "256", 0, 1, 65536, NULL},
    {"train", "accumulate", T_INT, F(train.accumulate), "1", 0, 1, 65536, NULL},
    {"train", "label_smoothing", T_FLOAT, F(train.label_smoothing), "0", 0, 0, 0.99, NULL},
    {"train", "seed", T_I64, F(train.seed), "1", 0, 0, 9.2e18, NULL},
    {"train", "run_dir", T_STR, F(train.run_dir), "", 0, 0, 0, NULL},
    {"train", "threads", T_INT, F(train.threads), "0", 0, 0, 4096, NULL},
    {"train", "device", T_ENUM, F(train.device), "auto", 0, 0, 0, device_names},
    {"train", "precision", T_ENUM, F(train.precision), "auto", 0, 0, 0, precision_names},
};
#undef F
enum { NKEYS = sizeof schema / sizeof schema[0] };

static const char *const sections[] = {"model", "data", "augment", "optim", "schedule", "train"};
enum { NSECTIONS = sizeof sections / sizeof sections[0] };


static int find_section(const char *name)
{
    for (int i = 0; i < NSECTIONS; i++)
        if (!strcmp(name, sections[i]))
            return i;
    return -1;
}

static int find_key(const char *section, const char *key)
{
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(schema[i].section, section) && !strcmp(schema[i].key, key))
            return i;
    return -1;
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i]))
            return *out = 1, 0;
        if (!strcasecmp(v, no[i]))
            return *out = 0, 0;
    }
    return -1;
}

/* inih (Debian's libinih, INI_MAX_LINE) reads lines of at most this many characters. */
enum { INI_LINE_MAX = 198 };

/* 1 when `key = value` survives config_format's line and inih's parse unchanged (the effective
 * config is written to the run folder and into checkpoints, and read back): a line inih reads
 * whole, no control characters, no leading or trailing blanks, and nothing inih takes for a
 * comment. */
static int ini_representable(const char *key, const char *value)
{
    size_t n = strlen(value);
    if (strlen(key) + 3 + n > INI_LINE_MAX)
        return 0;
    if (n && (isspace((unsigned char)value[0]) || isspace((unsigned char)value[n - 1])))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)value[i];
        if (ch < 0x20 || ch == 0x7f)
            return 0;
        if ((ch == ';' || ch == '#') && (i == 0 || isspace((unsigned char)value[i - 1])))
            return 0;
    }
    return 1;
}

/* Stores `value` into the key's field; on failure fills `why`. */
static int set_value(train_config *c, const key_def *k, const char *value, char *why, size_t why_len)
{
    void *field = (char *)c + k->offset;
    char *end;
    errno = 0;
    switch (k->type) {
    case T_INT:
    case T_I64: {
        long long v = strtoll(value, &end, 10);
        if (end == value || *end || errno || v < k->min || v > k->max) {
            snprintf(why, why_len, "expected an integer in %.0f..%.0f", k->min, k->max);
            return -1;
        }
        if (k->type == T_INT)
            *(int *)field = (int)v;
        else
            *(int64_t *)field = v;
        return 0;
    }
    case T_FLOAT: {
        double v = strtod(value, &end);
        if (end == value || *end || !isfinite(v) || v < k->min || v > k->max) {
            snprintf(why, why_len, "expected a number in %g..%g", k->min, k->max);
            return -1;
        }
        *(float *)field = (float)v;
        return 0;
    }
    case T_BOOL:
        if (parse_bool(value, (int *)field) < 0) {
            snprintf(why, why_len, "expected true or false");
            return -1;
        }
        return 0;
    case T_STR:
        if (strlen(value) >= k->size) {
            snprintf(why, why_len, "longer than %zu characters", k->size - 1);
            return -1;
        }
        if (!ini_representable(k->key, value)) {
            snprintf(why, why_len, "cannot be written back to an INI file (a line over %d "
                     "characters, a control character, ';' or '#' at the start or after a "
                     "blank, or blanks at an end)", INI_LINE_MAX);
            return -1;
        }
        strcpy((char *)field, value);
        return 0;
    case T_ENUM:
        for (int i = 0; k->names[i]; i++)
            if (!strcasecmp(value, k->names[i]))
                return *(int *)field = i, 0;
        size_t n = (size_t)snprintf(why, why_len, "expected one of:");
        for (int i = 0; k->names[i] && n < why_len; i++)
            n += (size_t)snprintf(why + n, why_len - n, " %s", k->names[i]);
        return -1;
    }
    return -1;
}

void config_defaults(train_config *c)
{
    memset(c, 0, sizeof *c);
    char why[128];
    for (int i = 0; i < NKEYS; i++)
        set_value(c, &schema[i], schema[i].def, why, sizeof why);
}

/* Where each key and section was set, for messages; the first error wins. */
typedef struct parse_state {
    train_config *c;
    const char *name;           /* file name for messages */
    const char *text;           /* config_parse_string: remaining text */
    FILE *file;
    int line, at_line_start, failed;
    int section_line[NSECTIONS];
    int key_line[NKEYS];        /* 0: not set here; -1: set by --set */
    err *e;
} parse_state;

static void fail(parse_state *st, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(parse_state *st, int line, const char *fmt, ...)
{
    if (st->failed++)
        return;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    err_set(st->e, "%s:%d: %s", st->name, line, what);
}

/* fgets-style reader that counts lines and sees section headers (also empty ones). */
static char *read_line(char *buf, int size, void *stream)
{
    parse_state *st = stream;
    char *got = NULL;
    if (st->file) {
        got = fgets(buf, size, st->file);
    } else if (*st->text) {
        size_t n = strcspn(st->text, "\n");
        n += st->text[n] == '\n';
        if (n > (size_t)size - 1)
            n = (size_t)size - 1;
        memcpy(buf, st->text, n);
        buf[n] = 0;
        st->text += n;
        got = buf;
    }
    if (!got)
        return NULL;
    if (st->at_line_start)
        st->line++;
    size_t len = strlen(buf);
    st->at_line_start = len > 0 && buf[len - 1] == '\n';
    int at_end = st->file ? feof(st->file) : !*st->text;
    if (!st->at_line_start && !at_end) {
        fail(st, st->line, "line longer than %d characters", size - 2);
        return NULL;
    }
    const char *p = buf;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '[') {
        char name[64];
        size_t n = strcspn(p + 1, "]");
        snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), p + 1);
        int s = find_section(name);
        if (s < 0)
            fail(st, st->line, "unknown section [%s] (model, data, augment, optim, schedule, train)",
                 name);
        else
            st->section_line[s] = st->line;
    }
    return buf;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    parse_state *st = user;
    if (!*section) {
        fail(st, st->line, "key '%s' outside of any section", name);
        return 0;
    }
    int k = find_key(section, name);
    if (k < 0) {
        if (find_section(section) >= 0)
            fail(st, st->line, "unknown key '%s' in section [%s]", name, section);
        return 0;
    }
    char why[160];
    if (set_value(st->c, &schema[k], value, why, sizeof why) < 0) {
        fail(st, st->line, "bad value %s.%s = '%.100s': %s", section, name, value, why);
        return 0;
    }
    st->key_line[k] = st->line;
    return 1;
}

static int run_parse(parse_state *st)
{
    st->at_line_start = 1;
    int rc = ini_parse_stream(read_line, st, on_key, st);
    if (st->failed)
        return -1;
    if (rc > 0) {
        fail(st, rc, "syntax error (expected [section] or key = value)");
        return -1;
    }
    if (rc < 0)
        return err_set(st->e, "%s: out of memory", st->name);
    return 0;
}

static int apply_set(parse_state *st, const char *assignment)
{
    const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');
    if (!dot || !eq || dot > eq)
        return err_set(st->e, "--set %s: expected section.key=value", assignment);
    char section[64], key[64];
    snprintf(section, sizeof section, "%.*s", (int)(dot - assignment), assignment);
    snprintf(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
    int k = find_key(section, key);
    if (k < 0)
        return err_set(st->e, "--set %s: unknown %s '%s'", assignment,
                       find_section(section) < 0 ? "section" : "key",
                       find_section(section) < 0 ? section : key);
    char why[160];
    if (set_value(st->c, &schema[k], eq + 1, why, sizeof why) < 0)
        return err_set(st->e, "--set %s: bad value: %s", assignment, why);
    st->key_line[k] = -1;
    return 0;
}

/* "file:line" of a key (or its section, or the file's last line) for messages. */
static void key_location(const parse_state *st, int k, char *buf, size_t len)
{
    int s = find_section(schema[k].section);
    if (st->key_line[k] == -1)
        snprintf(buf, len, "--set %s.%s", schema[k].section, schema[k].key);
    else
        snprintf(buf, len, "%s:%d", st->name,
                 st->key_line[k] > 0 ? st->key_line[k]
                 : st->section_line[s] > 0 ? st->section_line[s] : st->line);
}

static int check(parse_state *st)
{
    const train_config *c = st->c;
    char where[CONFIG_PATH_MAX + 64];
    for (int k = 0; k < NKEYS; k++)
        if (schema[k].required && !*((const char *)c + schema[k].offset)) {
            key_location(st, k, where, sizeof where);
            return err_set(st->e, "%s: missing required key '%s' in section [%s]", where,
                           schema[k].key, schema[k].section);
        }
    int k_arch = find_key("model", "arch"), k_div = find_key("model", "width_div");
    int k_in = find_key("model", "input_size"), k_smin = find_key("augment", "scale_min");
    int k_amin = find_key("augment", "area_min");
    if (!model_canonical_name(c->model.arch)) {
        key_location(st, k_arch, where, sizeof where);
        return err_set(st->e, "%s: unknown architecture '%s' (A, A-LRN, B, C, D, E, vgg11, "
                              "vgg11-lrn, vgg13, vgg16c, vgg16, vgg19)", where, c->model.arch);
    }
    if (64 % c->model.width_div) {
        key_location(st, k_div, where, sizeof where);
        return err_set(st->e, "%s: model.width_div %d must divide 64", where, c->model.width_div);
    }
    if (c->model.input_size % 32) {
        key_location(st, k_in, where, sizeof where);
        return err_set(st->e, "%s: model.input_size %d must be a multiple of 32", where,
                       c->model.input_size);
    }
    if (c->augment.scale_min > c->augment.scale_max) {
        key_location(st, k_smin, where, sizeof where);
        return err_set(st->e, "%s: augment.scale_min %g is above scale_max %g", where,
                       (double)c->augment.scale_min, (double)c->augment.scale_max);
    }
    if (c->augment.area_min > c->augment.area_max) {
        key_location(st, k_amin, where, sizeof where);
        return err_set(st->e, "%s: augment.area_min %g is above area_max %g", where,
                       (double)c->augment.area_min, (double)c->augment.area_max);
    }
    return 0;
}

/* Parses the file or text in st, then the overrides, then checks. */
static int parse_all(parse_state *st, const char *const *sets, int nsets)
{
    int rc = run_parse(st);
    for (int i = 0; rc == 0 && i < nsets; i++)
        rc = apply_set(st, sets[i]);
    return rc < 0 ? rc : check(st);
}

int config_load(const char *path, const char *const *sets, int nsets, train_config *c, err *e)
{
    config_defaults(c);
    parse_state st = {.c = c, .name = path, .e = e};
    st.file = fopen(path, "r");
    if (!st.file)
        return err_sys(e, errno, path, NULL);
    int rc = parse_all(&st, sets, nsets);
    fclose(st.file);
    return rc;
}

int config_parse_string(const char *text, const char *name, const char *const *sets, int nsets,
                        train_config *c, err *e)
{
    config_defaults(c);
    parse_state st = {.c = c, .name = name, .text = text, .e = e};
    return parse_all(&st, sets, nsets);
}

char *config_format(const train_config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "; effective configuration written by vgg-train %s\n", VGG_VERSION);
    for (int s = 0; s < NSECTIONS; s++) {
        fprintf(f, "%s[%s]\n", s ? "\n" : "", sections[s]);
        for (int k = 0; k < NKEYS; k++) {
            const key_def *d = &schema[k];
            const void *field = (const char *)c + d->offset;
            if (strcmp(d->section, sections[s]))
                continue;
            fprintf(f, "%s = ", d->key);
            switch (d->type) {
            case T_INT: fprintf(f, "%d\n", *(const int *)field); break;
            case T_I64: fprintf(f, "%lld\n", (long long)*(const int64_t *)field); break;
            case T_FLOAT: fprintf(f, "%.9g\n", (double)*(const float *)field); break;
            case T_BOOL: fprintf(f, "%s\n", *(const int *)field ? "true" : "false"); break;
            case T_STR: fprintf(f, "%s\n", (const char *)field); break;
            case T_ENUM: fprintf(f, "%s\n", d->names[*(const int *)field]); break;
            }
        }
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
