/*
 * test_server_stage.c - the stage as a sequence, under load and trouble:
 * 32 concurrent uploaders into one stage end in one clean sequence that
 * matches the journal's commit order; an upload cut off mid-body leaves no
 * trace; names with spaces, quotes, +, %, &, = and non-ASCII round-trip; a
 * data dir survives a restart byte for byte; one file's bytes uploaded under
 * several names are stored once, and every digest (journal, listing) is
 * still the digest of the bytes; the shared corpus's stage sequence and
 * whole manifest replay with the expected verdicts.
 */
#include "../support/sm_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../../common/sm_sha256.h"
#include "../support/test_access.h" /* which stored copy a file has */
#include "../support/sm_http.h"
#include "stagemock/server.h"

#define UPLOADERS 32

struct uploader {
    const char *url;
    int index;
    long status;
};

static void *upload_one(void *cls)
{
    struct uploader *u = cls;
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, (unsigned)u->index, &len);
    char name[32];
    (void)snprintf(name, sizeof name, "part-%02d.parquet", u->index);
    struct sm_resp r;
    sm_http_upload(u->url, "k1", "s1", name, pq, len, &r);
    u->status = r.status;
    sm_resp_cleanup(&r);
    free(pq);
    return NULL;
}

static void concurrent_uploads_form_one_clean_sequence(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    pthread_t th[UPLOADERS];
    struct uploader u[UPLOADERS];
    for (int i = 0; i < UPLOADERS; i++) {
        u[i] = (struct uploader){sm_server_url(srv), i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, upload_one, &u[i]), 0);
    }
    for (int i = 0; i < UPLOADERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(u[i].status, 200);
    }
    struct sm_file_list list;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(srv, "s1", &list, &e), SM_OK);
    assert_int_equal(list.n, UPLOADERS);
    bool seen[UPLOADERS] = {false};
    for (size_t i = 0; i < list.n; i++) {
        int idx = atoi(list.files[i].name + 5); /* banned-ok: test parses its own names */
        assert_false(seen[idx]);
        seen[idx] = true;
        assert_int_equal(list.files[i].commit_seq, i + 1); /* stage order is commit order */
    }
    /* the journal's commit order is the stage's order */
    char *text = sm_server_journal_json(srv);
    cJSON *j = cJSON_Parse(text);
    size_t k = 0;
    const cJSON *ent;
    cJSON_ArrayForEach(ent, cJSON_GetObjectItemCaseSensitive(j, "entries"))
    {
        size_t c = (size_t)cJSON_GetObjectItemCaseSensitive(ent, "commit_seq")->valuedouble;
        if (c != 0) {
            const char *name = cJSON_GetObjectItemCaseSensitive(ent, "file_name")->valuestring;
            assert_true(c <= list.n);
            assert_string_equal(list.files[c - 1].name, name);
            k++;
        }
    }
    assert_int_equal(k, UPLOADERS);
    cJSON_Delete(j);
    sm_free(text);
    sm_file_list_cleanup(&list);
    sm_server_free(srv);
}

static void aborted_upload_leaves_no_trace(void **state)
{
    (void)state;
    /* MHD 0.9.75 notices a peer that vanished mid-body at the idle timeout */
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.timeout_s = 1;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(sm_server_port(srv))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    const char head[] = "POST /upload-to-stage HTTP/1.1\r\nHost: x\r\nAuthorization: Key k1\r\n"
                        "Content-Type: multipart/form-data; boundary=BB\r\n"
                        "Content-Length: 100000\r\n\r\n"
                        "--BB\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\ns1\r\n"
                        "--BB\r\nContent-Disposition: form-data; name=\"file\"; "
                        "filename=\"cut.parquet\"\r\n\r\nPAR1 and then the client vanishes";
    assert_int_equal(write(fd, head, sizeof head - 1), (ssize_t)(sizeof head - 1));
    close(fd);
    /* the completion callback journals the aborted request; wait for it (bounded) */
    for (int i = 0; i < 500 && sm_server_journal_count(srv) == 0; i++) {
        usleep(10000);
    }
    assert_int_equal(sm_server_journal_count(srv), 1);
    struct sm_file_list list;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(srv, "s1", &list, &e), SM_OK);
    assert_int_equal(list.n, 0);
    sm_file_list_cleanup(&list);
    /* and the stage still takes the next upload as its first file */
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 1, &len);
    struct sm_resp r;
    sm_http_upload(sm_server_url(srv), "k1", "s1", "cut.parquet", pq, len, &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    free(pq);
    sm_server_free(srv);
}

