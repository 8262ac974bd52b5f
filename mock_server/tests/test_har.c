/*
 * test_har.c - HAR 1.2 out of exchanges (har.c) and out of a server's
 * journal (har_capture.c): binary bodies as base64 and text as text, a body
 * kept in part marked with both sizes, a cut inside a character left out,
 * integers as integers, timings that add up to time; a server with HAR
 * capture keeps headers and bodies, one without says what it lacks, and the
 * journal's budget releases the oldest bodies first. The schema itself is
 * checked by tests/har/har_test.sh with an independent validator.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../common/sm_base64.h"
#include "../../tests/support/sm_http.h"
#include "stagemock/har.h"
#include "stagemock/server.h"

static cJSON *render_one(const struct sm_har_exchange *x)
{
    char *text = sm_har_render(x, 1, NULL);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    sm_free(text);
    assert_non_null(root);
    return root;
}

static cJSON *path(cJSON *o, const char *a, const char *b, const char *c)
{
    cJSON *entry =
        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "log"), "entries"), 0);
    cJSON *it = cJSON_GetObjectItem(entry, a);
    if (b != NULL) {
        it = cJSON_GetObjectItem(it, b);
    }
    if (c != NULL) {
        it = cJSON_GetObjectItem(it, c);
    }
    return it;
}

static const uint8_t binary[] = {'P', 'A', 'R', '1', 0, 0xff, 0x80, 'x'};
static const struct sm_har_header req_h[] = {{"Content-Type", "application/x-parquet"},
                                             {"Authorization", "Key k1"}};
static const struct sm_har_header resp_h[] = {{"Content-Type", "application/json"}};

static struct sm_har_exchange sample(void)
{
    struct sm_har_exchange x = {
        .start_us = 1796000000123456,
        .sent_us = 1796000000124456,
        .answered_us = 1796000000126456,
        .end_us = 1796000000126956,
        .method = "POST",
        .url = "http://127.0.0.1:1/upload-to-stage?a=1&b",
        .req_headers = req_h,
        .n_req_headers = 2,
        .req_body = {binary, sizeof binary, sizeof binary, NULL},
        .status = 409,
        .resp_headers = resp_h,
        .n_resp_headers = 1,
        .resp_body = {(const uint8_t *)"{\"message\":\"x\"}", 15, 15, NULL},
    };
    return x;
}

static void render_writes_binary_as_base64_and_text_as_text(void **state)
{
    (void)state;
    struct sm_har_exchange x = sample();
    cJSON *root = render_one(&x);
    cJSON *pd = path(root, "request", "postData", NULL);
    assert_string_equal(cJSON_GetObjectItem(pd, "_encoding")->valuestring, "base64");
    assert_string_equal(cJSON_GetObjectItem(pd, "mimeType")->valuestring, "application/x-parquet");
    const char *t = cJSON_GetObjectItem(pd, "text")->valuestring;
    uint8_t *raw = malloc(strlen(t) / 4 * 3 + 3);
    assert_non_null(raw);
    struct smx_base64_dec dec = {0};
    size_t n = smx_base64_decode(&dec, t, strlen(t), raw);
    size_t tail = 0;
    assert_true(smx_base64_finish(&dec, raw + n, &tail));
    n += tail;
    assert_int_equal(n, sizeof binary);
    assert_memory_equal(raw, binary, n);
    free(raw);
    cJSON *content = path(root, "response", "content", NULL);
    assert_null(cJSON_GetObjectItem(content, "encoding"));
    assert_string_equal(cJSON_GetObjectItem(content, "text")->valuestring, "{\"message\":\"x\"}");
    assert_string_equal(cJSON_GetObjectItem(content, "mimeType")->valuestring, "application/json");
    assert_string_equal(path(root, "response", "statusText", NULL)->valuestring, "Conflict");
    cJSON *q = path(root, "request", "queryString", NULL);
    assert_int_equal(cJSON_GetArraySize(q), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(q, 1), "name")->valuestring, "b");
    cJSON_Delete(root);
}

static void render_writes_integers_and_timings_that_add_up(void **state)
{
    (void)state;
    struct sm_har_exchange x = sample();
    char *text = sm_har_render(&x, 1, NULL);
    assert_non_null(text);
    /* integers printed as integers, times in ms to the microsecond */
    assert_non_null(strstr(text, "\"status\":409"));
    assert_non_null(strstr(text, "\"bodySize\":8"));
    assert_non_null(strstr(text, "\"headersSize\":-1"));
    assert_non_null(strstr(text, "\"startedDateTime\":\"2026-11-30T00:53:20.123Z\""));
    assert_non_null(strstr(text, "\"time\":3.5,"));
    assert_non_null(strstr(text, "\"send\":1,\"wait\":2,\"receive\":0.5"));
    sm_free(text);
}

