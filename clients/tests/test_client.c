/*
 * test_client.c - libstagemock-client against an in-process mock: round
 * trips, rejections with status/rule/message, awkward names, and the
 * client's reaction to every fault kind of docs/SCENARIOS.md (503 with
 * Retry-After, 429 exhausted, lost response, close, reset, stall, delay,
 * truncation, HTML 502, malformed 200, refused connection), including that a
 * failed download leaves neither the file nor its .part behind.
 */
#include "smc_test.h"

#include "../lib/smc_internal.h"

static void upload_ok(struct fx *f, const char *name, char **id)
{
    char p[512];
    struct smc_error e;
    fx_write(f, name, f->pq, f->pq_len);
    fx_path(f, name, p, sizeof p);
    enum smc_code rc = smc_upload(f->c, "s1", p, NULL, id, &e);
    if (rc != SMC_OK) {
        fail_msg("upload %s: %s %s", name, smc_strerror(rc), e.message);
    }
}

static void download_same(struct fx *f, const char *name)
{
    char p[512];
    struct smc_error e;
    uint64_t size = 0;
    fx_path(f, "got.bin", p, sizeof p);
    enum smc_code rc = smc_download(f->c, "s1", name, p, &size, &e);
    if (rc != SMC_OK) {
        fail_msg("download %s: %s %s", name, smc_strerror(rc), e.message);
    }
    size_t len = 0;
    uint8_t *got = sm_test_read_file(p, &len);
    assert_non_null(got);
    assert_int_equal(len, f->pq_len);
    assert_int_equal(size, f->pq_len);
    assert_memory_equal(got, f->pq, len);
    free(got);
    assert_int_equal(unlink(p), 0);
}

static void roundtrip_upload_list_download_identical(void **state)
{
    struct fx *f = *state;
    char *id = NULL;
    upload_ok(f, "a.parquet", &id);
    assert_non_null(id);
    assert_true(strncmp(id, "f_", 2) == 0);
    struct smc_file_list l;
    struct smc_error e;
    assert_int_equal(smc_list(f->c, "s1", &l, &e), SMC_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.files[0].name, "a.parquet");
    assert_string_equal(l.files[0].file_id, id);
    assert_int_equal(l.files[0].size, f->pq_len);
    smc_file_list_cleanup(&l);
    smc_free(id);
    download_same(f, "a.parquet");
}

static void upload_not_parquet_rejected_with_message(void **state)
{
    struct fx *f = *state;
    char p[512];
    struct smc_error e;
    char *id = (char *)1;
    fx_write(f, "bad.parquet", "hello", 5);
    fx_path(f, "bad.parquet", p, sizeof p);
    assert_int_equal(smc_upload(f->c, "s1", p, NULL, &id, &e), SMC_E_REJECTED);
    assert_null(id);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.rule, "parquet-only");
    assert_true(strlen(e.message) > 0);
    assert_int_equal(e.attempts, 1);
}

static void upload_duplicate_name_is_409_unique_names(void **state)
{
    struct fx *f = *state;
    upload_ok(f, "a.parquet", NULL);
    char p[512];
    struct smc_error e;
    fx_path(f, "a.parquet", p, sizeof p);
    assert_int_equal(smc_upload(f->c, "s1", p, NULL, NULL, &e), SMC_E_REJECTED);
    assert_int_equal(e.status, 409);
    assert_string_equal(e.rule, "unique-names");
    assert_non_null(strstr(e.message, "a.parquet"));
}

static void unknown_key_is_401_auth(void **state)
{
    struct fx *f = *state;
    struct smc_client *c = fx_client(sm_server_url(f->srv), "nope");
    struct smc_file_list l;
    struct smc_error e;
    assert_int_equal(smc_list(c, "s1", &l, &e), SMC_E_REJECTED);
    assert_int_equal(e.status, 401);
    assert_string_equal(e.rule, "auth");
    smc_client_free(c);
    c = fx_client(sm_server_url(f->srv), NULL);
    assert_int_equal(smc_list(c, "s1", &l, &e), SMC_E_REJECTED);
    assert_int_equal(e.status, 401);
    smc_client_free(c);
}

