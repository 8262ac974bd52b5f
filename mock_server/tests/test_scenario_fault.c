/*
 * test_scenario_fault.c - the --fault grammar: each item lands in the rule
 * field docs/SCENARIOS.md says it does, and bad specs name the item.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "scn_test.h"

/* The spec as rule JSON (compact), for comparing against the documented form. */
static char *spec_json(const char *spec)
{
    struct sm_scn_rule r;
    struct sm_error err = {0};
    if (sm_scn_fault_parse(spec, &r, &err) != SM_OK) {
        fail_msg("%s: %s", spec, err.message);
    }
    cJSON *j = sm_scn_rule_to_json(&r);
    cJSON *name = cJSON_GetObjectItem(j, "name");
    if (strncmp(name->valuestring, "--fault ", 8) == 0) {
        assert_int_equal(strncmp(name->valuestring + 8, spec, strlen(name->valuestring) - 8), 0);
        cJSON_DeleteItemFromObject(j, "name"); /* the default name is the spec */
    }
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    sm_scn_rule_cleanup(&r);
    return text;
}

static void expect_json(const char *spec, const char *want)
{
    char *got = spec_json(spec);
    cJSON *a = cJSON_Parse(got), *b = cJSON_Parse(want);
    assert_non_null(b);
    if (!cJSON_Compare(a, b, true)) {
        fail_msg("%s\n got  %s\n want %s", spec, got, want);
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_free(got);
}

static void expect_error(const char *spec, const char *want)
{
    struct sm_scn_rule r;
    struct sm_error err = {0};
    if (sm_scn_fault_parse(spec, &r, &err) == SM_OK) {
        sm_scn_rule_cleanup(&r);
        fail_msg("accepted: %s", spec);
    }
    if (strstr(err.message, want) == NULL) {
        fail_msg("'%s': message '%s' lacks '%s'", spec, err.message, want);
    }
}

static void test_issue_example(void **state)
{
    (void)state;
    expect_json("upload:nth=2:status=503:retry-after=1",
                "{\"match\":{\"endpoint\":[\"upload\"],\"nth\":2,\"times\":1},"
                "\"action\":{\"status\":503,\"body\":\"{\\\"message\\\":\\\"stagemock fault: "
                "upload:nth=2:status=503:retry-after=1\\\"}\",\"content_type\":"
                "\"application/json\",\"headers\":{\"Retry-After\":\"1\"}}}");
}

static void test_every_item(void **state)
{
    (void)state;
    expect_json("download,list:stage=s1:file=*.parquet:key=k:state=up:times=3:p=0.5"
                ":if-header=X-A:if-header=X-B=v:name=n:real:status=202:header=X-C=d\\:e",
                "{\"name\":\"n\",\"match\":{\"endpoint\":[\"download\",\"list\"],\"stage\":\"s1\","
                "\"file\":\"*.parquet\",\"key\":\"k\",\"headers\":{\"X-A\":true,\"X-B\":\"v\"},"
                "\"state\":\"up\",\"times\":3,\"probability\":0.5},"
                "\"action\":{\"real\":true,\"status\":202,\"headers\":{\"X-C\":\"d:e\"}}}");
    expect_json("any:delay=1500:dribble=1024/50:truncate=100:content-length=10000",
                "{\"match\":{},\"action\":{\"delay_ms\":1500,\"truncate_at\":100,"
                "\"content_length\":10000,\"dribble\":{\"chunk_bytes\":1024,\"interval_ms\":50}}}");
    expect_json("upload:reset", "{\"match\":{\"endpoint\":[\"upload\"]},"
                                "\"action\":{\"connection\":\"reset\"}}");
    expect_json("upload:close:set-state=gone",
                "{\"match\":{\"endpoint\":[\"upload\"]},"
                "\"action\":{\"connection\":\"close\",\"set_state\":\"gone\"}}");
    expect_json("upload:lose-response", "{\"match\":{\"endpoint\":[\"upload\"]},"
                                        "\"action\":{\"lose_response\":true}}");
    expect_json("upload:before-body:status=401:message=no",
                "{\"match\":{\"endpoint\":[\"upload\"]},\"action\":{\"status\":401,"
                "\"body\":\"{\\\"message\\\":\\\"no\\\"}\",\"content_type\":\"application/json\","
                "\"before_body\":true}}");
    expect_json("upload:refuse-continue:status=417:body=x:content-type=text/plain",
                "{\"match\":{\"endpoint\":[\"upload\"]},\"action\":{\"status\":417,\"body\":\"x\","
                "\"content_type\":\"text/plain\",\"refuse_continue\":true}}");
    expect_json("upload:read-rate=65536:request-stall=10",
                "{\"match\":{\"endpoint\":[\"upload\"]},\"action\":{\"read_rate\":65536,"
                "\"request_fault\":{\"after_bytes\":10,\"do\":\"stall\"}}}");
    expect_json("upload:request-reset=4096",
                "{\"match\":{\"endpoint\":[\"upload\"]},\"action\":"
                "{\"request_fault\":{\"after_bytes\":4096,\"do\":\"reset\"}}}");
    expect_json("upload:request-close=0",
                "{\"match\":{\"endpoint\":[\"upload\"]},\"action\":"
                "{\"request_fault\":{\"after_bytes\":0,\"do\":\"close\"}}}");
    expect_json("download:response-reset=1000",
                "{\"match\":{\"endpoint\":[\"download\"]},\"action\":"
                "{\"response_fault\":{\"after_bytes\":1000,\"do\":\"reset\"}}}");
    expect_json("download:response-close=1",
                "{\"match\":{\"endpoint\":[\"download\"]},\"action\":"
                "{\"response_fault\":{\"after_bytes\":1,\"do\":\"close\"}}}");
    expect_json("download:response-stall=2",
                "{\"match\":{\"endpoint\":[\"download\"]},\"action\":"
                "{\"response_fault\":{\"after_bytes\":2,\"do\":\"stall\"}}}");
}

/* A value beyond 2^53 goes through the rule's JSON tree (raw integer items)
 * and back exactly: the tree is read in memory, then printed. */
static void test_64_bit_values_exact(void **state)
{
    (void)state;
    char *got = spec_json("upload:truncate=9007199254740993:content-length=18446744073709551615");
    assert_non_null(strstr(got, "\"truncate_at\":9007199254740993"));
    assert_non_null(strstr(got, "\"content_length\":18446744073709551615"));
    cJSON_free(got);
}

static void test_errors_name_the_item(void **state)
{
    (void)state;
    expect_error("", "--fault: expected ENDPOINT");
    expect_error("uplaod:status=503", "'uplaod:status=503': --fault.match.endpoint");
    expect_error("upload:status=abc",
                 "--fault item 2 'status=abc': expected a non-negative integer");
    expect_error("upload:nth=2:status=99", "--fault.action.status: expected an HTTP status");
    expect_error("upload:bogus=1", "--fault item 2 'bogus=1': unknown item");
    expect_error("upload:reset=1", "'reset=1': takes no value");
    expect_error("upload:status", "'status': needs a value");
    expect_error("upload:p=2", "'p=2': expected a number from 0 to 1");
    expect_error("upload:dribble=10", "expected dribble=CHUNK_BYTES/INTERVAL_MS");
    expect_error("upload:header=X", "expected header=Name=Value");
    expect_error("upload:nth=0:status=500", "--fault.match.nth: expected a positive integer");
    expect_error("upload", "--fault.action: missing");
    expect_error("upload:status=500:reset", "--fault.action.connection: closes instead");
    expect_error(",upload:reset", "expected upload, download");
}

static void test_fault_fires_in_engine(void **state)
{
    (void)state;
    struct sm_scn_rule r;
    struct sm_scn *s = NULL;
    struct sm_error err;
    assert_int_equal(sm_scn_fault_parse("upload:nth=2:status=503:retry-after=1", &r, &err), SM_OK);
    assert_int_equal(sm_scn_new(true, 9, &s, &err), SM_OK);
    assert_int_equal(sm_scn_add(s, &r, &err), SM_OK);
    struct sm_scn_hit hit;
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit), -1);
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_DOWNLOAD}, &hit), -1);
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit), 0);
    assert_int_equal(hit.action.status, 503);
    assert_string_equal(hit.action.headers[0].value, "1");
    assert_string_equal(sm_scn_action_kind(&hit.action), "respond");
    sm_scn_hit_cleanup(&hit);
    assert_int_equal(scn_test_decide(s, (struct scn_req){.ep = SM_SCN_EP_UPLOAD}, &hit), -1);
    sm_scn_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_example),         cmocka_unit_test(test_every_item),
        cmocka_unit_test(test_64_bit_values_exact),   cmocka_unit_test(test_errors_name_the_item),
        cmocka_unit_test(test_fault_fires_in_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
