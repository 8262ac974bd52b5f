/*
 * test_mem.c - smx_grow (common/mem.c): the first allocation takes `first`
 * (doubled until it holds need), a large enough array is returned as it is,
 * growth doubles and keeps the contents, and sizes that would overflow are
 * refused with the array and its capacity untouched. SMX_FREE_ALL evaluates
 * each argument once, takes NULLs, and frees every block (a block it missed
 * fails the ASan build's leak check). smx_strdup_n copies exactly n bytes of
 * a buffer with no NUL (the ASan build faults on a read past them).
 */
#include "../../tests/support/sm_test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../sm_mem.h"

static void grow_starts_at_first_and_doubles(void **state)
{
    (void)state;
    size_t cap = 0;
    int *a = smx_grow(NULL, &cap, 1, sizeof *a, 4);
    assert_non_null(a);
    assert_int_equal(cap, 4);
    for (int i = 0; i < 4; i++) {
        a[i] = i;
    }
    assert_ptr_equal(smx_grow(a, &cap, 4, sizeof *a, 4), a); /* already holds 4 */
    assert_int_equal(cap, 4);
    a = smx_grow(a, &cap, 9, sizeof *a, 4);
    assert_non_null(a);
    assert_int_equal(cap, 16);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(a[i], i);
    }
    free(a);
    cap = 0;
    char *s = smx_grow(NULL, &cap, 300, 1, 256);
    assert_non_null(s);
    assert_int_equal(cap, 512);
    free(s);
}

static void grow_refuses_overflow_and_keeps_the_array(void **state)
{
    (void)state;
    size_t cap = 8;
    char *p = malloc(8);
    assert_non_null(p);
    assert_null(smx_grow(p, &cap, SIZE_MAX, 1, 8));
    assert_int_equal(cap, 8);
    assert_null(smx_grow(p, &cap, SIZE_MAX / 2 + 2, 2, 8)); /* bytes overflow */
    assert_int_equal(cap, 8);
    p[7] = 'x'; /* still ours */
    free(p);
}

static void *counted_block(int *calls)
{
    (*calls)++;
    return malloc(16);
}

static void free_all_evaluates_once_and_takes_null(void **state)
{
    (void)state;
    int calls = 0;
    char *owned = malloc(8);
    assert_non_null(owned);
    void *a = NULL;
    void *b = NULL;
    SMX_FREE_ALL((a = counted_block(&calls)), NULL, owned, (b = counted_block(&calls)));
    assert_int_equal(calls, 2);
    SMX_FREE_ALL(NULL);
}

static void strdup_n_reads_exactly_n_bytes(void **state)
{
    (void)state;
    static const char word[5] = {'s', 't', 'a', 'g', 'e'}; /* no NUL */
    char *bytes = malloc(sizeof word); /* a read past it is a fault under ASan */
    assert_non_null(bytes);
    memcpy(bytes, word, sizeof word);
    char *s = smx_strdup_n(bytes, 3);
    assert_string_equal(s, "sta");
    free(s);
    s = smx_strdup_n(bytes, 5);
    assert_string_equal(s, "stage");
    free(s);
    s = smx_strdup_n(bytes, 0);
    assert_string_equal(s, "");
    free(s);
    free(bytes);
    assert_null(smx_strdup_n("", SIZE_MAX));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grow_starts_at_first_and_doubles),
        cmocka_unit_test(grow_refuses_overflow_and_keeps_the_array),
        cmocka_unit_test(free_all_evaluates_once_and_takes_null),
        cmocka_unit_test(strdup_n_reads_exactly_n_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
