/*
 * test_scenario_wire.c - every scenario action seen from the client side.
 *
 * An in-process server on 127.0.0.1 loads the docs/SCENARIOS.md example files
 * (mock_server/tests/scenarios/) and libcurl observes the effect each page
 * section describes: status, headers, body, the libcurl error for resets
 * (CURLE_RECV_ERROR / CURLE_SEND_ERROR, never a timeout), truncation
 * (CURLE_PARTIAL_FILE) and exact byte offsets; the journal says which rule
 * fired and what it did. Timings are only lower bounds (a delay cannot be
 * shorter than asked) plus generous upper bounds.
 */
#include "../../tests/support/sm_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>

#include "stagemock/fixtures.h"
#include "../../fixtures/pqwrite/pqw.h"
#include "stagemock/scenario.h"
#include "stagemock/server.h"

struct res {
    CURLcode cc;
    long status;
    char body[8192];
    size_t body_len;
    curl_off_t got; /* body bytes received */
    char headers[4096];
    size_t headers_len;
    double secs;
};

struct fixture {
    struct sm_server *srv;
    uint8_t *pq; /* a valid parquet file */
    size_t pq_len;
};

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
    struct res *r = cls;
    size_t len = size * n;
    size_t room = sizeof r->body - 1 - r->body_len;
    size_t k = len < room ? len : room;
    memcpy(r->body + r->body_len, p, k);
    r->body_len += k;
    r->body[r->body_len] = '\0';
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *cls)
{
    struct res *r = cls;
    size_t len = size * n;
    size_t room = sizeof r->headers - 1 - r->headers_len;
    size_t k = len < room ? len : room;
    memcpy(r->headers + r->headers_len, p, k);
    r->headers_len += k;
    r->headers[r->headers_len] = '\0';
    return len;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* POST to path; an upload when data != NULL, else a form body. */
static struct res *call(struct fixture *f, const char *path, const char *key, const char *name,
                        const uint8_t *data, size_t len, const char *form, const char *extra,
                        long timeout_ms)
{
    static struct res r;
    memset(&r, 0, sizeof r);
    char url[256], auth[300];
    snprintf(url, sizeof url, "%s%s", sm_server_url(f->srv), path);
    snprintf(auth, sizeof auth, "Authorization: Key %s", key);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, auth);
    if (extra != NULL) {
        h = curl_slist_append(h, extra);
    }
    curl_mime *mime = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (data != NULL) {
        mime = curl_mime_init(c);
        curl_mimepart *p = curl_mime_addpart(mime);
        curl_mime_name(p, "stage_id");
        curl_mime_data(p, "s1", CURL_ZERO_TERMINATED);
        p = curl_mime_addpart(mime);
        curl_mime_name(p, "file");
        curl_mime_filename(p, name);
        curl_mime_data(p, (const char *)data, len);
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    } else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form ? form : "stage_id=s1");
    }
    double t0 = now_s();
    r.cc = curl_easy_perform(c);
    r.secs = now_s() - t0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &r.got);
    curl_mime_free(mime);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return &r;
}

static struct res *upload(struct fixture *f, const char *name)
{
    return call(f, "/upload-to-stage", "k1", name, f->pq, f->pq_len, NULL, NULL, 10000);
}

static struct res *download(struct fixture *f, const char *name, long timeout_ms)
{
    char form[256];
    snprintf(form, sizeof form, "stage_id=s1&file_name=%s", name);
    return call(f, "/download-from-stage", "k1", NULL, NULL, 0, form, NULL, timeout_ms);
}

static size_t n_files(struct fixture *f)
{
    struct sm_file_list l;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(f->srv, "s1", &l, &e), SM_OK);
    size_t n = l.n;
    sm_file_list_cleanup(&l);
    return n;
}

/* The journal's entries once n requests completed (bounded wait). */
static cJSON *journal(struct fixture *f, size_t n)
{
    for (int i = 0; i < 500 && sm_server_journal_count(f->srv) < n; i++) {
        usleep(10000);
    }
    char *t = sm_server_journal_json(f->srv);
    cJSON *j = cJSON_Parse(t);
    sm_free(t);
    assert_non_null(j);
    return j;
}

/* The entry of the i-th request (0-based). Entries are journaled in
 * completion order, which can differ from arrival order, so go by seq. */
