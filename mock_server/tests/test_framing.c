/*
 * test_framing.c - multipart lint (framing.c): the record and the lint codes
 * of hand-written bodies, each fed whole and split at every byte (the
 * record must not depend on where the chunks break), one case per code that
 * raises it and a clean body that raises none; parts past the recorded ones,
 * the compact form, the code table; then through the server, an upload's
 * journal entry carrying "framing" and "lint".
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../common/sm_json.h"
#include "../../common/sm_lint.h"
#include "../../tests/support/sm_http.h"
#include "../src/framing.h"

#define CT "multipart/form-data; boundary=XyZ"

/* The curl-shaped body the reference clients send, with these pieces
 * swapped in (NULL: the default). */
static char *body_of(const char *stage_part, const char *file_head, const char *tail)
{
    static const char def_stage[] =
        "--XyZ\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\ns1\r\n";
    static const char def_head[] = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                                   "filename=\"a.parquet\"\r\nContent-Type: "
                                   "application/octet-stream\r\n\r\n";
    static const char content[] = "PAR1\r\n--XyZY\n--Xy\r\n-- XyZ\rPAR1";
    static const char def_tail[] = "\r\n--XyZ--\r\n";
    size_t n = strlen(stage_part ? stage_part : def_stage) +
               strlen(file_head ? file_head : def_head) + sizeof content +
               strlen(tail ? tail : def_tail) + 1;
    char *b = malloc(n);
    assert_non_null(b);
    (void)snprintf(b, n, "%s%s%s%s", stage_part ? stage_part : def_stage,
                   file_head ? file_head : def_head, content, tail ? tail : def_tail);
    return b;
}

/* The record's JSON ({"framing", "lint"}) for body fed in chunks of step
 * bytes (0: whole), each chunk in its own guarded buffer. */
static char *scan_json(const struct sm_framing_head *h, const char *body, size_t len, size_t step,
                       bool complete)
{
    struct sm_framing_scan *s = sm_framing_scan_new(h);
    assert_non_null(s);
    size_t k = step == 0 ? (len > 0 ? len : 1) : step;
    for (size_t off = 0; off < len; off += k) {
        size_t n = len - off < k ? len - off : k;
        struct sm_guard *g = sm_guard_new(body + off, n);
        sm_framing_scan_feed(s, (const char *)g->data, n);
        sm_guard_free(g);
    }
    struct sm_framing *f = sm_framing_scan_end(s, complete);
    assert_non_null(f);
    cJSON *o = cJSON_CreateObject();
    sm_framing_to_json(f, o);
    sm_framing_free(f);
    char *t = sm_json_print(o);
    cJSON_Delete(o);
    return t;
}

/* Scan body whole and at every split; all must agree. Returns the JSON. */
static cJSON *scan_all(const char *ctype, const char *extra_te, const char *expect,
                       const char *body, bool complete)
{
    struct sm_framing_head h = {.content_type = ctype,
                                .transfer_encoding = extra_te,
                                .content_length = extra_te ? NULL : "1",
                                .expect = expect};
    size_t len = strlen(body);
    char *whole = scan_json(&h, body, len, 0, complete);
    for (size_t step = 1; step < len && step < 64; step++) {
        char *t = scan_json(&h, body, len, step, complete);
        if (strcmp(t, whole) != 0) {
            fail_msg("chunks of %zu bytes give\n%s\nwhole gives\n%s", step, t, whole);
        }
        free(t);
    }
    cJSON *o = cJSON_Parse(whole);
    free(whole);
    assert_non_null(o);
    return o;
}

/* The lint codes as one space-separated string. */
static void lint_of(const cJSON *o, char *out, size_t size)
{
    out[0] = '\0';
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "lint");
    assert_true(cJSON_IsArray(l));
    const cJSON *c;
    cJSON_ArrayForEach(c, l)
    {
        size_t n = strlen(out);
        (void)snprintf(out + n, size - n, "%s%s", n ? " " : "", c->valuestring);
    }
}

