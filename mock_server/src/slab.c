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
 * retired when its count drops to zero, so the space of dropped files is
 * given back a whole slab at a time; stages are append-mostly and a reset
 * drops everything, so this wastes little. Retired slabs wait in a small
 * cache (SM_SLAB_CACHE) marked MADV_FREE: the kernel may take their pages
 * under pressure, and otherwise the next test after a reset refills warm
 * memory instead of faulting in new pages. Files over SM_SLAB_MAX_BLOB stay
 * in their own malloc'd buffer (spool.c).
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"

struct sm_slab {
    uint8_t *base;
    size_t used;
    unsigned refs;         /* atomic */
    struct sm_slabs *home; /* whose cache takes it back; NULL once that is gone */
    struct sm_slab *next;  /* in the cache */
};

void sm_slabs_init(struct sm_slabs *s)
{
    pthread_mutex_init(&s->lock, NULL);
    s->cur = NULL;
    s->cache = NULL;
    s->n_cache = 0;
}

static void slab_destroy(struct sm_slab *slab)
{
    (void)munmap(slab->base, SM_SLAB_SIZE);
    free(slab);
}

/* A slab nothing uses any more, under s->lock: into the cache, or unmapped
 * when the cache is full. */
static void retire_locked(struct sm_slabs *s, struct sm_slab *slab)
{
    if (s->n_cache < SM_SLAB_CACHE) {
        (void)madvise(slab->base, SM_SLAB_SIZE, MADV_FREE);
        slab->used = 0;
        slab->next = s->cache;
        s->cache = slab;
        s->n_cache++;
    } else {
        slab_destroy(slab);
    }
}

void sm_slab_unref(struct sm_slab *slab)
{
    if (slab == NULL || __atomic_sub_fetch(&slab->refs, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    struct sm_slabs *home = __atomic_load_n(&slab->home, __ATOMIC_ACQUIRE);
    if (home == NULL) {
        slab_destroy(slab); /* homeless: its server is gone */
        return;
    }
    pthread_mutex_lock(&home->lock);
    bool housed = slab->home != NULL; /* cleanup may have turned it out meanwhile */
    if (housed) {
        retire_locked(home, slab);
    }
    pthread_mutex_unlock(&home->lock);
    if (!housed) {
        slab_destroy(slab);
    }
}

/* Called by sm_server_free after the stages, the journal and the daemon are
 * gone, so the only slab that can still have blobs out is the current one. */
void sm_slabs_cleanup(struct sm_slabs *s)
{
    struct sm_slab *cur = s->cur;
    pthread_mutex_lock(&s->lock);
    s->cur = NULL;
    while (s->cache != NULL) {
        struct sm_slab *next = s->cache->next;
        slab_destroy(s->cache);
        s->cache = next;
    }
    s->n_cache = 0;
    if (cur != NULL) {
        /* blobs still out (a download in flight) keep it alive, homeless */
        __atomic_store_n(&cur->home, NULL, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&s->lock);
    sm_slab_unref(cur);
    pthread_mutex_destroy(&s->lock);
}

static struct sm_slab *slab_new(struct sm_slabs *home)
{
    if (home->cache != NULL) {
        struct sm_slab *slab = home->cache;
        home->cache = slab->next;
        home->n_cache--;
        slab->refs = 1;
        return slab;
    }
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
    slab->home = home;
    slab->next = NULL;
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
        struct sm_slab *fresh = slab_new(s);
        if (fresh == NULL) {
            pthread_mutex_unlock(&s->lock);
            return NULL;
        }
        struct sm_slab *old = s->cur;
        s->cur = fresh;
        if (old != NULL && __atomic_sub_fetch(&old->refs, 1, __ATOMIC_ACQ_REL) == 0) {
            retire_locked(s, old); /* already under our lock */
        }
    }
    struct sm_slab *slab = s->cur;
    uint8_t *p = slab->base + slab->used;
    slab->used += n;
    __atomic_add_fetch(&slab->refs, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&s->lock);
    *owner = slab;
    return p;
}
