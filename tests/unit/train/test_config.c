/* The INI configuration: values, defaults, --set, and file:line errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train/config.h"

static char path[64];

static const char *write_ini(const char *text)
{
    snprintf(path, sizeof path, "/tmp/vgg-config-test-%d.ini", (int)getpid());
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void cleanup(void) { unlink(path); }

static const char good[] = "; a comment\n"
                           "[model]\n"
                           "arch = vgg16\n"
                           "batch_norm = true\n"
                           "width_div = 4\n"
                           "[data]\n"
                           "store = data.lmdb\n"
                           "[optim]\n"
                           "lr = 0.05\n"
                           "nesterov = yes\n"
                           "[schedule]\n"
                           "kind = cosine\n"
                           "warmup_epochs = 2\n"
                           "[train]\n"
                           "batch = 64\n";

/* Loads text, expects failure with the message containing `want`. */
static void expect_error(const char *text, const char *want)
{
    train_config c;
    err e = {{0}};
    const char *p = write_ini(text);
    cr_expect_lt(config_load(p, NULL, 0, &c, &e), 0, "accepted: %s", text);
    char full[256];
    snprintf(full, sizeof full, "%s:%s", p, want);
    cr_expect(strstr(e.msg, full), "message '%s' lacks '%s'", e.msg, full);
}

Test(config, reads_values_and_keeps_defaults, .fini = cleanup)
{
    train_config c;
    err e = {{0}};
    cr_assert_eq(config_load(write_ini(good), NULL, 0, &c, &e), 0, "%s", e.msg);
    cr_expect_str_eq(c.model.arch, "vgg16");
    cr_expect_eq(c.model.batch_norm, 1);
    cr_expect_eq(c.model.width_div, 4);
    cr_expect_eq(c.model.fc_width, 4096);            /* default */
    cr_expect_str_eq(c.data.store, "data.lmdb");
    cr_expect_float_eq(c.optim.lr, 0.05f, 1e-9);
    cr_expect_eq(c.optim.nesterov, 1);
    cr_expect_float_eq(c.optim.momentum, 0.9f, 1e-9); /* default */
    cr_expect_eq(c.schedule.kind, SCHED_COSINE);
    cr_expect_eq(c.train.batch, 64);
    cr_expect_eq(c.augment.mode, AUG_SCALE);          /* default: the paper's jittering */
    cr_expect_eq(c.data.skip_corrupt, 0);            /* default: a damaged record stops */
    cr_expect_eq(c.train.precision, CONFIG_PRECISION_AUTO); /* bf16 on a GPU, fp32 on the CPU */
}

Test(config, set_overrides_the_file, .fini = cleanup)
{
    train_config c;
    err e = {{0}};
    const char *sets[] = {"optim.lr=0.001", "train.epochs=30", "augment.mode=resized",
                          "data.skip_corrupt=true"};
    cr_assert_eq(config_load(write_ini(good), sets, 4, &c, &e), 0, "%s", e.msg);
    cr_expect_eq(c.data.skip_corrupt, 1);
    cr_expect_float_eq(c.optim.lr, 0.001f, 1e-9);
    cr_expect_eq(c.train.epochs, 30);
    cr_expect_eq(c.augment.mode, AUG_RESIZED);
    const char *bad[] = {"optim.lr=fast"};
    cr_expect_lt(config_load(path, bad, 1, &c, &e), 0);
    cr_expect(strstr(e.msg, "--set optim.lr=fast: bad value"), "%s", e.msg);
    const char *unknown[] = {"optim.speed=1"};
    cr_expect_lt(config_load(path, unknown, 1, &c, &e), 0);
    cr_expect(strstr(e.msg, "unknown key 'speed'"), "%s", e.msg);
}

Test(config, unknown_section_names_its_line, .fini = cleanup)
{
    expect_error("[model]\narch = A\n[data]\nstore = x\n[extras]\nfoo = 1\n", "5: unknown section [extras]");
}

Test(config, unknown_key_names_its_line, .fini = cleanup)
{
    expect_error("[model]\narch = A\nlayers = 11\n[data]\nstore = x\n", "3: unknown key 'layers' in section [model]");
}

Test(config, bad_value_names_its_line, .fini = cleanup)
{
    expect_error("[model]\narch = A\n[data]\nstore = x\n[train]\n\nbatch = many\n", "7: bad value train.batch = 'many'");
    expect_error("[model]\narch = A\n[data]\nstore = x\n[optim]\nnesterov = maybe\n", "6: bad value optim.nesterov");
    expect_error("[model]\narch = A\n[data]\nstore = x\n[schedule]\nkind = exponential\n", "6: bad value schedule.kind");
    expect_error("[model]\narch = A\n[data]\nstore = x\n[optim]\nlr = -1\n", "6: bad value optim.lr");
}

