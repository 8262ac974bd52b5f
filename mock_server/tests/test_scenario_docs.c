/*
 * test_scenario_docs.c - docs/SCENARIOS.md cannot drift from the code.
 *
 * Every "File: `mock_server/tests/scenarios/X.json`" block in the page must
 * equal that file (as JSON), every file in the folder must be shown in the
 * page, and each file is loaded into the engine and the effect the page
 * describes is asserted at the engine level: which requests fire which rule
 * with which action. (The wire-level effect of each action is asserted by the
 * server integration tests, which load the same files.)
 */
#include "../../tests/support/sm_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <stagemock/scenario.h>
#include <stagemock/server.h>

#include "stagemock/fixtures.h"
#include "scn_test.h"

#define UP   SM_SCN_EP_UPLOAD
#define DOWN SM_SCN_EP_DOWNLOAD
#define LIST SM_SCN_EP_LIST

static char *read_text(const char *rel)
{
    char path[4096];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", sm_test_top_dir(), rel);
    char *t = (char *)sm_test_read_file(path, &len); /* NUL-terminated */
    if (t == NULL) {
        fail_msg("cannot read %s", path);
    }
    return t;
}

static void test_doc_blocks_equal_files(void **state)
{
    (void)state;
    static const char tag[] = "File: `mock_server/tests/scenarios/";
    char *doc = read_text("docs/SCENARIOS.md");
    char seen[64][64];
    size_t n_seen = 0;
    for (char *p = strstr(doc, tag); p != NULL; p = strstr(p + 1, tag)) {
        char *name = p + sizeof tag - 1;
        char *tick = strchr(name, '`');
        char *open = tick ? strstr(tick, "```json\n") : NULL;
        char *close = open ? strstr(open + 8, "\n```") : NULL;
        assert_non_null(close);
        assert_true(n_seen < 64 && (size_t)(tick - name) < sizeof seen[0]);
        snprintf(seen[n_seen], sizeof seen[0], "%.*s", (int)(tick - name), name);
        char rel[256];
        snprintf(rel, sizeof rel, "mock_server/tests/scenarios/%s", seen[n_seen++]);
        char *file = read_text(rel);
        cJSON *a = cJSON_ParseWithLength(open + 8, (size_t)(close - open - 8));
        cJSON *b = cJSON_Parse(file);
        if (a == NULL || b == NULL || !cJSON_Compare(a, b, true)) {
            fail_msg("docs/SCENARIOS.md block for %s differs from the file", rel);
        }
        cJSON_Delete(a);
        cJSON_Delete(b);
        free(file);
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/mock_server/tests/scenarios", sm_test_top_dir());
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n_files = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0) {
            continue;
        }
        n_files++;
        bool found = false;
        for (size_t i = 0; i < n_seen && !found; i++) {
            found = strcmp(seen[i], e->d_name) == 0;
        }
        if (!found) {
            fail_msg("%s is not shown in docs/SCENARIOS.md", e->d_name);
        }
    }
    closedir(d);
    assert_int_equal(n_files, n_seen);
    assert_true(n_seen >= 19);
    free(doc);
}

/* Decide r; return the fired rule index or -1, keeping hit for inspection. */
static long run(struct sm_scn *s, struct scn_req r, struct sm_scn_hit *hit)
{
    sm_scn_hit_cleanup(hit);
    return scn_test_decide(s, r, hit);
}

static const char *header(const struct sm_scn_hit *h, const char *name)
{
    for (size_t i = 0; i < h->action.n_headers; i++) {
        if (strcmp(h->action.headers[i].name, name) == 0) {
            return h->action.headers[i].value;
        }
    }
    return NULL;
}

static void test_retry_after_503(void **state)
{
    (void)state;
    struct sm_scn *s = scn_test_load("retry_after_503.json", NULL);
    struct sm_scn_hit h = {0};
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), -1);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), 0);
    assert_int_equal(h.action.status, 503);
    assert_string_equal(header(&h, "Retry-After"), "1");
    assert_string_equal(h.action.body, "{\"message\":\"try again shortly\"}");
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), -1);
    sm_scn_hit_cleanup(&h);
    sm_scn_free(s);
}

