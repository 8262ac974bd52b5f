/*
 * slab.c - where the bytes of small stored files live: large anonymous
 * mappings handed out front to back, backed by huge pages where the kernel
 * allows (MADV_HUGEPAGE).
 *
 * Why: a stage keeps every accepted file in memory, so each 4 KiB upload
 * needs fresh memory that the kernel must fault in page by page. Under the
 * paravirtualised kernels our CI machines run, those faults were the largest
 * single cost of an upload (docs/BENCHMARKS.md: ~1.2 faults and ~45 us of CPU
 * per 4 KiB upload before, a fault per thousand uploads after).
 *
 * How: a slab is one SM_SLAB_SIZE mapping with a reference count: one
 * reference for each blob carved from it and one while it is the slab being
 * filled. Carving takes the slabs' own mutex, never the server's lock. A slab
 * is unmapped when its count drops to zero, so the space of dropped files is
 * given back a whole slab at a time; stages are append-mostly and a reset
 * drops everything, so this wastes little. Files over SM_SLAB_MAX_BLOB stay
 * in their own malloc'd buffer (spool.c).
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"

struct sm_slab {
    uint8_t *base;
    size_t used;
    unsigned refs; /* atomic */
};

void sm_slabs_init(struct sm_slabs *s)
{
    pthread_mutex_init(&s->lock, NULL);
    s->cur = NULL;
}

void sm_slab_unref(struct sm_slab *slab)
{
    if (slab == NULL || __atomic_sub_fetch(&slab->refs, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    (void)munmap(slab->base, SM_SLAB_SIZE);
    free(slab);
}

void sm_slabs_cleanup(struct sm_slabs *s)
{
    sm_slab_unref(s->cur); /* blobs still out keep their slab alive */
    s->cur = NULL;
    pthread_mutex_destroy(&s->lock);
}

static struct sm_slab *slab_new(void)
{
    struct sm_slab *slab = malloc(sizeof *slab);
    if (slab == NULL) {
        return NULL;
    }
    void *p = mmap(NULL, SM_SLAB_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        free(slab);
        return NULL;
    }
    (void)madvise(p, SM_SLAB_SIZE, MADV_HUGEPAGE); /* advice only: fine if refused */
    slab->base = p;
    slab->used = 0;
    slab->refs = 1; /* the filling reference */
    return slab;
}

uint8_t *sm_slab_alloc(struct sm_slabs *s, size_t n, struct sm_slab **owner)
{
    *owner = NULL;
    if (n == 0 || n > SM_SLAB_MAX_BLOB) {
        return NULL;
    }
    n = (n + 15) & ~(size_t)15;
    pthread_mutex_lock(&s->lock);
    if (s->cur == NULL || SM_SLAB_SIZE - s->cur->used < n) {
        struct sm_slab *fresh = slab_new();
        if (fresh == NULL) {
            pthread_mutex_unlock(&s->lock);
            return NULL;
        }
        sm_slab_unref(s->cur);
        s->cur = fresh;
    }
    struct sm_slab *slab = s->cur;
    uint8_t *p = slab->base + slab->used;
    slab->used += n;
    __atomic_add_fetch(&slab->refs, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&s->lock);
    *owner = slab;
    return p;
}
