#include "pack/store_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

/* Splits path into its parent folder and last component (without trailing slashes). */
static void split_path(const char *path, char *parent, size_t pcap, char *base, size_t bcap)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    const char *slash = memrchr(path, '/', len);
    const char *b = slash ? slash + 1 : path;
    snprintf(base, bcap, "%.*s", (int)(path + len - b), b);
    if (!slash)
        snprintf(parent, pcap, ".");
    else if (slash == path)
        snprintf(parent, pcap, "/");
    else
        snprintf(parent, pcap, "%.*s", (int)(slash - path), path);
}

/* Removes an LMDB folder: its data.mdb and lock.mdb, then the (then empty) folder. */
static int remove_store_dir(const char *dir)
{
    static const char *const files[] = {"data.mdb", "lock.mdb"};
    char f[4096];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(f, sizeof f, "%s/%s", dir, files[i]);
        if (unlink(f) != 0 && errno != ENOENT)
            return -1;
    }
    return rmdir(dir);
}

/* 1 if `dir` holds nothing but LMDB's files (so replacing it loses nothing else). */
static int is_store_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    int ok = 1;
    while (ok && (de = readdir(d)))
        ok = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
             !strcmp(de->d_name, "data.mdb") || !strcmp(de->d_name, "lock.mdb");
    closedir(d);
    return ok;
}

/* ".<base>.tmp-<pid>" of a process that no longer runs. */
static int is_stale_temp(const char *name, const char *base)
{
    size_t bl = strlen(base);
    if (name[0] != '.' || strncmp(name + 1, base, bl) != 0 || strncmp(name + 1 + bl, ".tmp-", 5))
        return 0;
    char *end;
    long pid = strtol(name + bl + 6, &end, 10);
    return *end == '\0' && pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void remove_stale(const char *parent, const char *base)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)))
        if (is_stale_temp(de->d_name, base)) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", parent, de->d_name);
            if (remove_store_dir(p) == 0)
                log_info("removed %s, left by an interrupted run", p);
            else
                log_warn("%s: cannot remove this leftover of an interrupted run: %s", p,
                         strerror(errno));
        }
    closedir(d);
}

int store_dir_begin(const char *path, int force, char *tmp, size_t cap, err *e)
{
    char parent[4096], base[256];
    split_path(path, parent, sizeof parent, base, sizeof base);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!force)
            return err_set(e, "%s: exists (use --force to replace it)", path);
        if (!S_ISDIR(st.st_mode) || !is_store_dir(path))
            return err_set(e, "%s: exists and is not a store; not replacing it", path);
    }
    remove_stale(parent, base);
    if (snprintf(tmp, cap, "%s/.%s.tmp-%ld", parent, base, (long)getpid()) >= (int)cap)
        return err_set(e, "%s: path too long", path);
    if (mkdir(tmp, 0755) != 0)
        return err_sys(e, errno, tmp, "cannot create the temporary store");
    return 0;
}

static int sync_path(const char *path, err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(e, errno, path, NULL);
    int rc = fsync(fd) != 0 && errno != EINVAL ? err_sys(e, errno, path, "fsync") : 0;
    close(fd);
    return rc;
}

int store_dir_commit(const char *tmp, const char *path, err *e)
{
    char parent[4096], base[256], data[4096];
    split_path(path, parent, sizeof parent, base, sizeof base);
    snprintf(data, sizeof data, "%s/data.mdb", tmp);
    if (sync_path(data, e) < 0 || sync_path(tmp, e) < 0)
        return -1;
    /* An existing store is swapped atomically; the old one then sits at tmp. */
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
        if (remove_store_dir(tmp) != 0)
            log_warn("%s: cannot remove the replaced store: %s", tmp, strerror(errno));
    } else if (rename(tmp, path) != 0)
        return err_sys(e, errno, path, "cannot move the store into place");
    return sync_path(parent, e);
}

void store_dir_abort(const char *tmp)
{
    if (remove_store_dir(tmp) != 0 && errno != ENOENT)
        log_warn("%s: cannot remove the temporary store: %s", tmp, strerror(errno));
}
