/*
 * test_verify.c - sm_server_verify and its expectation language
 * (docs/VERIFY.md) against an in-process server driven over 127.0.0.1:
 * expectations that hold, failing ones with their exact diff text (order
 * swapped, a request missing, one too many, never, at least, any order),
 * the parser's messages for bad expectations, the CMocka helper on a met
 * expectation, and the journal in request order (a slow request that
 * completes last is listed first, with its completion time).
 */
#include "../support/sm_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "../support/sm_http.h"
#include "stagemock/cmocka_verify.h"
#include "stagemock/scenario.h"
#include "stagemock/server.h"

static void post_form(struct sm_server *srv, const char *path, const char *body, long want)
{
    struct sm_resp r;
    sm_http_request(sm_server_url(srv), NULL, path, "k1", "application/x-www-form-urlencoded", body,
                    &r);
    assert_int_equal(r.status, want);
    sm_resp_cleanup(&r);
}

/* The session every diff below is about:
 *   #1 upload a.parquet 200, #2 upload b.parquet 200,
 *   #3 upload a.parquet 409 unique-names, #4 list 200, #5 download a.parquet 200 */
static int setup(void **state)
{
    struct sm_server *srv = sm_test_server_start(NULL);
    if (srv == NULL) {
        return -1;
    }
    assert_int_equal(sm_test_upload(srv, "a.parquet", 1), 200);
    assert_int_equal(sm_test_upload(srv, "b.parquet", 2), 200);
    assert_int_equal(sm_test_upload(srv, "a.parquet", 3), 409);
    post_form(srv, "/list-stage-files", "stage_id=s1", 200);
    post_form(srv, "/download-from-stage", "stage_id=s1&file_name=a.parquet", 200);
    *state = srv;
    return 0;
}

static int teardown(void **state)
{
    sm_server_free(*state);
    return 0;
}

/* Verify, expecting a mismatch with exactly this diff. */
static void assert_diff(struct sm_server *srv, const char *expectation, const char *want)
{
    char *diff = NULL;
    struct sm_error err;
    enum sm_code rc = sm_server_verify(srv, expectation, &diff, &err);
    if (rc != SM_E_MISMATCH || diff == NULL || strcmp(diff, want) != 0) {
        fprintf(stderr, "rc %s, message: %s\n--- diff:\n%s--- wanted:\n%s", sm_strerror(rc),
                err.message, diff ? diff : "(null)\n", want);
    }
    assert_int_equal(rc, SM_E_MISMATCH);
    assert_non_null(diff);
    assert_string_equal(diff, want);
    sm_free(diff);
}

static void test_met(void **state)
{
    struct sm_server *srv = *state;
    static char unset[] = "unset";
    char *diff = unset;
    struct sm_error err;
    enum sm_code rc = sm_server_verify(srv,
                                       "# the whole session\n"
                                       "in order {\n"
                                       "  upload file=a.parquet status=200\n"
                                       "  upload file=b.parquet\n"
                                       "  upload file=a.parquet rule=unique-names\n"
                                       "}\n"
                                       "exactly 3 upload; exactly 2 upload status=2xx rule=none\n"
                                       "never upload rule=parquet-only\n"
                                       "at least 1 list stage=s1\n"
                                       "at most 1 download stage=s* file=\"*.parquet\" key=k1\n"
                                       "in any order { download; list }\n"
                                       "any status=409\n"
                                       "never admin\n",
                                       &diff, &err);
    if (rc != SM_OK) {
        fprintf(stderr, "%s\n%s", err.message, diff ? diff : "");
    }
    assert_int_equal(rc, SM_OK);
    assert_null(diff);
    assert_int_equal(sm_server_verify(srv, "exactly 5 any", NULL, &err), SM_OK);
    assert_stagemock_verified(srv, "in order { list; download file=a.parquet }");
}

static void test_in_order_swapped(void **state)
{
    assert_diff(*state, "in order { upload file=b.parquet; upload file=a.parquet status=200 }",
                "stagemock verify: 1 of 1 statement not met (5 requests in the journal, in "
                "request order)\n"
                "FAIL  line 1: in order { upload file=b.parquet; upload file=a.parquet "
                "status=200 }\n"
                "      2 patterns, 2 requests match them\n"
                "      first divergence: expected upload file=b.parquet, actual #1 upload "
                "stage=s1 file=a.parquet status=200\n"
                "        expected                          | actual\n"
                "      > upload file=b.parquet             | #1 upload stage=s1 "
                "file=a.parquet status=200\n"
                "      ! upload file=a.parquet status=200  | #2 upload stage=s1 "
                "file=b.parquet status=200\n");
}

