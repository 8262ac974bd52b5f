/*
 * test_parse.c - smx_parse_u64 and smx_parse_uint (common/parse.c): the
 * whole 64-bit range, the first value past it, a max one below a value,
 * and every form strtoull would take but we refuse (sign, space, hex,
 * empty, trailing junk); smx_hex_digit on every hex digit in both cases
 * and on the chars either side of each range.
 */
#include "../../tests/support/sm_test.h"

#include <ctype.h>

#include "../sm_parse.h"

static void parse_u64_takes_digits_up_to_max(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_true(smx_parse_u64("0", UINT64_MAX, &v));
    assert_int_equal(v, 0);
    assert_true(smx_parse_u64("0042", UINT64_MAX, &v));
    assert_int_equal(v, 42);
    assert_true(smx_parse_u64("18446744073709551615", UINT64_MAX, &v));
    assert_true(v == UINT64_MAX);
    assert_true(smx_parse_u64("65535", 65535, &v));
    assert_int_equal(v, 65535);
}

static void parse_u64_refuses_overflow_and_values_over_max(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_false(smx_parse_u64("18446744073709551616", UINT64_MAX, &v)); /* 2^64 */
    assert_false(smx_parse_u64("99999999999999999999", UINT64_MAX, &v));
    assert_false(smx_parse_u64("184467440737095516150", UINT64_MAX, &v));
    assert_false(smx_parse_u64("65536", 65535, &v));
    assert_false(smx_parse_u64("7", 5, &v)); /* one digit already over max */
    assert_false(smx_parse_u64("1", 0, &v));
    assert_int_equal(v, 7); /* untouched on failure */
}

static void parse_u64_refuses_what_is_not_plain_digits(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "-1", "+1", " 1", "1 ", "0x10", "1e3", "12a", "-0"};
    uint64_t v = 7;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(smx_parse_u64(bad[i], UINT64_MAX, &v));
    }
    assert_false(smx_parse_u64(NULL, UINT64_MAX, &v));
    assert_int_equal(v, 7);
}

static void parse_uint_keeps_within_lo_and_hi(void **state)
{
    (void)state;
    unsigned v = 9;
    assert_true(smx_parse_uint("1", 1, 60, &v));
    assert_int_equal(v, 1);
    assert_true(smx_parse_uint("60", 1, 60, &v));
    assert_int_equal(v, 60);
    assert_false(smx_parse_uint("0", 1, 60, &v));
    assert_false(smx_parse_uint("61", 1, 60, &v));
    assert_false(smx_parse_uint("4294967296", 0, 4294967295u, &v));
    assert_int_equal(v, 60);
}

static void hex_digit_takes_both_cases_and_refuses_the_rest(void **state)
{
    (void)state;
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        assert_int_equal(smx_hex_digit(digits[i]), i);
        assert_int_equal(smx_hex_digit(toupper((unsigned char)digits[i])), i);
    }
    static const char bad[] = "gGzZ/:@`\x20-";
    for (size_t i = 0; i + 1 < sizeof bad; i++) {
        assert_int_equal(smx_hex_digit(bad[i]), -1);
    }
    assert_int_equal(smx_hex_digit('\0'), -1);
    assert_int_equal(smx_hex_digit(0xe9), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_u64_takes_digits_up_to_max),
        cmocka_unit_test(parse_u64_refuses_overflow_and_values_over_max),
        cmocka_unit_test(parse_u64_refuses_what_is_not_plain_digits),
        cmocka_unit_test(parse_uint_keeps_within_lo_and_hi),
        cmocka_unit_test(hex_digit_takes_both_cases_and_refuses_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