static void expect_lint(const char *ctype, const char *te, const char *expect, const char *body,
                        bool complete, const char *want)
{
    cJSON *o = scan_all(ctype, te, expect, body, complete);
    char got[512];
    lint_of(o, got, sizeof got);
    if (strcmp(got, want) != 0) {
        char *t = cJSON_Print(o);
        fail_msg("lint: want \"%s\", got \"%s\" in\n%s", want, got, t);
    }
    cJSON_Delete(o);
}

static const cJSON *fr(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "framing"), k);
}

static const cJSON *part(const cJSON *o, int i, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(fr(o, "parts"), i), k);
}

static void a_clean_body_is_recorded_and_raises_nothing(void **state)
{
    (void)state;
    char *b = body_of(NULL, NULL, NULL);
    cJSON *o = scan_all(CT, NULL, NULL, b, true);
    char got[256];
    lint_of(o, got, sizeof got);
    assert_string_equal(got, "");
    assert_true(cJSON_IsTrue(fr(o, "multipart")));
    assert_string_equal(fr(o, "boundary")->valuestring, "XyZ");
    assert_string_equal(fr(o, "length")->valuestring, "content-length");
    assert_string_equal(fr(o, "line_endings")->valuestring, "crlf");
    assert_true(cJSON_IsTrue(fr(o, "closed")));
    assert_int_equal(fr(o, "preamble")->valueint, 0);
    assert_int_equal(fr(o, "epilogue")->valueint, 0);
    assert_int_equal(fr(o, "parts_total")->valueint, 2);
    assert_string_equal(part(o, 0, "name")->valuestring, "stage_id");
    assert_true(cJSON_IsNull(part(o, 0, "filename")));
    assert_int_equal(part(o, 0, "size")->valueint, 2);
    assert_string_equal(part(o, 1, "name")->valuestring, "file");
    assert_string_equal(part(o, 1, "filename")->valuestring, "a.parquet");
    assert_string_equal(part(o, 1, "content_type")->valuestring, "application/octet-stream");
    /* the content's look-alike lines ("--XyZY", "--Xy", "-- XyZ") are content */
    assert_int_equal(part(o, 1, "size")->valueint, 30); /* the content's 30 bytes */
    const cJSON *hs = part(o, 1, "headers");
    assert_int_equal(cJSON_GetArraySize(hs), 2);
    assert_string_equal(cJSON_GetArrayItem(hs, 0)->valuestring, "Content-Disposition");
    assert_string_equal(cJSON_GetArrayItem(hs, 1)->valuestring, "Content-Type");
    cJSON_Delete(o);
    free(b);
}

static void line_endings_and_delimiters(void **state)
{
    (void)state;
    /* bare LF in the framing (the LF inside the content is not framing) */
    expect_lint(CT, NULL, NULL,
                "--XyZ\nContent-Disposition: form-data; name=\"stage_id\"\n\ns1\n--XyZ\r\n"
                "Content-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n"
                "Content-Type: x/y\r\n\r\nPAR1\nPAR1\r\n--XyZ--\r\n",
                true, "bare-lf");
    char *b = body_of(NULL, NULL, "\r\n");
    expect_lint(CT, NULL, NULL, b, true, "no-close-delimiter");
    expect_lint(CT, NULL, NULL, b, false, ""); /* the body was cut short: not the client's */
    free(b);
    b = body_of(NULL, NULL, "\r\n--XyZ--"); /* no line end after it: still closed */
    expect_lint(CT, NULL, NULL, b, true, "");
    free(b);
    b = body_of(NULL, NULL, "\r\n--XyZ--\r\nbye\r\n");
    expect_lint(CT, NULL, NULL, b, true, "epilogue");
    free(b);
    char pre[1024];
    char *plain = body_of(NULL, NULL, NULL);
    (void)snprintf(pre, sizeof pre, "hello\r\n%s", plain);
    expect_lint(CT, NULL, NULL, pre, true, "preamble");
    (void)snprintf(pre, sizeof pre, "\r\n%s", plain); /* a CRLF alone belongs to the delimiter */
    expect_lint(CT, NULL, NULL, pre, true, "");
    free(plain);
}

