#include "convert/output_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/atomic.h"

int output_file_errno_is_fatal(int errnum)
{
    return errnum == ENOSPC || errnum == EDQUOT || errnum == EROFS;
}

static int failed(int errnum, const char *path, err *e)
{
    if (!output_file_errno_is_fatal(errnum))
        return err_sys(e, errnum, path, "cannot write");
    err_set(e, "%s: %s", path, strerror(errnum));
    return OUTPUT_FILE_DISK_FULL;
}

/* 0, or the errno of the failed write. */
static int write_all(int fd, const char *p, size_t size)
{
    while (size) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

/* 0, or the errno that stopped it. */
static int write_whole(const char *path, const void *data, size_t size, err *e)
{
    atomic_file af;
    errno = 0;
    if (atomic_open(&af, path, e) < 0)  /* errno: that of the failed open(2) */
        return errno ? errno : EIO;
    int r = write_all(fileno(af.f), data, size);
    if (fclose(af.f) != 0 && !r)
        r = errno;
    if (!r && rename(af.tmp, af.path) != 0)
        r = errno;
    if (r)
        unlink(af.tmp);
    return r;
}

int output_file_write(const char *path, const void *data, size_t size, err *e)
{
    int r = write_whole(path, data, size, e);
    return r ? failed(r, path, e) : 0;
}