static void test_in_order_missing_and_extra(void **state)
{
    /* a download expected before the list came after it; b uploaded unasked */
    assert_diff(*state,
                "exactly 5 any\n"
                "in order {\n"
                "  upload file=a.parquet status=200\n"
                "  upload file=c.parquet\n"
                "  list\n"
                "  download file=a.parquet\n"
                "}\n",
                "stagemock verify: 1 of 2 statements not met (5 requests in the journal, in "
                "request order)\n"
                "ok    line 1: exactly 5 any\n"
                "FAIL  line 2: in order { upload file=a.parquet status=200; upload "
                "file=c.parquet; list; download file=a.parquet }\n"
                "      4 patterns, 3 requests match them\n"
                "      first divergence: expected upload file=c.parquet, actual (missing)\n"
                "        expected                          | actual\n"
                "        upload file=a.parquet status=200  | #1 upload stage=s1 "
                "file=a.parquet status=200\n"
                "      > upload file=c.parquet             | (missing)\n"
                "        list                              | #4 list stage=s1 status=200\n"
                "        download file=a.parquet           | #5 download stage=s1 "
                "file=a.parquet status=200\n");
    assert_diff(*state, "in order { upload status=200; list }",
                "stagemock verify: 1 of 1 statement not met (5 requests in the journal, in "
                "request order)\n"
                "FAIL  line 1: in order { upload status=200; list }\n"
                "      2 patterns, 3 requests match them\n"
                "      first divergence: unexpected #2 upload stage=s1 file=b.parquet status=200 "
                "(not expected here)\n"
                "        expected             | actual\n"
                "        upload status=200    | #1 upload stage=s1 file=a.parquet status=200\n"
                "      > (not expected here)  | #2 upload stage=s1 file=b.parquet status=200\n"
                "        list                 | #4 list stage=s1 status=200\n");
}

static void test_counts(void **state)
{
    struct sm_server *srv = *state;
    assert_diff(srv, "exactly 1 upload file=a.parquet",
                "stagemock verify: 1 of 1 statement not met (5 requests in the journal, in "
                "request order)\n"
                "FAIL  line 1: exactly 1 upload file=a.parquet\n"
                "      2 requests matched\n"
                "      first divergence: unexpected #3 upload stage=s1 file=a.parquet status=409 "
                "rule=unique-names (more than 1)\n"
                "        expected               | actual\n"
                "        upload file=a.parquet  | #1 upload stage=s1 file=a.parquet status=200\n"
                "      > (more than 1)          | #3 upload stage=s1 file=a.parquet status=409 "
                "rule=unique-names\n");
    assert_diff(srv, "never upload status=4xx",
                "stagemock verify: 1 of 1 statement not met (5 requests in the journal, in "
                "request order)\n"
                "FAIL  line 1: never upload status=4xx\n"
                "      1 request matched\n"
                "      first divergence: unexpected #3 upload stage=s1 file=a.parquet status=409 "
                "rule=unique-names (none expected)\n"
                "        expected         | actual\n"
                "      > (none expected)  | #3 upload stage=s1 file=a.parquet status=409 "
                "rule=unique-names\n");
    assert_diff(srv, "at least 3 download stage=s1",
                "stagemock verify: 1 of 1 statement not met (5 requests in the journal, in "
                "request order)\n"
                "FAIL  line 1: at least 3 download stage=s1\n"
                "      1 request matched\n"
                "      first divergence: expected download stage=s1, actual (missing)\n"
                "        expected           | actual\n"
                "        download stage=s1  | #5 download stage=s1 file=a.parquet status=200\n"
                "      > download stage=s1  | (missing)\n"
                "      ! download stage=s1  | (missing)\n");
}

/* A huge count costs no more than the rows the diff shows. */
static void test_huge_count(void **state)
{
    char *diff = NULL;
    assert_int_equal(sm_server_verify(*state, "at least 1000000000 list", &diff, NULL),
                     SM_E_MISMATCH);
    assert_non_null(diff);
    assert_non_null(strstr(diff, "\n        list      | #4 list stage=s1 status=200\n"
                                 "      > list      | (missing)\n"));
    assert_non_null(strstr(diff, "\n        (2 rows after)\n"));
    sm_free(diff);
    char many[8 * 1001 + 32];
    size_t o = (size_t)snprintf(many, sizeof many, "in any order {");
    for (int i = 0; i < 1001; i++) {
        o += (size_t)snprintf(many + o, sizeof many - o, " list;");
    }
    (void)snprintf(many + o, sizeof many - o, " }");
    struct sm_error err;
    assert_int_equal(sm_server_verify(*state, many, NULL, &err), SM_E_MALFORMED);
    assert_string_equal(err.message,
                        "verify: line 1, column 6016: an expectation holds at most 1000 patterns");
}

