/*
 * test_cli.c - stagectl's cli_main against an in-process mock: the adapter
 * protocol's JSON lines, the exit codes (0 ok, 1 rejected, 2 usage,
 * 3 transport, 4 local file), environment versus flags, and the
 * STAGE_API_TIMEOUT stall timeout.
 */
#include "smc_test.h"

/* the end of a variadic argument list, typed (NULL alone may be an int) */
#define END ((const char *)NULL)

#include "../cli/cli.h"

struct run {
    int rc;
    char out[8192];
    char err[8192];
};

static void slurp(FILE *f, char *buf, size_t size)
{
    rewind(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Run stagectl with a NULL-terminated argument list. */
static void cli(struct run *r, const char *first, ...)
{
    static char store[32][600];
    char *argv[32];
    int argc = 0;
    (void)snprintf(store[argc], sizeof store[argc], "stagectl");
    argv[argc] = store[argc];
    argc++;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a != NULL && argc < 31; a = va_arg(ap, const char *)) {
        (void)snprintf(store[argc], sizeof store[argc], "%s", a);
        argv[argc] = store[argc];
        argc++;
    }
    va_end(ap);
    argv[argc] = NULL;
    FILE *out = tmpfile();
    FILE *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    r->rc = cli_main(argc, argv, out, err);
    slurp(out, r->out, sizeof r->out);
    slurp(err, r->err, sizeof r->err);
}

static int cli_setup(void **state)
{
    int rc = fx_setup(state);
    struct fx *f = *state;
    assert_int_equal(setenv("STAGE_API_URL", sm_server_url(f->srv), 1), 0);
    assert_int_equal(setenv("STAGE_API_KEY", "k1", 1), 0);
    assert_int_equal(unsetenv("STAGE_API_TIMEOUT"), 0);
    fx_write(f, "a.parquet", f->pq, f->pq_len);
    fx_write(f, "b.parquet", f->pq, f->pq_len);
    fx_write(f, "bad.parquet", "nope", 4);
    return rc;
}

static void usage_errors_exit_2(void **state)
{
    (void)state;
    struct run r;
    cli(&r, NULL);
    assert_int_equal(r.rc, 2);
    cli(&r, "frobnicate", "--stage", "s1", END);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "unknown command"));
    cli(&r, "list", END);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--stage"));
    cli(&r, "list", "--stage", "s1", "--timeout", "soon", END);
    assert_int_equal(r.rc, 2);
    cli(&r, "download", "--stage", "s1", END);
    assert_int_equal(r.rc, 2);
    cli(&r, "--help", END);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "usage:"));
    assert_int_equal(unsetenv("STAGE_API_URL"), 0);
    cli(&r, "list", "--stage", "s1", END);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "STAGE_API_URL"));
}

static void upload_json_lines_in_order_then_list_and_download(void **state)
{
    struct fx *f = *state;
    char a[512], b[512], out[512];
    fx_path(f, "a.parquet", a, sizeof a);
    fx_path(f, "b.parquet", b, sizeof b);
    struct run r;
    cli(&r, "upload", "--json", "--stage", "s1", b, a, END);
    assert_int_equal(r.rc, 0);
    const char *l2 = strchr(r.out, '\n');
    assert_non_null(l2);
    assert_true(strncmp(r.out, "{\"file\":\"b.parquet\",\"ok\":true,\"file_id\":\"f_", 42) == 0);
    assert_true(strncmp(l2 + 1, "{\"file\":\"a.parquet\",\"ok\":true,\"file_id\":\"f_", 42) == 0);
    cli(&r, "--json", "list", "--stage", "s1", END);
    assert_int_equal(r.rc, 0);
    assert_true(strncmp(r.out, "{\"name\":\"b.parquet\",\"file_id\":\"f_", 33) == 0);
    assert_non_null(strstr(r.out, "\n{\"name\":\"a.parquet\""));
    fx_path(f, "copy.parquet", out, sizeof out);
    cli(&r, "download", "--json", "--stage", "s1", "--name", "a.parquet", "--out", out, END);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "{\"file\":\"a.parquet\",\"ok\":true"));
    size_t len = 0;
    uint8_t *got = sm_test_read_file(out, &len);
    assert_non_null(got);
    assert_int_equal(len, f->pq_len);
    assert_memory_equal(got, f->pq, len);
    free(got);
}

static void rejection_exits_1_with_server_message(void **state)
{
    struct fx *f = *state;
    char bad[512], a[512];
    fx_path(f, "bad.parquet", bad, sizeof bad);
    fx_path(f, "a.parquet", a, sizeof a);
    struct run r;
    cli(&r, "upload", "--json", "--stage", "s1", bad, a, END);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.out, "{\"file\":\"bad.parquet\",\"ok\":false,\"status\":400,"
                                  "\"message\":\"not a parquet file"));
    assert_non_null(strstr(r.out, "\"rule\":\"parquet-only\""));
    assert_non_null(strstr(r.out, "{\"file\":\"a.parquet\",\"ok\":true"));
    /* human output: the message on stderr */
    cli(&r, "upload", "--stage", "s1", a, END);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "HTTP 409, rule unique-names"));
    /* a flag overrides the environment's key */
    cli(&r, "list", "--key", "wrong", "--stage", "s1", END);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "HTTP 401"));
}

static void transport_failure_exits_3_and_local_error_4(void **state)
{
    struct fx *f = *state;
    struct run r;
    cli(&r, "list", "--json", "--retries", "0", "--url", "http://127.0.0.1:1", "--stage", "s1",
        END);
    assert_int_equal(r.rc, 3);
    assert_non_null(strstr(r.out, "\"ok\":false,\"status\":0"));
    char missing[512];
    fx_path(f, "absent.parquet", missing, sizeof missing);
    cli(&r, "upload", "--json", "--stage", "s1", missing, END);
    assert_int_equal(r.rc, 4);
}

static void stage_api_timeout_bounds_a_stalled_download(void **state)
{
    struct fx *f = *state;
    char a[512], out[512];
    fx_path(f, "a.parquet", a, sizeof a);
    fx_path(f, "stalled.parquet", out, sizeof out);
    struct run r;
    cli(&r, "upload", "--stage", "s1", a, END);
    assert_int_equal(r.rc, 0);
    fault(f, "download:response-stall=1000");
    assert_int_equal(setenv("STAGE_API_TIMEOUT", "1", 1), 0);
    cli(&r, "download", "--json", "--stage", "s1", "--name", "a.parquet", "--out", out, END);
    assert_int_equal(unsetenv("STAGE_API_TIMEOUT"), 0);
    assert_int_equal(r.rc, 3);
    assert_non_null(strstr(r.out, "timed out"));
    assert_false(fx_exists(f, "stalled.parquet"));
    assert_false(fx_exists(f, "stalled.parquet.part"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, cli_setup, fx_teardown)
        T(usage_errors_exit_2),
        T(upload_json_lines_in_order_then_list_and_download),
        T(rejection_exits_1_with_server_message),
        T(transport_failure_exits_3_and_local_error_4),
        T(stage_api_timeout_bounds_a_stalled_download),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
