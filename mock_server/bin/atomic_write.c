/*
 * atomic_write.c - write a file so that no reader ever sees it half written:
 * a temporary file beside it (same directory, so the rename stays on one
 * file system), written whole, fsync'd, then renamed over the target. Used
 * by `serve --har` and `record`. On failure the temporary file is removed
 * and the target is left as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

bool srv_write_file_atomic(const char *path, const char *data, size_t len)
{
    size_t tlen = strlen(path) + 32;
    char *tmp = malloc(tlen);
    if (tmp == NULL) {
        errno = ENOMEM;
        return false;
    }
    (void)snprintf(tmp, tlen, "%s.tmp-%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0;
    size_t off = 0;
    while (ok && off < len) {
        ssize_t k = write(fd, data + off, len - off);
        if (k <= 0) {
            ok = false;
            break;
        }
        off += (size_t)k;
    }
    ok = ok && fsync(fd) == 0;
    if (fd >= 0) {
        ok = close(fd) == 0 && ok;
    }
    ok = ok && rename(tmp, path) == 0;
    if (!ok && fd >= 0) {
        int saved = errno;
        (void)unlink(tmp);
        errno = saved;
    }
    free(tmp);
    return ok;
}
