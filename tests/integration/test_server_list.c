/*
 * test_server_list.c - POST /list-stage-files as a streamed answer: the body
 * is the stage's files in commit order with names escaped, Content-Length is
 * the body's length exactly, a large stage lists whole while uploads go on
 * (the answer holds the files there were when it began, and only those), a
 * reset in the middle of a long answer cuts it short rather than mixing two
 * stages, and a scenario (which may rewrite bodies) still gets the list.
 */
#include "../support/sm_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../support/sm_http.h"
#include "stagemock/scenario.h"

static struct sm_server *start(void)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    return sm_test_server_start(&cfg);
}

static void preload(struct sm_server *srv, const char *name, const uint8_t *pq, size_t len)
{
    struct sm_error e;
    enum sm_code rc = sm_server_preload(srv, "s1", name, pq, len, &e);
    if (rc != SM_OK) {
        fail_msg("preload %s: %s", name, e.message);
    }
}

/* The list as parsed JSON; asserts 200, JSON, and Content-Length == body. */
static cJSON *list(struct sm_server *srv)
{
    struct sm_resp r;
    sm_http_request(sm_server_url(srv), NULL, "/list-stage-files", "k1",
                    "application/x-www-form-urlencoded", "stage_id=s1", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.curl_code, CURLE_OK); /* a short body is a transport error */
    assert_string_equal(r.ctype, "application/json");
    cJSON *j = cJSON_ParseWithLength(r.body, r.len);
    assert_non_null(j);
    sm_resp_cleanup(&r);
    return j;
}

static void names_are_escaped_and_in_order(void **state)
{
    (void)state;
    struct sm_server *srv = start();
    size_t len;
    uint8_t *pq = sm_test_parquet(0, 0, 1, &len);
    static const char *const names[] = {"plain.parquet", "quote\"d.parquet",
                                        "emoji-\xf0\x9f\x98\x80.parquet", "caf\xc3\xa9.parquet",
                                        "z-last.parquet"};
    for (size_t i = 0; i < 5; i++) {
        preload(srv, names[i], pq, len);
    }
    cJSON *j = list(srv);
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(j, "files");
    assert_int_equal(cJSON_GetArraySize(files), 5);
    for (int i = 0; i < 5; i++) {
        const cJSON *f = cJSON_GetArrayItem(files, i);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(f, "name")->valuestring, names[i]);
        assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(f, "file_id")));
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(f, "size");
        assert_true(cJSON_IsNumber(size));
        assert_int_equal((size_t)size->valuedouble, len);
    }
    cJSON_Delete(j);
    free(pq);
    sm_server_free(srv);
}

static void empty_stage_and_profile_field_names(void **state)
{
    (void)state;
    struct sm_server *srv = start();
    cJSON *j = list(srv);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "files")), 0);
    cJSON_Delete(j);
    struct sm_error e;
    const char *profile = "{\"list_files_field\":\"items\",\"list_name_field\":\"n\","
                          "\"list_id_field\":\"id\",\"list_size_field\":\"bytes\"}";
    assert_int_equal(sm_server_load_profile(srv, profile, strlen(profile), &e), SM_OK);
    size_t len;
    uint8_t *pq = sm_test_parquet(0, 0, 1, &len);
    preload(srv, "a.parquet", pq, len);
    j = list(srv);
    const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "items"), 0);
    assert_non_null(f);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(f, "n")->valuestring, "a.parquet");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(f, "id"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(f, "bytes"));
    cJSON_Delete(j);
    free(pq);
    sm_server_free(srv);
}

struct uploader {
    struct sm_server *srv;
    const uint8_t *pq;
    size_t len;
    int done;
};

