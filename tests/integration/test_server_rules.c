/*
 * test_server_rules.c - every RULES.md rule and every documented status,
 * against an in-process server over 127.0.0.1 with libcurl: for each rule a
 * request that must pass and one that must fail, the rule id in the
 * X-Stagemock-Rule header, and a JSON {"message"} on every non-2xx.
 */
#include "../support/sm_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../support/sm_http.h"
#include "stagemock/server.h"

static int setup(void **state)
{
    *state = sm_test_server_start(NULL);
    return *state == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    sm_server_free(*state);
    return 0;
}

static const char *url(void **state)
{
    return sm_server_url(*state);
}

/* Every error answer: JSON object with a non-empty string message, and the rule. */
static void assert_error(const struct sm_resp *r, long status, const char *rule, const char *needle)
{
    if (r->status != status) {
        fprintf(stderr, "status %ld (want %ld): %s\n", r->status, status, r->body);
    }
    assert_int_equal(r->status, status);
    assert_non_null(strstr(r->ctype, "application/json"));
    cJSON *j = cJSON_Parse(r->body);
    assert_non_null(j);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
    assert_true(cJSON_IsString(m) && m->valuestring[0] != '\0');
    if (needle != NULL && strstr(m->valuestring, needle) == NULL) {
        fprintf(stderr, "message '%s' lacks '%s'\n", m->valuestring, needle);
        fail();
    }
    assert_int_equal(cJSON_GetArraySize(j), 1); /* exactly {"message": ...} */
    cJSON_Delete(j);
    assert_string_equal(r->rule, rule);
}

static char *file_id_of(const struct sm_resp *r)
{
    cJSON *j = cJSON_Parse(r->body);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "file_id");
    char *s = cJSON_IsString(id) ? strdup(id->valuestring) : NULL;
    cJSON_Delete(j);
    return s;
}

static void upload_ok(void **state, const char *stage, const char *name, int variant, unsigned seed)
{
    size_t len;
    uint8_t *pq = sm_test_parquet(1, variant, seed, &len);
    assert_non_null(pq);
    struct sm_resp r;
    sm_http_upload(url(state), "k1", stage, name, pq, len, &r);
    if (r.status != 200) {
        fprintf(stderr, "upload %s: %ld %s\n", name, r.status, r.body);
    }
    assert_int_equal(r.status, 200);
    char *id = file_id_of(&r);
    assert_non_null(id);
    assert_true(strlen(id) > 0);
    free(id);
    sm_resp_cleanup(&r);
    free(pq);
}

static void parquet_only_accepts_parquet_and_rejects_csv(void **state)
{
    upload_ok(state, "s1", "good.parquet", 0, 1);
    const char csv[] = "id,name\n1,a\n2,b\n";
    struct sm_resp r;
    sm_http_upload(url(state), "k1", "s1", "bad.parquet", csv, sizeof csv - 1, &r);
    assert_error(&r, 400, "parquet-only", "not a parquet file");
    sm_resp_cleanup(&r);
}

