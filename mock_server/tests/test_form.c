/*
 * test_form.c - the text fields of download and list bodies (form.c): the
 * JSON body parser, the part tracker uploads share (sm_form_chunk) and the
 * HTML5 filename escapes directly, then each body
 * encoding over loopback against an in-process server (urlencoded,
 * multipart, JSON; repeated, missing, over-long and mistyped fields; an
 * unsupported or absent Content-Type; a JSON body over the 64 KiB cap).
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tests/support/sm_http.h"
#include "../src/internal.h"

static void parse_json_takes_strings_and_counts_arrays(void **state)
{
    (void)state;
    struct sm_form f;
    struct sm_error err;
    memset(&f, 0, sizeof f);
    static const char one[] = "{\"stage_id\":\"s1\",\"file_name\":null,\"other\":1}";
    assert_int_equal(sm_form_parse_json(&f, one, strlen(one), &err), SM_OK);
    assert_string_equal(f.stage_id, "s1");
    assert_int_equal(f.n_stage_id, 1);
    assert_int_equal(f.n_file_name, 0);

    memset(&f, 0, sizeof f);
    static const char two[] = "{\"stage_id\":\"s1\",\"file_name\":[\"a\",\"b\",3]}";
    assert_int_equal(sm_form_parse_json(&f, two, strlen(two), &err), SM_OK);
    assert_int_equal(f.n_file_name, 2); /* the caller refuses several files */
    assert_string_equal(f.file_name, "a");
}

static void parse_json_refuses_what_is_not_a_string(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "[]",
        "{",
        "{\"stage_id\":5}",
        "{\"file_name\":[]}",
        "{\"stage_id\":[1,\"s\"]}",
        "{\"file_name\":{\"a\":1}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sm_form f;
        struct sm_error err;
        memset(&f, 0, sizeof f);
        if (sm_form_parse_json(&f, bad[i], strlen(bad[i]), &err) == SM_OK) {
            fail_msg("JSON body %s was accepted", bad[i]);
        }
        assert_int_equal(err.http_status, 400);
        assert_int_equal(err.rule, SM_RULE_ONE_FILE);
    }
}

/* sm_form_chunk, as MHD's PostProcessor calls it for uploads and for
 * downloads: which part a call is about, when a part begins, the fields. */
static void chunks_tell_parts_apart_and_count_fields(void **state)
{
    (void)state;
    struct sm_form f;
    bool np = false;
    memset(&f, 0, sizeof f);
    /* one stage_id in three calls, the first at offset 0 with no bytes */
    assert_int_equal(sm_form_chunk(&f, true, "stage_id", NULL, "", 0, 0, &np),
                     SM_FORM_PART_STAGE_ID);
    assert_true(np);
    (void)sm_form_chunk(&f, true, "stage_id", NULL, "s", 0, 1, &np);
    assert_false(np);
    (void)sm_form_chunk(&f, true, "stage_id", NULL, "1", 1, 1, &np);
    assert_false(np);
    assert_string_equal(f.stage_id, "s1");
    assert_int_equal(f.n_stage_id, 1);
    /* in an upload a part with a filename is the file, whatever its name,
     * and file_name is just another field */
    assert_int_equal(sm_form_chunk(&f, true, "stage_id", "a.parquet", "PAR1", 0, 4, &np),
                     SM_FORM_PART_FILE);
    assert_true(np);
    assert_int_equal(sm_form_chunk(&f, true, "file_name", NULL, "x", 0, 1, &np),
                     SM_FORM_PART_OTHER);
    assert_int_equal(f.n_file_name, 0);
    /* stage_id again: a second occurrence, the first one kept */
    (void)sm_form_chunk(&f, true, "stage_id", NULL, "s2", 0, 2, &np);
    assert_true(np);
    assert_int_equal(f.n_stage_id, 2);
    assert_string_equal(f.stage_id, "s1");

    /* downloads: file_name is a field, a filename makes no file part */
    memset(&f, 0, sizeof f);
    assert_int_equal(sm_form_chunk(&f, false, "file_name", "x.bin", "a", 0, 1, &np),
                     SM_FORM_PART_FILE_NAME);
    assert_string_equal(f.file_name, "a");
    /* an empty occurrence, another field, the same field again: two */
    (void)sm_form_chunk(&f, false, "stage_id", NULL, "", 0, 0, &np);
    assert_int_equal(sm_form_chunk(&f, false, "pad", NULL, "z", 0, 1, &np), SM_FORM_PART_OTHER);
    (void)sm_form_chunk(&f, false, "stage_id", NULL, "s", 0, 1, &np);
    assert_true(np);
    assert_int_equal(f.n_stage_id, 2);

    /* a field of SM_FIELD_MAX bytes or more is flagged, not cut */
    memset(&f, 0, sizeof f);
    static char big[SM_FIELD_MAX];
    memset(big, 's', sizeof big);
    (void)sm_form_chunk(&f, true, "stage_id", NULL, big, 0, SM_FIELD_MAX - 1, &np);
    assert_false(f.field_too_long);
    (void)sm_form_chunk(&f, true, "stage_id", NULL, big, SM_FIELD_MAX - 1, 1, &np);
    assert_true(f.field_too_long);
}

