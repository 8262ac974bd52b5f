/*
 * test_scenario.c - the scenario parser and engine, without a server.
 *
 * Parser: every kind of error names the rule index and the field; a listed
 * rule parses back to the same rule. Engine: first match in order, nth and
 * times, named state and transitions, stage/file decided at the fields phase
 * only, seeded probability replaying exactly, the unused-rule report, and
 * add/list/clear at run time.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "scn_test.h"

static struct sm_scn *engine(const char *json)
{
    struct sm_scn_doc *doc = NULL;
    struct sm_scn *s = NULL;
    struct sm_error err = {0};
    if (sm_scn_doc_parse(json, strlen(json), ".", &doc, &err) != SM_OK) {
        fail_msg("parse: %s", err.message);
    }
    assert_int_equal(sm_scn_new(true, 1, &s, &err), SM_OK);
    assert_int_equal(sm_scn_load(s, doc, &err), SM_OK);
    sm_scn_doc_free(doc);
    return s;
}

/* The document must fail to parse with a message containing want. */
static void expect_error(const char *json, const char *want)
{
    struct sm_scn_doc *doc = NULL;
    struct sm_error err = {0};
    enum sm_code rc = sm_scn_doc_parse(json, strlen(json), ".", &doc, &err);
    if (rc == SM_OK) {
        sm_scn_doc_free(doc);
        fail_msg("accepted: %s", json);
    }
    assert_null(doc);
    if (strstr(err.message, want) == NULL) {
        fail_msg("message '%s' lacks '%s'", err.message, want);
    }
}

static void test_parse_errors_name_the_field(void **state)
{
    (void)state;
    expect_error("{\"rules\":[{\"action\":{\"status\":500}},"
                 "{\"action\":{\"status\":500}},{\"action\":{\"status\":500}},"
                 "{\"match\":{\"nth\":0},\"action\":{\"status\":500}}]}",
                 "rules[3].match.nth: expected a positive integer");
    expect_error("{\"rules\":[{\"match\":{\"nth\":1.5},\"action\":{\"status\":500}}]}",
                 "rules[0].match.nth: expected a positive integer");
    expect_error("{\"rules\":[{\"action\":{\"status\":99}}]}",
                 "rules[0].action.status: expected an HTTP status from 100 to 599");
    expect_error("{\"rules\":[{\"action\":{\"stauts\":500}}]}",
                 "rules[0].action.stauts: unknown field");
    expect_error("{\"rules\":[{\"match\":{\"endpoint\":\"uplaod\"},\"action\":{\"status\":500}}]}",
                 "rules[0].match.endpoint: expected upload");
    expect_error("{\"rules\":[{\"match\":{\"probability\":1.5},\"action\":{\"status\":500}}]}",
                 "rules[0].match.probability");
    expect_error("{\"rules\":[{\"match\":{}}]}", "rules[0].action: missing");
    expect_error("{\"rules\":[{\"action\":{}}]}", "rules[0].action: does nothing");
    expect_error("{\"rules\":[{\"action\":{\"body\":\"x\"}}]}",
                 "rules[0].action.body: needs status");
    expect_error("{\"rules\":[{\"action\":{\"connection\":\"stall\"}}]}",
                 "rules[0].action.connection: expected close or reset");
    expect_error(
        "{\"rules\":[{\"action\":{\"request_fault\":{\"after_bytes\":5,\"do\":\"boom\"}}}]}",
        "rules[0].action.request_fault.do: expected reset, close or stall");
    expect_error("{\"rules\":[{\"action\":{\"response_fault\":{\"do\":\"reset\"}}}]}",
                 "rules[0].action.response_fault.after_bytes: missing");
    expect_error("{\"rules\":[{\"match\":{\"stage\":\"s\"},"
                 "\"action\":{\"before_body\":true,\"status\":413}}]}",
                 "rules[0].action.before_body: request-side actions cannot match on stage");
    expect_error("{\"rules\":[{\"action\":{\"status\":200,\"headers\":{\"X\":\"a\\r\\nb\"}}}]}",
                 "rules[0].action.headers.X");
    expect_error("{\"rules\":[{\"action\":{\"real\":true,\"truncate_at\":10,"
                 "\"content_length\":5}}]}",
                 "rules[0].action.content_length: must be larger than truncate_at");
    expect_error("{\"rules\":[{\"action\":{\"status\":500,\"message\":\"a\",\"body\":\"b\"}}]}",
                 "rules[0].action.message: give either message or body");
    expect_error("{\"preload\":{\"stages\":{\"s\":[\"../etc/passwd\"]}}}",
                 "preload.stages.s[0]: expected a file name");
    expect_error("{\"rules\":[\n{\"action\":\n{\"status\": }}]}", "not valid JSON near line 3");
    expect_error("[]", "scenario: expected a JSON object");
    expect_error("{\"seed\":-1}", "scenario.seed: expected an integer >= 0");
}