static void codec_accepts_snappy_and_names_gzip_and_column(void **state)
{
    size_t len;
    uint8_t *pq = sm_test_parquet(0, 0, 2, &len); /* UNCOMPRESSED */
    struct sm_resp r;
    sm_http_upload(url(state), "k1", "s1", "plain.parquet", pq, len, &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    free(pq);
    pq = sm_test_parquet(2, 0, 3, &len); /* GZIP */
    sm_http_upload(url(state), "k1", "s1", "gz.parquet", pq, len, &r);
    assert_error(&r, 400, "codec", "GZIP");
    assert_non_null(strstr(r.body, "'id'"));
    sm_resp_cleanup(&r);
    free(pq);
}

static void one_file_per_request_refuses_zero_or_two_parts(void **state)
{
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 4, &len);
    struct sm_part two[3] = {{"stage_id", NULL, "s1", 2},
                             {"file", "a.parquet", pq, len},
                             {"file", "b.parquet", pq, len}};
    struct sm_resp r;
    sm_http_multipart(url(state), "/upload-to-stage", NULL, "k1", two, 3, &r);
    assert_error(&r, 400, "one-file-per-request", "2 file parts");
    sm_resp_cleanup(&r);
    sm_http_multipart(url(state), "/upload-to-stage", NULL, "k1", two, 1, &r);
    assert_error(&r, 400, "one-file-per-request", "no file part");
    sm_resp_cleanup(&r);
    struct sm_part wrong[2] = {{"stage_id", NULL, "s1", 2}, {"upload", "a.parquet", pq, len}};
    sm_http_multipart(url(state), "/upload-to-stage", NULL, "k1", wrong, 2, &r);
    assert_error(&r, 400, "one-file-per-request", "named 'file'");
    sm_resp_cleanup(&r);
    struct sm_part nostage[1] = {{"file", "a.parquet", pq, len}};
    sm_http_multipart(url(state), "/upload-to-stage", NULL, "k1", nostage, 1, &r);
    assert_error(&r, 400, "one-file-per-request", "stage_id");
    sm_resp_cleanup(&r);
    free(pq);
    upload_ok(state, "s1", "one.parquet", 0, 5);
    sm_http_request(url(state), NULL, "/download-from-stage", "k1", NULL,
                    "stage_id=s1&file_name=one.parquet&file_name=two.parquet", &r);
    assert_error(&r, 400, "one-file-per-request", "2 file names");
    sm_resp_cleanup(&r);
    sm_http_request(url(state), NULL, "/download-from-stage", "k1", NULL, "stage_id=s1", &r);
    assert_error(&r, 400, "one-file-per-request", "file_name");
    sm_resp_cleanup(&r);
    sm_http_request(url(state), NULL, "/download-from-stage", "k1", NULL,
                    "stage_id=s1&file_name=one.parquet", &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
}

/* Send buf in pieces, cut after each offset in cuts, pausing so the server
 * parses each piece alone; returns the HTTP status line's code (0: none). */
static int send_in_pieces(uint16_t port, const char *buf, size_t len, const size_t *cuts,
                          size_t n_cuts, char *reply, size_t reply_cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    size_t at = 0;
    for (size_t i = 0; i <= n_cuts; i++) {
        size_t end = i < n_cuts ? cuts[i] : len;
        assert_true(write(fd, buf + at, end - at) == (ssize_t)(end - at));
        at = end;
        struct timespec pause = {0, 30 * 1000000L};
        nanosleep(&pause, NULL);
    }
    size_t got = 0;
    for (int tries = 0; tries < 100 && got + 1 < reply_cap; tries++) { /* bounded */
        ssize_t n = read(fd, reply + got, reply_cap - 1 - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
        reply[got] = '\0';
        if (strstr(reply, "\r\n\r\n") != NULL && strchr(strstr(reply, "\r\n\r\n"), '}')) {
            break;
        }
    }
    reply[got] = '\0';
    close(fd);
    int code = 0;
    return sscanf(reply, "HTTP/1.1 %d", &code) == 1 ? code : 0;
}

/* Parts whose headers and values arrive in separate TCP segments (as Node's
 * fetch sends them) are still one part each: MHD may call the form iterator
 * twice at offset 0 for one value. */
static void parts_split_across_reads_count_once(void **state)
{
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 9, &len);
    const char *head = "--XyZ\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\n";
    const char *mid =
        "s1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
        "filename=\"split.parquet\"\r\nContent-Type: application/octet-stream\r\n\r\n";
    const char *tail = "\r\n--XyZ--\r\n";
    size_t body_len = strlen(head) + strlen(mid) + len + strlen(tail);
    char hdr[256];
    int hl = snprintf(hdr, sizeof hdr,
                      "POST /upload-to-stage HTTP/1.1\r\nHost: x\r\nAuthorization: Key k1\r\n"
                      "Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      body_len);
    size_t total = (size_t)hl + body_len;
    char *req = malloc(total);
    assert_non_null(req);
    size_t at = 0;
    memcpy(req + at, hdr, (size_t)hl);
    at += (size_t)hl;
    memcpy(req + at, head, strlen(head));
    at += strlen(head);
    size_t cut_value = at; /* stage_id's headers, then its value alone */
    memcpy(req + at, mid, strlen(mid));
    at += strlen(mid);
    size_t cut_file = at; /* the file part's headers, then its bytes */
    memcpy(req + at, pq, len);
    at += len;
    memcpy(req + at, tail, strlen(tail));
    size_t cuts[] = {cut_value, cut_value + 2, cut_file, cut_file + 10};
    char reply[2048];
    int code = send_in_pieces(sm_server_port(*state), req, total, cuts, 4, reply, sizeof reply);
    if (code != 200) {
        fail_msg("split upload answered %d: %s", code, reply);
    }
    struct sm_file_list l;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(*state, "s1", &l, &e), SM_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.files[0].name, "split.parquet");
    assert_int_equal(l.files[0].size, len);
    sm_file_list_cleanup(&l);
    free(req);
    free(pq);
}

static void unique_names_conflict_keeps_stored_bytes(void **state)
{
    size_t len1, len2;
    uint8_t *a = sm_test_parquet(1, 0, 10, &len1);
    uint8_t *b = sm_test_parquet(1, 0, 11, &len2);
    struct sm_resp r;
    sm_http_upload(url(state), "k1", "s1", "dup.parquet", a, len1, &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    sm_http_upload(url(state), "k1", "s1", "dup.parquet", b, len2, &r);
    assert_error(&r, 409, "unique-names", "dup.parquet");
    sm_resp_cleanup(&r);
    sm_http_request(url(state), NULL, "/download-from-stage", "k1", NULL,
                    "stage_id=s1&file_name=dup.parquet", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, len1);
    assert_memory_equal(r.body, a, len1);
    sm_resp_cleanup(&r);
    free(a);
    free(b);
}

static void unsafe_names_are_refused_with_the_reason(void **state)
{
    static const char *const bad[] = {"a/b.parquet", "..", "tab\there.parquet"};
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 12, &len);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sm_resp r;
        sm_http_upload(url(state), "k1", "s1", bad[i], pq, len, &r);
        assert_int_equal(r.status, 400);
        assert_string_equal(r.rule, "unique-names");
        sm_resp_cleanup(&r);
    }
    /* the length limit: 1024 bytes pass, 1025 and 4000 are refused by length */
    static const size_t lens[] = {1024, 1025, 4000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        char *name = malloc(lens[i] + 1);
        assert_non_null(name);
        memset(name, 'n', lens[i]);
        name[lens[i]] = '\0';
        struct sm_resp r;
        sm_http_upload(url(state), "k1", "s1", name, pq, len, &r);
        if (lens[i] <= 1024) {
            assert_int_equal(r.status, 200);
        } else {
            assert_error(&r, 400, "unique-names", "at most 1024");
        }
        sm_resp_cleanup(&r);
        free(name);
    }
    free(pq);
}