static cJSON *entry(cJSON *j, int i)
{
    cJSON *e = NULL;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "entries"))
    {
        if ((int)cJSON_GetObjectItem(e, "seq")->valuedouble == i + 1) {
            return e;
        }
    }
    fail_msg("no journal entry with seq %d", i + 1);
    return NULL;
}

/* Entry i's scenario field k (string) or NULL. */
static const char *scn_field(cJSON *j, int i, const char *k)
{
    cJSON *e = entry(j, i);
    cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(e, "scenario"), k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void expect_field(cJSON *j, int i, const char *k, const char *want)
{
    const char *got = scn_field(j, i, k);
    if (got == NULL || strcmp(got, want) != 0) {
        fail_msg("request %d: scenario.%s is %s, not %s", i + 1, k, got ? got : "null", want);
    }
}

static double scn_num(cJSON *j, int i, const char *k)
{
    cJSON *e = entry(j, i);
    cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(e, "scenario"), k);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void value(void *cls, size_t col, uint64_t row, struct pqw_value *v)
{
    (void)cls;
    (void)col;
    v->i = (int64_t)(row * 2654435761u % 1000003u); /* poorly compressible */
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct sm_server_config cfg;
    struct sm_error e;
    sm_server_config_init(&cfg);
    cfg.seeded = true;
    cfg.seed = 1;
    cfg.timeout_s = 20;
    assert_int_equal(sm_server_new(&cfg, &f->srv, &e), SM_OK);
    assert_int_equal(sm_server_add_stage(f->srv, "s1", &e), SM_OK);
    assert_int_equal(sm_server_add_key(f->srv, "k1", NULL, 0, &e), SM_OK);
    assert_int_equal(sm_server_add_key(f->srv, "k-flaky", NULL, 0, &e), SM_OK);
    assert_int_equal(sm_server_start(f->srv, &e), SM_OK);
    static const struct pqw_column cols[] = {
        {"id", SM_PQ_INT64, 0, SM_PQ_REQUIRED, -1, SM_PQ_LT_NONE}};
    struct pqw_options opt = {.codec = SM_PQ_UNCOMPRESSED};
    f->pq = pqw_write_mem(cols, 1, 8000, &opt, value, NULL, &f->pq_len, &e);
    assert_non_null(f->pq);
    assert_true(f->pq_len > 60000); /* offsets below must fall inside the body */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sm_server_free(f->srv);
    free(f->pq);
    free(f);
    return 0;
}

static void load(struct fixture *f, const char *name)
{
    char path[4096];
    struct sm_error e = {0};
    snprintf(path, sizeof path, "%s/mock_server/tests/scenarios/%s", sm_test_top_dir(), name);
    if (sm_server_load_scenario_file(f->srv, path, &e) != SM_OK) {
        fail_msg("%s: %s", name, e.message);
    }
}

static bool has_header(const struct res *r, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = r->headers; *p; p++) {
        if (strncasecmp(p, line, n) == 0) {
            return true;
        }
    }
    return false;
}

static void test_retry_after_503(void **state)
{
    struct fixture *f = *state;
    load(f, "retry_after_503.json");
    assert_int_equal(upload(f, "a.parquet")->status, 200);
    struct res *r = upload(f, "b.parquet");
    assert_int_equal(r->cc, CURLE_OK);
    assert_int_equal(r->status, 503);
    assert_true(has_header(r, "Retry-After: 1\r\n"));
    assert_string_equal(r->body, "{\"message\":\"try again shortly\"}");
    assert_int_equal(upload(f, "c.parquet")->status, 200);
    assert_int_equal(n_files(f), 2);
    cJSON *j = journal(f, 3);
    assert_null(scn_field(j, 0, "rule"));
    expect_field(j, 1, "rule", "busy-on-second-upload");
    expect_field(j, 1, "action", "respond");
    assert_int_equal((int)scn_num(j, 1, "seed"), 1);
    cJSON_Delete(j);
}