static void decode_filename_turns_html5_escapes_back(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a%22b", "a\"b"},   {"x%0Dy%0dz", "x\ry\rz"}, {"x%0Ay%0az", "x\ny\nz"},
        {"%41%2", "%41%2"}, /* other escapes and a cut one stay as they are */
        {"end%22", "end\""}, {"end%2", "end%2"},       {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        size_t len = strlen(cases[i].in);
        memcpy(buf, cases[i].in, len + 1);
        size_t n = sm_form_decode_filename(buf, len);
        assert_int_equal(n, strlen(cases[i].out));
        assert_memory_equal(buf, cases[i].out, n);
    }
}

/* --- over loopback --------------------------------------------------- */

struct body_case {
    const char *path;
    const char *ctype; /* NULL: libcurl's default for a POST body (urlencoded) */
    const char *body;
    long status;
    const char *rule;    /* X-Stagemock-Rule of an error, or NULL */
    const char *in_body; /* the answer's body contains this */
};

static const struct body_case body_cases[] = {
    {"/list-stage-files", "application/x-www-form-urlencoded", "stage_id=s1", 200, NULL,
     "\"files\":[{\"name\":\"a.parquet\""},
    {"/list-stage-files", "application/json", "{\"stage_id\":\"s1\"}", 200, NULL, "a.parquet"},
    {"/list-stage-files", "multipart/form-data; boundary=XyZ",
     "--XyZ\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\ns1\r\n--XyZ--\r\n", 200,
     NULL, "a.parquet"},
    {"/list-stage-files", "application/x-www-form-urlencoded", "stage_id=s1&stage_id=s2", 400,
     "order", "2 stage_id fields"},
    {"/list-stage-files", "application/x-www-form-urlencoded", "other=1", 400, "order",
     "missing field 'stage_id'"},
    {"/list-stage-files", "text/plain", "stage_id=s1", 400, "order", "unsupported Content-Type"},
    {"/list-stage-files", NULL, "", 400, "order",
     "missing field 'stage_id'"}, /* curl: urlencoded */
    {"/list-stage-files", "application/json", "", 400, "one-file-per-request", "not a JSON"},
    {"/download-from-stage", "application/x-www-form-urlencoded", "stage_id=s1&file_name=a.parquet",
     200, NULL, NULL},
    {"/download-from-stage", "application/json",
     "{\"stage_id\":\"s1\",\"file_name\":[\"a.parquet\",\"b\"]}", 400, "one-file-per-request",
     "2 file names"},
    {"/download-from-stage", "application/json", "{\"stage_id\":\"s1\",\"file_name\":7}", 400,
     "one-file-per-request", "'file_name' must be a string"},
    {"/download-from-stage", "application/x-www-form-urlencoded", "stage_id=s1", 400,
     "one-file-per-request", "missing field 'file_name'"},
    {"/download-from-stage", "text/csv", "stage_id=s1", 400, "one-file-per-request",
     "and file_name"},
};

static void bodies_in_every_encoding_are_judged(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 3, &len);
    struct sm_error err;
    assert_int_equal(sm_server_preload(srv, "s1", "a.parquet", pq, len, &err), SM_OK);
    for (size_t i = 0; i < sizeof body_cases / sizeof body_cases[0]; i++) {
        const struct body_case *c = &body_cases[i];
        struct sm_resp r;
        sm_http_request(sm_server_url(srv), NULL, c->path, "k1", c->ctype, c->body, &r);
        bool ok = r.status == c->status && (c->rule == NULL || strcmp(r.rule, c->rule) == 0) &&
                  (c->in_body == NULL || (r.body != NULL && strstr(r.body, c->in_body) != NULL));
        if (!ok) {
            fail_msg("%s %s '%s': %ld rule '%s' %s (want %ld %s '%s')", c->path,
                     c->ctype ? c->ctype : "-", c->body, r.status, r.rule, r.body ? r.body : "",
                     c->status, c->rule ? c->rule : "-", c->in_body ? c->in_body : "");
        }
        if (c->status == 200 && c->in_body == NULL) {
            assert_int_equal(r.len, len); /* a download: the stored bytes */
            assert_memory_equal(r.body, pq, len);
        }
        sm_resp_cleanup(&r);
    }
    free(pq);
    sm_server_free(srv);
}

static void long_and_oversized_bodies_are_refused(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    size_t n = 70 * 1024;
    char *body = malloc(n + 64);
    assert_non_null(body);
    /* a field over 2 KiB */
    int h = snprintf(body, 64, "stage_id=");
    memset(body + h, 's', 3000);
    body[h + 3000] = '\0';
    struct sm_resp r;
    sm_http_request(sm_server_url(srv), NULL, "/list-stage-files", "k1",
                    "application/x-www-form-urlencoded", body, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "a field is longer than"));
    sm_resp_cleanup(&r);
    /* a JSON body over 64 KiB */
    h = snprintf(body, 64, "{\"stage_id\":\"s1\",\"pad\":\"");
    memset(body + h, 'x', n);
    memcpy(body + h + n, "\"}", 3);
    sm_http_request(sm_server_url(srv), NULL, "/list-stage-files", "k1", "application/json", body,
                    &r);
    assert_int_equal(r.status, 413);
    assert_string_equal(r.rule, "error-json");
    sm_resp_cleanup(&r);
    free(body);
    sm_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_json_takes_strings_and_counts_arrays),
        cmocka_unit_test(parse_json_refuses_what_is_not_a_string),
        cmocka_unit_test(chunks_tell_parts_apart_and_count_fields),
        cmocka_unit_test(decode_filename_turns_html5_escapes_back),
        cmocka_unit_test(bodies_in_every_encoding_are_judged),
        cmocka_unit_test(long_and_oversized_bodies_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
