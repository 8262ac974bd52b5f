/*
 * test_download.c - what a download answers (download.c): the stored bytes
 * exactly, or their base64 text under the profile's download_encoding, for a
 * file held in memory and for one read back from a data dir (served from its
 * file descriptor); a name the stage lacks is a 404 naming both. The base64
 * reference is OpenSSL's EVP_EncodeBlock, an encoder that is not ours.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../../tests/support/sm_http.h"
#include "stagemock/server.h"

static void download(struct sm_server *srv, const char *name, struct sm_resp *r)
{
    char body[128];
    (void)snprintf(body, sizeof body, "stage_id=s1&file_name=%s", name);
    sm_http_request(sm_server_url(srv), NULL, "/download-from-stage", "k1",
                    "application/x-www-form-urlencoded", body, r);
}

/* Raw, then base64 (checked against OpenSSL's encoder), then a missing name. */
static void check_downloads(struct sm_server *srv, const uint8_t *pq, size_t len)
{
    struct sm_resp r;
    download(srv, "a.parquet", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, len);
    assert_memory_equal(r.body, pq, len);
    sm_resp_cleanup(&r);

    static const char b64[] = "{\"download_encoding\":\"base64\"}";
    struct sm_error err;
    assert_int_equal(sm_server_load_profile(srv, b64, strlen(b64), &err), SM_OK);
    char *want = malloc(4 * ((len + 2) / 3) + 1);
    assert_non_null(want);
    int n = EVP_EncodeBlock((unsigned char *)want, pq, (int)len);
    download(srv, "a.parquet", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "text/plain");
    assert_int_equal(r.len, (size_t)n);
    assert_memory_equal(r.body, want, (size_t)n);
    sm_resp_cleanup(&r);
    free(want);

    download(srv, "nope.parquet", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.rule, "bytes");
    assert_non_null(strstr(r.body, "stage 's1' has no file 'nope.parquet'"));
    sm_resp_cleanup(&r);
}

static void download_from_memory_raw_and_base64(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, 11, &len);
    struct sm_error err;
    assert_int_equal(sm_server_preload(srv, "s1", "a.parquet", pq, len, &err), SM_OK);
    check_downloads(srv, pq, len);
    free(pq);
    sm_server_free(srv);
}

static void download_from_a_data_dir_raw_and_base64(void **state)
{
    (void)state;
    char dir[] = "/tmp/sm-dl-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.data_dir = dir;
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 2, 12, &len);
    struct sm_server *srv = sm_test_server_start(&cfg);
    struct sm_error err;
    assert_int_equal(sm_server_preload(srv, "s1", "a.parquet", pq, len, &err), SM_OK);
    sm_server_free(srv);
    srv = sm_test_server_start(&cfg); /* the file comes back from disk */
    check_downloads(srv, pq, len);
    sm_server_free(srv);
    free(pq);
    char cmd[64];
    (void)snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(download_from_memory_raw_and_base64),
        cmocka_unit_test(download_from_a_data_dir_raw_and_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