static void render_marks_a_body_kept_in_part(void **state)
{
    (void)state;
    struct sm_har_exchange x = sample();
    /* "caf\xc3\xa9" cut inside the é: text up to the cut, the size noted */
    x.resp_body = (struct sm_har_body){(const uint8_t *)"caf\xc3", 4, 10, "text/plain"};
    cJSON *root = render_one(&x);
    cJSON *content = path(root, "response", "content", NULL);
    assert_string_equal(cJSON_GetObjectItem(content, "text")->valuestring, "caf");
    assert_null(cJSON_GetObjectItem(content, "encoding"));
    assert_int_equal(cJSON_GetObjectItem(content, "size")->valueint, 10);
    assert_string_equal(cJSON_GetObjectItem(content, "comment")->valuestring,
                        "body truncated: the first 4 of 10 bytes are kept (the HAR body cap)");
    cJSON_Delete(root);
}

static void render_without_answer_or_body(void **state)
{
    (void)state;
    struct sm_har_exchange x = sample();
    x.status = 0;
    x.answered_us = 0;
    x.req_body = (struct sm_har_body){NULL, 0, -1, NULL};
    x.resp_body = (struct sm_har_body){NULL, 0, 0, NULL};
    cJSON *root = render_one(&x);
    assert_null(path(root, "request", "postData", NULL));
    assert_int_equal(path(root, "response", "bodySize", NULL)->valueint, -1);
    assert_int_equal(path(root, "response", "status", NULL)->valueint, 0);
    assert_string_equal(path(root, "response", "statusText", NULL)->valuestring, "");
    /* no answer: the wait runs to the end */
    assert_true(path(root, "timings", "receive", NULL)->valuedouble == 0.0);
    cJSON_Delete(root);
}

static struct sm_server *start(bool har, size_t body_max)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.har = har;
    cfg.har_body_max = body_max;
    cfg.max_upload = (uint64_t)64 << 20;
    return sm_test_server_start(&cfg);
}

static cJSON *server_har(struct sm_server *srv)
{
    char *text = sm_server_har_json(srv);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    sm_free(text);
    assert_non_null(root);
    return root;
}

static cJSON *entry_at(cJSON *root, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "log"), "entries"), i);
}

static const char *header_of(cJSON *msg, const char *name)
{
    cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItem(msg, "headers"))
    {
        if (strcmp(cJSON_GetObjectItem(h, "name")->valuestring, name) == 0) {
            return cJSON_GetObjectItem(h, "value")->valuestring;
        }
    }
    return NULL;
}

