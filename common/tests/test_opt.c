/*
 * test_opt.c - smx_opt_flag_set and smx_opt_str_set (common/opt.c): a known
 * name sets its own slot and no other, two names may share a slot, and an
 * unknown name (or a prefix of a known one) is refused with nothing stored.
 */
#include "../../tests/support/sm_test.h"

#include "../sm_opt.h"

static void opt_flag_sets_its_slot_only(void **state)
{
    (void)state;
    bool strict = false, verbose = false;
    const struct smx_opt_flag t[] = {
        {"--strict", &strict}, {"-v", &verbose}, {"--verbose", &verbose}};
    assert_true(smx_opt_flag_set(t, 3, "--verbose"));
    assert_true(verbose);
    assert_false(strict);
    verbose = false;
    assert_true(smx_opt_flag_set(t, 3, "-v"));
    assert_true(verbose);
    assert_true(smx_opt_flag_set(t, 3, "--strict"));
    assert_true(strict);
}

static void opt_flag_refuses_unknown_names(void **state)
{
    (void)state;
    bool strict = false;
    const struct smx_opt_flag t[] = {{"--strict", &strict}};
    assert_false(smx_opt_flag_set(t, 1, "--stric"));
    assert_false(smx_opt_flag_set(t, 1, "--strict=1"));
    assert_false(smx_opt_flag_set(t, 1, ""));
    assert_false(smx_opt_flag_set(t, 0, "--strict"));
    assert_false(strict);
}

static void opt_str_stores_the_value(void **state)
{
    (void)state;
    const char *json = NULL, *html = "keep";
    const struct smx_opt_str t[] = {{"--json", &json}, {"--html", &html}};
    assert_true(smx_opt_str_set(t, 2, "--json", "out.json"));
    assert_string_equal(json, "out.json");
    assert_string_equal(html, "keep");
    assert_false(smx_opt_str_set(t, 2, "--xml", "x"));
    assert_false(smx_opt_str_set(t, 2, "--jso", "x"));
    assert_string_equal(json, "out.json");
    assert_string_equal(html, "keep");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(opt_flag_sets_its_slot_only),
        cmocka_unit_test(opt_flag_refuses_unknown_names),
        cmocka_unit_test(opt_str_stores_the_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
