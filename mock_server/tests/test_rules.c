/*
 * test_rules.c - the rule table (include/stagemock/rules.h, rules.c): every
 * row has an id, a kind and a meaning; id -> enum -> id round-trips; lookups
 * answer SM_RULE_NONE and out-of-range values safely; the list of known ids
 * is complete and truncates without overrunning. That the table agrees with
 * docs/RULES.md is ci/check-rules.py's job (tests/integration/rules_test.sh).
 */
#include "../../tests/support/sm_test.h"

#include <string.h>

#include "stagemock/rules.h"

static void rule_every_row_round_trips(void **state)
{
    (void)state;
    for (int i = 1; i < (int)SM_RULE_COUNT; i++) {
        enum sm_rule r = (enum sm_rule)i;
        const char *id = sm_rule_id(r);
        assert_non_null(id);
        assert_true(id[0] != '\0');
        assert_int_equal(sm_rule_find(id), r);
        assert_true(sm_rule_kind(r) != SM_RULE_KIND_NONE);
        assert_true(strlen(sm_rule_meaning(r)) > 10);
        int st = sm_rule_status(r);
        /* obligations carry a level, not a status */
        assert_true(sm_rule_kind(r) == SM_RULE_KIND_OBLIGATION
                        ? st == 0
                        : st == 0 || (st >= 400 && st <= 599));
    }
}

static void rule_known_values(void **state)
{
    (void)state;
    assert_string_equal(sm_rule_id(SM_RULE_CODEC), "codec");
    assert_string_equal(sm_rule_id(SM_RULE_ONE_FILE), "one-file-per-request");
    assert_int_equal(sm_rule_status(SM_RULE_UNIQUE_NAMES), 409);
    assert_int_equal(sm_rule_status(SM_RULE_AUTH), 401);
    assert_int_equal(sm_rule_kind(SM_RULE_CLIENT_TIMEOUT), SM_RULE_KIND_OBLIGATION);
    assert_int_equal(sm_rule_kind(SM_RULE_IO), SM_RULE_KIND_OWN);
    assert_string_equal(sm_rule_meaning(SM_RULE_PARQUET_ONLY),
                        "A stage accepts parquet files only.");
}

static void rule_none_and_out_of_range_are_safe(void **state)
{
    (void)state;
    assert_null(sm_rule_id(SM_RULE_NONE));
    assert_null(sm_rule_id(SM_RULE_COUNT));
    assert_null(sm_rule_id((enum sm_rule) - 1));
    assert_int_equal(sm_rule_status(SM_RULE_COUNT), 0);
    assert_string_equal(sm_rule_meaning(SM_RULE_NONE), "");
    assert_int_equal(sm_rule_kind(SM_RULE_COUNT), SM_RULE_KIND_NONE);
    assert_int_equal(sm_rule_find(NULL), SM_RULE_NONE);
    assert_int_equal(sm_rule_find(""), SM_RULE_NONE);
    assert_int_equal(sm_rule_find("Codec"), SM_RULE_NONE); /* exact, case and all */
    assert_int_equal(sm_rule_find("codecs"), SM_RULE_NONE);
}

static void rule_list_names_every_id_of_a_kind(void **state)
{
    (void)state;
    char buf[512];
    size_t n = sm_rule_list(SM_RULE_KIND_OBLIGATION, buf, sizeof buf);
    assert_string_equal(buf, "client-names, client-non-json, client-retry-after, client-timeout, "
                             "client-lost-response, client-multipart");
    assert_int_equal(n, strlen(buf));
    char small[8];
    memset(small, 'x', sizeof small);
    assert_int_equal(sm_rule_list(SM_RULE_KIND_OBLIGATION, small, sizeof small), n);
    assert_string_equal(small, "client-");
    assert_int_equal(sm_rule_list(SM_RULE_KIND_OWN, buf, sizeof buf), strlen("scenario, io"));
    assert_string_equal(buf, "scenario, io");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rule_every_row_round_trips),
        cmocka_unit_test(rule_known_values),
        cmocka_unit_test(rule_none_and_out_of_range_are_safe),
        cmocka_unit_test(rule_list_names_every_id_of_a_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
