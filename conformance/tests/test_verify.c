/*
 * test_verify.c - the verifier (runner/verify.c) on synthetic inputs: step
 * checks on an adapter's JSON lines and exit code (and the implied ones: an
 * ok:true upload carries a file id, an ok:false line a message and no id),
 * and the [expect] checks on a hand-written journal and stage view:
 * requests, one file part, key, no-overlap (judged on answer times),
 * no-duplicate after a commit, commit-order names, Retry-After gaps. Each
 * failing check must leave one evidence line naming the case line.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runner/run.h"

static struct conf_case *load(const char *text)
{
    struct conf_case *c = NULL;
    struct sm_error err = {0};
    if (conf_case_parse(text, strlen(text), "v.case", &c, &err) != SM_OK) {
        fail_msg("%s", err.message);
    }
    return c;
}

/* Run the step checks of case text's first step on (stdout, exit). */
static bool step(const char *text, const char *verb, const char *out, int exit_code,
                 struct conf_buf *ev)
{
    struct conf_case *c = load(text);
    struct conf_proc p = {0};
    p.exit_code = exit_code;
    p.out = strdup(out);
    struct conf_verify_ctx ctx = {.step_verb = verb, .api_key = "k"};
    bool ok = conf_verify_step(&c->steps[0], &p, &ctx, ev);
    free(p.out);
    conf_case_free(c);
    return ok;
}

#define HEAD "[case]\nid = v-01\nrule = v\ntitle = t\nwhy = w\n"

static void step_ok_lines_and_exit(void **state)
{
    (void)state;
    struct conf_buf ev;
    conf_buf_init(&ev);
    const char *text = HEAD "[step]\nrun = upload --stage s1 @a @b\nexit = 0\nok = true true\n"
                            "json = 2 file_id f_2\nlines = 2\n";
    const char *good = "{\"file\":\"a\",\"ok\":true,\"file_id\":\"f_1\"}\n"
                       "{\"file\":\"b\",\"ok\":true,\"file_id\":\"f_2\"}\n";
    assert_true(step(text, "upload", good, 0, &ev));
    assert_int_equal(ev.len, 0);
    assert_false(step(text, "upload", good, 3, &ev));
    assert_non_null(strstr(ev.data, "line 8: exit: expected 0, seen 3"));
    conf_buf_cleanup(&ev);
    const char *short_out = "{\"file\":\"a\",\"ok\":true,\"file_id\":\"f_1\"}\nnot json\n";
    assert_false(step(text, "upload", short_out, 0, &ev));
    assert_non_null(strstr(ev.data, "output line 2: expected ok:true, seen (not JSON)"));
    assert_non_null(strstr(ev.data, "field file_id: expected f_2, seen (absent)"));
    conf_buf_cleanup(&ev);
}

static void step_implied_checks(void **state)
{
    (void)state;
    struct conf_buf ev;
    conf_buf_init(&ev);
    const char *text = HEAD "[step]\nrun = upload --stage s1 @a\nexit = any\n";
    assert_false(step(text, "upload", "{\"file\":\"a\",\"ok\":true}\n", 0, &ev));
    assert_non_null(strstr(ev.data, "expected a file_id with ok:true"));
    conf_buf_cleanup(&ev);
    assert_false(step(text, "upload", "{\"file\":\"a\",\"ok\":false,\"file_id\":\"x\"}\n", 1, &ev));
    assert_non_null(strstr(ev.data, "expected no file_id for a failure"));
    assert_non_null(strstr(ev.data, "expected the server's message with ok:false"));
    conf_buf_cleanup(&ev);
    assert_true(step(text, "upload",
                     "{\"file\":\"a\",\"ok\":false,\"status\":400,\"message\":\"m\"}\n", 1, &ev));
    conf_buf_cleanup(&ev);
}

static void step_list_and_json_matchers(void **state)
{
    (void)state;
    struct conf_buf ev;
    conf_buf_init(&ev);
    const char *text = HEAD "[step]\nrun = list --stage s1\nlist = \"a b\" c\n"
                            "json = 1 file_id nonempty\njson = 2 size 12\n"
                            "json = 1 name \"~a \"\njson = 2 nope absent\n";
    const char *out = "{\"name\":\"a b\",\"file_id\":\"f\"}\n{\"name\":\"c\",\"size\":12}\n";
    assert_true(step(text, "list", out, 0, &ev));
    assert_false(step(text, "list", "{\"name\":\"c\",\"file_id\":\"f\",\"nope\":1}\n", 0, &ev));
    assert_non_null(strstr(ev.data, "list: expected [\"a b\" \"c\"], seen [\"c\"]"));
    conf_buf_cleanup(&ev);
}

