#include "convert/output_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/atomic.h"

int output_file_errno_is_fatal(int errnum)
{
    return errnum == ENOSPC || errnum == EDQUOT || errnum == EROFS;
}

int output_file_write(const char *path, const void *data, size_t size, err *e)
{
    if (atomic_write_nosync(path, data, size, e) == 0)
        return 0;
    int errnum = errno;     /* atomic.h leaves the cause there */
    if (!output_file_errno_is_fatal(errnum))
        return -1;
    err_set(e, "%s: %s", path, strerror(errnum));
    return OUTPUT_FILE_DISK_FULL;
}
