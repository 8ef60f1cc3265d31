/* output_file.h: outputs appear whole, replace older ones, and leave nothing else behind. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/output_file.h"

static char dir[] = "/tmp/test-output-file-XXXXXX";

static void make_dir(void) { cr_assert(mkdtemp(dir)); }
static void remove_dir(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
TestSuite(output_file, .init = make_dir, .fini = remove_dir);

/* Fails unless dir holds x.jpg alone (no temporary either), with these bytes. */
static void expect_only_x(const char *bytes, size_t n)
{
    char path[256], buf[64];
    snprintf(path, sizeof path, "%s/x.jpg", dir);
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s missing", path);
    size_t got = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cr_assert(got == n && memcmp(buf, bytes, n) == 0, "x.jpg holds %zu other bytes", got);
    DIR *d = opendir(dir);
    for (struct dirent *de; (de = readdir(d));)
        cr_assert(!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
                      !strcmp(de->d_name, "x.jpg"), "%s left", de->d_name);
    closedir(d);
}

Test(output_file, writes_a_new_file_then_replaces_it_and_leaves_nothing_else)
{
    char path[256];
    snprintf(path, sizeof path, "%s/x.jpg", dir);
    err e;
    cr_assert_eq(output_file_write(path, "an older, longer output", 23, &e), 0, "%s", e.msg);
    expect_only_x("an older, longer output", 23);
    cr_assert_eq(output_file_write(path, "new", 3, &e), 0, "%s", e.msg);
    expect_only_x("new", 3);
}

Test(output_file, a_missing_folder_fails_this_file_only)
{
    char path[256];
    snprintf(path, sizeof path, "%s/no-such-folder/x.jpg", dir);
    err e;
    cr_assert_eq(output_file_write(path, "x", 1, &e), -1);
    cr_assert(strstr(e.msg, path), "%s", e.msg);
}

Test(output_file, full_quota_and_read_only_are_fatal)
{
    cr_assert(output_file_errno_is_fatal(ENOSPC));
    cr_assert(output_file_errno_is_fatal(EDQUOT));
    cr_assert(output_file_errno_is_fatal(EROFS));
    cr_assert_not(output_file_errno_is_fatal(EACCES));
    cr_assert_not(output_file_errno_is_fatal(ENOENT));
}
