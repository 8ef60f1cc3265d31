/* Checkpoints: safetensors round trip, the format as another reader sees it, torchvision
 * names, errors for other architectures and damaged files, --init-from's last layer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/rng.h"
#include "train/checkpoint.h"
#include "train/init.h"
#include "train/safetensors.h"

static char path[128];

static void set_path(void) { snprintf(path, sizeof path, "/tmp/vgg-ckpt-test-%d.safetensors", (int)getpid()); }

static void cleanup(void)
{
    char optim[160], pending[200];
    checkpoint_optim_path(path, optim, sizeof optim);
    snprintf(pending, sizeof pending, "%s.pending", optim);
    unlink(path);
    unlink(optim);
    unlink(pending);
}

static model tiny(const char *arch, int classes, int bn)
{
    model_options o = {classes, 32, bn, 64, 16, 0.5f};
    model m;
    err e = {{0}};
    cr_assert_eq(model_build(arch, &o, &m, &e), 0, "%s", e.msg);
    return m;
}

static float *random_floats(size_t n, uint64_t seed)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    rng r;
    rng_seed(&r, seed, 0);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)rng_uniform(&r) - 0.5f;
    return v;
}

static char *names3[] = {"cat", "dog", "white shark"};

static checkpoint_meta sample_meta(void)
{
    checkpoint_meta cm = {.class_names = names3, .src_h = 36, .src_w = 40,
                          .mean = {1.5f, 2.5f, 3.5f}, .std = {4, 5, 6},
                          .config_text = "[model]\narch = A\n; \"quoted\" \\ text\n",
                          .state = {.epoch = 3, .batch_in_epoch = 2, .step = 77,
                                    .plateau_scale = 0.1, .plateau_best = 0.625,
                                    .plateau_bad_epochs = 1, .best_top1 = 1.0 / 3.0,
                                    .epoch_loss_sum = 12.345678901234567, .epoch_correct = 5,
                                    .epoch_images = 16}};
    return cm;
}

/* Saves params/stats (and momentum) of m with the sample metadata. */
static void save(const model *m, char **names, const float *p, const float *s, const float *mom)
{
    checkpoint_meta cm = sample_meta();
    if (names)
        cm.class_names = names;
    snprintf(cm.arch, sizeof cm.arch, "%s", m->arch);
    cm.opt = m->opt;
    err e = {{0}};
    cr_assert_eq(checkpoint_save(path, m, &cm, p, s, mom, &e), 0, "%s", e.msg);
}

Test(checkpoint, round_trip_keeps_weights_stats_momentum_and_metadata, .init = set_path, .fini = cleanup)
{
    model m = tiny("A", 3, 1);
    float *p = random_floats(m.num_params, 1), *s = random_floats(m.num_stats, 2);
    float *mom = random_floats(m.num_params, 3);
    save(&m, NULL, p, s, mom);
    checkpoint_meta cm = sample_meta();
    err e = {{0}};

    checkpoint_meta back;
    cr_assert_eq(checkpoint_read_meta(path, &back, &e), 0, "%s", e.msg);
    cr_expect_str_eq(back.arch, "A");
    cr_expect_eq(memcmp(&back.opt, &m.opt, sizeof m.opt), 0);
    for (int i = 0; i < 3; i++)
        cr_expect_str_eq(back.class_names[i], names3[i]);
    cr_expect_eq(back.src_h, 36);
    cr_expect_eq(back.src_w, 40);
    cr_expect_float_eq(back.mean[2], 3.5f, 0);
    cr_expect_float_eq(back.std[1], 5.0f, 0);
    cr_expect_str_eq(back.config_text, cm.config_text);
    cr_expect_eq(memcmp(&back.state, &cm.state, sizeof cm.state), 0, "train state differs");

    float *p2 = calloc(m.num_params, 4), *s2 = calloc(m.num_stats, 4), *mom2 = calloc(m.num_params, 4);
    cr_assert_eq(checkpoint_load_weights(path, &m, 0, p2, s2, NULL, &e), 0, "%s", e.msg);
    cr_assert_eq(checkpoint_load_momentum(path, &m, 77, mom2, &e), 0, "%s", e.msg);
    cr_expect_eq(memcmp(p, p2, m.num_params * 4), 0);
    cr_expect_eq(memcmp(s, s2, m.num_stats * 4), 0);
    cr_expect_eq(memcmp(mom, mom2, m.num_params * 4), 0);
    cr_expect_lt(checkpoint_load_momentum(path, &m, 78, mom2, &e), 0, "momentum of another step");
    checkpoint_meta_free(&back);
    free(p), free(s), free(mom), free(p2), free(s2), free(mom2);
    model_free(&m);
}

