/*
 * test_oom_upload.c - allocation failures along the request path, over
 * loopback: for N = 1, 2, ... the Nth allocation the server makes while
 * answering one request fails (oom.h), until the request runs with no
 * failure left to inject. The requests: a multipart upload judged in deep
 * mode and committed to memory, the same committed to a data dir (a 200 must
 * then survive a reopen), a refused upload (parquet-only), an upload a
 * scenario rule tags with a header, a list and a download. Every request must get
 * an answer: the undisturbed status with exactly the undisturbed result, or
 * an error status with a JSON body and the stage left as it was (no
 * half-committed file). Nothing may crash or leak (ASan in
 * `make MODE=asan test`). The client side is a raw socket with static
 * buffers, so the armed window counts the server's allocations only (and
 * cJSON's, through oom_hook_cjson); libmicrohttpd's own are not counted.
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

#include "../support/sm_http.h"
#include "oom.h"
#include "stagemock/parquet_format.h"
#include "stagemock/scenario.h"
#include "stagemock/server.h"

#define MAX_N 20000

enum op { OP_UPLOAD, OP_LIST, OP_DOWNLOAD };

static char request[64 * 1024];
static size_t request_len;
static char answer[64 * 1024];
static size_t answer_len;
static uint8_t *parquet;
static size_t parquet_len;
static const uint8_t *upload_data; /* what OP_UPLOAD sends */
static size_t upload_len;