static void awkward_names_roundtrip(void **state)
{
    struct fx *f = *state;
    static const char *const names[] = {
        "with space.parquet",
        "q\"uote.parquet",
        "it's.parquet",
        "50%.parquet",
        "50%25.parquet",
        "a+b.parquet",
        "a&b=c.parquet",
        "na\xc3\xafve-\xe2\x82\xac.parquet",
        "\xe6\x97\xa5\xe6\x9c\xac.parquet",
    };
    size_t n = sizeof names / sizeof names[0];
    for (size_t i = 0; i < n; i++) {
        upload_ok(f, names[i], NULL);
    }
    struct smc_file_list l;
    struct smc_error e;
    assert_int_equal(smc_list(f->c, "s1", &l, &e), SMC_OK);
    assert_int_equal(l.n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(l.files[i].name, names[i]);
        download_same(f, names[i]);
    }
    smc_file_list_cleanup(&l);
}

static void status_503_retry_after_is_honoured_once(void **state)
{
    struct fx *f = *state;
    fault(f, "upload:nth=1:status=503:retry-after=1");
    char p[512];
    struct smc_error e;
    fx_write(f, "a.parquet", f->pq, f->pq_len);
    fx_path(f, "a.parquet", p, sizeof p);
    assert_int_equal(smc_upload(f->c, "s1", p, NULL, NULL, &e), SMC_OK);
    assert_int_equal(e.attempts, 2);
    assert_int_equal(journal_final(f, "/upload-to-stage"), 2);
    assert_int_equal(stage_count(f, "s1"), 1);
}

static void status_429_forever_gives_up_after_bounded_retries(void **state)
{
    struct fx *f = *state;
    fault(f, "upload:status=429:retry-after=0:message=slow down");
    char p[512];
    struct smc_error e;
    fx_write(f, "a.parquet", f->pq, f->pq_len);
    fx_path(f, "a.parquet", p, sizeof p);
    assert_int_equal(smc_upload(f->c, "s1", p, NULL, NULL, &e), SMC_E_REJECTED);
    assert_int_equal(e.status, 429);
    assert_string_equal(e.message, "slow down");
    assert_int_equal(e.attempts, 4);
    assert_int_equal(journal_final(f, "/upload-to-stage"), 4);
}

static void retry_after_http_date_and_cap_are_honoured(void **state)
{
    struct fx *f = *state;
    struct sm_error se;
    /* an HTTP date in the past: retry at once */
    assert_int_equal(sm_server_add_rule(f->srv,
                                        "{\"match\":{\"endpoint\":\"list\",\"nth\":1},"
                                        "\"action\":{\"status\":503,\"headers\":{"
                                        "\"Retry-After\":\"Wed, 21 Oct 2015 07:28:00 GMT\"}}}",
                                        &se),
                     SM_OK);
    /* an hour: waited only as long as the cap allows */
    fault(f, "list:nth=2:status=429:retry-after=3600");
    struct smc_options o;
    smc_options_init(&o);
    o.url = sm_server_url(f->srv);
    o.key = "k1";
    o.max_retry_wait_ms = 50;
    struct smc_client *c = NULL;
    struct smc_error e;
    assert_int_equal(smc_client_new(&o, &c, &e), SMC_OK);
    struct smc_file_list l;
    assert_int_equal(smc_list(c, "s1", &l, &e), SMC_OK);
    assert_int_equal(e.attempts, 3);
    smc_file_list_cleanup(&l);
    smc_client_free(c);
}

static void lost_response_checks_listing_and_never_uploads_twice(void **state)
{
    struct fx *f = *state;
    fault(f, "upload:nth=1:lose-response");
    char *id = NULL;
    upload_ok(f, "a.parquet", &id);
    struct sm_file_list l;
    struct sm_error se;
    assert_int_equal(sm_server_get_files(f->srv, "s1", &l, &se), SM_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.files[0].file_id, id);
    sm_file_list_cleanup(&l);
    smc_free(id);
    assert_int_equal(journal_final(f, "/upload-to-stage"), 1);
    assert_int_equal(journal_final(f, "/list-stage-files"), 1);
}

static void lost_response_after_a_kept_alive_request_is_not_resent(void **state)
{
    struct fx *f = *state;
    fault(f, "upload:file=b.parquet:lose-response");
    upload_ok(f, "a.parquet", NULL);
    upload_ok(f, "b.parquet", NULL);
    assert_int_equal(stage_count(f, "s1"), 2);
    assert_int_equal(journal_final(f, "/upload-to-stage"), 2);
}

static void close_before_answer_not_stored_is_retried(void **state)
{
    struct fx *f = *state;
    fault(f, "upload:nth=1:close");
    upload_ok(f, "a.parquet", NULL);
    assert_int_equal(stage_count(f, "s1"), 1);
    assert_int_equal(journal_final(f, "/upload-to-stage"), 2);
}

