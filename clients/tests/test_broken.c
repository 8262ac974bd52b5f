/*
 * test_broken.c - every broken client (clients/broken/NAME.patch, built into
 * build/<mode>/broken/NAME.sh) shows its defect against an in-process mock,
 * and a correct client (clients/shell/stagectl.sh, which each broken one is
 * patched from, or stagectl where the shell client's coarse stall timer would
 * be slow) passes the same check. One test per defect; the evidence is the
 * stage, the journal or the client's own output.
 */
#include <limits.h>
#include <sys/wait.h>

#include "smc_test.h"

/* the end of a variadic argument list, typed (NULL alone may be an int) */
#define END ((const char *)NULL)

static int bfx_setup(void **state)
{
    int rc = fx_setup(state);
    struct fx *f = *state;
    assert_int_equal(setenv("STAGE_API_URL", sm_server_url(f->srv), 1), 0);
    assert_int_equal(setenv("STAGE_API_KEY", "k1", 1), 0);
    assert_int_equal(setenv("STAGE_API_TIMEOUT", "1", 1), 0);
    static const char *const names[] = {"a.parquet", "b.parquet", "c.parquet"};
    for (size_t i = 0; i < 3; i++) {
        fx_write(f, names[i], f->pq, f->pq_len);
    }
    fx_write(f, "bad.parquet", "not parquet", 11);
    fx_write(f, "q\"uote.parquet", f->pq, f->pq_len);
    return rc;
}

/* Append s to cmd as one single-quoted shell word. */
static void shell_word(char *cmd, size_t size, const char *s)
{
    size_t n = strlen(cmd);
    if (n + 3 < size) {
        cmd[n++] = ' ';
        cmd[n++] = '\'';
    }
    for (; *s != '\0' && n + 6 < size; s++) {
        if (*s == '\'') {
            memcpy(cmd + n, "'\\''", 4);
            n += 4;
        } else {
            cmd[n++] = *s;
        }
    }
    cmd[n++] = '\'';
    cmd[n] = '\0';
}

/* Run a client (path relative to clients/, "broken/NAME.sh" for a built
 * broken client in the build dir, or an absolute one) under
 * `timeout limit_s` with words in the scratch dir; its stdout in out.
 * Returns the exit status (124: killed by the timeout). The shell clients
 * need curl and jq: without them the test is skipped, with the reason. */
static int run_client(struct fx *f, const char *client, double limit_s, char *out, size_t out_size,
                      const char *first, ...)
{
    char cmd[8192];
    char path[PATH_MAX + 64];
    if (strstr(client, ".sh") != NULL && !sm_test_have_tools("curl", "jq", END)) {
        skip();
    }
    if (client[0] == '/') {
        (void)snprintf(path, sizeof path, "%s", client);
    } else if (strncmp(client, "broken/", 7) == 0) {
        char b[PATH_MAX];
        assert_non_null(realpath(sm_test_build_dir(), b));
        (void)snprintf(path, sizeof path, "%s/%s", b, client);
        if (access(path, R_OK) != 0) {
            fail_msg("%s is not built (make builds it from clients/%.*s.patch)", path,
                     (int)(strlen(client) - 3), client);
        }
    } else {
        char top[PATH_MAX];
        assert_non_null(realpath(sm_test_top_dir(), top));
        (void)snprintf(path, sizeof path, "%s/clients/%s", top, client);
    }
    (void)snprintf(cmd, sizeof cmd, "cd '%s' && exec timeout -s KILL %.1f", f->dir, limit_s);
    if (strstr(path, ".sh") != NULL) {
        shell_word(cmd, sizeof cmd, "sh");
    }
    shell_word(cmd, sizeof cmd, path);
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a != NULL; a = va_arg(ap, const char *)) {
        shell_word(cmd, sizeof cmd, a);
    }
    va_end(ap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, out_size - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static const char *stagectl_bin(char *buf, size_t size)
{
    char b[PATH_MAX];
    assert_non_null(realpath(sm_test_build_dir(), b));
    (void)snprintf(buf, size, "%s/stagectl", b);
    return buf;
}

static cJSON *journal(struct fx *f)
{
    char *j = sm_server_journal_json(f->srv);
    cJSON *doc = cJSON_Parse(j);
    sm_free(j);
    assert_non_null(doc);
    return doc;
}

static void first_in_stage(struct fx *f, char *name, size_t size)
{
    struct sm_file_list l;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(f->srv, "s1", &l, &e), SM_OK);
    (void)snprintf(name, size, "%s", l.n > 0 ? l.files[0].name : "");
    sm_file_list_cleanup(&l);
}

