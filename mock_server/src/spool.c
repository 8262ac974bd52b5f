/*
 * spool.c - where an upload's file part goes while it arrives, and the
 * refcounted blobs that hold a stage file's bytes afterwards.
 *
 * What: a spool keeps the first SM_SPOOL_MEM_MAX bytes in memory and moves
 * to an unlinked temp file (O_TMPFILE, or mkstemp + unlink) beyond that, so
 * an upload of any size costs bounded memory and is never held twice. When
 * the upload is accepted the spool becomes a blob: memory bytes or the temp
 * file's descriptor. A blob is shared by the stage and by downloads in
 * flight, and freed (closing the fd) when the last reference goes.
 * A spool told the request's length up front (sm_spool_expect) allocates
 * its memory once: a 1 MiB upload that grew by doubling copied and touched
 * twice its size in fresh pages, and on our VMs page faults are the cost.
 * Above the slab size that memory is its own mapping, populated in one call
 * (MAP_POPULATE) instead of one fault per page, and it becomes the blob as
 * it is: the bytes are written once and never copied again.
 * Digests: a spool on disk hashes (sha256) what it writes as it writes it,
 * so a large upload is never read twice; a spool in memory hashes only when
 * asked, since the common 4 KiB upload would otherwise spend a tenth of its
 * CPU on a digest that is read, if ever, from the journal much later.
 * Not here: the data-dir files themselves (store.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "internal.h"

struct sm_blob *sm_blob_ref(struct sm_blob *b)
{
    __atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
    return b;
}

void sm_blob_unref(struct sm_blob *b)
{
    if (b == NULL || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    if (b->fd >= 0) {
        close(b->fd);
    }
    if (b->slab != NULL) {
        sm_slab_unref(b->slab);
    } else if (b->map_len > 0) {
        (void)munmap(b->mem, b->map_len);
    } else {
        free(b->mem);
    }
    free(b);
}

void sm_spool_init(struct sm_spool *s, const char *tmp_dir)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->tmp_dir = tmp_dir;
}

static int open_tmp(const char *dir)
{
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) {
        return fd;
    }
#endif
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/stagemock-spool-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd2 = mkstemp(path);
    if (fd2 >= 0) {
        (void)unlink(path);
    }
    return fd2;
}

static enum sm_code write_fd(int fd, const void *data, size_t n, struct sm_error *err)
{
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            return sm_err_set(err, SM_E_IO, e == ENOSPC ? 507 : 500, SM_RULE_NONE,
                              "storing the upload failed: %s", strerror(e));
        }
        p += w;
        n -= (size_t)w;
    }
    return SM_OK;
}

void sm_spool_expect(struct sm_spool *s, uint64_t hint)
{
    /* Only a spool that has nothing yet, and only for what stays in memory:
     * a larger body goes to disk, where the hint buys nothing. */
    if (s->mem != NULL || s->fd >= 0 || hint == 0 || hint > SM_SPOOL_MEM_MAX) {
        return;
    }
    if (hint > SM_SLAB_MAX_BLOB) {
        /* Too big for a slab: its own mapping, populated in one call, since
         * a fault per page was most of a 1 MiB upload's cost */
        void *m = mmap(NULL, (size_t)hint, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (m != MAP_FAILED) {
            s->mem = m;
            s->mem_cap = (size_t)hint;
            s->mapped = true;
        }
        return; /* no memory now: append grows as usual */
    }
    s->mem = malloc((size_t)hint);
    s->mem_cap = s->mem != NULL ? (size_t)hint : 0;
}

static void spool_free_mem(struct sm_spool *s)
{
    if (s->mapped) {
        (void)munmap(s->mem, s->mem_cap);
    } else {
        free(s->mem);
    }
    s->mem = NULL;
    s->mapped = false;
}