static void test_html_502_and_alter(void **state)
{
    struct fixture *f = *state;
    load(f, "alter_real.json");
    struct res *r = upload(f, "a.parquet");
    assert_int_equal(r->status, 202);
    assert_true(has_header(r, "X-Served-By: edge-3"));
    assert_non_null(strstr(r->body, "file_id"));
    assert_int_equal(n_files(f), 1);
    load(f, "html_502.json");
    r = download(f, "a.parquet", 10000);
    assert_int_equal(r->status, 502);
    assert_true(has_header(r, "Content-Type: text/html"));
    assert_non_null(strstr(r->body, "<h1>502 Bad Gateway</h1>"));
}

static void test_reset_is_a_reset(void **state)
{
    struct fixture *f = *state;
    load(f, "reset.json");
    struct res *r = call(f, "/list-stage-files", "k-flaky", NULL, NULL, 0, NULL, NULL, 10000);
    assert_true(r->cc == CURLE_RECV_ERROR || r->cc == CURLE_SEND_ERROR);
    assert_true(r->secs < 5.0); /* at once, never a timeout */
    assert_int_equal(call(f, "/list-stage-files", "k1", NULL, NULL, 0, NULL, NULL, 10000)->status,
                     200);
    cJSON *j = journal(f, 2);
    expect_field(j, 0, "action", "reset");
    cJSON_Delete(j);
}

static void test_close_before_response(void **state)
{
    struct fixture *f = *state;
    load(f, "close_before_response.json");
    struct res *r = upload(f, "a.parquet");
    assert_int_equal(r->cc, CURLE_GOT_NOTHING);
    assert_int_equal(n_files(f), 0);
    assert_int_equal(upload(f, "a.parquet")->status, 200);
}

static void test_truncate(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(upload(f, "a.parquet")->status, 200);
    load(f, "truncate.json");
    struct res *r = download(f, "a.parquet", 10000);
    assert_int_equal(r->cc, CURLE_PARTIAL_FILE);
    assert_int_equal(r->got, 100);
    assert_true(has_header(r, "Content-Length: 10000"));
    assert_memory_equal(r->body, f->pq, 100);
}

static void test_response_offsets(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(upload(f, "a.parquet")->status, 200);
    load(f, "response_offset.json");
    struct res *r = download(f, "a.parquet", 10000);
    assert_int_equal(r->cc, CURLE_RECV_ERROR);
    assert_int_equal(r->got, 1000);
    assert_true(r->secs < 5.0);
    assert_memory_equal(r->body, f->pq, 1000);
    r = download(f, "a.parquet", 1500); /* the stall: only the client's timeout ends it */
    assert_int_equal(r->cc, CURLE_OPERATION_TIMEDOUT);
    assert_int_equal(r->got, 1000);
    assert_true(r->secs >= 1.4);
}

static void test_request_offset(void **state)
{
    struct fixture *f = *state;
    load(f, "request_offset.json");
    struct res *r = upload(f, "a.parquet");
    if (r->cc != CURLE_SEND_ERROR && r->cc != CURLE_RECV_ERROR) {
        fprintf(stderr, "request offset: cc %d status %ld %.2fs\n", r->cc, r->status, r->secs);
    }
    assert_true(r->cc == CURLE_SEND_ERROR || r->cc == CURLE_RECV_ERROR);
    assert_true(r->secs < 5.0);
    cJSON *j = journal(f, 1);
    assert_int_equal((int)scn_num(j, 0, "bytes_received"), 4096);
    expect_field(j, 0, "action", "request_fault");
    cJSON_Delete(j);
    assert_int_equal(n_files(f), 0);
}

static void test_lose_response_stores_once(void **state)
{
    struct fixture *f = *state;
    load(f, "lose_response.json");
    struct res *r = upload(f, "a.parquet");
    assert_int_equal(r->cc, CURLE_RECV_ERROR);
    assert_int_equal(n_files(f), 1); /* committed although the client saw a reset */
    r = upload(f, "a.parquet");      /* a blind retry */
    assert_int_equal(r->status, 409);
    assert_int_equal(n_files(f), 1);
    cJSON *j = journal(f, 2);
    expect_field(j, 0, "action", "lose_response");
    cJSON_Delete(j);
}

