/*
 * test_tls.c - HTTPS: a server with a generated certificate answers the
 * reference C client (libstagemock-client with ca_file) over TLS, a file of
 * more than a megabyte round-trips byte-identical (stored bytes are sent from
 * a file descriptor: MHD reads them through the TLS layer), and the CA file
 * is where sm_server_tls_ca says, mode 0644, beside a 0600 key, and gone
 * after sm_server_free. A client that does not trust the CA is refused at the
 * handshake. Given certificate files are checked before start (missing,
 * garbage, a key of another certificate, half a pair) and a pair copied from
 * a generated server is served again under the same CA. A 413 decided from
 * Content-Length reaches the client over TLS; one decided mid-body cannot
 * (the TLS session is MHD's), and the journal says it was not sent.
 */
#include "../support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../support/sm_http.h"
#include "stagemock/client.h"

static struct sm_server *start_tls(uint64_t max_upload)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.tls = true;
    cfg.max_upload = max_upload;
    return sm_test_server_start(&cfg);
}

static struct smc_client *client(struct sm_server *srv, const char *ca)
{
    struct smc_options o;
    smc_options_init(&o);
    o.url = sm_server_url(srv);
    o.key = "k1";
    o.ca_file = ca;
    o.max_retries = 0;
    struct smc_client *c = NULL;
    struct smc_error e;
    assert_int_equal(smc_client_new(&o, &c, &e), SMC_OK);
    return c;
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* dir of a path, in buf */
static void dir_of(const char *path, char *buf, size_t cap)
{
    (void)snprintf(buf, cap, "%s", path);
    char *slash = strrchr(buf, '/');
    assert_non_null(slash);
    *slash = '\0';
}

static void round_trip_over_https(void **state)
{
    (void)state;
    struct sm_server *srv = start_tls(0);
    const char *url = sm_server_url(srv);
    assert_int_equal(strncmp(url, "https://127.0.0.1:", 18), 0);
    /* a copy: the server's string goes with it, and the path is checked
     * again after sm_server_free */
    char ca[4096];
    assert_non_null(sm_server_tls_ca(srv));
    (void)snprintf(ca, sizeof ca, "%s", sm_server_tls_ca(srv));
    assert_int_equal(mode_of(ca), 0644);
    char dir[4096], path[4200];
    dir_of(ca, dir, sizeof dir);
    (void)snprintf(path, sizeof path, "%s/key.pem", dir);
    assert_int_equal(mode_of(path), 0600);
    (void)snprintf(path, sizeof path, "%s/cert.pem", dir);
    assert_int_equal(mode_of(path), 0644);

    size_t len = 0;
    uint8_t *pq = sm_test_parquet_rows(0, 0, 7, 60000, &len);
    assert_true(len > 1024 * 1024); /* over the in-memory size: downloaded from an fd */
    char in[] = "/tmp/sm-tls-in-XXXXXX", out[4200];
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    close(fd);
    write_file(in, pq, len);
    (void)snprintf(out, sizeof out, "%s.out", in);

    struct smc_client *c = client(srv, ca);
    struct smc_error e;
    char *id = NULL;
    assert_int_equal(smc_upload(c, "s1", in, "big.parquet", &id, &e), SMC_OK);
    assert_non_null(id);
    struct smc_file_list list;
    assert_int_equal(smc_list(c, "s1", &list, &e), SMC_OK);
    assert_int_equal(list.n, 1);
    assert_string_equal(list.files[0].name, "big.parquet");
    smc_file_list_cleanup(&list);
    uint64_t got = 0;
    assert_int_equal(smc_download(c, "s1", "big.parquet", out, &got, &e), SMC_OK);
    assert_int_equal(got, len);
    size_t back_len = 0;
    uint8_t *back = sm_test_read_file(out, &back_len);
    assert_non_null(back);
    assert_int_equal(back_len, len);
    assert_memory_equal(back, pq, len);

    char *j = sm_server_journal_json(srv);
    assert_non_null(j);
    assert_non_null(strstr(j, "\"status\":200"));
    sm_free(j);
    smc_free(id);
    free(back);
    smc_client_free(c);
    unlink(out);
    unlink(in);
    free(pq);
    sm_server_free(srv);
    struct stat st;
    assert_int_not_equal(stat(ca, &st), 0); /* removed with the server */
    assert_int_not_equal(stat(dir, &st), 0);
}

static void untrusting_client_is_refused(void **state)
{
    (void)state;
    struct sm_server *srv = start_tls(0);
    struct smc_client *c = client(srv, NULL); /* the system's store: not our CA */
    struct smc_file_list list;
    struct smc_error e;
    assert_int_equal(smc_list(c, "s1", &list, &e), SMC_E_TRANSPORT);
    assert_non_null(strstr(e.message, "certificate"));
    smc_client_free(c);
    /* plain HTTP to the HTTPS port gets no HTTP answer */
    char url[128];
    (void)snprintf(url, sizeof url, "http://%s", sm_server_url(srv) + strlen("https://"));
    struct sm_resp r;
    sm_http_request(url, NULL, "/list-stage-files", "k1", "application/x-www-form-urlencoded",
                    "stage_id=s1", &r);
    assert_true(r.status == 0 || r.status >= 400);
    sm_resp_cleanup(&r);
    /* a CA file that is not there is named before any request */
    struct smc_options o;
    smc_options_init(&o);
    o.url = sm_server_url(srv);
    o.ca_file = "/nonexistent/ca.pem";
    struct smc_client *none = NULL;
    assert_int_equal(smc_client_new(&o, &none, &e), SMC_E_ARG);
    assert_non_null(strstr(e.message, "/nonexistent/ca.pem"));
    sm_server_free(srv);
}

static struct sm_server *new_server(void)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    struct sm_server *srv = NULL;
    struct sm_error e;
    assert_int_equal(sm_server_new(&cfg, &srv, &e), SM_OK);
    return srv;
}