static void *upload_more(void *arg)
{
    struct uploader *u = arg;
    for (int i = 0; i < 200; i++) {
        char name[64];
        (void)snprintf(name, sizeof name, "late-%03d.parquet", i);
        struct sm_resp r;
        sm_http_upload(sm_server_url(u->srv), "k1", "s1", name, u->pq, u->len, &r);
        sm_resp_cleanup(&r);
    }
    __atomic_store_n(&u->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Many buffers' worth of list while uploads commit: every answer is whole,
 * in order, and a prefix of the stage as it ends up. */
static void large_stage_lists_whole_during_uploads(void **state)
{
    (void)state;
    struct sm_server *srv = start();
    size_t len;
    uint8_t *pq = sm_test_parquet(0, 0, 2, &len);
    char name[1100];
    memset(name, 'x', 1000);
    for (int i = 0; i < 3000; i++) { /* ~3 MB of list: hundreds of 16 KiB buffers */
        (void)snprintf(name + 1000, 100, "-%05d.parquet", i);
        preload(srv, name, pq, len);
    }
    struct uploader u = {srv, pq, len, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, upload_more, &u), 0);
    int lists = 0;
    do {
        cJSON *j = list(srv);
        const cJSON *files = cJSON_GetObjectItemCaseSensitive(j, "files");
        int n = cJSON_GetArraySize(files);
        assert_true(n >= 3000 && n <= 3200);
        for (int i = 0; i < n; i++) {
            const char *got =
                cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(files, i), "name")->valuestring;
            if (i < 3000) {
                (void)snprintf(name + 1000, 100, "-%05d.parquet", i);
                assert_string_equal(got, name);
            } else {
                char late[64];
                (void)snprintf(late, sizeof late, "late-%03d.parquet", i - 3000);
                assert_string_equal(got, late);
            }
        }
        cJSON_Delete(j);
        lists++;
    } while (!__atomic_load_n(&u.done, __ATOMIC_ACQUIRE) && lists < 50);
    pthread_join(t, NULL);
    free(pq);
    sm_server_free(srv);
}

struct slow_reader {
    struct sm_server *srv;
    size_t got;
    CURLcode code;
};

static size_t count_and_pause(char *p, size_t size, size_t n, void *cls)
{
    (void)p;
    struct slow_reader *s = cls;
    __atomic_add_fetch(&s->got, size * n, __ATOMIC_RELAXED); /* the main thread polls it */
    usleep(2000); /* read slowly, so the answer is still going when the reset comes */
    return size * n;
}

static void *read_list_slowly(void *arg)
{
    struct slow_reader *s = arg;
    CURL *c = curl_easy_init();
    char url[256];
    (void)snprintf(url, sizeof url, "%s/list-stage-files", sm_server_url(s->srv));
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Key k1");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "stage_id=s1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_and_pause);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 1024L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    s->code = curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* A reset while a long list is still being read cuts the answer short: the
 * client sees a transport error, never a body that mixes two stages. */
static void reset_mid_answer_cuts_it_short(void **state)
{
    (void)state;
    struct sm_server *srv = start();
    size_t len;
    uint8_t *pq = sm_test_parquet(0, 0, 3, &len);
    char name[1100];
    memset(name, 'y', 1000);
    for (int i = 0; i < 20000; i++) { /* ~21 MB: more than socket buffers hold */
        (void)snprintf(name + 1000, 100, "-%05d.parquet", i);
        preload(srv, name, pq, len);
    }
    struct slow_reader s = {srv, 0, CURLE_OK};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, read_list_slowly, &s), 0);
    for (int i = 0; i < 500 && __atomic_load_n(&s.got, __ATOMIC_RELAXED) == 0; i++) {
        usleep(10000); /* bounded: 5 s for the first bytes */
    }
    sm_server_reset(srv);
    pthread_join(t, NULL);
    assert_true(s.got > 0);
    assert_true(s.got < (size_t)20000 * 1000);
    assert_int_not_equal(s.code, CURLE_OK);
    free(pq);
    sm_server_free(srv);
}

/* With a scenario loaded the list is rendered whole (a rule may rewrite it). */
static void list_with_a_scenario_loaded(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    struct sm_server *srv = sm_test_server_start(&cfg);
    struct sm_error e;
    const char *rule = "download:status=500";
    assert_int_equal(sm_server_add_fault(srv, rule, &e), SM_OK);
    size_t len;
    uint8_t *pq = sm_test_parquet(0, 0, 1, &len);
    preload(srv, "one.parquet", pq, len);
    cJSON *j = list(srv);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "files")), 1);
    cJSON_Delete(j);
    free(pq);
    sm_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_are_escaped_and_in_order),
        cmocka_unit_test(empty_stage_and_profile_field_names),
        cmocka_unit_test(large_stage_lists_whole_during_uploads),
        cmocka_unit_test(reset_mid_answer_cuts_it_short),
        cmocka_unit_test(list_with_a_scenario_loaded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