static void test_before_body_and_refuse_continue(void **state)
{
    struct fixture *f = *state;
    load(f, "before_body.json");
    struct res *r = upload(f, "a.parquet");
    assert_int_equal(r->status, 413);
    assert_string_equal(r->body, "{\"message\":\"upload too large\"}");
    cJSON *j = journal(f, 1);
    assert_int_equal((int)scn_num(j, 0, "bytes_received"), 0);
    cJSON_Delete(j);
    load(f, "refuse_continue.json");
    r = call(f, "/upload-to-stage", "k1", "b.parquet", f->pq, f->pq_len, NULL,
             "Expect: 100-continue", 10000);
    assert_int_equal(r->status, 417);
    assert_null(strstr(r->headers, "100 Continue"));
    assert_int_equal(n_files(f), 0);
    assert_int_equal(upload(f, "b.parquet")->status, 200);
    /* a refusal without a header match: only requests asking for 100 are refused */
    struct sm_error e;
    sm_server_clear_rules(f->srv);
    assert_int_equal(sm_server_add_fault(f->srv, "upload:refuse-continue:status=417", &e), SM_OK);
    assert_int_equal(upload(f, "c.parquet")->status, 200);
    r = call(f, "/upload-to-stage", "k1", "d.parquet", f->pq, f->pq_len, NULL,
             "Expect: 100-continue", 10000);
    assert_int_equal(r->status, 417);
    assert_int_equal(n_files(f), 2);
}

static void test_delay_dribble_throttle(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(upload(f, "x_big.parquet")->status, 200);
    load(f, "delay.json");
    struct res *r = call(f, "/list-stage-files", "k1", NULL, NULL, 0, NULL, NULL, 20000);
    if (r->status != 200) {
        fprintf(stderr, "delay: cc %d status %ld %.2fs\n", r->cc, r->status, r->secs);
    }
    assert_int_equal(r->status, 200);
    assert_true(r->secs >= 1.45 && r->secs < 15.0);
    load(f, "dribble.json");
    r = download(f, "x_big.parquet", 30000);
    assert_int_equal(r->cc, CURLE_OK);
    assert_int_equal(r->got, (curl_off_t)f->pq_len);
    /* ceil(len / 1024) chunks, 50 ms apart */
    assert_true(r->secs >= (double)(f->pq_len / 1024 - 1) * 0.05 * 0.9);
    load(f, "throttle_read.json");
    r = upload(f, "y.parquet");
    assert_int_equal(r->status, 200);
    assert_true(r->secs >= (double)f->pq_len / 65536.0 * 0.8);
}

struct slow {
    struct fixture *f;
    pthread_t th;
    long status;
    double secs;
};

static void *slow_list(void *arg)
{
    struct slow *s = arg;
    char url[256];
    snprintf(url, sizeof url, "%s/list-stage-files", sm_server_url(s->f->srv));
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Key k1");
    struct res r = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "stage_id=s1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    double t0 = now_s();
    (void)curl_easy_perform(c);
    s->secs = now_s() - t0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* Four delayed requests (more than the server's two MHD threads) must not
 * hold up a fifth: waits suspend the connection instead of a thread. */
static void test_delay_does_not_block_others(void **state)
{
    struct fixture *f = *state;
    struct sm_error e;
    assert_int_equal(sm_server_add_fault(f->srv, "list:delay=2000", &e), SM_OK);
    struct slow s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (struct slow){.f = f};
        assert_int_equal(pthread_create(&s[i].th, NULL, slow_list, &s[i]), 0);
    }
    usleep(300000);
    struct res *r = upload(f, "a.parquet");
    assert_int_equal(r->status, 200);
    assert_true(r->secs < 1.5); /* well inside the others' 2 s wait */
    for (int i = 0; i < 4; i++) {
        pthread_join(s[i].th, NULL);
        assert_int_equal(s[i].status, 200);
        assert_true(s[i].secs >= 1.95);
    }
}

static void test_stateful(void **state)
{
    struct fixture *f = *state;
    load(f, "stateful.json");
    assert_int_equal(upload(f, "a.parquet")->status, 503);
    assert_int_equal(upload(f, "a.parquet")->status, 503);
    assert_int_equal(call(f, "/list-stage-files", "k1", NULL, NULL, 0, NULL, NULL, 10000)->status,
                     200);
    assert_int_equal(upload(f, "a.parquet")->status, 200);
    cJSON *j = journal(f, 4);
    expect_field(j, 2, "state_before", "down");
    expect_field(j, 2, "state_after", "up");
    assert_null(scn_field(j, 3, "rule"));
    cJSON_Delete(j);
}

static void test_malformed_200(void **state)
{
    struct fixture *f = *state;
    load(f, "malformed_200.json");
    struct res *r = upload(f, "a.parquet");
    assert_int_equal(r->status, 200);
    cJSON *j = cJSON_Parse(r->body);
    assert_null(j);
    r = upload(f, "a.parquet");
    assert_string_equal(r->body, "{\"ok\": true}");
    assert_int_equal(n_files(f), 0);
}

static void pattern(char *out, size_t n)
{
    void *st = NULL;
    setup(&st);
    struct fixture *f = st;
    load(f, "probability.json");
    for (size_t i = 0; i + 1 < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "p%zu.parquet", i);
        out[i] = upload(f, name)->status == 500 ? 'X' : '.';
    }
    out[n - 1] = '\0';
    cJSON *j = journal(f, n - 1);
    assert_int_equal((int)scn_num(j, 0, "seed"), 7);
    cJSON_Delete(j);
    teardown(&st);
}