static void awkward_names_round_trip(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    static const char *const names[] = {
        "with space.parquet", "quote\"d.parquet", "plus+sign.parquet",    "per%25cent.parquet",
        "and&amp.parquet",    "eq=ual.parquet",   "ünïcødé-日本.parquet",
    };
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 7, &len);
    CURL *c = curl_easy_init();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct sm_resp r;
        sm_http_upload(sm_server_url(srv), "k1", "s1", names[i], pq, len, &r);
        assert_int_equal(r.status, 200);
        sm_resp_cleanup(&r);
        char *esc = curl_easy_escape(c, names[i], 0);
        char body[512];
        (void)snprintf(body, sizeof body, "stage_id=s1&file_name=%s", esc);
        curl_free(esc);
        sm_http_request(sm_server_url(srv), NULL, "/download-from-stage", "k1", NULL, body, &r);
        if (r.status != 200) {
            fprintf(stderr, "%s: %ld %s\n", names[i], r.status, r.body);
        }
        assert_int_equal(r.status, 200);
        assert_int_equal(r.len, len);
        sm_resp_cleanup(&r);
    }
    curl_easy_cleanup(c);
    struct sm_file_list list;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(srv, "s1", &list, &e), SM_OK);
    assert_int_equal(list.n, sizeof names / sizeof names[0]);
    for (size_t i = 0; i < list.n; i++) {
        assert_string_equal(list.files[i].name, names[i]);
    }
    sm_file_list_cleanup(&list);
    free(pq);
    sm_server_free(srv);
}

/* Upload to s1 with key k1 and expect status (and rule, unless NULL). */
static void upload_expect(struct sm_server *srv, const char *name, const void *data, size_t len,
                          long status, const char *rule)
{
    struct sm_resp r;
    sm_http_upload(sm_server_url(srv), "k1", "s1", name, data, len, &r);
    assert_int_equal(r.status, status);
    if (rule != NULL) {
        assert_string_equal(r.rule, rule);
    }
    sm_resp_cleanup(&r);
}

static const cJSON *journal_entry(const cJSON *journal, size_t i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(journal, "entries"), (int)i);
}

static const char *entry_str(const cJSON *entry, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, key);
    return cJSON_IsString(v) ? v->valuestring : "(null)";
}

/* One file's bytes uploaded under several names, beside other bytes and a
 * refused upload: the fixture of the four cases below, each checking one
 * place the bytes show (the stored copies, the journal, the listing, the
 * downloads). */
enum { PAY_X, PAY_Y, PAY_JUNK, N_PAY };

struct payload {
    uint8_t *data;
    size_t len;
    char sha[65];
};

static const struct {
    const char *name;
    int pay; /* PAY_* */
    long status;
} equal_uploads[] = {{"a.parquet", PAY_X, 200},    {"b.parquet", PAY_X, 200},
                     {"c.parquet", PAY_Y, 200},    {"a.parquet", PAY_X, 409},
                     {"d.parquet", PAY_JUNK, 400}, {"e.parquet", PAY_X, 200}};
#define N_EQUAL_UPLOADS (sizeof equal_uploads / sizeof equal_uploads[0])

/* The stored files in listing order and the payload each holds. */
static const struct {
    const char *name;
    int pay;
} equal_stored[] = {
    {"a.parquet", PAY_X}, {"b.parquet", PAY_X}, {"c.parquet", PAY_Y}, {"e.parquet", PAY_X}};

struct equal_fixture {
    struct sm_server *srv;
    struct payload pay[N_PAY];
};