static void test_first_match_in_order_and_message_body(void **state)
{
    (void)state;
    struct sm_scn *s = engine("{\"rules\":["
                              "{\"match\":{\"endpoint\":\"upload\"},\"action\":{\"status\":503,"
                              "\"message\":\"busy\",\"headers\":{\"Retry-After\":\"1\"}}},"
                              "{\"action\":{\"status\":500}}]}");
    struct sm_scn_hit hit;
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit), 0);
    assert_int_equal(hit.action.status, 503);
    assert_string_equal(hit.action.body, "{\"message\":\"busy\"}");
    assert_string_equal(hit.action.content_type, "application/json");
    assert_string_equal(hit.action.headers[0].name, "Retry-After");
    assert_string_equal(hit.rule_name, "rules[0]");
    sm_scn_hit_cleanup(&hit);
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_LIST}, &hit), 1);
    sm_scn_hit_cleanup(&hit);
    sm_scn_free(s);
}

static void test_nth_and_times(void **state)
{
    (void)state;
    struct sm_scn *s = engine("{\"rules\":[{\"match\":{\"nth\":2,\"times\":2},"
                              "\"action\":{\"status\":503}}]}");
    struct sm_scn_hit hit;
    long got[5];
    for (int i = 0; i < 5; i++) {
        got[i] = scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit);
        sm_scn_hit_cleanup(&hit);
    }
    assert_int_equal(got[0], -1);
    assert_int_equal(got[1], 0);
    assert_int_equal(got[2], 0);
    assert_int_equal(got[3], -1);
    assert_int_equal(got[4], -1);
    sm_scn_free(s);
    /* nth alone means one firing */
    s = engine("{\"rules\":[{\"match\":{\"nth\":1},\"action\":{\"status\":503}}]}");
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit), 0);
    assert_int_equal(hit.firing, 1);
    sm_scn_hit_cleanup(&hit);
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit), -1);
    sm_scn_free(s);
}

static void test_state_transitions(void **state)
{
    (void)state;
    struct sm_scn *s =
        engine("{\"rules\":["
               "{\"match\":{\"state\":\"Started\",\"endpoint\":\"upload\"},"
               "\"action\":{\"lose_response\":true,\"set_state\":\"stored\"}},"
               "{\"match\":{\"state\":\"stored\",\"endpoint\":\"upload\"},"
               "\"action\":{\"status\":409,\"message\":\"dup\",\"set_state\":\"done\"}}]}");
    struct sm_scn_hit hit;
    char st[64];
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit), 0);
    assert_string_equal(hit.state_before, "Started");
    assert_string_equal(hit.state_after, "stored");
    assert_true(hit.action.lose_response);
    sm_scn_hit_cleanup(&hit);
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit), 1);
    assert_string_equal(hit.state_after, "done");
    sm_scn_hit_cleanup(&hit);
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit), -1);
    sm_scn_state(s, st, sizeof st);
    assert_string_equal(st, "done");
    sm_scn_clear(s);
    sm_scn_state(s, st, sizeof st);
    assert_string_equal(st, "Started");
    sm_scn_free(s);
}