static void copy(const char *from, const char *to)
{
    size_t n = 0;
    uint8_t *b = sm_test_read_file(from, &n);
    assert_non_null(b);
    write_file(to, b, n);
    free(b);
}

static void given_files(void **state)
{
    (void)state;
    struct sm_server *a = start_tls(0), *b = start_tls(0);
    char adir[4096], bdir[4096], cert[4200], key[4200], other_key[4200];
    dir_of(sm_server_tls_ca(a), adir, sizeof adir);
    dir_of(sm_server_tls_ca(b), bdir, sizeof bdir);
    (void)snprintf(cert, sizeof cert, "%s/cert.pem", adir);
    (void)snprintf(key, sizeof key, "%s/key.pem", adir);
    (void)snprintf(other_key, sizeof other_key, "%s/key.pem", bdir);

    struct sm_server *srv = new_server();
    struct sm_error e;
    assert_int_equal(sm_server_use_tls(srv, cert, NULL, &e), SM_E_ARG);
    assert_int_equal(sm_server_use_tls(srv, "/nonexistent.pem", key, &e), SM_E_IO);
    assert_non_null(strstr(e.message, "/nonexistent.pem"));
    assert_int_equal(sm_server_use_tls(srv, sm_test_top_dir(), key, &e), SM_E_ARG); /* a dir */
    assert_int_equal(sm_server_use_tls(srv, "/etc/hostname", key, &e), SM_E_MALFORMED);
    assert_non_null(strstr(e.message, "TLS certificate /etc/hostname: no PEM certificate in it ("));
    assert_int_equal(sm_server_use_tls(srv, cert, cert, &e), SM_E_MALFORMED);
    char want[4300]; /* a certificate given as the key */
    (void)snprintf(want, sizeof want, "TLS key %s: no unencrypted PEM private key in it (", cert);
    assert_non_null(strstr(e.message, want));
    assert_int_equal(sm_server_use_tls(srv, cert, other_key, &e), SM_E_MISMATCH);
    assert_non_null(strstr(e.message, other_key));
    assert_null(sm_server_tls_ca(srv));

    /* A's pair, copied (A's files go with A), served under A's CA */
    char ca_copy[] = "/tmp/sm-tls-ca-XXXXXX", cert_copy[4200], key_copy[4200];
    int fd = mkstemp(ca_copy);
    assert_true(fd >= 0);
    close(fd);
    copy(sm_server_tls_ca(a), ca_copy);
    (void)snprintf(cert_copy, sizeof cert_copy, "%s.cert", ca_copy);
    (void)snprintf(key_copy, sizeof key_copy, "%s.key", ca_copy);
    copy(cert, cert_copy);
    copy(key, key_copy);
    sm_server_free(a);
    sm_server_free(b);
    assert_int_equal(sm_server_use_tls(srv, cert_copy, key_copy, &e), SM_OK);
    assert_null(sm_server_tls_ca(srv)); /* not ours: the caller knows its CA */
    assert_int_equal(sm_server_add_stage(srv, "s1", &e), SM_OK);
    assert_int_equal(sm_server_add_key(srv, "k1", NULL, 0, &e), SM_OK);
    assert_int_equal(sm_server_start(srv, &e), SM_OK);
    assert_int_equal(sm_server_use_tls(srv, NULL, NULL, &e), SM_E_STATE);
    struct smc_client *c = client(srv, ca_copy);
    struct smc_file_list list;
    struct smc_error ce;
    assert_int_equal(smc_list(c, "s1", &list, &ce), SMC_OK);
    smc_file_list_cleanup(&list);
    smc_client_free(c);
    sm_server_free(srv);
    unlink(ca_copy);
    unlink(cert_copy);
    unlink(key_copy);
}