static void boundaries(void **state)
{
    (void)state;
    char ct[256], body[1024];
    char longb[72];
    memset(longb, 'b', 71);
    longb[71] = '\0';
    (void)snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s", longb);
    (void)snprintf(
        body, sizeof body,
        "--%s\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\ns1\r\n--%s--\r\n", longb,
        longb);
    expect_lint(ct, NULL, NULL, body, true, "boundary-syntax");
    longb[70] = '\0'; /* 70 is allowed */
    (void)snprintf(ct, sizeof ct, "multipart/form-data; boundary=\"%s\"", longb);
    (void)snprintf(
        body, sizeof body,
        "--%s\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\ns1\r\n--%s--\r\n", longb,
        longb);
    expect_lint(ct, NULL, NULL, body, true, "");
    expect_lint("multipart/form-data; boundary=a@b", NULL, NULL,
                "--a@b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--a@b--\r\n", true,
                "boundary-syntax");
    expect_lint("multipart/form-data", NULL, NULL, "whatever", true, "boundary-syntax");
    /* not multipart: nothing to lint (upload.c refuses the shape) */
    cJSON *o = scan_all("application/json", NULL, NULL, "{}", true);
    assert_true(cJSON_IsFalse(fr(o, "multipart")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "lint")), 0);
    cJSON_Delete(o);
}

static void request_headers(void **state)
{
    (void)state;
    char *b = body_of(NULL, NULL, NULL);
    expect_lint(CT, "chunked", NULL, b, true, "chunked");
    expect_lint(CT, "gzip, Chunked", NULL, b, true, "chunked");
    expect_lint(CT, "identity", NULL, b, true, "");
    expect_lint(CT, NULL, " 100-Continue", b, true, "expect-100");
    cJSON *o = scan_all(CT, "chunked", NULL, b, true);
    assert_string_equal(fr(o, "length")->valuestring, "chunked");
    cJSON_Delete(o);
    free(b);
}

static void part_order_and_headers(void **state)
{
    (void)state;
    /* the file first, stage_id after it */
    char head[512];
    (void)snprintf(head, sizeof head,
                   "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n"
                   "Content-Type: x/y\r\n\r\nPAR1\r\n");
    char *b =
        body_of(head, "--XyZ\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\n", NULL);
    expect_lint(CT, NULL, NULL, b, true, "field-after-file");
    free(b);
    /* two file parts are not a field after the file */
    b = body_of(NULL, head, NULL);
    expect_lint(CT, NULL, NULL, b, true, "");
    free(b);
    b = body_of(NULL,
                "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n",
                NULL);
    expect_lint(CT, NULL, NULL, b, true, "no-content-type");
    free(b);
    b = body_of(NULL,
                "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n"
                "Content-Type: x/y\r\nContent-Transfer-Encoding: binary\r\n\r\n",
                NULL);
    expect_lint(CT, NULL, NULL, b, true, "extra-part-header");
    free(b);
    b = body_of(NULL,
                "--XyZ\r\nContent-Disposition: form-data;\r\n name=\"file\"; filename=\"a\"\r\n"
                "Content-Type: x/y\r\n\r\n",
                NULL);
    expect_lint(CT, NULL, NULL, b, true, "folded-header");
    cJSON *o = scan_all(CT, NULL, NULL, b, true);
    assert_string_equal(part(o, 1, "filename")->valuestring, "a"); /* parsed across the fold */
    cJSON_Delete(o);
    free(b);
    b = body_of(NULL,
                "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n"
                "Content-Type : x/y\r\n\r\n",
                NULL);
    expect_lint(CT, NULL, NULL, b, true, "header-syntax no-content-type");
    free(b);
}