static void test_any_order(void **state)
{
    assert_diff(*state,
                "in any order { list; download file=b.parquet; upload file=a.parquet; upload "
                "file=b.parquet }",
                "stagemock verify: 1 of 1 statement not met (5 requests in the journal, in "
                "request order)\n"
                "FAIL  line 1: in any order { list; download file=b.parquet; upload "
                "file=a.parquet; upload file=b.parquet }\n"
                "      4 patterns, 4 requests match them\n"
                "      first divergence: expected download file=b.parquet, actual (missing)\n"
                "        expected                 | actual\n"
                "        list                     | #4 list stage=s1 status=200\n"
                "      > download file=b.parquet  | (missing)\n"
                "        upload file=a.parquet    | #1 upload stage=s1 file=a.parquet status=200\n"
                "        upload file=b.parquet    | #2 upload stage=s1 file=b.parquet status=200\n"
                "      ! (not expected)           | #3 upload stage=s1 file=a.parquet status=409 "
                "rule=unique-names\n");
}

static void test_message_names_first_failure(void **state)
{
    struct sm_error err;
    char *diff = NULL;
    assert_int_equal(sm_server_verify(*state, "list\n\nnever list; never download", &diff, &err),
                     SM_E_MISMATCH);
    assert_string_equal(err.message,
                        "verify: 2 of 3 statements not met; the first: line 3: never list");
    assert_int_equal(err.http_status, 409);
    sm_free(diff);
    /* without a diff pointer: the verdict alone */
    assert_int_equal(sm_server_verify(*state, "never list", NULL, &err), SM_E_MISMATCH);
}

static void test_parse_errors(void **state)
{
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"upload fil=a.parquet",
         "verify: line 1, column 8: unknown field 'fil' (fields: stage, file, status, rule, key)"},
        {"exactly 2 uplaod",
         "verify: line 1, column 11: expected a request (upload, download, list, admin, other, "
         "any), found 'uplaod'"},
        {"never upload rule=uniq",
         "verify: line 1, column 19: unknown rule 'uniq' (rules: parquet-only, codec, "
         "one-file-per-request, unique-names, same-schema, order, error-json, bytes, auth, "
         "scenario; none: no rule)"},
        {"upload status=2000", "verify: line 1, column 15: status wants a number 100-599 (0: no "
                               "answer) or a class 1xx-5xx, not '2000'"},
        {"upload file=\"a.parquet", "verify: line 1, column 13: a string opened here is not "
                                    "closed with '\"' on its line"},
        {"list\nin order {\n  upload\n", "verify: line 4, column 1: 'in order {' opened at line "
                                         "2, column 10 is not closed with '}'"},
        {"in order { exactly 2 upload }", "verify: line 1, column 12: a count ('exactly') cannot "
                                          "stand inside 'in order { }': write the pattern once "
                                          "per request, or count outside the block"},
        {"in order { }", "verify: line 1, column 12: 'in order { }' holds no pattern"},
        {"at least two upload", "verify: line 1, column 10: expected a count (0 to 1000000000) "
                                "after 'at least', found 'two'"},
        {"upload file=a.parquet }", "verify: line 1, column 23: expected the statement's end (a "
                                    "new line or ';'), found '}'"},
        {"upload file a.parquet",
         "verify: line 1, column 13: expected '=' after 'file', found 'a.parquet'"},
        {"upload stage=s1 stage=s2", "verify: line 1, column 23: 'stage' given twice in one "
                                     "pattern"},
        {"# nothing\n;\n", "verify: the expectation holds no statement"},
        {"upload file=\"a\\xaa\"",
         "verify: line 1, column 13: a string's escapes spell bytes that are not valid UTF-8"},
        {"in sequence { list }",
         "verify: line 1, column 4: expected 'in order {' or 'in any order {', found 'sequence'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sm_error err;
        static char unset[] = "unset";
        char *diff = unset;
        enum sm_code rc = sm_server_verify(*state, cases[i].text, &diff, &err);
        if (rc != SM_E_MALFORMED || strcmp(err.message, cases[i].message) != 0) {
            fprintf(stderr, "case %zu: %s: %s\n", i, sm_strerror(rc), err.message);
        }
        assert_int_equal(rc, SM_E_MALFORMED);
        assert_string_equal(err.message, cases[i].message);
        assert_int_equal(err.rule, SM_RULE_ERROR_JSON);
        assert_null(diff);
    }
    struct sm_error err;
    assert_int_equal(sm_server_verify(*state, NULL, NULL, &err), SM_E_ARG);
    assert_int_equal(sm_server_verify(*state, "upload file=\"\xff\"", NULL, &err), SM_E_MALFORMED);
}

/* Values that need quotes come back quoted, escapes and all; a control
 * character in a stage id cannot break a row of the diff. */