static int equal_setup(void **state)
{
    struct equal_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->srv = sm_test_server_start(NULL);
    assert_non_null(f->srv);
    f->pay[PAY_X].data = sm_test_parquet(1, 0, 21, &f->pay[PAY_X].len);
    f->pay[PAY_Y].data =
        sm_test_parquet(1, 0, 22, &f->pay[PAY_Y].len); /* same schema, other rows */
    static const char junk[] = "not parquet at all";
    f->pay[PAY_JUNK].len = sizeof junk - 1;
    f->pay[PAY_JUNK].data = malloc(f->pay[PAY_JUNK].len);
    assert_non_null(f->pay[PAY_JUNK].data);
    memcpy(f->pay[PAY_JUNK].data, junk, f->pay[PAY_JUNK].len);
    assert_false(f->pay[PAY_X].len == f->pay[PAY_Y].len &&
                 memcmp(f->pay[PAY_X].data, f->pay[PAY_Y].data, f->pay[PAY_X].len) == 0);
    for (int i = 0; i < N_PAY; i++) {
        smx_sha256_buf(f->pay[i].data, f->pay[i].len, f->pay[i].sha);
    }
    for (size_t i = 0; i < N_EQUAL_UPLOADS; i++) {
        const struct payload *p = &f->pay[equal_uploads[i].pay];
        upload_expect(f->srv, equal_uploads[i].name, p->data, p->len, equal_uploads[i].status,
                      NULL);
    }
    *state = f;
    return 0;
}

static int equal_teardown(void **state)
{
    struct equal_fixture *f = *state;
    for (int i = 0; i < N_PAY; i++) {
        free(f->pay[i].data);
    }
    sm_server_free(f->srv);
    free(f);
    return 0;
}

/* a, b and e share x's one stored copy; c has its own; refused d none */
static void equal_bytes_share_one_stored_copy(void **state)
{
    struct equal_fixture *f = *state;
    const void *copy_a = sm_test_access_copy(f->srv, "s1", "a.parquet");
    assert_non_null(copy_a);
    assert_ptr_equal(sm_test_access_copy(f->srv, "s1", "b.parquet"), copy_a);
    assert_ptr_equal(sm_test_access_copy(f->srv, "s1", "e.parquet"), copy_a);
    const void *copy_c = sm_test_access_copy(f->srv, "s1", "c.parquet");
    assert_non_null(copy_c);
    assert_ptr_not_equal(copy_c, copy_a);
    assert_null(sm_test_access_copy(f->srv, "s1", "d.parquet"));
}

/* every journal entry's digest is its bytes' own, refused uploads too */
static void shared_copies_keep_their_journal_digests(void **state)
{
    struct equal_fixture *f = *state;
    char *text = sm_server_journal_json(f->srv);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    /* (entries are in completion order, which may differ from request order) */
    for (size_t i = 0; i < N_EQUAL_UPLOADS; i++) {
        const cJSON *entry = NULL;
        for (size_t k = 0; (entry = journal_entry(j, k)) != NULL; k++) {
            const cJSON *status = cJSON_GetObjectItemCaseSensitive(entry, "status");
            if (strcmp(entry_str(entry, "file_name"), equal_uploads[i].name) == 0 &&
                (long)status->valuedouble == equal_uploads[i].status) {
                break;
            }
        }
        assert_non_null(entry);
        assert_string_equal(entry_str(entry, "sha256"), f->pay[equal_uploads[i].pay].sha);
    }
    cJSON_Delete(j);
}

static void shared_copies_keep_their_listing_digests(void **state)
{
    struct equal_fixture *f = *state;
    struct sm_file_list list;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(f->srv, "s1", &list, &e), SM_OK);
    assert_int_equal(list.n, sizeof equal_stored / sizeof equal_stored[0]);
    for (size_t i = 0; i < list.n; i++) {
        assert_string_equal(list.files[i].name, equal_stored[i].name);
        assert_string_equal(list.files[i].sha256, f->pay[equal_stored[i].pay].sha);
    }
    sm_file_list_cleanup(&list);
}