static void parallel_breaks_order_under_a_slow_first_upload(void **state)
{
    struct fx *f = *state;
    char out[4096], first[256];
    fault(f, "upload:file=a.parquet:real:delay=1000");
    (void)run_client(f, "broken/parallel.sh", 10, out, sizeof out, "upload", "--stage", "s1",
                     "a.parquet", "b.parquet", "c.parquet", END);
    assert_int_equal(stage_count(f, "s1"), 3);
    first_in_stage(f, first, sizeof first);
    assert_string_not_equal(first, "a.parquet");
    sm_server_reset(f->srv);
    assert_int_equal(run_client(f, "shell/stagectl.sh", 10, out, sizeof out, "upload", "--stage",
                                "s1", "a.parquet", "b.parquet", "c.parquet", END),
                     0);
    first_in_stage(f, first, sizeof first);
    assert_string_equal(first, "a.parquet");
}

static int max_file_parts(struct fx *f)
{
    cJSON *doc = journal(f);
    const cJSON *e = NULL;
    int most = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "entries"))
    {
        const cJSON *fp = cJSON_GetObjectItemCaseSensitive(e, "file_parts");
        if (cJSON_IsNumber(fp) && fp->valueint > most) {
            most = fp->valueint;
        }
    }
    cJSON_Delete(doc);
    return most;
}

static void two_in_one_sends_two_file_parts(void **state)
{
    struct fx *f = *state;
    char out[4096];
    (void)run_client(f, "broken/two_in_one.sh", 10, out, sizeof out, "upload", "--stage", "s1",
                     "a.parquet", "b.parquet", END);
    assert_int_equal(max_file_parts(f), 2);
    sm_server_reset(f->srv);
    assert_int_equal(run_client(f, "shell/stagectl.sh", 10, out, sizeof out, "upload", "--stage",
                                "s1", "a.parquet", "b.parquet", END),
                     0);
    assert_int_equal(max_file_parts(f), 1);
}

static void no_key_gets_401(void **state)
{
    struct fx *f = *state;
    char out[4096];
    assert_int_not_equal(
        run_client(f, "broken/no_key.sh", 10, out, sizeof out, "list", "--stage", "s1", END), 0);
    assert_non_null(strstr(out, "\"status\":401"));
    assert_int_equal(
        run_client(f, "shell/stagectl.sh", 10, out, sizeof out, "list", "--stage", "s1", END), 0);
}

static void ignore_status_reports_a_rejected_upload_as_ok(void **state)
{
    struct fx *f = *state;
    char out[4096];
    (void)run_client(f, "broken/ignore_status.sh", 10, out, sizeof out, "upload", "--stage", "s1",
                     "bad.parquet", END);
    assert_non_null(strstr(out, "\"ok\":true"));
    assert_int_equal(stage_count(f, "s1"), 0);
    assert_int_equal(run_client(f, "shell/stagectl.sh", 10, out, sizeof out, "upload", "--stage",
                                "s1", "bad.parquet", END),
                     1);
    assert_non_null(strstr(out, "\"ok\":false"));
}