static void same_schema_names_the_first_difference(void **state)
{
    upload_ok(state, "s2", "first.parquet", 0, 20);
    upload_ok(state, "s2", "second.parquet", 0, 21);
    const struct {
        int variant;
        const char *needle;
    } cases[] = {{1, "'name'"}, {2, "extra column 'note'"}, {3, "column 'id'"}};
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        uint8_t *pq = sm_test_parquet(1, cases[i].variant, 22, &len);
        struct sm_resp r;
        sm_http_upload(url(state), "k1", "s2", "other.parquet", pq, len, &r);
        assert_error(&r, 400, "same-schema", cases[i].needle);
        sm_resp_cleanup(&r);
        free(pq);
    }
}

static void list_is_in_upload_order_without_gaps(void **state)
{
    upload_ok(state, "s1", "c.parquet", 0, 30);
    const char csv[] = "not parquet";
    struct sm_resp r;
    sm_http_upload(url(state), "k1", "s1", "rejected.parquet", csv, sizeof csv - 1, &r);
    assert_int_equal(r.status, 400);
    sm_resp_cleanup(&r);
    upload_ok(state, "s1", "a.parquet", 0, 31);
    upload_ok(state, "s1", "b.parquet", 0, 32);
    sm_http_request(url(state), NULL, "/list-stage-files", "k1", "application/json",
                    "{\"stage_id\":\"s1\"}", &r);
    assert_int_equal(r.status, 200);
    cJSON *j = cJSON_Parse(r.body);
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(j, "files");
    assert_int_equal(cJSON_GetArraySize(files), 3);
    const char *want[] = {"c.parquet", "a.parquet", "b.parquet"};
    for (int i = 0; i < 3; i++) {
        const cJSON *f = cJSON_GetArrayItem(files, i);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(f, "name")->valuestring, want[i]);
        assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(f, "file_id")));
        assert_true(cJSON_GetObjectItemCaseSensitive(f, "size")->valuedouble > 0);
    }
    cJSON_Delete(j);
    sm_resp_cleanup(&r);
    sm_http_request(url(state), NULL, "/list-stage-files", "k1", NULL, "nothing=1", &r);
    assert_error(&r, 400, "order", "stage_id");
    sm_resp_cleanup(&r);
}

