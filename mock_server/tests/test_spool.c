/*
 * test_spool.c - the spool's digests and its sharing of stored bytes: the
 * sha256 of a spool is the bytes' own whether it stayed in memory or moved
 * to disk; a stored blob counts as the spool's bytes only when they are
 * equal, never merely when sizes or content keys agree.
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
        sm_sha256_buf(p, n, want);
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
    sm_sha256_buf(a, sizeof a, want);
    assert_string_equal(h, want);

    sm_blob_unref(first);
    sm_slabs_cleanup(&slabs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(digest_is_the_bytes_own_in_memory_and_on_disk),
        cmocka_unit_test(spool_holds_only_equal_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