/* A journal with the given entries (JSON objects, comma-separated). */
static enum conf_outcome expect(const char *checks, const char *entries,
                                const struct conf_stage_view *views, size_t n_views,
                                struct conf_buf *ev)
{
    char text[4096];
    (void)snprintf(text, sizeof text, HEAD "[step]\nrun = list\n[expect]\n%s", checks);
    struct conf_case *c = load(text);
    char journal[8192];
    (void)snprintf(journal, sizeof journal, "{\"seed\":1,\"entries\":[%s]}", entries);
    struct conf_verify_ctx ctx = {.journal_json = journal,
                                  .api_key = "k",
                                  .stages = views,
                                  .n_stages = n_views,
                                  .fixtures_dir = "/nonexistent",
                                  .out_dir = "/nonexistent"};
    enum conf_outcome o = conf_verify_expect(c, &ctx, ev);
    conf_case_free(c);
    return o;
}

#define UP(seq, name, s, e, commit, sha)                                              \
    "{\"seq\":" #seq ",\"path\":\"/upload-to-stage\",\"key\":\"k\",\"stage\":\"s1\"," \
    "\"file_name\":\"" name "\",\"file_parts\":1,\"start_us\":" #s ",\"end_us\":" #e  \
    ",\"commit_seq\":" #commit ",\"sha256\":\"" sha "\",\"status\":200}"

/* the same, with answered_us (when the answer was queued) */
#define UPA(seq, name, s, a, e, commit, sha)                                              \
    "{\"seq\":" #seq ",\"path\":\"/upload-to-stage\",\"key\":\"k\",\"stage\":\"s1\","     \
    "\"file_name\":\"" name "\",\"file_parts\":1,\"start_us\":" #s ",\"answered_us\":" #a \
    ",\"end_us\":" #e ",\"commit_seq\":" #commit ",\"sha256\":\"" sha "\",\"status\":200}"

static void expect_requests_parts_key(void **state)
{
    (void)state;
    struct conf_buf ev;
    conf_buf_init(&ev);
    const char *j =
        UP(1, "a", 0, 10, 1, "x") ","
                                  "{\"seq\":2,\"path\":\"/list-stage-files\",\"key\":null}"
                                  ","
                                  "{\"seq\":3,\"path\":\"/_stagemock/journal\"}";
    assert_int_equal(expect("requests = upload == 1\nrequests = any == 2\n", j, NULL, 0, &ev),
                     CONF_PASS);
    assert_int_equal(expect("requests = upload >= 2\n", j, NULL, 0, &ev), CONF_FAIL);
    assert_non_null(strstr(ev.data, "expected upload requests >= 2, seen 1"));
    conf_buf_cleanup(&ev);
    assert_int_equal(expect("journal = key\n", j, NULL, 0, &ev), CONF_FAIL);
    assert_non_null(strstr(ev.data, "request #2 /list-stage-files with no key"));
    conf_buf_cleanup(&ev);
    const char *two = "{\"seq\":1,\"path\":\"/upload-to-stage\",\"file_parts\":2,\"status\":400}";
    assert_int_equal(expect("journal = one-file-part\n", two, NULL, 0, &ev), CONF_FAIL);
    assert_non_null(strstr(ev.data, "seen request #1 with 2"));
    conf_buf_cleanup(&ev);
}

static void expect_overlap_on_answer_time(void **state)
{
    (void)state;
    struct conf_buf ev;
    conf_buf_init(&ev);
    /* a answered at 0.9999 s and released at 1.0001 s, b sent at 1.0 s: one
     * at a time (the answer, not the release, is what the client waited for) */
    const char *seq =
        UPA(1, "a", 0, 999900, 1000100, 1, "x") "," UPA(2, "b", 1000000, 1999000, 2000000, 2, "y");
    assert_int_equal(expect("journal = no-overlap\n", seq, NULL, 0, &ev), CONF_PASS);
    /* no answered_us (an older journal): the release time decides, with no slack */
    const char *old = UP(1, "a", 0, 1000100, 1, "x") "," UP(2, "b", 1000000, 2000000, 2, "y");
    assert_int_equal(expect("journal = no-overlap\n", old, NULL, 0, &ev), CONF_FAIL);
    conf_buf_cleanup(&ev);
    /* b sent 900 ms before a was answered (nested) */
    const char *par = UP(1, "a", 0, 1500000, 2, "x") "," UP(2, "b", 600000, 1400000, 1, "y");
    assert_int_equal(expect("journal = no-overlap\n", par, NULL, 0, &ev), CONF_FAIL);
    assert_non_null(strstr(ev.data, "#2 (b) sent 900.0 ms before #1 (a) was answered"));
    conf_buf_cleanup(&ev);
    assert_int_equal(expect("journal = names b a\n", par, NULL, 0, &ev), CONF_PASS);
    assert_int_equal(expect("journal = names a b\n", par, NULL, 0, &ev), CONF_FAIL);
    assert_non_null(
        strstr(ev.data, "expected the server to read [\"a\" \"b\"], seen [\"b\" \"a\"]"));
    conf_buf_cleanup(&ev);
}

