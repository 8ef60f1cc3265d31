/* atomic.h: whole files or nothing, temporaries cleaned up. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic.h"

static char dir[] = "/tmp/test-atomic-XXXXXX";

static void setup(void) { cr_assert_not_null(mkdtemp(dir)); }
static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static int entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        n += de->d_name[0] != '.' || atomic_is_temp(de->d_name);
    closedir(d);
    return n;
}

TestSuite(atomic, .init = setup, .fini = teardown);

Test(atomic, write_replaces_whole_file_with_usual_mode)
{
    char path[256], buf[16] = {0};
    snprintf(path, sizeof path, "%s/out.bin", dir);
    err e;
    cr_assert_eq(atomic_write(path, "first version", 13, &e), 0);
    cr_assert_eq(atomic_write(path, "second", 6, &e), 0, "%s", e.msg);
    FILE *f = fopen(path, "rb");
    cr_assert_eq(fread(buf, 1, sizeof buf, f), 6);
    fclose(f);
    cr_assert_str_eq(buf, "second");
    struct stat st;
    stat(path, &st);
    mode_t mask = umask(022);
    umask(mask);
    cr_assert_eq(st.st_mode & 0777, 0666 & ~mask);
    cr_assert_eq(entries(), 1, "no temporary left behind");
}

Test(atomic, nosync_write_is_whole_too)
{
    char path[256], buf[8] = {0};
    snprintf(path, sizeof path, "%s/fast.bin", dir);
    err e;
    cr_assert_eq(atomic_write_nosync(path, "abc", 3, &e), 0);
    cr_assert_eq(atomic_sync_fs(path, &e), 0, "%s", e.msg);
    FILE *f = fopen(path, "rb");
    cr_assert_eq(fread(buf, 1, sizeof buf, f), 3);
    fclose(f);
    cr_assert_str_eq(buf, "abc");
    cr_assert_eq(entries(), 1);
}

Test(atomic, abort_leaves_nothing_and_keeps_old_file)
{
    char path[256];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    err e;
    atomic_write(path, "old", 3, &e);
    atomic_file af;
    cr_assert_eq(atomic_open(&af, path, &e), 0);
    fputs("half of the new", af.f);
    atomic_abort(&af);
    cr_assert_eq(entries(), 1);
    struct stat st;
    stat(path, &st);
    cr_assert_eq(st.st_size, 3);
}

Test(atomic, error_names_the_file)
{
    err e;
    cr_assert_eq(atomic_write("/nonexistent-dir/x.jpg", "x", 1, &e), -1);
    cr_assert(strstr(e.msg, "/nonexistent-dir/x.jpg") != NULL, "%s", e.msg);
}

Test(atomic, remove_temps_removes_only_temporaries)
{
    char path[256];
    err e;
    atomic_file af;
    snprintf(path, sizeof path, "%s/a.jpg", dir);
    cr_assert_eq(atomic_open(&af, path, &e), 0);
    fclose(af.f);  /* as if killed: the temporary stays */
    snprintf(path, sizeof path, "%s/keep.jpg", dir);
    atomic_write(path, "k", 1, &e);
    snprintf(path, sizeof path, "%s/.hidden", dir);
    fclose(fopen(path, "w"));
    cr_assert_eq(atomic_remove_temps(dir, &e), 1);
    cr_assert_eq(access(path, F_OK), 0, "other hidden files stay");
    cr_assert_not(atomic_is_temp("a.jpg.tmp-123456"));
    cr_assert(atomic_is_temp(".a.jpg.tmp-Ab3xYz"));
    /* the temporary of an output whose own name holds ".tmp-" */
    cr_assert(atomic_is_temp(".x.tmp-1.jpg.tmp-Ab3xYz"));
    cr_assert_not(atomic_is_temp(".x.tmp-1.jpg"));
}
