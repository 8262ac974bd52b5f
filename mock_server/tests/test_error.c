/*
 * test_error.c - struct sm_error: the setter, the prefixer, code names.
 */
#include "../../tests/support/sm_test.h"

#include <string.h>

#include "stagemock/error.h"

static void err_set_fills_all_fields_and_returns_code(void **state)
{
    (void)state;
    struct sm_error e;
    enum sm_code rc =
        sm_err_set(&e, SM_E_UNSUPPORTED, 400, SM_RULE_CODEC, "column '%s' uses %s", "a", "ZSTD");
    assert_int_equal(rc, SM_E_UNSUPPORTED);
    assert_int_equal(e.code, SM_E_UNSUPPORTED);
    assert_int_equal(e.http_status, 400);
    assert_int_equal(e.rule, SM_RULE_CODEC);
    assert_string_equal(e.message, "column 'a' uses ZSTD");
}

static void err_set_with_null_err_still_returns_code(void **state)
{
    (void)state;
    assert_int_equal(sm_err_set(NULL, SM_E_IO, 500, SM_RULE_NONE, "x"), SM_E_IO);
}

static void err_set_truncates_long_messages_safely(void **state)
{
    (void)state;
    struct sm_error e;
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    (void)sm_err_set(&e, SM_E_ARG, 400, SM_RULE_NONE, "%s", big);
    assert_int_equal(strlen(e.message), SM_ERROR_MSG_LEN - 1);
}

static void err_prefix_prepends_and_keeps_rule(void **state)
{
    (void)state;
    struct sm_error e;
    (void)sm_err_set(&e, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY, "bad list header");
    sm_err_prefix(&e, "footer byte %d: ", 812);
    assert_string_equal(e.message, "footer byte 812: bad list header");
    assert_int_equal(e.rule, SM_RULE_PARQUET_ONLY);
    assert_int_equal(e.code, SM_E_MALFORMED);
}

static void err_prefix_truncates_when_full(void **state)
{
    (void)state;
    struct sm_error e;
    char big[300];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    (void)sm_err_set(&e, SM_E_MALFORMED, 400, SM_RULE_NONE, "%s", big);
    sm_err_prefix(&e, "ctx: ");
    assert_int_equal(strlen(e.message), SM_ERROR_MSG_LEN - 1);
    assert_memory_equal(e.message, "ctx: yyy", 8);
}

static void strerror_names_codes_and_unknowns(void **state)
{
    (void)state;
    assert_string_equal(sm_strerror(SM_OK), "SM_OK");
    assert_string_equal(sm_strerror(SM_E_MISMATCH), "SM_E_MISMATCH");
    assert_string_equal(sm_strerror((enum sm_code)999), "SM_E_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(err_set_fills_all_fields_and_returns_code),
        cmocka_unit_test(err_set_with_null_err_still_returns_code),
        cmocka_unit_test(err_set_truncates_long_messages_safely),
        cmocka_unit_test(err_prefix_prepends_and_keeps_rule),
        cmocka_unit_test(err_prefix_truncates_when_full),
        cmocka_unit_test(strerror_names_codes_and_unknowns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