static void names_and_escapes(void **state)
{
    (void)state;
    char *b = body_of(NULL,
                      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                      "filename=\"q\"uote.parquet\"\r\nContent-Type: x/y\r\n\r\n",
                      NULL);
    expect_lint(CT, NULL, NULL, b, true, "header-syntax"); /* a raw quote ends the name early */
    cJSON *o = scan_all(CT, NULL, NULL, b, true);
    assert_string_equal(part(o, 1, "filename")->valuestring, "q");
    cJSON_Delete(o);
    free(b);
    b = body_of(NULL,
                "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                "filename=\"q\\\"uote.parquet\"\r\nContent-Type: x/y\r\n\r\n",
                NULL);
    expect_lint(CT, NULL, NULL, b, true, "backslash-escape");
    free(b);
    b = body_of(NULL,
                "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                "filename=\"q%22uote.parquet\"\r\nContent-Type: x/y\r\n\r\n",
                NULL);
    expect_lint(CT, NULL, NULL, b, true, ""); /* what browsers, curl and urllib3 write */
    free(b);
    b = body_of(NULL,
                "--XyZ\r\nContent-Disposition: form-data; name=file; filename=a.parquet\r\n"
                "Content-Type: x/y\r\n\r\n",
                NULL);
    expect_lint(CT, NULL, NULL, b, true, "unquoted-param");
    o = scan_all(CT, NULL, NULL, b, true);
    assert_string_equal(part(o, 1, "filename")->valuestring, "a.parquet");
    assert_true(cJSON_IsFalse(part(o, 1, "filename_quoted")));
    cJSON_Delete(o);
    free(b);
    b = body_of(NULL,
                "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"; "
                "filename*=UTF-8''%C3%A9.parquet\r\nContent-Type: x/y\r\n\r\n",
                NULL);
    expect_lint(CT, NULL, NULL, b, true, "filename-star");
    o = scan_all(CT, NULL, NULL, b, true);
    assert_string_equal(part(o, 1, "filename_star")->valuestring, "UTF-8''%C3%A9.parquet");
    cJSON_Delete(o);
    free(b);
    b = body_of(NULL,
                "--XyZ\r\nContent-Disposition: attachment; name=\"file\"; filename=\"a\"\r\n"
                "Content-Type: x/y\r\n\r\n",
                NULL);
    expect_lint(CT, NULL, NULL, b, true, "header-syntax");
    free(b);
}

static void many_parts_are_counted_and_linted_past_the_recorded(void **state)
{
    (void)state;
    char body[4096] = "";
    for (int i = 0; i < 10; i++) {
        size_t n = strlen(body);
        (void)snprintf(body + n, sizeof body - n,
                       "--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"%s\r\n\r\nv%d\r\n", i,
                       i == 8 ? "; filename=\"x\"\r\nContent-Type: a/b" : "", i);
    }
    size_t used = strlen(body); /* the file is part 9, a field part 10: past the 8 recorded */
    (void)snprintf(body + used, sizeof body - used, "--XyZ--\r\n");
    cJSON *o = scan_all(CT, NULL, NULL, body, true);
    assert_int_equal(fr(o, "parts_total")->valueint, 10);
    assert_int_equal(cJSON_GetArraySize(fr(o, "parts")), 8);
    assert_string_equal(part(o, 7, "name")->valuestring, "f7");
    char got[256];
    lint_of(o, got, sizeof got);
    assert_string_equal(got, "field-after-file");
    cJSON_Delete(o);
}

static void compact_keeps_the_lint_only(void **state)
{
    (void)state;
    struct sm_framing_head h = {.content_type = CT, .transfer_encoding = "chunked"};
    struct sm_framing_scan *s = sm_framing_scan_new(&h);
    char *b = body_of(NULL, NULL, NULL);
    sm_framing_scan_feed(s, b, strlen(b));
    free(b);
    struct sm_framing *f = sm_framing_scan_end(s, true);
    assert_int_equal(sm_framing_lint(f), 1u << SM_LINT_CHUNKED);
    sm_framing_compact(&f);
    assert_int_equal(sm_framing_lint(f), 1u << SM_LINT_CHUNKED);
    cJSON *o = cJSON_CreateObject();
    sm_framing_to_json(f, o);
    sm_framing_free(f);
    assert_int_equal(cJSON_GetArraySize(fr(o, "parts")), 0);
    assert_true(cJSON_IsNull(fr(o, "boundary")));
    assert_true(cJSON_IsTrue(fr(o, "truncated")));
    assert_string_equal(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "lint"), 0)->valuestring, "chunked");
    cJSON_Delete(o);
    sm_framing_scan_feed(NULL, "x", 1); /* no scanner (out of memory): nothing happens */
    assert_null(sm_framing_scan_end(NULL, true));
}