static void error_json_for_unknown_paths_methods_and_size(void **state)
{
    struct sm_resp r;
    sm_http_request(url(state), NULL, "/no-such-thing", "k1", NULL, "x=1", &r);
    assert_error(&r, 404, "error-json", "/no-such-thing");
    sm_resp_cleanup(&r);
    sm_http_request(url(state), "GET", "/list-stage-files", "k1", NULL, NULL, &r);
    assert_error(&r, 405, "error-json", "POST");
    sm_resp_cleanup(&r);
    sm_http_request(url(state), "PUT", "/upload-to-stage", "k1", NULL, "x", &r);
    assert_error(&r, 405, "error-json", "PUT");
    sm_resp_cleanup(&r);
    sm_http_request(url(state), NULL, "/download-from-stage", "k1", "text/plain", "hello", &r);
    assert_error(&r, 400, "one-file-per-request", "Content-Type");
    sm_resp_cleanup(&r);
    sm_http_request(url(state), NULL, "/download-from-stage", "k1", NULL,
                    "stage_id=s1&file_name=missing.parquet", &r);
    assert_error(&r, 404, "bytes", "missing.parquet");
    sm_resp_cleanup(&r);
}

static void oversized_upload_is_413_json(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.max_upload = 1000;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 40, &len);
    assert_true(len > 1000);
    struct sm_resp r;
    sm_http_upload(sm_server_url(srv), "k1", "s1", "big.parquet", pq, len, &r);
    assert_error(&r, 413, "error-json", "limit");
    sm_resp_cleanup(&r);
    free(pq);
    sm_server_free(srv);
}

static void bytes_download_equals_upload(void **state)
{
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 50, &len);
    struct sm_resp r;
    sm_http_upload(url(state), "k1", "s1", "same.parquet", pq, len, &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    sm_http_request(url(state), NULL, "/download-from-stage", "k1", "application/json",
                    "{\"stage_id\":\"s1\",\"file_name\":\"same.parquet\"}", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "application/octet-stream");
    assert_int_equal(r.len, len);
    assert_memory_equal(r.body, pq, len);
    sm_resp_cleanup(&r);
    free(pq);
}

static void auth_refuses_missing_bearer_unknown_and_hides_stages(void **state)
{
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 60, &len);
    struct sm_part parts[2] = {{"stage_id", NULL, "s1", 2}, {"file", "x.parquet", pq, len}};
    struct sm_resp r;
    sm_http_multipart(url(state), "/upload-to-stage", NULL, NULL, parts, 2, &r);
    assert_error(&r, 401, "auth", "Authorization");
    sm_resp_cleanup(&r);
    sm_http_multipart(url(state), "/upload-to-stage", "Bearer k1", NULL, parts, 2, &r);
    assert_error(&r, 401, "auth", "Bearer");
    sm_resp_cleanup(&r);
    sm_http_multipart(url(state), "/upload-to-stage", NULL, "nope", parts, 2, &r);
    assert_error(&r, 401, "auth", "unknown API key");
    sm_resp_cleanup(&r);
    /* k2 may not see s1: answered exactly like a stage that does not exist */
    struct sm_resp hidden, absent;
    sm_http_multipart(url(state), "/upload-to-stage", NULL, "k2", parts, 2, &hidden);
    parts[0].data = "zz";
    sm_http_multipart(url(state), "/upload-to-stage", NULL, "k2", parts, 2, &absent);
    assert_error(&hidden, 404, "auth", "not found");
    assert_error(&absent, 404, "auth", "not found");
    assert_true(strstr(hidden.body, "'s1'") != NULL && strstr(absent.body, "'zz'") != NULL);
    sm_resp_cleanup(&hidden);
    sm_resp_cleanup(&absent);
    parts[0].data = "s2";
    sm_http_multipart(url(state), "/upload-to-stage", NULL, "k2", parts, 2, &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    free(pq);
}

static void journal_records_each_request(void **state)
{
    upload_ok(state, "s1", "journaled.parquet", 0, 70);
    char *text = sm_server_journal_json(*state);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(j, "entries");
    int n = cJSON_GetArraySize(entries);
    assert_true(n >= 1);
    const cJSON *last = NULL;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        const cJSON *fn = cJSON_GetObjectItemCaseSensitive(e, "file_name");
        if (cJSON_IsString(fn) && strcmp(fn->valuestring, "journaled.parquet") == 0) {
            last = e;
        }
    }
    assert_non_null(last);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(last, "key")->valuestring, "k1");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(last, "stage")->valuestring, "s1");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(last, "status")->valueint, 200);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(last, "file_parts")->valueint, 1);
    assert_int_equal(strlen(cJSON_GetObjectItemCaseSensitive(last, "sha256")->valuestring), 64);
    double start = cJSON_GetObjectItemCaseSensitive(last, "start_us")->valuedouble;
    double end = cJSON_GetObjectItemCaseSensitive(last, "end_us")->valuedouble;
    assert_true(end >= start && start > 1e15);
    cJSON_Delete(j);
    sm_free(text);
}