static void test_quoting(void **state)
{
    struct sm_server *srv = *state;
    assert_int_equal(sm_server_verify(srv, "never upload file=\"a b.parquet\"", NULL, NULL), SM_OK);
    post_form(srv, "/list-stage-files", "stage_id=x%0Ay", 404);
    assert_diff(srv, "never list stage=\"x\\ny\"",
                "stagemock verify: 1 of 1 statement not met (6 requests in the journal, in "
                "request order)\n"
                "FAIL  line 1: never list stage=\"x\\ny\"\n"
                "      1 request matched\n"
                "      first divergence: unexpected #6 list stage=\"x\\ny\" status=404 rule=auth "
                "(none expected)\n"
                "        expected         | actual\n"
                "      > (none expected)  | #6 list stage=\"x\\ny\" status=404 rule=auth\n");
}

/* ---- the journal in request order ----------------------------------------- */

static void *slow_list(void *arg)
{
    struct sm_resp r;
    sm_http_request(sm_server_url(arg), NULL, "/list-stage-files", "k1",
                    "application/x-www-form-urlencoded", "stage_id=s1", &r);
    long status = r.status;
    sm_resp_cleanup(&r);
    return (void *)(intptr_t)status;
}

static const cJSON *field(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void test_journal_request_order(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    struct sm_error err;
    assert_int_equal(sm_server_add_rule(srv,
                                        "{\"name\": \"slow-list\", \"match\": {\"endpoint\": "
                                        "\"list\"}, \"action\": {\"real\": true, "
                                        "\"delay_ms\": 800}}",
                                        &err),
                     SM_OK);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, slow_list, srv), 0);
    /* wait (bounded) until the list has fired its delay: it came first */
    bool fired = false;
    for (int i = 0; i < 300 && !fired; i++) {
        char *rep = sm_server_scenario_report(srv);
        fired = rep != NULL && strstr(rep, "\"fired\":1") != NULL;
        sm_free(rep);
        if (!fired) {
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        }
    }
    assert_true(fired);
    assert_int_equal(sm_test_upload(srv, "late.parquet", 9),
                     200); /* came second, completes first */
    void *ret = NULL;
    assert_int_equal(pthread_join(th, &ret), 0);
    assert_int_equal((intptr_t)ret, 200);

    char *text = sm_server_journal_json(srv);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    const cJSON *es = field(j, "entries");
    assert_int_equal(cJSON_GetArraySize(es), 2);
    const cJSON *first = cJSON_GetArrayItem(es, 0), *second = cJSON_GetArrayItem(es, 1);
    assert_string_equal(field(first, "path")->valuestring, "/list-stage-files");
    assert_string_equal(field(second, "path")->valuestring, "/upload-to-stage");
    assert_true(field(first, "seq")->valuedouble < field(second, "seq")->valuedouble);
    /* end_us: when each completed, an exact integer (the list completed last) */
    const char *end1 = strstr(text, "\"end_us\":");
    assert_non_null(end1);
    const char *end2 = strstr(end1 + 1, "\"end_us\":");
    assert_non_null(end2);
    long long e1 = strtoll(end1 + 9, NULL, 10), e2 = strtoll(end2 + 9, NULL, 10);
    assert_true(e1 > 1000000000000000LL && e2 > 1000000000000000LL); /* µs since 2001 */
    assert_true(e1 > e2);
    assert_true(strchr("0123456789", end1[9]) != NULL && strchr("0123456789", end2[9]) != NULL);
    cJSON_Delete(j);
    sm_free(text);
    assert_stagemock_verified(srv, "in order { list; upload file=late.parquet }");
    sm_server_free(srv);
}

/* A full ring drops the oldest requests: those of lowest seq. */
static void test_journal_ring_keeps_latest(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.journal_max = 2;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    assert_int_equal(sm_test_upload(srv, "1.parquet", 1), 200);
    assert_int_equal(sm_test_upload(srv, "2.parquet", 2), 200);
    assert_int_equal(sm_test_upload(srv, "3.parquet", 3), 200);
    assert_stagemock_verified(srv, "in order { upload file=2.parquet; upload file=3.parquet }");
    char *diff = NULL;
    assert_int_equal(sm_server_verify(srv, "upload file=1.parquet", &diff, NULL), SM_E_MISMATCH);
    assert_non_null(strstr(diff, "\nnote: the journal's ring dropped 1 older request, not "
                                 "counted here (--journal-max)\n"));
    sm_free(diff);
    sm_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_met, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_order_swapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_order_missing_and_extra, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_any_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_huge_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_names_first_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quoting, setup, teardown),
        cmocka_unit_test(test_journal_request_order),
        cmocka_unit_test(test_journal_ring_keeps_latest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