static void test_html_502_and_alter_and_delay(void **state)
{
    (void)state;
    struct sm_scn_hit h = {0};
    struct sm_scn *s = scn_test_load("html_502.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), -1);
    assert_int_equal(run(s, (struct scn_req){.ep = DOWN}, &h), 0);
    assert_int_equal(h.action.status, 502);
    assert_string_equal(h.action.content_type, "text/html");
    assert_non_null(strstr(h.action.body, "<h1>502 Bad Gateway</h1>"));
    sm_scn_free(s);
    s = scn_test_load("alter_real.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), 0);
    assert_true(h.action.real);
    assert_int_equal(h.action.status, 202);
    assert_null(h.action.body);
    assert_string_equal(header(&h, "X-Served-By"), "edge-3");
    assert_string_equal(sm_scn_action_kind(&h.action), "alter");
    sm_scn_free(s);
    s = scn_test_load("delay.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = LIST}, &h), 0);
    assert_int_equal(h.action.delay_ms, 1500);
    assert_true(h.action.real);
    assert_int_equal(h.action.status, 0);
    sm_scn_hit_cleanup(&h);
    sm_scn_free(s);
}

static void test_dribble_close_reset_truncate(void **state)
{
    (void)state;
    struct sm_scn_hit h = {0};
    struct sm_scn *s = scn_test_load("dribble.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = DOWN, .file = "x_big.parquet"}, &h), 0);
    assert_int_equal(h.action.dribble_bytes, 1024);
    assert_int_equal(h.action.dribble_interval_ms, 50);
    assert_int_equal(run(s, (struct scn_req){.ep = DOWN, .file = "x.parquet"}, &h), -1);
    sm_scn_free(s);
    s = scn_test_load("close_before_response.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), 0);
    assert_int_equal(h.action.connection, SM_SCN_CONN_CLOSE);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), -1);
    sm_scn_free(s);
    s = scn_test_load("reset.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = LIST, .key = "k-flaky"}, &h), 0);
    assert_string_equal(sm_scn_action_kind(&h.action), "reset");
    assert_int_equal(run(s, (struct scn_req){.ep = LIST, .key = "k-good"}, &h), -1);
    sm_scn_free(s);
    s = scn_test_load("truncate.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = DOWN}, &h), 0);
    assert_true(h.action.truncate);
    assert_int_equal(h.action.truncate_at, 100);
    assert_int_equal(h.action.content_length, 10000);
    sm_scn_hit_cleanup(&h);
    sm_scn_free(s);
}

static void test_malformed_throttle_lose(void **state)
{
    (void)state;
    struct sm_scn_hit h = {0};
    struct sm_scn *s = scn_test_load("malformed_200.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), 0);
    assert_int_equal(h.action.status, 200);
    cJSON *j = cJSON_Parse(h.action.body);
    assert_null(j); /* "not JSON" is the point */
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), 1);
    j = cJSON_Parse(h.action.body);
    assert_non_null(j);
    assert_null(cJSON_GetObjectItem(j, "file_id"));
    cJSON_Delete(j);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), -1);
    sm_scn_free(s);
    s = scn_test_load("throttle_read.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), 0);
    assert_int_equal(h.action.read_rate, 65536);
    assert_int_equal(h.action.status, 0);
    sm_scn_free(s);
    s = scn_test_load("lose_response.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), 0);
    assert_true(h.action.lose_response);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), -1);
    sm_scn_hit_cleanup(&h);
    sm_scn_free(s);
}

static void test_offsets_before_body_continue(void **state)
{
    (void)state;
    struct sm_scn_hit h = {0};
    struct sm_scn *s = scn_test_load("request_offset.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), 0);
    assert_int_equal(h.action.request_fault.what, SM_SCN_CONN_RESET);
    assert_int_equal(h.action.request_fault.after_bytes, 4096);
    sm_scn_free(s);
    s = scn_test_load("response_offset.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = DOWN}, &h), 0);
    assert_int_equal(h.action.response_fault.what, SM_SCN_CONN_RESET);
    assert_int_equal(h.action.response_fault.after_bytes, 1000);
    assert_int_equal(run(s, (struct scn_req){.ep = DOWN}, &h), 1);
    assert_int_equal(h.action.response_fault.what, SM_SCN_CONN_STALL);
    assert_int_equal(run(s, (struct scn_req){.ep = DOWN}, &h), -1);
    sm_scn_free(s);
    s = scn_test_load("before_body.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), 0);
    assert_true(h.action.before_body);
    assert_int_equal(h.action.status, 413);
    sm_scn_free(s);
    s = scn_test_load("refuse_continue.json", NULL);
    assert_int_equal(run(s, (struct scn_req){.ep = UP, .headers = {"expect", "100-continue"}}, &h),
                     0);
    assert_true(h.action.refuse_continue);
    assert_int_equal(h.action.status, 417);
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), -1);
    sm_scn_hit_cleanup(&h);
    sm_scn_free(s);
}

static void test_stateful_outage(void **state)
{
    (void)state;
    struct sm_scn_hit h = {0};
    char st[64];
    struct sm_scn *s = scn_test_load("stateful.json", NULL);
    sm_scn_state(s, st, sizeof st);
    assert_string_equal(st, "down");
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), 0);
    assert_int_equal(h.action.status, 503);
    assert_string_equal(header(&h, "Retry-After"), "2");
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), 0);
    assert_int_equal(run(s, (struct scn_req){.ep = LIST}, &h), 1);
    assert_string_equal(h.state_before, "down");
    assert_string_equal(h.state_after, "up");
    assert_int_equal(run(s, (struct scn_req){.ep = UP}, &h), -1);
    assert_int_equal(run(s, (struct scn_req){.ep = LIST}, &h), -1);
    sm_scn_hit_cleanup(&h);
    sm_scn_free(s);
}