static void every_code_has_a_name_found_again(void **state)
{
    (void)state;
    for (unsigned i = 0; i < SM_LINT_COUNT; i++) {
        const char *n = sm_lint_name((enum sm_lint)i);
        assert_string_not_equal(n, "?");
        assert_int_equal(sm_lint_find(n), i);
    }
    assert_int_equal(sm_lint_find("bare-LF"), SM_LINT_COUNT);
    assert_string_equal(sm_lint_name(SM_LINT_COUNT), "?");
}

/* The last journal entry of srv, parsed. */
static cJSON *last_entry(struct sm_server *srv)
{
    char *j = sm_server_journal_json(srv);
    cJSON *doc = cJSON_Parse(j);
    sm_free(j);
    assert_non_null(doc);
    cJSON *es = cJSON_GetObjectItemCaseSensitive(doc, "entries");
    cJSON *e = cJSON_DetachItemFromArray(es, cJSON_GetArraySize(es) - 1);
    cJSON_Delete(doc);
    return e;
}

static void the_journal_carries_each_uploads_framing(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    struct sm_server *srv = sm_test_server_start(&cfg);
    size_t len = 0;
    uint8_t *pq = sm_test_parquet(0, 0, 1, &len);
    struct sm_resp r = {0};
    sm_http_upload(sm_server_url(srv), "k1", "s1", "a.parquet", pq, len, &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    free(pq);
    cJSON *e = last_entry(srv);
    char got[256];
    lint_of(e, got, sizeof got);
    assert_string_equal(got, "");
    assert_true(cJSON_IsTrue(fr(e, "complete")));
    assert_int_equal(part(e, 1, "size")->valuedouble, (double)len);
    cJSON_Delete(e);

    /* by hand: LF framing and the file first; refused or not, it is journaled */
    sm_http_request(sm_server_url(srv), NULL, "/upload-to-stage", "k1",
                    "multipart/form-data; boundary=QQ",
                    "--QQ\nContent-Disposition: form-data; name=\"file\"; filename=\"b.parquet\"\n"
                    "Content-Type: application/octet-stream\n\nnot parquet\n--QQ\n"
                    "Content-Disposition: form-data; name=\"stage_id\"\n\ns1\n--QQ--\n",
                    &r);
    assert_int_equal(r.status, 400);
    sm_resp_cleanup(&r);
    e = last_entry(srv);
    lint_of(e, got, sizeof got);
    assert_string_equal(got, "bare-lf field-after-file");
    cJSON_Delete(e);

    /* a download has no framing */
    sm_http_request(sm_server_url(srv), NULL, "/list-stage-files", "k1",
                    "application/x-www-form-urlencoded", "stage_id=s1", &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    e = last_entry(srv);
    assert_null(cJSON_GetObjectItemCaseSensitive(e, "framing"));
    assert_null(cJSON_GetObjectItemCaseSensitive(e, "lint"));
    cJSON_Delete(e);
    sm_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_clean_body_is_recorded_and_raises_nothing),
        cmocka_unit_test(line_endings_and_delimiters),
        cmocka_unit_test(boundaries),
        cmocka_unit_test(request_headers),
        cmocka_unit_test(part_order_and_headers),
        cmocka_unit_test(names_and_escapes),
        cmocka_unit_test(many_parts_are_counted_and_linted_past_the_recorded),
        cmocka_unit_test(compact_keeps_the_lint_only),
        cmocka_unit_test(every_code_has_a_name_found_again),
        cmocka_unit_test(the_journal_carries_each_uploads_framing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