static void shared_copies_download_as_each_names_bytes(void **state)
{
    struct equal_fixture *f = *state;
    for (size_t i = 0; i < sizeof equal_stored / sizeof equal_stored[0]; i++) {
        char body[128];
        (void)snprintf(body, sizeof body, "stage_id=s1&file_name=%s", equal_stored[i].name);
        struct sm_resp r;
        sm_http_request(sm_server_url(f->srv), NULL, "/download-from-stage", "k1", NULL, body, &r);
        assert_int_equal(r.status, 200);
        const struct payload *want = &f->pay[equal_stored[i].pay];
        assert_int_equal(r.len, want->len);
        assert_memory_equal(r.body, want->data, r.len);
        sm_resp_cleanup(&r);
    }
}

/* Thousands of files: the name and content indexes grow many times over and
 * still find every file, refuse every taken name, and share equal bytes. */
static void many_files_stay_findable(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    enum { N = 3000, KINDS = 7 };
    uint8_t *pq[KINDS];
    size_t len[KINDS];
    for (int k = 0; k < KINDS; k++) {
        pq[k] = sm_test_parquet(1, 0, 100 + (unsigned)k, &len[k]);
    }
    struct sm_error e;
    char name[64];
    for (int i = 0; i < N; i++) {
        (void)snprintf(name, sizeof name, "f-%d.parquet", i);
        assert_int_equal(sm_server_preload(srv, "s1", name, pq[i % KINDS], len[i % KINDS], &e),
                         SM_OK);
    }
    for (int i = 0; i < N; i += 97) {
        (void)snprintf(name, sizeof name, "f-%d.parquet", i);
        assert_int_equal(sm_server_preload(srv, "s1", name, pq[0], len[0], &e), SM_E_CONFLICT);
    }
    struct sm_file_list list;
    assert_int_equal(sm_server_get_files(srv, "s1", &list, &e), SM_OK);
    assert_int_equal(list.n, N);
    sm_file_list_cleanup(&list);
    const void *copies[KINDS];
    for (int k = 0; k < KINDS; k++) {
        (void)snprintf(name, sizeof name, "f-%d.parquet", k);
        copies[k] = sm_test_access_copy(srv, "s1", name);
        assert_non_null(copies[k]);
    }
    for (int i = 0; i < N; i++) {
        (void)snprintf(name, sizeof name, "f-%d.parquet", i);
        /* found by name, sharing its kind's one copy */
        assert_ptr_equal(sm_test_access_copy(srv, "s1", name), copies[i % KINDS]);
    }
    assert_null(sm_test_access_copy(srv, "s1", "f-3000.parquet"));
    for (int k = 0; k < KINDS; k++) {
        free(pq[k]);
    }
    sm_server_free(srv);
}

/* Equal bytes keep their verdict only under the same validation: after the
 * profile stops accepting SNAPPY, the very bytes it stored before are
 * refused (also when a file stored under the new profile sits beside them:
 * each file keeps the validation it passed), and after a reset they set the
 * fresh stage's schema again. */
static void a_kept_verdict_follows_the_profile(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 31, &len); /* codec 1: SNAPPY */
    upload_expect(srv, "one.parquet", pq, len, 200, NULL);
    upload_expect(srv, "two.parquet", pq, len, 200, NULL);
    static const char profile[] = "{\"codecs\": [\"UNCOMPRESSED\"]}";
    struct sm_error e;
    assert_int_equal(sm_server_load_profile(srv, profile, sizeof profile - 1, &e), SM_OK);
    /* a file stored under this profile: the stage now keeps two validations,
     * and each stored file must still point at the one it passed */
    size_t plain_len;
    uint8_t *plain = sm_test_parquet(0, 0, 31, &plain_len);
    upload_expect(srv, "plain.parquet", plain, plain_len, 200, NULL);
    upload_expect(srv, "three.parquet", pq, len, 400, "codec");
    upload_expect(srv, "plain-again.parquet", plain, plain_len, 200, NULL);
    free(plain);
    static const char back[] = "{\"codecs\": [\"UNCOMPRESSED\", \"SNAPPY\"]}";
    assert_int_equal(sm_server_load_profile(srv, back, sizeof back - 1, &e), SM_OK);
    sm_server_reset(srv);
    upload_expect(srv, "four.parquet", pq, len, 200, NULL);
    size_t other_len; /* a different schema is still refused: the stage has one again */
    uint8_t *other = sm_test_parquet(1, 1, 31, &other_len);
    upload_expect(srv, "five.parquet", other, other_len, 400, "same-schema");
    free(other);
    free(pq);
    sm_server_free(srv);
}