/* curl's mime callback: `left` bytes of 'x', size unknown (chunked) */
static size_t read_x(char *buf, size_t size, size_t n, void *cls)
{
    size_t *left = cls, k = size * n < *left ? size * n : *left;
    memset(buf, 'x', k);
    *left -= k;
    return k;
}

/* POST an upload of `size` bytes of 'x' over HTTPS with libcurl: with
 * Content-Length and `Expect: 100-continue` when sized (the client waits for
 * a go-ahead, so an early answer always reaches it), chunked and without
 * Expect otherwise (only the body tells its size). The status, 0 for none. */
static long post_x(struct sm_server *srv, size_t size, bool sized, CURLcode *cc)
{
    CURL *h = curl_easy_init();
    assert_non_null(h);
    curl_mime *mime = curl_mime_init(h);
    curl_mimepart *p = curl_mime_addpart(mime);
    curl_mime_name(p, "stage_id");
    curl_mime_data(p, "s1", CURL_ZERO_TERMINATED);
    p = curl_mime_addpart(mime);
    curl_mime_name(p, "file");
    curl_mime_filename(p, "x.parquet");
    size_t left = size;
    curl_mime_data_cb(p, sized ? (curl_off_t)size : -1, read_x, NULL, NULL, &left);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Authorization: Key k1");
    hdrs = curl_slist_append(hdrs, sized ? "Expect: 100-continue" : "Expect:");
    char url[256];
    (void)snprintf(url, sizeof url, "%s/upload-to-stage", sm_server_url(srv));
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, sm_server_tls_ca(srv));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 30000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    *cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    curl_mime_free(mime);
    curl_easy_cleanup(h);
    return status;
}

static void limits_over_https(void **state)
{
    (void)state;
    struct sm_server *srv = start_tls(4096);
    /* Content-Length over the limit: answered 413 before the body, over TLS */
    CURLcode cc;
    assert_int_equal(post_x(srv, 512 * 1024, true, &cc), 413);
    assert_int_equal(cc, CURLE_OK);
    /* chunked, so only the body tells: closed mid-body without an answer */
    assert_int_equal(post_x(srv, 512 * 1024, false, &cc), 0);
    assert_int_not_equal(cc, CURLE_OK);

    sm_server_stop(srv); /* every request journaled */
    char *j = sm_server_journal_json(srv);
    assert_non_null(j);
    cJSON *doc = cJSON_Parse(j);
    assert_non_null(doc);
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(doc, "entries");
    bool early = false, cut = false;
    const cJSON *en;
    cJSON_ArrayForEach(en, entries)
    {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(en, "status");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(en, "message");
        if (!cJSON_IsNumber(st) || st->valueint != 413 || !cJSON_IsString(msg)) {
            continue;
        }
        bool not_sent = strstr(msg->valuestring, "not sent: over HTTPS") != NULL;
        early = early || !not_sent;
        cut = cut || not_sent;
    }
    assert_true(early);
    assert_true(cut);
    cJSON_Delete(doc);
    sm_free(j);
    sm_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_over_https),
        cmocka_unit_test(untrusting_client_is_refused),
        cmocka_unit_test(given_files),
        cmocka_unit_test(limits_over_https),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