static void save_at_step(const model *m, const float *p, const float *s, const float *mom,
                         uint64_t step)
{
    checkpoint_meta cm = sample_meta();
    snprintf(cm.arch, sizeof cm.arch, "%s", m->arch);
    cm.opt = m->opt;
    cm.state.step = step;
    err e = {{0}};
    cr_assert_eq(checkpoint_save(path, m, &cm, p, s, mom, &e), 0, "%s", e.msg);
}

/* The files a kill -9 leaves between the two renames of a save at step 12 over one at step 9
 * (main file at 12, companion at 9, the pending momentum at 12) and just before the main
 * file's rename (main and companion at 9, pending at 12): --resume finds the momentum of the
 * main file's step either way. */
Test(checkpoint, a_save_killed_between_its_renames_resumes_with_matching_momentum, .init = set_path,
     .fini = cleanup)
{
    model m = tiny("A", 3, 0);
    float *p = random_floats(m.num_params, 11), *s = random_floats(1, 0);
    float *mom9 = random_floats(m.num_params, 12), *mom12 = random_floats(m.num_params, 13);
    float *back = calloc(m.num_params, 4);
    char optim[160], pending[200], optim9[200];
    checkpoint_optim_path(path, optim, sizeof optim);
    snprintf(pending, sizeof pending, "%s.pending", optim);
    snprintf(optim9, sizeof optim9, "%s.step9", optim);
    err e = {{0}};

    save_at_step(&m, p, s, mom9, 9);
    cr_assert_eq(access(pending, F_OK), -1, "a finished save leaves no pending file");
    cr_assert_eq(link(optim, optim9), 0);
    save_at_step(&m, p, s, mom12, 12);
    cr_assert_eq(rename(optim, pending), 0);
    cr_assert_eq(rename(optim9, optim), 0);
    cr_assert_eq(checkpoint_load_momentum(path, &m, 12, back, &e), 0, "%s", e.msg);
    cr_expect_eq(memcmp(back, mom12, m.num_params * 4), 0, "not the momentum of step 12");
    cr_expect_eq(access(pending, F_OK), -1, "the pending file was not moved into place");
    cr_assert_eq(checkpoint_load_momentum(path, &m, 12, back, &e), 0, "%s", e.msg);

    save_at_step(&m, p, s, mom9, 9);
    cr_assert_eq(link(optim, optim9), 0);
    save_at_step(&m, p, s, mom12, 12);
    cr_assert_eq(rename(optim, pending), 0);
    cr_assert_eq(rename(optim9, optim), 0);
    save_at_step(&m, p, s, NULL, 9);   /* the main file back at step 9 */
    cr_assert_eq(checkpoint_load_momentum(path, &m, 9, back, &e), 0, "%s", e.msg);
    cr_expect_eq(memcmp(back, mom9, m.num_params * 4), 0, "not the momentum of step 9");
    free(p), free(s), free(mom9), free(mom12), free(back);
    model_free(&m);
}

/* Reads the file with Python's json + struct (as safetensors itself would) and prints
 * "name dtype shape sum" per tensor and the metadata keys. */
static const char reader[] =
    "import json, struct, sys\n"
    "b = open(sys.argv[1], 'rb').read()\n"
    "n = struct.unpack('<Q', b[:8])[0]\n"
    "h = json.loads(b[8:8 + n])\n"
    "assert (8 + n) % 8 == 0, 'data not 8-aligned'\n"
    "data = b[8 + n:]\n"
    "meta = h.pop('__metadata__')\n"
    "end = 0\n"
    "for k, v in sorted(h.items(), key=lambda kv: kv[1]['data_offsets']):\n"
    "    s, e = v['data_offsets']\n"
    "    assert s == end, 'gap before ' + k\n"
    "    end = e\n"
    "    count = 1\n"
    "    for d in v['shape']: count *= d\n"
    "    fmt = {'F32': 'f', 'I64': 'q'}[v['dtype']]\n"
    "    vals = struct.unpack('<%d%s' % (count, fmt), data[s:e])\n"
    "    print(k, v['dtype'], 'x'.join(map(str, v['shape'])) or 'scalar', '%.6f' % sum(vals))\n"
    "assert end == len(data), 'trailing bytes'\n"
    "print('meta', ' '.join(sorted(meta)))\n"
    "print('classes', json.dumps(meta['classes']))\n";

