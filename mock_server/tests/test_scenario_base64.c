/*
 * test_scenario_base64.c - a canned answer's body given as body_base64
 * (scenario_parse.c), which `stagemock record` writes for bytes JSON text
 * cannot carry: the client receives exactly the decoded bytes, NULs and
 * invalid UTF-8 included; the rule lists back as body_base64 and loads
 * again; text that is not base64, or a body given twice, is refused naming
 * the field.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tests/support/sm_http.h"
#include "stagemock/scenario.h"
#include "stagemock/server.h"

/* "PAR1\0\xff\x80z" */
#define BYTES_B64 "UEFSMQD/gHo="
static const char bytes[] = {'P', 'A', 'R', '1', 0, (char)0xff, (char)0x80, 'z'};

static const char rule[] = "{\"name\":\"bin\",\"match\":{\"endpoint\":\"download\"},\"action\":"
                           "{\"status\":200,\"content_type\":\"application/octet-stream\","
                           "\"body_base64\":\"" BYTES_B64 "\"}}";

static void body_base64_answers_the_exact_bytes(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    struct sm_server *srv = sm_test_server_start(&cfg);
    struct sm_error err;
    assert_int_equal(sm_server_add_rule(srv, rule, &err), SM_OK);
    struct sm_resp r;
    sm_http_request(sm_server_url(srv), NULL, "/download-from-stage", "k1",
                    "application/x-www-form-urlencoded", "stage_id=s1&file_name=a", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, sizeof bytes);
    assert_memory_equal(r.body, bytes, sizeof bytes);
    sm_resp_cleanup(&r);
    /* listed back as base64, and that listing loads again */
    char *list = sm_server_list_rules(srv);
    assert_non_null(list);
    assert_non_null(strstr(list, "\"body_base64\":\"" BYTES_B64 "\""));
    size_t n = strlen(list);
    char *doc = malloc(n + 16);
    assert_non_null(doc);
    (void)snprintf(doc, n + 16, "{\"rules\":%s}", list);
    sm_free(list);
    assert_int_equal(sm_server_load_scenario(srv, doc, strlen(doc), NULL, &err), SM_OK);
    free(doc);
    sm_server_free(srv);
}

static void body_base64_refusals_name_the_field(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    struct sm_server *srv = NULL;
    struct sm_error err;
    assert_int_equal(sm_server_new(&cfg, &srv, &err), SM_OK);
    static const char *const bad[] = {
        "{\"match\":{},\"action\":{\"status\":200,\"body_base64\":\"not base64!\"}}",
        "{\"match\":{},\"action\":{\"status\":200,\"body_base64\":\"QUJD\\nREVG\"}}",
        "{\"match\":{},\"action\":{\"status\":200,\"body_base64\":7}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_not_equal(sm_server_add_rule(srv, bad[i], &err), SM_OK);
        assert_non_null(strstr(err.message, "body_base64: expected base64 text"));
    }
    static const char twice[] =
        "{\"match\":{},\"action\":{\"status\":200,\"body\":\"x\",\"body_base64\":\"eA==\"}}";
    assert_int_not_equal(sm_server_add_rule(srv, twice, &err), SM_OK);
    assert_non_null(strstr(err.message, "body_base64: give it alone, without message or body"));
    /* and a good one beside them loads */
    static const char good[] =
        "{\"match\":{},\"action\":{\"status\":200,\"body_base64\":\"eA==\"}}";
    assert_int_equal(sm_server_add_rule(srv, good, &err), SM_OK);
    sm_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(body_base64_answers_the_exact_bytes),
        cmocka_unit_test(body_base64_refusals_name_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