static void server_with_capture_keeps_headers_and_bodies(void **state)
{
    (void)state;
    struct sm_server *srv = start(true, 0);
    struct sm_resp r;
    sm_http_upload(sm_server_url(srv), "k1", "s1", "a.parquet", "not parquet", 11, &r);
    assert_int_equal(r.status, 400);
    sm_resp_cleanup(&r);
    cJSON *root = server_har(srv);
    cJSON *e = entry_at(root, 0);
    cJSON *req = cJSON_GetObjectItem(e, "request");
    assert_string_equal(header_of(req, "Authorization"), "Key k1");
    assert_non_null(strstr(cJSON_GetObjectItem(req, "url")->valuestring, "/upload-to-stage"));
    const char *posted =
        cJSON_GetObjectItem(cJSON_GetObjectItem(req, "postData"), "text")->valuestring;
    assert_non_null(strstr(posted, "not parquet"));
    cJSON *resp = cJSON_GetObjectItem(e, "response");
    assert_string_equal(header_of(resp, "X-Stagemock-Rule"), "parquet-only");
    const char *answered =
        cJSON_GetObjectItem(cJSON_GetObjectItem(resp, "content"), "text")->valuestring;
    assert_non_null(strstr(answered, "\"message\""));
    assert_non_null(strstr(cJSON_GetObjectItem(e, "comment")->valuestring, "rule parquet-only"));
    cJSON_Delete(root);
    sm_server_free(srv);
}

static void server_without_capture_says_what_it_lacks(void **state)
{
    (void)state;
    struct sm_server *srv = start(false, 0);
    struct sm_resp r;
    sm_http_upload(sm_server_url(srv), "k1", "s1", "a.parquet", "not parquet", 11, &r);
    sm_resp_cleanup(&r);
    cJSON *root = server_har(srv);
    cJSON *e = entry_at(root, 0);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "response"), "status")->valueint,
                     400);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "request"), "headers")), 0);
    assert_non_null(strstr(cJSON_GetObjectItem(e, "comment")->valuestring, "not kept"));
    cJSON_Delete(root);
    sm_server_free(srv);
}

/* Bodies of SM_HAR_BUDGET / 4 each: the fourth pushes the total over the
 * budget, and the first entry's bodies go; the newest keep theirs. */
static void server_budget_releases_the_oldest_bodies_first(void **state)
{
    (void)state;
    size_t cap = SM_HAR_BUDGET / 4;
    struct sm_server *srv = start(true, cap);
    size_t len = cap + 1;
    char *big = malloc(len);
    assert_non_null(big);
    memset(big, 'z', len);
    for (int i = 0; i < 4; i++) {
        struct sm_resp r;
        char name[32];
        (void)snprintf(name, sizeof name, "b%d.parquet", i);
        sm_http_upload(sm_server_url(srv), "k1", "s1", name, big, len, &r);
        if (r.status != 400) {
            fail_msg("upload %d: status %ld, curl %d", i, r.status, r.curl_code);
        }
        sm_resp_cleanup(&r);
    }
    free(big);
    cJSON *root = server_har(srv);
    cJSON *first = entry_at(root, 0), *last = entry_at(root, 3);
    assert_non_null(strstr(cJSON_GetObjectItem(first, "comment")->valuestring, "bodies released"));
    cJSON *pd0 = cJSON_GetObjectItem(cJSON_GetObjectItem(first, "request"), "postData");
    assert_string_equal(cJSON_GetObjectItem(pd0, "text")->valuestring, "");
    cJSON *pd3 = cJSON_GetObjectItem(cJSON_GetObjectItem(last, "request"), "postData");
    assert_int_equal(strlen(cJSON_GetObjectItem(pd3, "text")->valuestring), cap);
    assert_non_null(strstr(cJSON_GetObjectItem(pd3, "comment")->valuestring, "truncated"));
    assert_null(strstr(cJSON_GetObjectItem(last, "comment")->valuestring, "released"));
    cJSON_Delete(root);
    sm_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(render_writes_binary_as_base64_and_text_as_text),
        cmocka_unit_test(render_writes_integers_and_timings_that_add_up),
        cmocka_unit_test(render_marks_a_body_kept_in_part),
        cmocka_unit_test(render_without_answer_or_body),
        cmocka_unit_test(server_with_capture_keeps_headers_and_bodies),
        cmocka_unit_test(server_without_capture_says_what_it_lacks),
        cmocka_unit_test(server_budget_releases_the_oldest_bodies_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