static void test_probability_seed_7(void **state)
{
    (void)state;
    char a[41], b[41];
    char *runs[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        struct sm_scn_hit h = {0};
        struct sm_scn *s = scn_test_load("probability.json", NULL);
        assert_int_equal(sm_scn_seed(s), 7);
        for (int i = 0; i < 40; i++) {
            runs[k][i] = run(s, (struct scn_req){.ep = UP}, &h) == 0 ? 'X' : '.';
            assert_true(!h.fired || h.seed == 7);
        }
        runs[k][40] = '\0';
        sm_scn_hit_cleanup(&h);
        sm_scn_free(s);
    }
    assert_string_equal(a, b);
    size_t n = 0;
    for (int i = 0; i < 40; i++) {
        n += a[i] == 'X';
    }
    assert_true(n >= 3 && n <= 24); /* about 12 of 40 */
}

/* The page's example as a user runs it: `stagemock fixtures --out fixtures`
 * beside the scenario file, then the scenario loaded into a server. */
static void test_preload(void **state)
{
    (void)state;
    struct sm_scn_doc *doc = NULL;
    struct sm_scn *s = scn_test_load("preload.json", &doc);
    assert_int_equal(doc->n_preload, 1);
    assert_string_equal(doc->preload[0].stage, "s1");
    assert_int_equal(doc->preload[0].n_names, 2);
    assert_string_equal(doc->preload[0].names[0], "step_01.parquet");
    assert_string_equal(doc->preload[0].names[1], "step_02.parquet");
    assert_non_null(strstr(doc->preload[0].paths[1], "scenarios/fixtures/order/step_02.parquet"));
    sm_scn_doc_free(doc);
    sm_scn_free(s);

    char dir[] = "/tmp/sm-preload-XXXXXX";
    sm_test_fixtures_dir(dir);
    char *json = read_text("mock_server/tests/scenarios/preload.json");
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    struct sm_server *srv = NULL;
    struct sm_error e = {0};
    assert_int_equal(sm_server_new(&cfg, &srv, &e), SM_OK);
    if (sm_server_load_scenario(srv, json, strlen(json), dir, &e) != SM_OK) {
        fail_msg("preload.json beside generated fixtures: %s", e.message);
    }
    struct sm_file_list list = {0};
    assert_int_equal(sm_server_get_files(srv, "s1", &list, &e), SM_OK);
    assert_int_equal(list.n, 2);
    assert_string_equal(list.files[0].name, "step_01.parquet");
    assert_string_equal(list.files[1].name, "step_02.parquet");
    sm_file_list_cleanup(&list);
    sm_server_free(srv);
    free(json);
    assert_int_equal(smx_tree_remove(dir), 0);
}

static void test_match_fields(void **state)
{
    (void)state;
    struct sm_scn_hit h = {0};
    struct sm_scn *s = scn_test_load("match_fields.json", NULL);
    struct scn_req ok = {.ep = UP,
                         .stage = "s1",
                         .file = "part-0001.parquet",
                         .key = "k1",
                         .headers = {"X-Canary", "yes", "user-agent", "stagectl/1.0"}};
    struct scn_req bad = ok;
    bad.file = "data.parquet";
    assert_int_equal(run(s, bad, &h), -1);
    bad = ok;
    bad.headers[0] = "X-Other";
    assert_int_equal(run(s, bad, &h), -1);
    bad = ok;
    bad.ep = LIST;
    assert_int_equal(run(s, bad, &h), -1);
    assert_int_equal(run(s, ok, &h), 0);
    assert_int_equal(h.action.status, 429);
    ok.ep = DOWN;
    assert_int_equal(run(s, ok, &h), 0);
    assert_int_equal(run(s, ok, &h), -1); /* times: 2 */
    cJSON *rep = sm_scn_report(s);
    cJSON *r0 = cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "rules"), 0);
    assert_int_equal(cJSON_GetObjectItem(r0, "fired")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(r0, "matched")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItem(rep, "unmatched_requests")->valueint, 4);
    cJSON_Delete(rep);
    sm_scn_hit_cleanup(&h);
    sm_scn_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_blocks_equal_files),
        cmocka_unit_test(test_retry_after_503),
        cmocka_unit_test(test_html_502_and_alter_and_delay),
        cmocka_unit_test(test_dribble_close_reset_truncate),
        cmocka_unit_test(test_malformed_throttle_lose),
        cmocka_unit_test(test_offsets_before_body_continue),
        cmocka_unit_test(test_stateful_outage),
        cmocka_unit_test(test_probability_seed_7),
        cmocka_unit_test(test_preload),
        cmocka_unit_test(test_match_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