static void test_fields_phase_only_for_body_rules(void **state)
{
    (void)state;
    struct sm_scn *s = engine("{\"rules\":[{\"match\":{\"stage\":\"s1\",\"file\":\"*.parquet\"},"
                              "\"action\":{\"status\":500}}]}");
    struct sm_scn_request req = {SM_SCN_EP_UPLOAD, "s1", "a.parquet", NULL, NULL, NULL};
    struct sm_scn_hit hit;
    struct sm_error err;
    assert_int_equal(sm_scn_decide(s, SM_SCN_PHASE_HEADERS, &req, &hit, &err), SM_OK);
    assert_false(hit.fired);
    assert_int_equal(sm_scn_decide(s, SM_SCN_PHASE_FIELDS, &req, &hit, &err), SM_OK);
    assert_true(hit.fired);
    sm_scn_hit_cleanup(&hit);
    req.file = "a.csv";
    assert_int_equal(sm_scn_decide(s, SM_SCN_PHASE_FIELDS, &req, &hit, &err), SM_OK);
    assert_false(hit.fired);
    req.file = NULL; /* not known: never matches a file rule */
    assert_int_equal(sm_scn_decide(s, SM_SCN_PHASE_FIELDS, &req, &hit, &err), SM_OK);
    assert_false(hit.fired);
    sm_scn_free(s);
}

static void fire_pattern(uint64_t seed, char *out, size_t n)
{
    struct sm_scn *s = engine("{\"rules\":[{\"match\":{\"probability\":0.5},"
                              "\"action\":{\"status\":500}}]}");
    struct sm_scn_doc doc = {.has_seed = true, .seed = seed};
    assert_int_equal(sm_scn_load(s, &doc, NULL),
                     SM_OK); /* reseed; drops the rule, so add it back */
    struct sm_scn_rule r;
    struct sm_error err;
    cJSON *j = cJSON_Parse("{\"match\":{\"probability\":0.5},\"action\":{\"status\":500}}");
    assert_int_equal(sm_scn_rule_parse(j, "r", &r, &err), SM_OK);
    cJSON_Delete(j);
    assert_int_equal(sm_scn_add(s, &r, &err), SM_OK);
    assert_int_equal(sm_scn_seed(s), seed);
    for (size_t i = 0; i + 1 < n; i++) {
        struct sm_scn_hit hit;
        out[i] =
            scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit) == 0 ? 'X' : '.';
        sm_scn_hit_cleanup(&hit);
    }
    out[n - 1] = '\0';
    sm_scn_free(s);
}

static void test_probability_replays_from_seed(void **state)
{
    (void)state;
    char a[65], b[65], c[65];
    fire_pattern(42, a, sizeof a);
    fire_pattern(42, b, sizeof b);
    fire_pattern(43, c, sizeof c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    size_t x = 0;
    for (size_t i = 0; a[i]; i++) {
        x += a[i] == 'X';
    }
    assert_true(x > 10 && x < 54); /* p = 0.5 over 64: far outside these only if broken */
}

static void test_report_unused_and_unmatched(void **state)
{
    (void)state;
    struct sm_scn *s = engine("{\"rules\":[{\"name\":\"used\",\"match\":{\"endpoint\":\"upload\"},"
                              "\"action\":{\"status\":500}},{\"name\":\"never\",\"match\":"
                              "{\"endpoint\":\"download\"},\"action\":{\"status\":500}}]}");
    struct sm_scn_hit hit;
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit), 0);
    sm_scn_hit_cleanup(&hit);
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_LIST}, &hit), -1);
    cJSON *rep = sm_scn_report(s);
    assert_non_null(rep);
    cJSON *unused = cJSON_GetObjectItem(rep, "unused_rules");
    assert_int_equal(cJSON_GetArraySize(unused), 1);
    assert_string_equal(cJSON_GetArrayItem(unused, 0)->valuestring, "never");
    assert_int_equal(cJSON_GetObjectItem(rep, "unmatched_requests")->valueint, 1);
    assert_string_equal(
        cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "unmatched_examples"), 0)->valuestring,
        "POST /test");
    assert_int_equal(cJSON_GetObjectItem(rep, "seed")->valueint, 1);
    cJSON_Delete(rep);
    sm_scn_free(s);
}

