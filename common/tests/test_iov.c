/*
 * test_iov.c - smx_iov_advance (common/iov.c): a step inside the first
 * entry, one that ends exactly on an entry's end, one across entries and
 * empty ones, and one that writes everything, each checked against the bytes
 * the rest of the array still points at.
 */
#include "../../tests/support/sm_test.h"

#include <string.h>

#include "../sm_iov.h"

static char a[] = "hello", b[] = "", c[] = "world!";

static int fill(struct iovec v[3])
{
    v[0] = (struct iovec){a, 5};
    v[1] = (struct iovec){b, 0};
    v[2] = (struct iovec){c, 6};
    return 3;
}

static void iov_advance_inside_the_first_entry(void **state)
{
    (void)state;
    struct iovec arr[3], *v = arr;
    int n = fill(arr);
    smx_iov_advance(&v, &n, 2);
    assert_int_equal(n, 3);
    assert_ptr_equal(v, arr);
    assert_int_equal(v->iov_len, 3);
    assert_memory_equal(v->iov_base, "llo", 3);
}

static void iov_advance_to_an_entry_end_skips_empty_ones(void **state)
{
    (void)state;
    struct iovec arr[3], *v = arr;
    int n = fill(arr);
    smx_iov_advance(&v, &n, 5); /* "hello" and the empty one after it are done */
    assert_int_equal(n, 1);
    assert_ptr_equal(v, &arr[2]);
    assert_int_equal(v->iov_len, 6);
    assert_memory_equal(v->iov_base, "world!", 6);
}

static void iov_advance_across_entries(void **state)
{
    (void)state;
    struct iovec arr[3], *v = arr;
    int n = fill(arr);
    smx_iov_advance(&v, &n, 7);
    assert_int_equal(n, 1);
    assert_int_equal(v->iov_len, 4);
    assert_memory_equal(v->iov_base, "rld!", 4);
    smx_iov_advance(&v, &n, 4);
    assert_int_equal(n, 0);
}

static void iov_advance_by_nothing_keeps_all(void **state)
{
    (void)state;
    struct iovec arr[3], *v = arr;
    int n = fill(arr);
    smx_iov_advance(&v, &n, 0);
    assert_int_equal(n, 3);
    assert_ptr_equal(v, arr);
    assert_int_equal(v->iov_len, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iov_advance_inside_the_first_entry),
        cmocka_unit_test(iov_advance_to_an_entry_end_skips_empty_ones),
        cmocka_unit_test(iov_advance_across_entries),
        cmocka_unit_test(iov_advance_by_nothing_keeps_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
