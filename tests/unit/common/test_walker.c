/* walker.h: folders, archives (nested too), labels, and hostile entries as problems. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/walker.h"

static char root[] = "/tmp/test-walker-XXXXXX";

static void setup(void) { cr_assert_not_null(mkdtemp(root)); }
static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    cr_assert_eq(system(cmd), 0);
}
TestSuite(walker, .init = setup, .fini = teardown);

/* Creates the folder root/rel/.. */
static void parent_folder(const char *rel)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s/%s')\"", root, rel);
    cr_assert_eq(system(cmd), 0);
}

/* Creates root/rel (and its folders) holding `text`. */
static void put(const char *rel, const char *text)
{
    char path[512];
    parent_folder(rel);
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

typedef struct member {
    const char *name, *text;
    mode_t type;            /* 0: regular file */
    size_t size;            /* 0: strlen(text) */
} member;

/* Writes a tar of `members` into buf (cap bytes); returns its size. */
static size_t tar_to_memory(const member *m, int n, void *buf, size_t cap)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    size_t used = 0;
    cr_assert_eq(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
    for (int i = 0; i < n; i++) {
        struct archive_entry *ae = archive_entry_new();
        archive_entry_set_pathname(ae, m[i].name);
        archive_entry_set_filetype(ae, m[i].type ? m[i].type : AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        if (m[i].type == AE_IFLNK)
            archive_entry_set_symlink(ae, "/etc/passwd");
        size_t len = m[i].type ? 0 : m[i].size ? m[i].size : strlen(m[i].text);
        archive_entry_set_size(ae, (la_int64_t)len);
        archive_write_header(a, ae);
        if (len)
            archive_write_data(a, m[i].text, len);
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    return used;
}

static void put_tar(const char *rel, const member *m, int n)
{
    static char buf[1 << 20];
    size_t size = tar_to_memory(m, n, buf, sizeof buf);
    char path[512];
    parent_folder(rel);
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, size, f);
    fclose(f);
}

/* Walks `inputs` and writes one line per result into out: "class name [data]" for entries,
 * "! message" for problems. Returns the number of lines. */
static int walk(const char *const *inputs, int n, const walker_options *opt, char out[][512])
{
    walker *w;
    err e;
    cr_assert_eq(walker_open(inputs, n, opt, &w, &e), 0, "%s", e.msg);
    walker_entry ent;
    int lines = 0;
    for (int r; (r = walker_next(w, &ent, &e)) != 0;) {
        cr_assert_neq(r, -2, "%s", e.msg);
        cr_assert_lt(lines, 32);
        if (r < 0)
            snprintf(out[lines++], 512, "! %s", e.msg);
        else if (ent.data)
            snprintf(out[lines++], 512, "%s %s [%.*s]", ent.class_name, ent.name, (int)ent.size,
                     (const char *)ent.data);
        else
            snprintf(out[lines++], 512, "%s %s", ent.class_name, ent.name);
    }
    walker_close(w);
    return lines;
}

Test(walker, folder_classes_sorted_any_depth_and_non_images_ignored)
{
    put("in/cls_b/x.jpg", "x");
    put("in/cls_a/z.jpg", "z");
    put("in/cls_a/sub/deep/y.png", "y");
    put("in/cls_a/notes.txt", "n");
    put("in/.hidden/q.jpg", "q");
    put("in/cls_a/.DS_Store", "d");
    put("in/loose.jpg", "l");
    char in[512], lines[32][512];
    snprintf(in, sizeof in, "%s/in/", root);
    const char *inputs[] = {in};
    int n = walk(inputs, 1, NULL, lines);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(lines[0], "cls_a y.png");
    cr_assert_str_eq(lines[1], "cls_a z.jpg");
    cr_assert_str_eq(lines[2], "cls_b x.jpg");
    char want[600];
    snprintf(want, sizeof want, "! %s/in/loose.jpg: not in a class folder (give --labels for a flat folder)", root);
    cr_assert_str_eq(lines[3], want);
}

Test(walker, folder_entry_has_path_source_and_mtime)
{
    put("in/c/a.jpg", "abc");
    char in[512];
    snprintf(in, sizeof in, "%s/in", root);
    const char *inputs[] = {in};
    walker *w;
    walker_entry ent;
    err e;
    cr_assert_eq(walker_open(inputs, 1, NULL, &w, &e), 0);
    cr_assert_eq(walker_next(w, &ent, &e), 1);
    char want[600];
    snprintf(want, sizeof want, "%s/in/c/a.jpg", root);
    cr_assert_str_eq(ent.path, want);
    cr_assert_str_eq(ent.source, want);
    cr_assert_null(ent.data);
    struct stat st;
    stat(want, &st);
    cr_assert_eq(ent.mtime, (long long)st.st_mtime);
    cr_assert_eq(walker_next(w, &ent, &e), 0);
    walker_close(w);
}

Test(walker, archive_members_nested_tars_and_hostile_entries)
{
    static char inner[1 << 16];
    member in_members[] = {{"c.jpg", "C", 0, 0}};
    size_t inner_size = tar_to_memory(in_members, 1, inner, sizeof inner);
    member outer[] = {{"cls/a.jpg", "A", 0, 0},   {"./cls2/b.jpg", "B", 0, 0},
                      {"flat.jpg", "F", 0, 0},    {"../evil.jpg", "E", 0, 0},
                      {"cls/link.jpg", "", AE_IFLNK, 0}, {"cls/README", "R", 0, 0},
                      {"cls/dir", "", AE_IFDIR, 0}, {"n0.tar", inner, 0, inner_size}};
    put_tar("set.tar", outer, sizeof outer / sizeof *outer);
    char path[512];
    snprintf(path, sizeof path, "%s/set.tar", root);
    char lines[32][512];
    const char *inputs[] = {path};
    int n = walk(inputs, 1, NULL, lines);
    cr_assert_eq(n, 6);
    cr_assert_str_eq(lines[0], "cls a.jpg [A]");
    cr_assert_str_eq(lines[1], "cls2 b.jpg [B]");
    cr_assert_str_eq(lines[2], "set flat.jpg [F]", "a flat member's class is the archive's name");
    cr_assert(strstr(lines[3], "set.tar:../evil.jpg: refused: path escapes") != NULL, "%s", lines[3]);
    cr_assert(strstr(lines[4], "set.tar:cls/link.jpg: refused: link") != NULL, "%s", lines[4]);
    cr_assert_str_eq(lines[5], "n0 c.jpg [C]", "ILSVRC: the inner tar's name is the class");
}

Test(walker, archives_in_a_folder_take_the_class_folder_or_their_name)
{
    member m[] = {{"p.jpg", "P", 0, 0}};
    put_tar("in/n07.tar", m, 1);
    put_tar("in/cls/more.tar", m, 1);
    char in[512], lines[32][512];
    snprintf(in, sizeof in, "%s/in", root);
    const char *inputs[] = {in};
    int n = walk(inputs, 1, NULL, lines);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(lines[0], "cls p.jpg [P]");
    cr_assert_str_eq(lines[1], "n07 p.jpg [P]");
}

Test(walker, labels_sort_a_flat_folder)
{
    put("flat/v1.JPEG", "1");
    put("flat/v2.JPEG", "2");
    put("flat/v3.JPEG", "3");
    put("val.csv", "ImageId,PredictionString\r\nv1,n01 1 2 3 4\r\n\r\nv2.JPEG,n02\r\n");
    char in[512], labels[512], lines[32][512];
    snprintf(in, sizeof in, "%s/flat", root);
    snprintf(labels, sizeof labels, "%s/val.csv", root);
    const char *inputs[] = {in};
    walker_options opt = {.labels_path = labels};
    int n = walk(inputs, 1, &opt, lines);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(lines[0], "n01 v1.JPEG");
    cr_assert_str_eq(lines[1], "n02 v2.JPEG");
    cr_assert(strstr(lines[2], "v3.JPEG: not in labels file") != NULL, "%s", lines[2]);
}

Test(walker, malformed_labels_file_names_the_line)
{
    put("bad.csv", "a.jpg,n01\nno separator here\n");
    char labels[512];
    snprintf(labels, sizeof labels, "%s/bad.csv", root);
    const char *inputs[] = {root};
    walker_options opt = {.labels_path = labels};
    walker *w;
    err e;
    cr_assert_eq(walker_open(inputs, 1, &opt, &w, &e), -2);
    cr_assert(strstr(e.msg, "bad.csv:2: expected 'file,class'") != NULL, "%s", e.msg);
}

Test(walker, missing_input_is_fatal_corrupt_archive_is_a_problem)
{
    const char *missing[] = {"/nonexistent/raw"};
    walker *w;
    err e;
    cr_assert_eq(walker_open(missing, 1, NULL, &w, &e), -2);
    cr_assert(strstr(e.msg, "/nonexistent/raw") != NULL);

    put("junk.tar", "this is not a tar file at all, just some text that goes on");
    put("good/c/a.jpg", "a");
    char junk[512], good[512], lines[32][512];
    snprintf(junk, sizeof junk, "%s/junk.tar", root);
    snprintf(good, sizeof good, "%s/good", root);
    const char *inputs[] = {junk, good};
    int n = walk(inputs, 2, NULL, lines);
    cr_assert_eq(n, 2);
    cr_assert(strstr(lines[0], "junk.tar: ") != NULL && lines[0][0] == '!', "%s", lines[0]);
    cr_assert_str_eq(lines[1], "c a.jpg");
}

Test(walker, oversized_member_is_a_problem)
{
    member m[] = {{"c/big.jpg", "0123456789", 0, 0}, {"c/small.jpg", "s", 0, 0}};
    put_tar("t.tar", m, 2);
    char path[512], lines[32][512];
    snprintf(path, sizeof path, "%s/t.tar", root);
    const char *inputs[] = {path};
    walker_options opt = {.max_entry_bytes = 5};
    int n = walk(inputs, 1, &opt, lines);
    cr_assert_eq(n, 2);
    cr_assert(strstr(lines[0], "big.jpg: member larger than 5 bytes") != NULL, "%s", lines[0]);
    cr_assert_str_eq(lines[1], "c small.jpg [s]");
}