static void error_body_is_left_as_the_downloaded_file(void **state)
{
    struct fx *f = *state;
    char out[4096];
    (void)run_client(f, "broken/error_body.sh", 10, out, sizeof out, "download", "--stage", "s1",
                     "--name", "missing.parquet", "--out", "got.parquet", END);
    assert_true(fx_exists(f, "got.parquet"));
    char p[512];
    fx_path(f, "got.parquet", p, sizeof p);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(run_client(f, "shell/stagectl.sh", 10, out, sizeof out, "download", "--stage",
                                "s1", "--name", "missing.parquet", "--out", "got.parquet", END),
                     1);
    assert_false(fx_exists(f, "got.parquet"));
    assert_false(fx_exists(f, "got.parquet.part"));
}

/* true when the stage holds name with exactly the bytes of data */
static bool stored_intact(struct fx *f, const char *name, size_t len)
{
    struct sm_file_list l;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(f->srv, "s1", &l, &e), SM_OK);
    bool ok = false;
    for (size_t i = 0; i < l.n; i++) {
        ok = ok || (strcmp(l.files[i].name, name) == 0 && l.files[i].size == len);
    }
    sm_file_list_cleanup(&l);
    return ok;
}

static void mangle_changes_crlf_bytes(void **state)
{
    struct fx *f = *state;
    size_t len = 0;
    uint8_t *pq = sm_test_parquet(SM_PQ_UNCOMPRESSED, 0, 3, &len);
    assert_non_null(pq);
    bool crlf = false;
    for (size_t i = 0; i + 1 < len; i++) {
        crlf = crlf || (pq[i] == '\r' && pq[i + 1] == '\n');
    }
    assert_true(crlf);
    fx_write(f, "crlf.parquet", pq, len);
    free(pq);
    char out[4096];
    (void)run_client(f, "broken/mangle.sh", 10, out, sizeof out, "upload", "--stage", "s1",
                     "crlf.parquet", END);
    assert_false(stored_intact(f, "crlf.parquet", len));
    sm_server_reset(f->srv);
    assert_int_equal(run_client(f, "shell/stagectl.sh", 10, out, sizeof out, "upload", "--stage",
                                "s1", "crlf.parquet", END),
                     0);
    assert_true(stored_intact(f, "crlf.parquet", len));
}

static void raw_names_lose_a_quote(void **state)
{
    struct fx *f = *state;
    char out[4096];
    (void)run_client(f, "broken/raw_names.sh", 10, out, sizeof out, "upload", "--stage", "s1",
                     "q\"uote.parquet", END);
    assert_false(stored_intact(f, "q\"uote.parquet", f->pq_len));
    sm_server_reset(f->srv);
    assert_int_equal(run_client(f, "shell/stagectl.sh", 10, out, sizeof out, "upload", "--stage",
                                "s1", "q\"uote.parquet", END),
                     0);
    assert_true(stored_intact(f, "q\"uote.parquet", f->pq_len));
}

static void blind_retry_uploads_twice_after_a_lost_answer(void **state)
{
    struct fx *f = *state;
    char out[4096];
    fault(f, "upload:nth=1:lose-response");
    (void)run_client(f, "broken/blind_retry.sh", 10, out, sizeof out, "upload", "--stage", "s1",
                     "a.parquet", END);
    assert_int_equal(journal_wait(f->srv, "/upload-to-stage", 2), 2);
    sm_server_reset(f->srv);
    sm_server_clear_rules(f->srv);
    fault(f, "upload:nth=1:lose-response");
    assert_int_equal(run_client(f, "shell/stagectl.sh", 10, out, sizeof out, "upload", "--stage",
                                "s1", "a.parquet", END),
                     0);
    assert_non_null(strstr(out, "\"ok\":true"));
    assert_int_equal(journal_final(f, "/upload-to-stage"), 1);
}