/* The effective config is written back as INI and read again (run folder, checkpoints): a
 * value that would not survive that is refused up front (found by tests/fuzz/fuzz_config). */
Test(config, refuses_values_that_cannot_be_written_back, .fini = cleanup)
{
    expect_error("[model]\narch = A\n[data]\nstore=;d\n", "4: bad value data.store = ';d'");
    train_config c;
    err e = {{0}};
    const char *sets[] = {"data.store=a #b"};
    cr_expect_lt(config_parse_string("[model]\narch = A\n[data]\nstore = x\n", "t.ini", sets, 1,
                                     &c, &e), 0, "accepted a value with a comment in it");
    const char *fine[] = {"data.store=runs/a;b#c.lmdb"};
    cr_assert_eq(config_parse_string("[model]\narch = A\n[data]\nstore = x\n", "t.ini", fine, 1,
                                     &c, &e), 0, "%s", e.msg);
    char *ini = config_format(&c);
    train_config again;
    cr_assert_eq(config_parse_string(ini, "again.ini", NULL, 0, &again, &e), 0, "%s", e.msg);
    cr_expect_str_eq(again.data.store, "runs/a;b#c.lmdb");
    free(ini);
    /* inih reads lines of up to 198 characters: "store = " and 190 of path still read back */
    char set[300] = "data.store=";
    memset(set + strlen(set), 'p', 190);
    const char *longest[] = {set};
    cr_assert_eq(config_parse_string("[model]\narch = A\n[data]\nstore = x\n", "t.ini",
                                     longest, 1, &c, &e), 0, "%s", e.msg);
    ini = config_format(&c);
    cr_assert_eq(config_parse_string(ini, "again.ini", NULL, 0, &again, &e), 0, "%s", e.msg);
    free(ini);
    strcat(set, "p");
    cr_expect_lt(config_parse_string("[model]\narch = A\n[data]\nstore = x\n", "t.ini",
                                     longest, 1, &c, &e), 0, "accepted a line inih cannot read");
    cr_expect(strstr(e.msg, "over 198 characters"), "%s", e.msg);
}

Test(config, missing_required_key_names_the_section, .fini = cleanup)
{
    expect_error("[train]\nbatch = 8\n[model]\nbatch_norm = true\n[data]\nstore = x\n",
                 "3: missing required key 'arch' in section [model]");
    expect_error("[model]\narch = A\n", "2: missing required key 'store' in section [data]");
}

Test(config, cross_key_rules_and_syntax, .fini = cleanup)
{
    expect_error("[model]\narch = vgg12\n[data]\nstore = x\n", "2: unknown architecture 'vgg12'");
    expect_error("[model]\narch = A\ninput_size = 100\n[data]\nstore = x\n", "3: model.input_size 100");
    expect_error("[model]\narch = A\n[data]\nstore = x\n[augment]\nscale_min = 600\n",
                 "6: augment.scale_min 600 is above scale_max 512");
    expect_error("[model]\narch = A\nthis line has no equals sign\n", "3: syntax error");
    char longline[400];
    snprintf(longline, sizeof longline, "[model]\narch = A\n[data]\nstore = %0300d\n", 0);
    expect_error(longline, "4: line longer than");
}

Test(config, missing_file_is_an_error)
{
    train_config c;
    err e = {{0}};
    cr_expect_lt(config_load("/nonexistent/x.ini", NULL, 0, &c, &e), 0);
    cr_expect(strstr(e.msg, "/nonexistent/x.ini"), "%s", e.msg);
}

Test(config, effective_config_reads_back_identically, .fini = cleanup)
{
    train_config a, b;
    err e = {{0}};
    const char *sets[] = {"train.seed=123456789012", "augment.lighting=0.1", "train.run_dir=runs/x"};
    cr_assert_eq(config_load(write_ini(good), sets, 3, &a, &e), 0, "%s", e.msg);
    char *text = config_format(&a);
    cr_assert(text);
    cr_assert_eq(config_parse_string(text, "effective", NULL, 0, &b, &e), 0, "%s\n%s", e.msg, text);
    cr_expect_eq(memcmp(&a, &b, sizeof a), 0, "%s", text);
    cr_expect_eq(b.train.seed, 123456789012LL);
    free(text);
}