Test(checkpoint, python_reads_torchvision_names_and_values, .init = set_path, .fini = cleanup)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        cr_skip_test("/usr/bin/python3 not installed");
    model m = tiny("vgg11", 3, 1);
    float *p = random_floats(m.num_params, 4), *s = random_floats(m.num_stats, 5);
    save(&m, NULL, p, s, NULL);
    char script[160], cmd[400];
    snprintf(script, sizeof script, "%s.py", path);
    FILE *f = fopen(script, "w");
    fputs(reader, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", script, path);
    FILE *out = popen(cmd, "r");
    char line[512], all[16384] = "";
    while (fgets(line, sizeof line, out))
        strncat(all, line, sizeof all - strlen(all) - 1);
    cr_assert_eq(pclose(out), 0, "python failed:\n%s", all);
    unlink(script);
    double sum0 = 0;
    for (size_t i = 0; i < m.layers[0].weight_count; i++)
        sum0 += p[i];
    char want[128];
    snprintf(want, sizeof want, "features.0.weight F32 4x3x3x3 %.6f\n", sum0);
    cr_expect(strstr(all, want), "missing '%s' in:\n%s", want, all);
    /* vgg11_bn's indices: BN right after each conv, the second conv at 4, classifier 0/3/6 */
    const char *expected[] = {"features.1.running_var F32 4 ", "features.1.num_batches_tracked I64 scalar 77.000000",
                              "features.4.weight F32 8x4x3x3 ", "features.25.bias F32 32 ",
                              "classifier.0.weight F32 64x32 ", "classifier.6.weight F32 3x64 ",
                              "meta arch classes config epoch format mean options source state std step",
                              "classes \"cat\\ndog\\nwhite shark\""};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        cr_expect(strstr(all, expected[i]), "missing '%s' in:\n%s", expected[i], all);
    free(p), free(s);
    model_free(&m);
}

Test(checkpoint, another_architecture_is_a_clear_error, .init = set_path, .fini = cleanup)
{
    model a = tiny("A", 3, 0), b = tiny("B", 3, 0), abn = tiny("A", 3, 1);
    float *p = random_floats(b.num_params, 6), *s = random_floats(1, 7);
    save(&a, NULL, p, s, NULL);
    err e = {{0}};
    cr_expect_lt(checkpoint_load_weights(path, &b, 0, p, s, NULL, &e), 0);
    cr_expect(strstr(e.msg, "another architecture"), "%s", e.msg);
    cr_expect(strstr(e.msg, "it is A, this model B"), "%s", e.msg);
    float *pbn = random_floats(abn.num_params, 8), *sbn = random_floats(abn.num_stats, 9);
    cr_expect_lt(checkpoint_load_weights(path, &abn, 0, pbn, sbn, NULL, &e), 0);
    cr_expect(strstr(e.msg, "another architecture"), "%s", e.msg);
    free(p), free(s), free(pbn), free(sbn);
    model_free(&a), model_free(&b), model_free(&abn);
}

