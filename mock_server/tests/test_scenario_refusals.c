/*
 * test_scenario_refusals.c - scenario documents the parser must refuse
 * (scenario_parse.c): each wrong shape or value is a 400 whose message names
 * where it is (rules[i].field), and a document over the size cap or a file
 * that cannot be read says so. A good document next to each bad one shows
 * the table is not refusing everything.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <string.h>

#include "../src/scenario/scenario.h"

#define RULE(m, a) "{\"rules\":[{\"match\":" m ",\"action\":" a "}]}"

static const struct {
    const char *doc;
    const char *names; /* the message contains this */
} bad[] = {
    {"[]", "expected a JSON object with \"rules\""},
    {"{\"rules\":{}}", "expected an array of rules"},
    {"{\"rules\":[1]}", "expected an object"},
    {"{\"rules\":[{\"match\":{}}]}", "rules[0].action: missing"},
    {"{\"rules\":[{\"x\":1}]}", "rules[0]"},
    {RULE("{\"endpoint\":\"everything\"}", "{\"status\":500}"), "endpoint"},
    {RULE("{\"endpoint\":\"upload\",\"headers\":[1]}", "{\"status\":500}"), "headers"},
    {RULE("{\"stage\":\"\"}", "{\"status\":500}"), "expected a non-empty string"},
    {RULE("{}", "{\"status\":500,\"message\":7}"), "message"},
    {RULE("{}", "{\"status\":500,\"body\":[]}"), "body"},
    {RULE("{}", "{\"real\":1}"), "expected true or false"},
    {RULE("{}", "{\"real\":true,\"dribble\":5}"), "dribble"},
    {RULE("{}", "{\"real\":true,\"dribble\":{\"chunk_bytes\":0,\"interval_ms\":5}}"),
     "chunk_bytes"},
    {RULE("{}", "{\"real\":true,\"response_fault\":{\"after_bytes\":1}}"), "response_fault"},
    {RULE("{}", "{\"real\":true,\"lose_response\":true}"), "drop real"},
    {RULE("{}", "{\"real\":true,\"before_body\":true}"), "without the body"},
    {RULE("{}", "{\"before_body\":true}"), "does nothing"},
    {RULE("{}", "{\"before_body\":true,\"delay_ms\":5}"), "needs status or connection"},
    {"{\"preload\":1,\"rules\":[]}", "preload"},
    {"{\"preload\":{\"dir\":\"\",\"stages\":{}},\"rules\":[]}", "preload.dir"},
    {"{\"preload\":{\"dir\":\".\",\"stages\":[]},\"rules\":[]}", "preload.stages"},
};

static void scenario_refusals_name_the_field(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sm_scn_doc *doc = NULL;
        struct sm_error err;
        memset(&err, 0, sizeof err);
        enum sm_code rc = sm_scn_doc_parse(bad[i].doc, strlen(bad[i].doc), ".", &doc, &err);
        if (rc == SM_OK || err.http_status != 400 || strstr(err.message, bad[i].names) == NULL) {
            fail_msg("%s: rc %d, %d '%s' (want 400 naming %s)", bad[i].doc, rc, err.http_status,
                     err.message, bad[i].names);
        }
        assert_null(doc);
    }
    /* the same shapes, right, load */
    static const char good[] =
        RULE("{\"endpoint\":\"upload\",\"headers\":{\"X-A\":true},\"stage\":\"s\"}",
             "{\"real\":true,\"dribble\":{\"chunk_bytes\":1,\"interval_ms\":5},"
             "\"response_fault\":{\"after_bytes\":1,\"do\":\"reset\"}}");
    struct sm_scn_doc *doc = NULL;
    struct sm_error err;
    if (sm_scn_doc_parse(good, strlen(good), ".", &doc, &err) != SM_OK) {
        fail_msg("good document refused: %s", err.message);
    }
    sm_scn_doc_free(doc);
}

static void scenario_too_large_or_unreadable_is_refused(void **state)
{
    (void)state;
    static char big[(4u << 20) + 2]; /* over the 4 MiB cap */
    memset(big, ' ', sizeof big);
    big[0] = '{';
    big[sizeof big - 1] = '}';
    struct sm_scn_doc *doc = NULL;
    struct sm_error err;
    assert_int_not_equal(sm_scn_doc_parse(big, sizeof big, ".", &doc, &err), SM_OK);
    assert_int_equal(err.http_status, 413);
    assert_non_null(strstr(err.message, "over"));
    assert_int_not_equal(sm_scn_doc_load("/nonexistent/scenario.json", &doc, &err), SM_OK);
    assert_non_null(strstr(err.message, "cannot open"));
    assert_null(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_refusals_name_the_field),
        cmocka_unit_test(scenario_too_large_or_unreadable_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