static void no_timeout_hangs_on_a_stalled_download(void **state)
{
    struct fx *f = *state;
    char out[4096], bin[PATH_MAX + 16];
    assert_true(sm_server_preload(f->srv, "s1", "a.parquet", f->pq, f->pq_len, NULL) == SM_OK);
    fault(f, "download:response-stall=1000");
    assert_int_equal(run_client(f, "broken/no_timeout.sh", 2, out, sizeof out, "download",
                                "--stage", "s1", "--name", "a.parquet", "--out", "o.parquet", END),
                     128 + 9);
    assert_int_equal(run_client(f, stagectl_bin(bin, sizeof bin), 15, out, sizeof out, "download",
                                "--stage", "s1", "--name", "a.parquet", "--out", "o.parquet", END),
                     3);
    assert_false(fx_exists(f, "o.parquet"));
}

static void unbounded_retry_follows_retry_after_past_any_bound(void **state)
{
    struct fx *f = *state;
    char out[4096];
    /* six 503s, then the real answer: a bounded client gives up after 4 requests */
    fault(f, "upload:times=6:status=503:retry-after=0");
    assert_int_equal(run_client(f, "broken/unbounded_retry.sh", 20, out, sizeof out, "upload",
                                "--stage", "s1", "a.parquet", END),
                     0);
    assert_int_equal(journal_wait(f->srv, "/upload-to-stage", 7), 7);
    sm_server_reset(f->srv);
    sm_server_clear_rules(f->srv);
    fault(f, "upload:times=6:status=503:retry-after=0");
    assert_int_equal(run_client(f, "shell/stagectl.sh", 10, out, sizeof out, "upload", "--stage",
                                "s1", "a.parquet", END),
                     1);
    assert_int_equal(journal_final(f, "/upload-to-stage"), 4);
}

/* The lint codes the journal's uploads carry, space-separated. */
static void upload_lint(struct fx *f, char *out, size_t size)
{
    cJSON *doc = journal(f);
    const cJSON *e = NULL;
    out[0] = '\0';
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "entries"))
    {
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(e, "path");
        if (!cJSON_IsString(path) || strcmp(path->valuestring, "/upload-to-stage") != 0) {
            continue;
        }
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "lint");
        assert_true(cJSON_IsArray(l)); /* every upload carries one, empty when clean */
        const cJSON *c = NULL;
        cJSON_ArrayForEach(c, l)
        {
            size_t n = strlen(out);
            (void)snprintf(out + n, size - n, "%s%s", n ? " " : "", c->valuestring);
        }
    }
    cJSON_Delete(doc);
}

static void file_first_frames_the_file_before_stage_id(void **state)
{
    struct fx *f = *state;
    char out[4096], lint[256];
    assert_int_equal(run_client(f, "broken/file_first.sh", 10, out, sizeof out, "upload", "--stage",
                                "s1", "a.parquet", END),
                     0); /* the mock takes it: only a strict server would not */
    upload_lint(f, lint, sizeof lint);
    assert_string_equal(lint, "field-after-file");
    sm_server_reset(f->srv);
    assert_int_equal(run_client(f, "shell/stagectl.sh", 10, out, sizeof out, "upload", "--stage",
                                "s1", "a.parquet", END),
                     0);
    upload_lint(f, lint, sizeof lint);
    assert_string_equal(lint, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, bfx_setup, fx_teardown)
        T(parallel_breaks_order_under_a_slow_first_upload),
        T(two_in_one_sends_two_file_parts),
        T(no_key_gets_401),
        T(ignore_status_reports_a_rejected_upload_as_ok),
        T(error_body_is_left_as_the_downloaded_file),
        T(mangle_changes_crlf_bytes),
        T(raw_names_lose_a_quote),
        T(blind_retry_uploads_twice_after_a_lost_answer),
        T(no_timeout_hangs_on_a_stalled_download),
        T(unbounded_retry_follows_retry_after_past_any_bound),
        T(file_first_frames_the_file_before_stage_id),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