static void data_dir_survives_restart(void **state)
{
    (void)state;
    char dir[] = "/tmp/sm-datadir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.data_dir = dir;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    size_t len_a, len_b;
    uint8_t *a = sm_test_parquet(1, 0, 1, &len_a);
    uint8_t *b = sm_test_parquet(1, 0, 2, &len_b);
    struct sm_resp r;
    sm_http_upload(sm_server_url(srv), "k1", "s1", "a.parquet", a, len_a, &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    sm_http_upload(sm_server_url(srv), "k1", "s1", "b.parquet", b, len_b, &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    sm_server_free(srv);
    srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    sm_http_request(sm_server_url(srv), NULL, "/download-from-stage", "k1", NULL,
                    "stage_id=s1&file_name=b.parquet", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, len_b);
    assert_memory_equal(r.body, b, len_b);
    sm_resp_cleanup(&r);
    /* the schema came back too: a different one is still refused */
    size_t len_c;
    uint8_t *c = sm_test_parquet(1, 2, 3, &len_c);
    sm_http_upload(sm_server_url(srv), "k1", "s1", "c.parquet", c, len_c, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.rule, "same-schema");
    sm_resp_cleanup(&r);
    struct sm_file_list list;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(srv, "s1", &list, &e), SM_OK);
    assert_int_equal(list.n, 2);
    assert_string_equal(list.files[0].name, "a.parquet");
    sm_file_list_cleanup(&list);
    sm_server_free(srv);
    free(a);
    free(b);
    free(c);
    char cmd[128];
    (void)snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static uint8_t *corpus_file(const char *dir, const char *file, size_t *len)
{
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/%s", dir, file);
    return sm_test_read_file(path, len);
}

static const char *expect_rule(const char *reason)
{
    if (strncmp(reason, "unsupported-codec:", 18) == 0) {
        return "codec";
    }
    if (strcmp(reason, "schema-mismatch") == 0) {
        return "same-schema";
    }
    if (strcmp(reason, "duplicate-name") == 0) {
        return "unique-names";
    }
    return "parquet-only";
}

static void corpus_stage_sequence_replays(void **state)
{
    (void)state;
    const char *dir = sm_test_corpus_dir();
    if (dir == NULL) {
        skip();
    }
    struct sm_server *srv = sm_test_server_start(NULL);
    size_t len;
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/stage_sequence.json", dir);
    uint8_t *text = sm_test_read_file(path, &len);
    cJSON *seq = cJSON_ParseWithLength((const char *)text, len);
    free(text);
    int steps = 0, accepted = 0;
    const cJSON *step;
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(seq, "steps"))
    {
        const char *file = cJSON_GetObjectItemCaseSensitive(step, "file")->valuestring;
        const char *expected = cJSON_GetObjectItemCaseSensitive(step, "expected")->valuestring;
        const char *reason = cJSON_GetObjectItemCaseSensitive(step, "reason")->valuestring;
        uint8_t *data = corpus_file(dir, file, &len);
        assert_non_null(data);
        const char *name = strrchr(file, '/') + 1;
        struct sm_resp r;
        sm_http_upload(sm_server_url(srv), "k1", "s1", name, data, len, &r);
        if (strcmp(expected, "accept") == 0) {
            assert_int_equal(r.status, 200);
            accepted++;
        } else {
            if (strcmp(r.rule, expect_rule(reason)) != 0) {
                fprintf(stderr, "step %s: want %s, got %ld %s %s\n", file, reason, r.status, r.rule,
                        r.body);
            }
            assert_string_equal(r.rule, expect_rule(reason));
            assert_int_equal(r.status, strcmp(reason, "duplicate-name") == 0 ? 409 : 400);
        }
        sm_resp_cleanup(&r);
        free(data);
        steps++;
    }
    cJSON_Delete(seq);
    struct sm_file_list list;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(srv, "s1", &list, &e), SM_OK);
    assert_int_equal((int)list.n, accepted);
    assert_string_equal(list.files[0].name, "stage_a_01.snappy.parquet");
    sm_file_list_cleanup(&list);
    assert_int_equal(steps, 14);
    sm_server_free(srv);
}

