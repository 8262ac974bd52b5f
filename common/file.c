/*
 * file.c - whole-file reads with a cap and recursive removal (sm_file.h).
 *
 * What: smx_file_read sizes its buffer from fstat when the file is regular
 * (one read, no copies) and otherwise doubles it from 64 KiB, never past the
 * caller's cap; at the cap it reads one byte more to tell "exactly max"
 * from "larger". smx_tree_remove walks with opendir/readdir and lstat, so a
 * symbolic link to a directory is removed as a link, never followed.
 * Errors: an errno value, returned or stored; nothing is printed.
 * Not here: what the bytes mean (each caller), writing files (callers write
 * with their own error messages).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_file.h"

static void *read_fail(int fd, void *buf, int code, size_t *len, int *error)
{
    free(buf);
    if (fd >= 0) {
        (void)close(fd);
    }
    *len = 0;
    if (error != NULL) {
        *error = code;
    }
    errno = code;
    return NULL;
}

/* One read that retries on EINTR. */
static ssize_t read_some(int fd, void *buf, size_t n)
{
    ssize_t got;
    do {
        got = read(fd, buf, n);
    } while (got < 0 && errno == EINTR);
    return got;
}

void *smx_file_read(const char *path, size_t max, size_t *len, int *error)
{
    if (max > SIZE_MAX / 2) {
        max = SIZE_MAX / 2; /* so room + 1 never wraps */
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return read_fail(-1, NULL, errno, len, error);
    }
    struct stat st;
    size_t room = max < 65536 ? max : 65536; /* bytes of data the buffer holds */
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uint64_t)st.st_size > (uint64_t)max) {
            return read_fail(fd, NULL, EFBIG, len, error);
        }
        /* one byte to spare, so the read that sees EOF needs no realloc */
        room = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max;
    }
    char *buf = malloc(room + 1);
    size_t n = 0;
    if (buf == NULL) {
        return read_fail(fd, NULL, ENOMEM, len, error);
    }
    for (;;) {
        if (n == max) { /* full: one byte more says whether there is more */
            char extra;
            ssize_t got = read_some(fd, &extra, 1);
            if (got != 0) {
                return read_fail(fd, buf, got > 0 ? EFBIG : errno, len, error);
            }
            break;
        }
        if (n == room) {
            size_t want = room < 4096 ? 4096 : room <= max / 2 ? room * 2 : max;
            want = want < max ? want : max;
            char *nb = realloc(buf, want + 1);
            if (nb == NULL) {
                return read_fail(fd, buf, ENOMEM, len, error);
            }
            buf = nb;
            room = want;
        }
        ssize_t got = read_some(fd, buf + n, room - n);
        if (got < 0) {
            return read_fail(fd, buf, errno, len, error);
        }
        if (got == 0) {
            break;
        }
        n += (size_t)got;
    }
    (void)close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int first_error(int have, int now)
{
    return have != 0 ? have : now;
}

int smx_tree_remove(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return errno == ENOENT ? 0 : errno;
    }
    if (!S_ISDIR(st.st_mode)) {
        return unlink(path) == 0 || errno == ENOENT ? 0 : errno;
    }
    int rc = 0;
    DIR *d = opendir(path);
    if (d == NULL) {
        rc = errno;
    } else {
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            char sub[4096];
            int n = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            if (n < 0 || (size_t)n >= sizeof sub) {
                rc = first_error(rc, ENAMETOOLONG);
                continue;
            }
            rc = first_error(rc, smx_tree_remove(sub));
        }
        (void)closedir(d);
    }
    if (rmdir(path) != 0 && errno != ENOENT) {
        rc = first_error(rc, errno);
    }
    return rc;
}