static void build_request(enum op op)
{
    int n;
    if (op == OP_UPLOAD) {
        char body_head[256];
        int h =
            snprintf(body_head, sizeof body_head,
                     "--XyZ\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\ns1\r\n"
                     "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                     "filename=\"a.parquet\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        static const char tail[] = "\r\n--XyZ--\r\n";
        size_t body_len = (size_t)h + upload_len + strlen(tail);
        n = snprintf(request, sizeof request,
                     "POST /upload-to-stage HTTP/1.1\r\nHost: t\r\nAuthorization: Key k1\r\n"
                     "Connection: close\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     body_len, body_head);
        assert_true((size_t)n + upload_len + sizeof tail < sizeof request);
        memcpy(request + n, upload_data, upload_len);
        memcpy(request + (size_t)n + upload_len, tail, strlen(tail));
        request_len = (size_t)n + upload_len + strlen(tail);
        return;
    }
    const char *body = op == OP_LIST ? "stage_id=s1" : "stage_id=s1&file_name=a.parquet";
    n = snprintf(request, sizeof request,
                 "POST %s HTTP/1.1\r\nHost: t\r\nAuthorization: Key k1\r\nConnection: close\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
                 op == OP_LIST ? "/list-stage-files" : "/download-from-stage", strlen(body), body);
    request_len = (size_t)n;
}

/* Send the request, read the answer to EOF; the status, 0 for none. */
static int exchange(uint16_t port)
{
    answer_len = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    for (size_t off = 0; off < request_len;) {
        ssize_t w = write(fd, request + off, request_len - off);
        if (w <= 0) {
            break; /* the server may close early; the answer says why */
        }
        off += (size_t)w;
    }
    ssize_t got;
    while (answer_len < sizeof answer - 1 &&
           (got = read(fd, answer + answer_len, sizeof answer - 1 - answer_len)) > 0) {
        answer_len += (size_t)got;
    }
    close(fd);
    answer[answer_len] = '\0';
    int status = 0;
    if (answer_len < 12 || sscanf(answer, "HTTP/1.1 %3d", &status) != 1) {
        return 0;
    }
    return status;
}

static const char *answer_body(size_t *len)
{
    const char *b = strstr(answer, "\r\n\r\n");
    if (b == NULL) {
        *len = 0;
        return "";
    }
    *len = answer_len - (size_t)(b + 4 - answer);
    return b + 4;
}

/* The request's journal entry is written when MHD completes it, which may be
 * after the client saw EOF: wait (bounded) so those allocations are counted
 * in this round. */
static void wait_journal(struct sm_server *srv, size_t want)
{
    struct timespec tick = {0, 1000000L};
    for (int i = 0; i < 500 && sm_server_journal_count(srv) < want; i++) {
        nanosleep(&tick, NULL);
    }
}

static size_t stage_files(struct sm_server *srv)
{
    struct sm_file_list list;
    struct sm_error err;
    assert_int_equal(sm_server_get_files(srv, "s1", &list, &err), SM_OK);
    size_t n = list.n;
    if (n == 1) {
        assert_string_equal(list.files[0].name, "a.parquet");
        assert_int_equal(list.files[0].size, parquet_len);
    }
    sm_file_list_cleanup(&list);
    return n;
}

/* A 200 from a data dir is a durable file: a server opening the dir finds it. */
static void check_durable(const char *data_dir, long n)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.data_dir = data_dir;
    struct sm_server *again = NULL;
    struct sm_error err;
    if (sm_server_new(&cfg, &again, &err) != SM_OK) {
        fail_msg("allocation %ld failed, answered 200, and the data dir does not open: %s", n,
                 err.message);
    }
    if (stage_files(again) != 1) {
        fail_msg("allocation %ld failed, answered 200, and the file is not in the data dir", n);
    }
    sm_server_free(again);
}

/* The rule id an error answer carries (X-Stagemock-Rule), or "". */
static void answer_rule(char *out, size_t size)
{
    const char *h = strstr(answer, "X-Stagemock-Rule: ");
    size_t n = 0;
    if (h != NULL) {
        h += strlen("X-Stagemock-Rule: ");
        while (n + 1 < size && h[n] != '\r' && h[n] != '\0') {
            n++;
        }
        memcpy(out, h, n);
    }
    out[n] = '\0';
}

struct oom_case {
    const char *what;
    enum op op;
    const char *data_dir;
    const char *scenario; /* loaded before the loop, or NULL */
    const uint8_t *file;  /* OP_UPLOAD's file part */
    size_t file_len;
    int want;                /* the undisturbed answer's status */
    const char *refuse_rule; /* want >= 400: the rule it names */
};

/* The answer the undisturbed request gets: exactly what it should be. */
static void check_success(struct sm_server *srv, const struct oom_case *c, size_t before, long n)
{
    size_t len;
    const char *body = answer_body(&len);
    if (c->want >= 400) {
        char rule[64];
        answer_rule(rule, sizeof rule);
        if (strcmp(rule, c->refuse_rule) != 0 || stage_files(srv) != before) {
            fail_msg("%s with allocation %ld failing: %d rule '%s' %s", c->what, n, c->want, rule,
                     body);
        }
    } else if (c->op == OP_UPLOAD) {
        assert_int_equal(stage_files(srv), 1);
        if (strncmp(body, "{\"file_id\":\"f_", 14) != 0 || strlen(body) != 40) {
            fail_msg("%s with allocation %ld failing: 200 %s", c->what, n, body);
        }
        if (c->data_dir != NULL) {
            check_durable(c->data_dir, n);
        }
        if (c->scenario != NULL && strstr(answer, "\r\nX-Served-By: edge-3\r\n") == NULL) {
            fail_msg("%s with allocation %ld failing: the rule did not apply: %s", c->what, n,
                     answer);
        }
    } else if (c->op == OP_LIST) {
        if (strstr(body, "{\"files\":[{\"name\":\"a.parquet\",\"file_id\":") != body) {
            fail_msg("%s with allocation %ld failing: 200 %s", c->what, n, body);
        }
    } else {
        assert_int_equal(len, parquet_len);
        assert_memory_equal(body, parquet, parquet_len);
    }
}

struct tally {
    long n_values;
    long n_status[6];
    long n_absorbed;
};

static void oom_http_loop(const struct oom_case *c)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.data_dir = c->data_dir;
    cfg.validate_deep = true;
    struct sm_server *srv = sm_test_server_start(&cfg);
    struct sm_error err;
    if (c->scenario != NULL) {
        assert_int_equal(sm_server_load_scenario(srv, c->scenario, strlen(c->scenario), ".", &err),
                         SM_OK);
    }
    upload_data = c->file != NULL ? c->file : parquet;
    upload_len = c->file != NULL ? c->file_len : parquet_len;
    build_request(c->op);
    struct tally t = {0};
    for (long n = 1; n <= MAX_N; n++) {
        sm_server_reset(srv);
        if (c->op != OP_UPLOAD) {
            assert_int_equal(sm_server_preload(srv, "s1", "a.parquet", parquet, parquet_len, &err),
                             SM_OK);
        }
        size_t before = stage_files(srv);
        oom_arm(n);
        int status = exchange(sm_server_port(srv));
        wait_journal(srv, 1);
        bool fired = oom_disarm();
        t.n_values++;
        if (!fired) {
            if (status != c->want) {
                fail_msg("%s: no allocation failed, yet %d: %s", c->what, status, answer);
            }
            check_success(srv, c, before, n);
            break;
        }
        if (status == c->want) {
            check_success(srv, c, before, n);
            t.n_absorbed++;
            continue;
        }
        if (status < 400 || status > 599) {
            fail_msg("%s: allocation %ld failed: answer %d (%zu bytes): %.200s", c->what, n, status,
                     answer_len, answer);
        }
        size_t len;
        const char *body = answer_body(&len);
        if (len == 0 || body[0] != '{') {
            fail_msg("%s: allocation %ld failed: %d without a JSON body: %.200s", c->what, n,
                     status, answer);
        }
        t.n_status[status / 100]++;
        if (stage_files(srv) != before) {
            fail_msg("%s: allocation %ld failed (%d) and the stage changed", c->what, n, status);
        }
        assert_true(n < MAX_N);
    }
    sm_server_free(srv);
    printf("oom: %s: %ld values of N; %ld answered 4xx, %ld 5xx, %ld absorbed, then success\n",
           c->what, t.n_values, t.n_status[4], t.n_status[5], t.n_absorbed);
    assert_true(t.n_values > 1);
}

