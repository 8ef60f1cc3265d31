#include "common/atomic.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "common/names.h"

static const char temp_marker[] = ".tmp-";

/* Six name characters that differ between calls, threads and processes; O_EXCL makes a clash
 * harmless (another name is drawn). Created 0666 & ~umask, like any new file. */
static void temp_suffix(char out[7])
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static uint64_t counter;
    uint64_t x = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) * 0x9e3779b97f4a7c15ULL;
    x ^= (uint64_t)getpid() * 0xbf58476d1ce4e5b9ULL ^ (uint64_t)time(NULL);
    for (int i = 0; i < 6; i++, x /= 62)
        out[i] = chars[x % 62];
    out[6] = '\0';
}

/* Sets the message and errno (which callers may classify) and returns -1. */
static int fail_errno(err *e, int errnum, const char *path, const char *what)
{
    err_sys(e, errnum, path, what);
    errno = errnum;
    return -1;
}

/* Creates the temporary of `path` in af->tmp; returns its descriptor or -1. */
static int open_temp(atomic_file *af, const char *path, err *e)
{
    const char *base = names_basename(path);
    if (strlen(path) >= sizeof af->path)
        return fail_errno(e, ENAMETOOLONG, path, NULL);
    strcpy(af->path, path);
    af->f = NULL;
    for (int attempt = 0; attempt < 100; attempt++) {
        char suffix[7];
        temp_suffix(suffix);
        int len = snprintf(af->tmp, sizeof af->tmp, "%.*s.%s%s%s", (int)(base - path), path,
                           base, temp_marker, suffix);
        if (len < 0 || (size_t)len >= sizeof af->tmp)
            return fail_errno(e, ENAMETOOLONG, path, NULL);
        int fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd >= 0 ? fd : fail_errno(e, errno, path, "cannot create temporary file");
    }
    return fail_errno(e, EEXIST, path, "cannot find a free temporary name");
}

int atomic_open(atomic_file *af, const char *path, err *e)
{
    int fd = open_temp(af, path, e);
    if (fd < 0)
        return -1;
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        int saved = errno;
        close(fd);
        unlink(af->tmp);
        return fail_errno(e, saved, path, "cannot open temporary file");
    }
    return 0;
}

/* Renames the closed temporary into place, or removes it when writing `failed` (errno
 * `saved`). */
static int finish(atomic_file *af, int failed, int saved, err *e)
{
    if (!failed && rename(af->tmp, af->path) == 0)
        return 0;
    if (!failed)
        saved = errno;
    unlink(af->tmp);
    return fail_errno(e, saved ? saved : EIO, af->path, "cannot write");
}

int atomic_commit(atomic_file *af, err *e)
{
    int failed = fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) != 0;
    int saved = errno;
    if (fclose(af->f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    af->f = NULL;
    return finish(af, failed, saved, e);
}

void atomic_abort(atomic_file *af)
{
    if (af->f)
        fclose(af->f);
    af->f = NULL;
    unlink(af->tmp);
}

/* Without stdio: one buffer, written with write(2). */
static int write_whole(const char *path, const void *data, size_t size, int sync, err *e)
{
    atomic_file af;
    int fd = open_temp(&af, path, e);
    if (fd < 0)
        return -1;
    const char *p = data;
    int failed = 0;
    while (size && !failed) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        failed = n <= 0;
        if (!failed) {
            p += n;
            size -= (size_t)n;
        }
    }
    failed = failed || (sync && fsync(fd) != 0);
    int saved = errno;
    if (close(fd) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    return finish(&af, failed, saved, e);
}

int atomic_write(const char *path, const void *data, size_t size, err *e)
{
    return write_whole(path, data, size, 1, e);
}

int atomic_write_nosync(const char *path, const void *data, size_t size, err *e)
{
    return write_whole(path, data, size, 0, e);
}

int atomic_sync_fs(const char *path, err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(e, errno, path, "cannot open");
    int r = syncfs(fd);
    int saved = errno;
    close(fd);
    return r == 0 ? 0 : err_sys(e, saved, path, "cannot sync");
}

int atomic_is_temp(const char *name)
{
    size_t marker = sizeof temp_marker - 1, tail = marker + 6;  /* ".tmp-" and 6 characters */
    size_t n = strlen(name);
    return name[0] == '.' && n > tail && !strncmp(name + n - tail, temp_marker, marker);
}

int atomic_remove_temps(const char *dir, err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_sys(e, errno, dir, "cannot read directory");
    int removed = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (!atomic_is_temp(de->d_name))
            continue;
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) < (int)sizeof path &&
            unlink(path) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