static void expect_duplicate_and_gap(void **state)
{
    (void)state;
    struct conf_buf ev;
    conf_buf_init(&ev);
    /* stored by #1 (its answer lost), sent again by #2 with the same bytes */
    const char *dup = UP(1, "a", 0, 10, 1, "x") "," UP(2, "a", 20, 30, 0, "x");
    assert_int_equal(expect("journal = no-duplicate\n", dup, NULL, 0, &ev), CONF_FAIL);
    assert_non_null(strstr(ev.data, "'a' stored by #1 and sent again by #2"));
    conf_buf_cleanup(&ev);
    /* a refused first attempt, retried: not a duplicate of a stored file */
    const char *retry = UP(1, "a", 0, 10, 0, "x") "," UP(2, "a", 1000010, 1000020, 1, "x");
    assert_int_equal(
        expect("journal = no-duplicate\njournal = min-gap-ms 900\n", retry, NULL, 0, &ev),
        CONF_PASS);
    const char *quick = UP(1, "a", 0, 10, 0, "x") "," UP(2, "a", 100010, 100020, 1, "x");
    assert_int_equal(expect("journal = min-gap-ms 900\n", quick, NULL, 0, &ev), CONF_FAIL);
    assert_non_null(strstr(ev.data, "expected at least 900 ms between uploads"));
    conf_buf_cleanup(&ev);
}

static void expect_stage_names(void **state)
{
    (void)state;
    struct conf_buf ev;
    conf_buf_init(&ev);
    char n1[] = "a b.parquet", n2[] = "c.parquet";
    char *names[2] = {n1, n2};
    char sha[2][65] = {"", ""};
    struct conf_stage_view v = {.stage = "s1", .names = names, .sha = sha, .n = 2};
    assert_int_equal(expect("stage = s1 \"a b.parquet\" c.parquet\n", "", &v, 1, &ev), CONF_PASS);
    assert_int_equal(expect("stage = s1 c.parquet \"a b.parquet\"\n", "", &v, 1, &ev), CONF_FAIL);
    assert_non_null(strstr(ev.data, "line 9: stage s1: expected [\"c.parquet\" \"a b.parquet\"]"));
    conf_buf_cleanup(&ev);
    assert_int_equal(expect("stage = s2\n", "", &v, 1, &ev), CONF_FAIL);
    assert_non_null(strstr(ev.data, "stage s2: not set up in this case"));
    conf_buf_cleanup(&ev);
    assert_int_equal(expect("lint = clean\n", UP(1, "a", 0, 1, 1, "x"), &v, 1, &ev), CONF_SKIP);
    conf_buf_cleanup(&ev);
}

/* An upload entry carrying these lint codes (a JSON array's insides). */
#define LINTED(seq, codes)                                                            \
    "{\"seq\":" #seq ",\"path\":\"/upload-to-stage\",\"key\":\"k\",\"stage\":\"s1\"," \
    "\"file_parts\":1,\"start_us\":1,\"end_us\":2,\"status\":200,\"lint\":[" codes "]}"

static void expect_lint_names_codes(void **state)
{
    (void)state;
    struct conf_buf ev;
    conf_buf_init(&ev);
    const char *j = LINTED(1, "") "," LINTED(2, "\"chunked\",\"preamble\"");
    assert_int_equal(expect("lint = clean\n", j, NULL, 0, &ev), CONF_FAIL);
    assert_non_null(strstr(ev.data, "line 9: multipart lint on #2: [\"chunked\",\"preamble\"]"));
    conf_buf_cleanup(&ev);
    assert_int_equal(expect("lint = clean chunked\n", j, NULL, 0, &ev), CONF_FAIL);
    conf_buf_cleanup(&ev);
    /* codes the check does not name do not count */
    assert_int_equal(expect("lint = clean bare-lf field-after-file\n", j, NULL, 0, &ev), CONF_PASS);
    assert_int_equal(ev.len, 0);
    conf_buf_cleanup(&ev);
    assert_int_equal(expect("lint = report chunked\n", j, NULL, 0, &ev), CONF_PASS);
    assert_non_null(strstr(ev.data, "multipart lint on #2"));
    conf_buf_cleanup(&ev);
    assert_int_equal(expect("lint = clean\n", LINTED(1, ""), NULL, 0, &ev), CONF_PASS);
    conf_buf_cleanup(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expect_lint_names_codes),
        cmocka_unit_test(step_ok_lines_and_exit),
        cmocka_unit_test(step_implied_checks),
        cmocka_unit_test(step_list_and_json_matchers),
        cmocka_unit_test(expect_requests_parts_key),
        cmocka_unit_test(expect_overlap_on_answer_time),
        cmocka_unit_test(expect_duplicate_and_gap),
        cmocka_unit_test(expect_stage_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