static void reset_every_upload_fails_bounded_with_transport(void **state)
{
    struct fx *f = *state;
    fault(f, "upload:reset");
    char p[512];
    struct smc_error e;
    fx_write(f, "a.parquet", f->pq, f->pq_len);
    fx_path(f, "a.parquet", p, sizeof p);
    assert_int_equal(smc_upload(f->c, "s1", p, NULL, NULL, &e), SMC_E_TRANSPORT);
    assert_int_equal(e.attempts, 4);
    assert_int_equal(stage_count(f, "s1"), 0);
}

static void assert_download_fails_clean(struct fx *f, const char *name, enum smc_code want)
{
    char p[512];
    struct smc_error e;
    fx_path(f, "out.parquet", p, sizeof p);
    enum smc_code rc = smc_download(f->c, "s1", name, p, NULL, &e);
    if (rc != want) {
        fail_msg("download: want %s, got %s (%s)", smc_strerror(want), smc_strerror(rc), e.message);
    }
    assert_true(strlen(e.message) > 0);
    assert_false(fx_exists(f, "out.parquet"));
    assert_false(fx_exists(f, "out.parquet.part"));
}

static void download_stall_times_out_and_leaves_nothing(void **state)
{
    struct fx *f = *state;
    assert_true(f->pq_len > 1000);
    upload_ok(f, "a.parquet", NULL);
    fault(f, "download:response-stall=1000");
    assert_download_fails_clean(f, "a.parquet", SMC_E_TIMEOUT);
}

static void download_reset_truncate_404_502_leave_nothing(void **state)
{
    struct fx *f = *state;
    upload_ok(f, "a.parquet", NULL);
    fault(f, "download:nth=1:response-reset=1000");
    assert_download_fails_clean(f, "a.parquet", SMC_E_TRANSPORT);
    sm_server_clear_rules(f->srv);
    fault(f, "download:nth=1:real:truncate=100");
    assert_download_fails_clean(f, "a.parquet", SMC_E_TRANSPORT);
    sm_server_clear_rules(f->srv);
    assert_download_fails_clean(f, "missing.parquet", SMC_E_REJECTED);
    fault(f, "download:status=502:content-type=text/html:body=<h1>Bad Gateway</h1>");
    char p[512];
    struct smc_error e;
    fx_path(f, "out.parquet", p, sizeof p);
    assert_int_equal(smc_download(f->c, "s1", "a.parquet", p, NULL, &e), SMC_E_REJECTED);
    assert_int_equal(e.status, 502);
    assert_non_null(strstr(e.message, "not a JSON error"));
    assert_non_null(strstr(e.message, "Bad Gateway"));
    assert_false(fx_exists(f, "out.parquet"));
    assert_false(fx_exists(f, "out.parquet.part"));
}

static void base64_download_is_decoded_to_the_stored_bytes(void **state)
{
    struct fx *f = *state;
    struct sm_error se;
    upload_ok(f, "a.parquet", NULL);
    assert_int_equal(sm_server_load_profile(f->srv, "{\"download_encoding\":\"base64\"}", 30, &se),
                     SM_OK);
    download_same(f, "a.parquet");
    /* text that is not base64 is a protocol error, and nothing is left */
    assert_int_equal(sm_server_add_rule(f->srv,
                                        "{\"match\":{\"endpoint\":\"download\"},\"action\":{"
                                        "\"status\":200,\"content_type\":\"text/plain\","
                                        "\"body\":\"UEFS!!not base64\"}}",
                                        &se),
                     SM_OK);
    assert_download_fails_clean(f, "a.parquet", SMC_E_PROTOCOL);
}

static void delay_past_stall_timeout_times_out(void **state)
{
    struct fx *f = *state;
    fault(f, "list:delay=2500");
    struct smc_file_list l;
    struct smc_error e;
    assert_int_equal(smc_list(f->c, "s1", &l, &e), SMC_E_TIMEOUT);
    assert_int_equal(e.attempts, 1);
}