static void profile_overrides_status_and_field_names(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    const char *profile = "{\"status\":{\"codec\":415},\"file_id_field\":\"id\","
                          "\"list_files_field\":\"items\"}";
    struct sm_error e;
    assert_int_equal(sm_server_load_profile(srv, profile, strlen(profile), &e), SM_OK);
    const char *bad = "{\"stauts\":{}}";
    assert_int_equal(sm_server_load_profile(srv, bad, strlen(bad), &e), SM_E_ARG);
    assert_non_null(strstr(e.message, "stauts"));
    size_t len;
    uint8_t *pq = sm_test_parquet(6, 0, 80, &len); /* ZSTD */
    struct sm_resp r;
    sm_http_upload(sm_server_url(srv), "k1", "s1", "z.parquet", pq, len, &r);
    assert_error(&r, 415, "codec", "ZSTD");
    sm_resp_cleanup(&r);
    free(pq);
    pq = sm_test_parquet(1, 0, 81, &len);
    sm_http_upload(sm_server_url(srv), "k1", "s1", "ok.parquet", pq, len, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "{\"id\":"));
    sm_resp_cleanup(&r);
    sm_http_request(sm_server_url(srv), NULL, "/list-stage-files", "k1", NULL, "stage_id=s1", &r);
    assert_non_null(strstr(r.body, "{\"items\":[{"));
    sm_resp_cleanup(&r);
    free(pq);
    sm_server_free(srv);
}

static void admin_api_is_loopback_and_drives_the_server(void **state)
{
    struct sm_resp r;
    sm_http_request(url(state), NULL, "/_stagemock/stages", NULL, "application/json",
                    "{\"name\":\"s9\"}", &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    sm_http_request(url(state), NULL, "/_stagemock/keys", NULL, "application/json",
                    "{\"key\":\"k9\",\"stages\":[\"s9\"]}", &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 90, &len);
    sm_http_upload(url(state), "k9", "s9", "adm.parquet", pq, len, &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    free(pq);
    sm_http_request(url(state), "GET", "/_stagemock/stages", NULL, NULL, NULL, &r);
    assert_non_null(strstr(r.body, "adm.parquet"));
    sm_resp_cleanup(&r);
    sm_http_request(url(state), NULL, "/_stagemock/reset", NULL, "application/json", "", &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    sm_http_request(url(state), "GET", "/_stagemock/stages", NULL, NULL, NULL, &r);
    assert_null(strstr(r.body, "adm.parquet"));
    sm_resp_cleanup(&r);
}

static void admin_token_is_required_when_set(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.admin_token = "sesame";
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    struct sm_resp r;
    sm_http_request(sm_server_url(srv), "GET", "/_stagemock/journal", NULL, NULL, NULL, &r);
    assert_error(&r, 401, "auth", "admin token");
    sm_resp_cleanup(&r);
    sm_server_free(srv);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(parquet_only_accepts_parquet_and_rejects_csv, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(codec_accepts_snappy_and_names_gzip_and_column, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(one_file_per_request_refuses_zero_or_two_parts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(parts_split_across_reads_count_once, setup, teardown),
        cmocka_unit_test_setup_teardown(unique_names_conflict_keeps_stored_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(unsafe_names_are_refused_with_the_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(same_schema_names_the_first_difference, setup, teardown),
        cmocka_unit_test_setup_teardown(list_is_in_upload_order_without_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(error_json_for_unknown_paths_methods_and_size, setup,
                                        teardown),
        cmocka_unit_test(oversized_upload_is_413_json),
        cmocka_unit_test_setup_teardown(bytes_download_equals_upload, setup, teardown),
        cmocka_unit_test_setup_teardown(auth_refuses_missing_bearer_unknown_and_hides_stages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(journal_records_each_request, setup, teardown),
        cmocka_unit_test(profile_overrides_status_and_field_names),
        cmocka_unit_test_setup_teardown(admin_api_is_loopback_and_drives_the_server, setup,
                                        teardown),
        cmocka_unit_test(admin_token_is_required_when_set),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