static void upload_survives_every_allocation_failure(void **state)
{
    (void)state;
    struct oom_case c = {"upload (memory)", OP_UPLOAD, .want = 200};
    oom_http_loop(&c);
}

static void upload_to_data_dir_survives_every_allocation_failure(void **state)
{
    (void)state;
    char dir[] = "/tmp/sm-oom-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct oom_case c = {"upload (data dir)", OP_UPLOAD, .data_dir = dir, .want = 200};
    oom_http_loop(&c);
    char cmd[64];
    (void)snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void refused_upload_survives_every_allocation_failure(void **state)
{
    (void)state;
    /* a parquet file cut short: magic at the start, no footer */
    struct oom_case c = {"refused upload", OP_UPLOAD,
                         .file = parquet,  .file_len = parquet_len / 2,
                         .want = 400,      .refuse_rule = "parquet-only"};
    oom_http_loop(&c);
}

static void scenario_upload_survives_every_allocation_failure(void **state)
{
    (void)state;
    /* the rule alters only a header: its status replacement would rightly
     * turn an out-of-memory 503 into its own status (docs/SCENARIOS.md) */
    static const char scn[] = "{\"rules\":[{\"name\":\"tagged\",\"match\":{\"endpoint\":\"upload\","
                              "\"stage\":\"s1\"},\"action\":{\"real\":true,"
                              "\"headers\":{\"X-Served-By\":\"edge-3\"}}}]}";
    struct oom_case c = {"upload under a scenario rule", OP_UPLOAD, .scenario = scn, .want = 200};
    oom_http_loop(&c);
}

static void list_survives_every_allocation_failure(void **state)
{
    (void)state;
    struct oom_case c = {"list", OP_LIST, .want = 200};
    oom_http_loop(&c);
}

static void download_survives_every_allocation_failure(void **state)
{
    (void)state;
    struct oom_case c = {"download", OP_DOWNLOAD, .want = 200};
    oom_http_loop(&c);
}

int main(void)
{
    oom_hook_cjson();
    parquet = sm_test_parquet(SM_PQ_SNAPPY, 0, 7, &parquet_len);
    if (parquet == NULL) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upload_survives_every_allocation_failure),
        cmocka_unit_test(upload_to_data_dir_survives_every_allocation_failure),
        cmocka_unit_test(refused_upload_survives_every_allocation_failure),
        cmocka_unit_test(scenario_upload_survives_every_allocation_failure),
        cmocka_unit_test(list_survives_every_allocation_failure),
        cmocka_unit_test(download_survives_every_allocation_failure),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(parquet);
    return rc;
}