enum sm_code sm_spool_append(struct sm_spool *s, const void *data, size_t n, struct sm_error *err)
{
    if (n == 0) {
        return SM_OK;
    }
    if (s->fd < 0 && s->mem_len + n <= SM_SPOOL_MEM_MAX) {
        if (s->mem_len + n > s->mem_cap) {
            size_t cap = s->mem_cap ? s->mem_cap : 4096;
            while (cap < s->mem_len + n) {
                cap *= 2;
            }
            uint8_t *nm = s->mapped ? malloc(cap) : realloc(s->mem, cap);
            if (nm != NULL && s->mapped) { /* a body longer than it said: leave the mapping */
                memcpy(nm, s->mem, s->mem_len);
                spool_free_mem(s);
            }
            if (nm == NULL) {
                return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE,
                                  "out of memory spooling the upload");
            }
            s->mem = nm;
            s->mem_cap = cap;
        }
        memcpy(s->mem + s->mem_len, data, n);
        s->mem_len += n;
        s->size += n;
        return SM_OK;
    }
    if (s->fd < 0) {
        const char *dir = s->tmp_dir ? s->tmp_dir : "/tmp";
        s->fd = open_tmp(dir);
        if (s->fd < 0) {
            return sm_err_set(err, SM_E_IO, 500, SM_RULE_NONE,
                              "cannot create a spool file in %s: %s", dir, strerror(errno));
        }
        smx_sha256_init(&s->sha);
        smx_sha256_update(&s->sha, s->mem, s->mem_len);
        enum sm_code rc = write_fd(s->fd, s->mem, s->mem_len, err);
        spool_free_mem(s);
        s->mem_len = s->mem_cap = 0;
        if (rc != SM_OK) {
            return rc;
        }
    }
    smx_sha256_update(&s->sha, data, n);
    enum sm_code rc = write_fd(s->fd, data, n, err);
    if (rc == SM_OK) {
        s->size += n;
    }
    return rc;
}

void sm_spool_sha256(struct sm_spool *s, char hex[65])
{
    if (s->fd >= 0) {
        smx_sha256_hex(&s->sha, hex);
    } else {
        smx_sha256_buf(s->mem, s->mem_len, hex);
    }
}

bool sm_spool_content_key(const struct sm_spool *s, uint64_t *key)
{
    if (s->fd >= 0) {
        return false;
    }
    *key = XXH3_64bits(s->mem, s->mem_len);
    return true;
}

bool sm_blob_sha256(const struct sm_blob *b, char hex[65])
{
    if (b->fd >= 0) {
        return smx_sha256_file(b->fd, hex);
    }
    smx_sha256_buf(b->mem, (size_t)b->size, hex);
    return true;
}

enum sm_code sm_spool_check(const struct sm_spool *s, const struct sm_pq_options *opt,
                            struct sm_pq_file **out, struct sm_error *err)
{
    if (s->fd >= 0) {
        return sm_pq_check_fd(s->fd, s->size, opt, out, err);
    }
    return sm_pq_check_buf(s->mem ? s->mem : (const uint8_t *)"", s->mem_len, opt, out, err);
}

struct sm_blob *sm_spool_to_blob(struct sm_spool *s, struct sm_slabs *slabs)
{
    struct sm_blob *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return NULL;
    }
    b->refs = 1;
    b->size = s->size;
    b->fd = s->fd;
    b->mem = s->mem;
    uint8_t *in_slab = s->mem != NULL && slabs != NULL && !s->mapped
                           ? sm_slab_alloc(slabs, s->mem_len, &b->slab)
                           : NULL;
    if (s->mapped) {
        b->map_len = s->mem_cap; /* the mapping is the blob: no second copy */
    } else if (in_slab != NULL) {
        memcpy(in_slab, s->mem, s->mem_len);
        free(s->mem);
        b->mem = in_slab;
    } else if (s->mem != NULL && s->mem_cap - s->mem_len > s->mem_len / 8) {
        /* a stage keeps the blob for its life: give back the doubling slack
         * (the few hundred bytes of multipart framing an expected size
         * leaves are not worth a realloc) */
        uint8_t *fit = realloc(s->mem, s->mem_len ? s->mem_len : 1);
        if (fit != NULL) {
            b->mem = fit; /* else the larger block stays, still ours */
        }
    }
    s->fd = -1;
    s->mem = NULL;
    s->mapped = false;
    s->mem_len = s->mem_cap = 0;
    s->size = 0;
    return b;
}

bool sm_spool_holds(const struct sm_spool *s, const struct sm_blob *b)
{
    return b->fd < 0 && s->fd < 0 && b->size == s->size &&
           (s->size == 0 || memcmp(b->mem, s->mem, s->mem_len) == 0);
}

void sm_spool_cleanup(struct sm_spool *s)
{
    if (s->fd >= 0) {
        close(s->fd);
    }
    spool_free_mem(s);
    sm_spool_init(s, s->tmp_dir);
}
