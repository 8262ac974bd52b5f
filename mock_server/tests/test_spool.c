/*
 * test_spool.c - the spool's digests and its sharing of stored bytes: the
 * sha256 of a spool is the bytes' own whether it stayed in memory or moved
 * to disk; a stored blob counts as the spool's bytes only when they are
 * equal, never merely when sizes or content keys agree; a spool told its
 * size up front keeps every byte whatever the body turns out to be.
 */
#include "../../tests/support/sm_test.h"

#include <stdlib.h>
#include <string.h>

#include "../src/internal.h"

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

static void spool_of(struct sm_spool *s, const uint8_t *p, size_t n, size_t chunk)
{
    sm_spool_init(s, NULL);
    struct sm_error e;
    for (size_t off = 0; off < n; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        assert_int_equal(sm_spool_append(s, p + off, k, &e), SM_OK);
    }
}

static void digest_is_the_bytes_own_in_memory_and_on_disk(void **state)
{
    (void)state;
    static const size_t sizes[] = {
        0, 1, 4096, SM_SPOOL_MEM_MAX, SM_SPOOL_MEM_MAX + 1, 3 * SM_SPOOL_MEM_MAX + 17};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        uint8_t *p = malloc(n ? n : 1);
        assert_non_null(p);
        fill(p, n, (unsigned)i);
        char want[65], got[65];
        smx_sha256_buf(p, n, want);
        struct sm_spool s;
        spool_of(&s, p, n, 65521); /* odd chunks: the move to disk falls mid-chunk */
        assert_int_equal(s.fd >= 0, n > SM_SPOOL_MEM_MAX);
        uint64_t key;
        assert_int_equal(sm_spool_content_key(&s, &key), n <= SM_SPOOL_MEM_MAX);
        sm_spool_sha256(&s, got);
        assert_string_equal(got, want);
        sm_spool_cleanup(&s);
        free(p);
    }
}

static void spool_holds_only_equal_bytes(void **state)
{
    (void)state;
    uint8_t a[4096], b[4096];
    fill(a, sizeof a, 1);
    memcpy(b, a, sizeof b);
    b[2048] ^= 1; /* same size, one bit apart */
    struct sm_slabs slabs;
    sm_slabs_init(&slabs);

    struct sm_spool s;
    spool_of(&s, a, sizeof a, sizeof a);
    struct sm_blob *first = sm_spool_to_blob(&s, &slabs);
    assert_non_null(first);
    assert_int_equal(s.size, 0); /* the spool handed its bytes over */
    assert_memory_equal(first->mem, a, sizeof a);

    spool_of(&s, a, sizeof a, 1000); /* equal bytes, other chunks */
    assert_true(sm_spool_holds(&s, first));
    sm_spool_cleanup(&s);

    spool_of(&s, b, sizeof b, sizeof b); /* one bit apart */
    assert_false(sm_spool_holds(&s, first));
    sm_spool_cleanup(&s);

    spool_of(&s, a, sizeof a - 1, sizeof a); /* a prefix */
    assert_false(sm_spool_holds(&s, first));
    sm_spool_cleanup(&s);

    char h[65], want[65];
    assert_true(sm_blob_sha256(first, h));
    smx_sha256_buf(a, sizeof a, want);
    assert_string_equal(h, want);

    sm_blob_unref(first);
    sm_slabs_cleanup(&slabs);
}

/* A spool told its size up front: small hints malloc once, large ones map;
 * a body shorter, longer or far longer than the hint still keeps every
 * byte, and a mapped spool becomes the blob without a copy. */
static void expected_size_keeps_every_byte(void **state)
{
    (void)state;
    static const struct {
        size_t hint, n;
        bool mapped_after; /* still the mapping once all bytes are in */
    } cases[] = {
        {4096, 4000, false},                                /* malloc'd, body as said */
        {SM_SLAB_MAX_BLOB + 1, SM_SLAB_MAX_BLOB + 1, true}, /* mapped, exact */
        {700000, 650000, true},                             /* mapped, body shorter */
        {300000, 600000, false},           /* body longer than it said: leaves the mapping */
        {900000, 3000000, false},          /* past the memory limit: to disk, mapping freed */
        {SM_SPOOL_MEM_MAX + 1, 10, false}, /* a hint past the limit is ignored */
    };
    struct sm_slabs slabs;
    sm_slabs_init(&slabs);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cases[i].n;
        uint8_t *p = malloc(n);
        assert_non_null(p);
        fill(p, n, (unsigned)i + 7);
        struct sm_spool s;
        sm_spool_init(&s, NULL);
        sm_spool_expect(&s, cases[i].hint);
        struct sm_error e;
        for (size_t off = 0; off < n; off += 16384) {
            size_t k = n - off < 16384 ? n - off : 16384;
            assert_int_equal(sm_spool_append(&s, p + off, k, &e), SM_OK);
        }
        assert_int_equal(s.mapped, cases[i].mapped_after);
        assert_int_equal(s.fd >= 0, n > SM_SPOOL_MEM_MAX);
        const uint8_t *mapping = s.mapped ? s.mem : NULL;
        struct sm_blob *b = sm_spool_to_blob(&s, &slabs);
        assert_non_null(b);
        assert_int_equal(b->size, n);
        if (mapping != NULL) {
            assert_ptr_equal(b->mem, mapping); /* no second copy */
            assert_int_equal(b->map_len, cases[i].hint);
        }
        char got[65], want[65];
        assert_true(sm_blob_sha256(b, got));
        smx_sha256_buf(p, n, want);
        assert_string_equal(got, want);
        if (b->fd < 0) {
            assert_memory_equal(b->mem, p, n);
        }
        sm_blob_unref(b);
        free(p);
    }
    sm_slabs_cleanup(&slabs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(digest_is_the_bytes_own_in_memory_and_on_disk),
        cmocka_unit_test(spool_holds_only_equal_bytes),
        cmocka_unit_test(expected_size_keeps_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