Test(checkpoint, init_from_replaces_a_last_layer_of_another_class_count, .init = set_path, .fini = cleanup)
{
    model m10 = tiny("A", 10, 0), m3 = tiny("A", 3, 0);
    float *p10 = random_floats(m10.num_params, 10), *s = random_floats(1, 0);
    char *names10[10];
    for (int i = 0; i < 10; i++)
        names10[i] = names3[i % 3];
    save(&m10, names10, p10, s, NULL);
    err e = {{0}};
    float *p3 = calloc(m3.num_params, 4);
    init_model(&m3, 42, p3, s);
    const layer_desc *last = &m3.layers[m3.num_layers - 1];
    float *fresh_last = malloc(last->weight_count * 4);
    memcpy(fresh_last, p3 + last->weight_offset, last->weight_count * 4);
    int replaced = 0;
    cr_expect_lt(checkpoint_load_weights(path, &m3, 0, p3, s, &replaced, &e), 0);
    cr_assert_eq(checkpoint_load_weights(path, &m3, 1, p3, s, &replaced, &e), 0, "%s", e.msg);
    cr_expect_eq(replaced, 1);
    cr_expect_eq(memcmp(p3, p10, last->weight_offset * 4), 0, "earlier layers are loaded");
    cr_expect_eq(memcmp(p3 + last->weight_offset, fresh_last, last->weight_count * 4), 0,
                 "the last layer keeps its initialisation");
    free(p10), free(p3), free(s), free(fresh_last);
    model_free(&m10), model_free(&m3);
}

Test(checkpoint, damaged_files_are_errors_not_crashes, .init = set_path, .fini = cleanup)
{
    model m = tiny("A", 3, 0);
    float *p = random_floats(m.num_params, 11), *s = random_floats(1, 0);
    save(&m, NULL, p, s, NULL);
    err e = {{0}};
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    char *bytes = malloc((size_t)size);
    fseek(f, 0, SEEK_SET);
    cr_assert_eq(fread(bytes, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    /* truncated at several places: inside the length, the header and the data */
    long cuts[] = {4, 20, 200, size - 1};
    for (int i = 0; i < 4; i++) {
        f = fopen(path, "wb");
        fwrite(bytes, 1, (size_t)cuts[i], f);
        fclose(f);
        checkpoint_meta back;
        int meta_rc = checkpoint_read_meta(path, &back, &e);
        if (meta_rc == 0)
            checkpoint_meta_free(&back);
        cr_expect(meta_rc < 0 || checkpoint_load_weights(path, &m, 0, p, s, NULL, &e) < 0,
                  "accepted a file cut at %ld", cuts[i]);
        cr_expect(strstr(e.msg, path), "message without the path: %s", e.msg);
    }
    f = fopen(path, "wb");
    fputs("this is not a checkpoint at all", f);
    fclose(f);
    checkpoint_meta back;
    cr_expect_lt(checkpoint_read_meta(path, &back, &e), 0);
    /* a header whose shape overflows 64 bits to the size it claims */
    const char hdr[] = "{\"x\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
                       "\"data_offsets\":[0,0]}}";
    uint64_t len = sizeof hdr - 1;
    f = fopen(path, "wb");
    fwrite(&len, 8, 1, f);
    fputs(hdr, f);
    fclose(f);
    safetensors *st;
    cr_expect_lt(safetensors_open(path, &st, &e), 0, "accepted an overflowing shape");
    cr_expect(strstr(e.msg, "larger than the file"), "%s", e.msg);
    free(bytes), free(p), free(s);
    model_free(&m);
}

/* A header that runs to the end of a file of exactly one page, ending in digits, is refused
 * without reading past the map: the parser once used strtoll, which read on into the next
 * page. Address space is first riddled with one-page holes so that the file's map is likely to
 * end at one (it segfaulted then). */
Test(checkpoint, a_header_ending_in_digits_at_the_end_of_a_page_is_an_error, .init = set_path,
     .fini = cleanup)
{
    enum { PAGE = 4096 };
    static const char pre[] = "{\"a\":{\"dtype\":\"F32\",\"shape\":[";
    char *bytes = calloc(1, PAGE);
    uint64_t len = PAGE - 8;
    memcpy(bytes, &len, 8);
    memcpy(bytes + 8, pre, sizeof pre - 1);
    memset(bytes + 8 + sizeof pre - 1, '1', PAGE - 8 - (sizeof pre - 1));
    FILE *f = fopen(path, "wb");
    cr_assert_eq(fwrite(bytes, 1, PAGE, f), (size_t)PAGE);
    fclose(f);
    for (int i = 0; i < 64; i++) {
        char *g = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        cr_assert_neq(g, MAP_FAILED);
        munmap(g + PAGE, PAGE);
    }
    safetensors *st;
    err e = {{0}};
    cr_expect_lt(safetensors_open(path, &st, &e), 0);
    cr_expect(strstr(e.msg, "bad integer"), "%s", e.msg);
    free(bytes);
}