static void test_probability_replays(void **state)
{
    (void)state;
    char a[13], b[13];
    pattern(a, sizeof a);
    pattern(b, sizeof b);
    assert_string_equal(a, b);
    assert_non_null(strchr(a, 'X'));
    assert_non_null(strchr(a, '.'));
}

/* preload.json beside `stagemock fixtures --out fixtures`, as the page says. */
static void test_preload(void **state)
{
    struct fixture *f = *state;
    char dir[] = "/tmp/sm-preload-XXXXXX";
    sm_test_fixtures_dir(dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/mock_server/tests/scenarios/preload.json", sm_test_top_dir());
    size_t len = 0;
    uint8_t *json = sm_test_read_file(path, &len);
    assert_non_null(json);
    struct sm_error e = {0};
    if (sm_server_load_scenario(f->srv, (const char *)json, len, dir, &e) != SM_OK) {
        fail_msg("preload.json: %s", e.message);
    }
    free(json);
    struct sm_file_list l;
    assert_int_equal(sm_server_get_files(f->srv, "s1", &l, &e), SM_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.files[0].name, "step_01.parquet");
    assert_string_equal(l.files[1].name, "step_02.parquet");
    sm_file_list_cleanup(&l);
    assert_int_equal(smx_tree_remove(dir), 0);
}

static void test_bad_scenario_rejected(void **state)
{
    struct fixture *f = *state;
    static const char bad[] = "{\"rules\":[{\"action\":{\"status\":500}},"
                              "{\"match\":{\"nth\":0},\"action\":{\"status\":500}}]}";
    struct sm_error e = {0};
    assert_int_not_equal(sm_server_load_scenario(f->srv, bad, strlen(bad), ".", &e), SM_OK);
    assert_non_null(strstr(e.message, "rules[1].match.nth: expected a positive integer"));
    /* the same through the admin API */
    char url[256];
    snprintf(url, sizeof url, "%s/_stagemock/scenario", sm_server_url(f->srv));
    struct res r = {0};
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, bad);
    struct curl_slist *json = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, json);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(json);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "rules[1].match.nth"));
    /* nothing was loaded: uploads run normally */
    assert_int_equal(upload(f, "a.parquet")->status, 200);
}