static void test_list_round_trips(void **state)
{
    (void)state;
    const char *json =
        "{\"rules\":[{\"name\":\"all\",\"match\":{\"endpoint\":[\"upload\",\"list\"],"
        "\"stage\":\"s\",\"file\":\"*.p\",\"key\":\"k\",\"headers\":{\"X-A\":true,\"X-B\":\"v\"},"
        "\"state\":\"Started\",\"nth\":2,\"times\":3,\"probability\":0.25},"
        "\"action\":{\"real\":true,\"status\":202,\"headers\":{\"X-C\":\"d\"},\"delay_ms\":5,"
        "\"dribble\":{\"chunk_bytes\":3,\"interval_ms\":4},\"truncate_at\":7,\"content_length\":9,"
        "\"response_fault\":{\"after_bytes\":1,\"do\":\"stall\"},\"set_state\":\"x\"}}]}";
    struct sm_scn *s = engine(json);
    cJSON *list = sm_scn_list(s);
    assert_non_null(list);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddItemToObject(doc, "rules", list);
    char *text = cJSON_PrintUnformatted(doc);
    struct sm_scn *s2 = engine(text);
    cJSON *list2 = sm_scn_list(s2);
    assert_true(cJSON_Compare(list, list2, true));
    cJSON *orig = cJSON_Parse(json);
    assert_true(cJSON_Compare(cJSON_GetObjectItem(orig, "rules"), list, true));
    cJSON_Delete(orig);
    cJSON_Delete(list2);
    cJSON_free(text);
    cJSON_Delete(doc);
    assert_int_equal(sm_scn_count(s2), 1);
    sm_scn_clear(s2);
    assert_int_equal(sm_scn_count(s2), 0);
    sm_scn_free(s2);
    sm_scn_free(s);
}

static void test_headers_and_key(void **state)
{
    (void)state;
    struct sm_scn *s =
        engine("{\"rules\":[{\"match\":{\"key\":\"k1\",\"headers\":"
               "{\"X-Canary\":true,\"X-Env\":\"ci\"}},\"action\":{\"status\":500}}]}");
    struct sm_scn_hit hit;
    struct scn_req r = {
        .ep = SM_SCN_EP_LIST, .key = "k1", .headers = {"x-canary", "", "X-Env", "ci"}};
    assert_int_equal(scn_test_decide(s, r, &hit), 0);
    sm_scn_hit_cleanup(&hit);
    r.headers[3] = "prod";
    assert_int_equal(scn_test_decide(s, r, &hit), -1);
    r.headers[3] = "ci";
    r.key = "k2";
    assert_int_equal(scn_test_decide(s, r, &hit), -1);
    r.key = "k1";
    r.headers[0] = "X-Other";
    assert_int_equal(scn_test_decide(s, r, &hit), -1);
    sm_scn_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors_name_the_field),
        cmocka_unit_test(test_first_match_in_order_and_message_body),
        cmocka_unit_test(test_nth_and_times),
        cmocka_unit_test(test_state_transitions),
        cmocka_unit_test(test_fields_phase_only_for_body_rules),
        cmocka_unit_test(test_probability_replays_from_seed),
        cmocka_unit_test(test_report_unused_and_unmatched),
        cmocka_unit_test(test_list_round_trips),
        cmocka_unit_test(test_headers_and_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