static void malformed_200_is_protocol_error_without_id(void **state)
{
    struct fx *f = *state;
    struct sm_error se;
    assert_int_equal(sm_server_add_rule(f->srv,
                                        "{\"match\":{\"endpoint\":\"upload\"},\"action\":{"
                                        "\"status\":200,\"body\":\"{\\\"ok\\\":true}\"}}",
                                        &se),
                     SM_OK);
    char p[512];
    struct smc_error e;
    char *id = NULL;
    fx_write(f, "a.parquet", f->pq, f->pq_len);
    fx_path(f, "a.parquet", p, sizeof p);
    assert_int_equal(smc_upload(f->c, "s1", p, NULL, &id, &e), SMC_E_PROTOCOL);
    assert_null(id);
    assert_non_null(strstr(e.message, "file_id"));
}

static void refused_connection_retried_then_transport(void **state)
{
    (void)state;
    struct smc_client *c = fx_client("http://127.0.0.1:1", "k1");
    struct smc_file_list l;
    struct smc_error e;
    assert_int_equal(smc_list(c, "s1", &l, &e), SMC_E_TRANSPORT);
    assert_int_equal(e.attempts, 4);
    assert_int_equal(e.status, 0);
    smc_client_free(c);
}

struct order_ctx {
    size_t calls;
    bool all_ok;
};

static void order_done(void *cls, size_t index, const char *path, const char *name,
                       enum smc_code code, const char *file_id, const struct smc_error *err)
{
    struct order_ctx *o = cls;
    (void)path;
    (void)name;
    (void)err;
    assert_int_equal(index, o->calls);
    o->calls++;
    o->all_ok = o->all_ok && code == SMC_OK && file_id != NULL;
}

static void many_files_one_at_a_time_in_order(void **state)
{
    struct fx *f = *state;
    fault(f, "upload:nth=1:real:delay=300");
    char pa[3][512];
    const char *paths[3];
    static const char *const names[] = {"c.parquet", "a.parquet", "b.parquet"};
    for (size_t i = 0; i < 3; i++) {
        fx_write(f, names[i], f->pq, f->pq_len);
        fx_path(f, names[i], pa[i], sizeof pa[i]);
        paths[i] = pa[i];
    }
    struct order_ctx o = {.all_ok = true};
    assert_int_equal(smc_upload_many(f->c, "s1", paths, 3, order_done, &o), SMC_OK);
    assert_int_equal(o.calls, 3);
    assert_true(o.all_ok);
    struct sm_file_list l;
    struct sm_error se;
    assert_int_equal(sm_server_get_files(f->srv, "s1", &l, &se), SM_OK);
    assert_int_equal(l.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(l.files[i].name, names[i]);
    }
    sm_file_list_cleanup(&l);
}

static void bad_arguments_are_arg_errors(void **state)
{
    struct fx *f = *state;
    struct smc_options o;
    struct smc_client *c = NULL;
    struct smc_error e;
    smc_options_init(&o);
    assert_int_equal(smc_client_new(&o, &c, &e), SMC_E_ARG);
    assert_null(c);
    o.url = "ftp://x";
    assert_int_equal(smc_client_new(&o, &c, &e), SMC_E_ARG);
    char p[512];
    fx_path(f, "absent.parquet", p, sizeof p);
    assert_int_equal(smc_upload(f->c, "s1", p, NULL, NULL, &e), SMC_E_IO);
    assert_int_equal(smc_download(f->c, "s1", "x", "", NULL, &e), SMC_E_ARG);
    assert_string_equal(smc_strerror(SMC_E_TIMEOUT), "SMC_E_TIMEOUT");
    smc_client_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
        T(roundtrip_upload_list_download_identical),
        T(upload_not_parquet_rejected_with_message),
        T(upload_duplicate_name_is_409_unique_names),
        T(unknown_key_is_401_auth),
        T(awkward_names_roundtrip),
        T(status_503_retry_after_is_honoured_once),
        T(status_429_forever_gives_up_after_bounded_retries),
        T(retry_after_http_date_and_cap_are_honoured),
        T(lost_response_checks_listing_and_never_uploads_twice),
        T(lost_response_after_a_kept_alive_request_is_not_resent),
        T(close_before_answer_not_stored_is_retried),
        T(reset_every_upload_fails_bounded_with_transport),
        T(download_stall_times_out_and_leaves_nothing),
        T(download_reset_truncate_404_502_leave_nothing),
        T(base64_download_is_decoded_to_the_stored_bytes),
        T(delay_past_stall_timeout_times_out),
        T(malformed_200_is_protocol_error_without_id),
        T(refused_connection_retried_then_transport),
        T(many_files_one_at_a_time_in_order),
        T(bad_arguments_are_arg_errors),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