static void test_c_api_fault_list_clear_report(void **state)
{
    struct fixture *f = *state;
    struct sm_error e = {0};
    assert_int_equal(sm_server_add_fault(f->srv, "upload:nth=2:status=503:retry-after=1", &e),
                     SM_OK);
    assert_int_equal(sm_server_add_rule(f->srv,
                                        "{\"name\":\"never\",\"match\":{\"endpoint\":\"download\"},"
                                        "\"action\":{\"status\":500}}",
                                        &e),
                     SM_OK);
    assert_int_not_equal(sm_server_add_fault(f->srv, "upload:status=abc", &e), SM_OK);
    assert_non_null(strstr(e.message, "'status=abc'"));
    char *list = sm_server_list_rules(f->srv);
    cJSON *l = cJSON_Parse(list);
    assert_int_equal(cJSON_GetArraySize(l), 2);
    cJSON_Delete(l);
    sm_free(list);
    assert_int_equal(upload(f, "a.parquet")->status, 200);
    struct res *r = upload(f, "b.parquet");
    assert_int_equal(r->status, 503);
    assert_true(has_header(r, "Retry-After: 1"));
    assert_int_equal(call(f, "/list-stage-files", "k1", NULL, NULL, 0, NULL, NULL, 10000)->status,
                     200);
    cJSON *j = journal(f, 3);
    cJSON_Delete(j);
    char *rep = sm_server_scenario_report(f->srv);
    cJSON *rj = cJSON_Parse(rep);
    cJSON *unused = cJSON_GetObjectItem(rj, "unused_rules");
    assert_int_equal(cJSON_GetArraySize(unused), 1);
    assert_string_equal(cJSON_GetArrayItem(unused, 0)->valuestring, "never");
    assert_int_equal(cJSON_GetObjectItem(rj, "unmatched_requests")->valueint, 2);
    cJSON_Delete(rj);
    sm_free(rep);
    sm_server_clear_rules(f->srv);
    list = sm_server_list_rules(f->srv);
    assert_string_equal(list, "[]");
    sm_free(list);
    assert_int_equal(upload(f, "c.parquet")->status, 200);
}

static void test_no_scenario_no_fields(void **state)
{
    struct fixture *f = *state;
    assert_null(sm_server_scenario_report(f->srv));
    assert_int_equal(upload(f, "a.parquet")->status, 200);
    cJSON *j = journal(f, 1);
    assert_null(cJSON_GetObjectItem(entry(j, 0), "scenario"));
    cJSON_Delete(j);
}

/* Rule names are reported whole (they were cut at 63 bytes): a named rule
 * of 200 bytes and a --fault spec of 100 come back entire in the scenario
 * report and in the journal entry of the request each fired for. */
static void test_long_rule_names_whole(void **state)
{
    struct fixture *f = *state;
    char name[201], rule[512], spec[160];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    memcpy(name + sizeof name - 5, "-end", 4);
    snprintf(rule, sizeof rule,
             "{\"name\":\"%s\",\"match\":{\"endpoint\":\"list\",\"times\":1},"
             "\"action\":{\"status\":500}}",
             name);
    struct sm_error e;
    assert_int_equal(sm_server_add_rule(f->srv, rule, &e), SM_OK);
    snprintf(spec, sizeof spec, "download:status=503:message=%s-tail",
             "a-message-long-enough-to-carry-the-spec-past-sixty-four-bytes-xxxxxxxxxx");
    assert_int_equal(sm_server_add_fault(f->srv, spec, &e), SM_OK);
    assert_int_equal(call(f, "/list-stage-files", "k1", NULL, NULL, 0, NULL, NULL, 10000)->status,
                     500);
    assert_int_equal(download(f, "x.parquet", 10000)->status, 503);
    char want_fault[200];
    snprintf(want_fault, sizeof want_fault, "--fault %s", spec);
    assert_true(strlen(want_fault) > 100);
    cJSON *j = journal(f, 2);
    expect_field(j, 0, "rule", name);
    expect_field(j, 1, "rule", want_fault);
    cJSON_Delete(j);
    char *rep = sm_server_scenario_report(f->srv);
    assert_non_null(rep);
    cJSON *r = cJSON_Parse(rep);
    sm_free(rep);
    const cJSON *rules = cJSON_GetObjectItem(r, "rules");
    assert_int_equal(cJSON_GetArraySize(rules), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(rules, 0), "name")->valuestring,
                        name);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(rules, 1), "name")->valuestring,
                        want_fault);
    cJSON_Delete(r);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_retry_after_503),
        T(test_html_502_and_alter),
        T(test_reset_is_a_reset),
        T(test_close_before_response),
        T(test_truncate),
        T(test_response_offsets),
        T(test_request_offset),
        T(test_lose_response_stores_once),
        T(test_before_body_and_refuse_continue),
        T(test_delay_dribble_throttle),
        T(test_delay_does_not_block_others),
        T(test_stateful),
        T(test_malformed_200),
        cmocka_unit_test(test_probability_replays),
        T(test_preload),
        T(test_bad_scenario_rejected),
        T(test_c_api_fault_list_clear_report),
        T(test_no_scenario_no_fields),
        T(test_long_rule_names_whole),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
