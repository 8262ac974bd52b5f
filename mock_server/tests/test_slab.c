/*
 * test_slab.c - the slabs small stored files live in (slab.c): sizes out of
 * range are refused, blobs are 16-byte aligned and never overlap, a full
 * slab is retired when its last blob goes and its memory is reused from the
 * cache, the cache holds at most SM_SLAB_CACHE slabs, and a slab with blobs
 * still out when its owner is cleaned up lives on until the last unref.
 */
#include "../../tests/support/sm_test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/internal.h"

static void alloc_refuses_zero_and_oversized(void **state)
{
    (void)state;
    struct sm_slabs s;
    sm_slabs_init(&s);
    struct sm_slab *owner = (struct sm_slab *)&s; /* must be reset to NULL */
    assert_null(sm_slab_alloc(&s, 0, &owner));
    assert_null(owner);
    assert_null(sm_slab_alloc(&s, SM_SLAB_MAX_BLOB + 1, &owner));
    assert_null(owner);
    sm_slabs_cleanup(&s);
}

static void blobs_are_aligned_and_disjoint(void **state)
{
    (void)state;
    struct sm_slabs s;
    sm_slabs_init(&s);
    struct sm_slab *o1, *o2;
    uint8_t *a = sm_slab_alloc(&s, 1, &o1);
    uint8_t *b = sm_slab_alloc(&s, 17, &o2);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(o1 == o2); /* the same slab */
    assert_int_equal((uintptr_t)a % 16, 0);
    assert_int_equal((uintptr_t)b % 16, 0);
    assert_true(b >= a + 16);
    memset(a, 0xAA, 1);
    memset(b, 0xBB, 17);
    assert_int_equal(a[0], 0xAA);
    sm_slab_unref(o1);
    sm_slab_unref(o2);
    sm_slabs_cleanup(&s);
}

/* Fill slabs with the largest blobs, drop them all: each full slab goes to
 * the cache, up to its cap, and the next allocations reuse cached memory. */
static void full_slabs_are_retired_cached_and_reused(void **state)
{
    (void)state;
    struct sm_slabs s;
    sm_slabs_init(&s);
    size_t per_slab = SM_SLAB_SIZE / SM_SLAB_MAX_BLOB;
    size_t n = per_slab * (SM_SLAB_CACHE + 2) + 1; /* spills into SM_SLAB_CACHE + 3 slabs */
    struct sm_slab **owners = calloc(n, sizeof *owners);
    uint8_t **blobs = calloc(n, sizeof *blobs);
    assert_non_null(owners);
    assert_non_null(blobs);
    for (size_t i = 0; i < n; i++) {
        blobs[i] = sm_slab_alloc(&s, SM_SLAB_MAX_BLOB, &owners[i]);
        assert_non_null(blobs[i]); /* untouched: the mappings cost no memory */
    }
    assert_true(owners[0] != owners[n - 1]);
    for (size_t i = 0; i < n; i++) {
        sm_slab_unref(owners[i]);
    }
    assert_int_equal(s.n_cache, SM_SLAB_CACHE); /* the rest were unmapped */
    /* fill the current slab, then the next allocation comes from the cache */
    struct sm_slab *cached = s.cache;
    uint8_t *cached_base = NULL;
    for (size_t i = 0; i < per_slab + 1; i++) {
        struct sm_slab *o;
        uint8_t *p = sm_slab_alloc(&s, SM_SLAB_MAX_BLOB, &o);
        assert_non_null(p);
        if (o == cached && cached_base == NULL) {
            cached_base = p;
        }
        sm_slab_unref(o);
    }
    assert_non_null(cached_base); /* a cached slab was taken back into use */
    free(owners);
    free(blobs);
    sm_slabs_cleanup(&s);
}

/* A blob still out when the slabs are cleaned up (a download in flight when
 * the server is freed) keeps its slab alive; the last unref frees it (ASan
 * and valgrind see a leak or a use after free otherwise). */
static void slab_outlives_cleanup_while_a_blob_is_out(void **state)
{
    (void)state;
    struct sm_slabs s;
    sm_slabs_init(&s);
    struct sm_slab *o;
    uint8_t *p = sm_slab_alloc(&s, 100, &o);
    assert_non_null(p);
    sm_slabs_cleanup(&s);
    memset(p, 1, 100); /* still mapped */
    assert_int_equal(p[99], 1);
    sm_slab_unref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alloc_refuses_zero_and_oversized),
        cmocka_unit_test(blobs_are_aligned_and_disjoint),
        cmocka_unit_test(full_slabs_are_retired_cached_and_reused),
        cmocka_unit_test(slab_outlives_cleanup_while_a_blob_is_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