static void corpus_manifest_uploads_match_verdicts(void **state)
{
    (void)state;
    const char *dir = sm_test_corpus_dir();
    if (dir == NULL) {
        skip();
    }
    struct sm_server *srv = sm_test_server_start(NULL);
    size_t len;
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/manifest.json", dir);
    uint8_t *text = sm_test_read_file(path, &len);
    cJSON *man = cJSON_ParseWithLength((const char *)text, len);
    free(text);
    int n = 0, bad = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, man)
    {
        const char *file = cJSON_GetObjectItemCaseSensitive(m, "file")->valuestring;
        const cJSON *ed = cJSON_GetObjectItemCaseSensitive(m, "expected_deep");
        const char *expected =
            ed ? ed->valuestring : cJSON_GetObjectItemCaseSensitive(m, "expected")->valuestring;
        const char *reason = ed ? cJSON_GetObjectItemCaseSensitive(m, "reason_deep")->valuestring
                                : cJSON_GetObjectItemCaseSensitive(m, "reason")->valuestring;
        if (strcmp(reason, "schema-mismatch") == 0) {
            expected = "accept"; /* first file of a fresh stage */
        }
        char stage[32];
        (void)snprintf(stage, sizeof stage, "fresh-%d", n);
        struct sm_error e;
        assert_int_equal(sm_server_add_stage(srv, stage, &e), SM_OK);
        uint8_t *data = corpus_file(dir, file, &len);
        assert_non_null(data);
        struct sm_resp r;
        sm_http_upload(sm_server_url(srv), "k1", stage, "f.parquet", data, len, &r);
        bool ok = strcmp(expected, "accept") == 0
                      ? r.status == 200
                      : r.status == 400 && strcmp(r.rule, expect_rule(reason)) == 0;
        if (!ok) {
            fprintf(stderr, "%s: want %s %s, got %ld %s %s\n", file, expected, reason, r.status,
                    r.rule, r.body);
            bad++;
        }
        sm_resp_cleanup(&r);
        free(data);
        n++;
    }
    cJSON_Delete(man);
    assert_int_equal(n, 135);
    assert_int_equal(bad, 0);
    sm_server_free(srv);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrent_uploads_form_one_clean_sequence),
        cmocka_unit_test(aborted_upload_leaves_no_trace),
        cmocka_unit_test(awkward_names_round_trip),
        cmocka_unit_test_setup_teardown(equal_bytes_share_one_stored_copy, equal_setup,
                                        equal_teardown),
        cmocka_unit_test_setup_teardown(shared_copies_keep_their_journal_digests, equal_setup,
                                        equal_teardown),
        cmocka_unit_test_setup_teardown(shared_copies_keep_their_listing_digests, equal_setup,
                                        equal_teardown),
        cmocka_unit_test_setup_teardown(shared_copies_download_as_each_names_bytes, equal_setup,
                                        equal_teardown),
        cmocka_unit_test(many_files_stay_findable),
        cmocka_unit_test(a_kept_verdict_follows_the_profile),
        cmocka_unit_test(data_dir_survives_restart),
        cmocka_unit_test(corpus_stage_sequence_replays),
        cmocka_unit_test(corpus_manifest_uploads_match_verdicts),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
