/*
 * test_hostile_journal.c - the journal stays bounded against a hostile
 * client (issue 13, item 3), over 127.0.0.1 with one reused libcurl handle:
 * 3000 GETs of a 30 KB path without a key (answered 414: the request head is
 * over its 16 KiB limit, but journaled) cost a bounded journal (compact
 * entries, the ring drops the oldest and counts them), the ring keeps the
 * newest entries in order, a long wrong key is cut on a UTF-8 character
 * boundary with a marker, and sm_server_journal_count still counts every
 * request. RSS before and after the flood is printed (informational; the
 * assertion is on the journal's size, which is what the ring bounds).
 */
#include "../support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../../common/sm_json.h"
#include "../support/sm_http.h"
#include "stagemock/server.h"

#define LONG_PATH 30000
#define FLOOD     3000

static size_t sink(char *p, size_t size, size_t n, void *cls)
{
    (void)p;
    (void)cls;
    return size * n;
}

/* GET url n times on one connection; every status must be want. */
static void get_many(const char *url, int n, const char *auth, long want)
{
    CURL *c = curl_easy_init();
    assert_non_null(c);
    struct curl_slist *h = auth ? curl_slist_append(NULL, auth) : NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    for (int i = 0; i < n; i++) {
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        assert_int_equal(status, want);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return kib;
}

static char *long_url(const struct sm_server *srv)
{
    size_t base = strlen(sm_server_url(srv));
    char *u = malloc(base + LONG_PATH + 2);
    assert_non_null(u);
    memcpy(u, sm_server_url(srv), base);
    u[base] = '/';
    memset(u + base + 1, 'x', LONG_PATH);
    u[base + 1 + LONG_PATH] = '\0';
    return u;
}

static struct sm_server *start(size_t journal_max)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.journal_max = journal_max;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    return srv;
}

/* The journal parsed exactly; its "dropped" and its entries. */
static cJSON *journal(struct sm_server *srv, size_t *text_len, uint64_t *dropped)
{
    char *text = sm_server_journal_json(srv);
    assert_non_null(text);
    *text_len = strlen(text);
    assert_true(sm_utf8_valid(text, *text_len));
    cJSON *j = sm_json_parse(text, *text_len);
    sm_free(text);
    assert_non_null(j);
    assert_true(sm_json_get_u64(cJSON_GetObjectItemCaseSensitive(j, "dropped"), dropped));
    return j;
}

static void flood_without_key_is_bounded(void **state)
{
    (void)state;
    struct sm_server *srv = start(1000);
    char *u = long_url(srv);
    long before = rss_kib();
    get_many(u, FLOOD, NULL, 414);
    long after = rss_kib();
    size_t len;
    uint64_t dropped;
    cJSON *j = journal(srv, &len, &dropped);
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(j, "entries");
    assert_int_equal(cJSON_GetArraySize(entries), 1000);
    assert_int_equal(dropped, FLOOD - 1000);
    assert_int_equal(sm_server_journal_count(srv), FLOOD);
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(e, "path");
        assert_true(cJSON_IsString(path));
        assert_true(strlen(path->valuestring) <= 128); /* compact: no key */
        assert_non_null(strstr(path->valuestring, "\xe2\x80\xa6"));
    }
    /* 1000 entries of at most ~1 KB each; the URLs alone were 30 MB */
    fprintf(stderr, "journal JSON %zu bytes for %d x %d-byte URLs; RSS %ld -> %ld KiB\n", len,
            FLOOD, LONG_PATH, before, after);
    assert_true(len < 1000u * 1024u);
    cJSON_Delete(j);
    free(u);
    sm_server_free(srv);
}

static void flood_default_ring_keeps_compact_entries(void **state)
{
    (void)state;
    struct sm_server *srv = start(0); /* default: 10000, so all 3000 are kept */
    char *u = long_url(srv);
    get_many(u, FLOOD, NULL, 414);
    size_t len;
    uint64_t dropped;
    cJSON *j = journal(srv, &len, &dropped);
    assert_int_equal(dropped, 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "entries")), FLOOD);
    assert_true(len < (size_t)FLOOD * 1024u);
    cJSON_Delete(j);
    free(u);
    sm_server_free(srv);
}

static void ring_keeps_the_newest_in_order(void **state)
{
    (void)state;
    struct sm_server *srv = start(5);
    char url[160];
    (void)snprintf(url, sizeof url, "%s/nowhere", sm_server_url(srv));
    get_many(url, 12, NULL, 404);
    size_t len;
    uint64_t dropped;
    cJSON *j = journal(srv, &len, &dropped);
    assert_int_equal(dropped, 7);
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(j, "entries");
    assert_int_equal(cJSON_GetArraySize(entries), 5);
    uint64_t want = 8;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        uint64_t seq = 0;
        assert_true(sm_json_get_u64(cJSON_GetObjectItemCaseSensitive(e, "seq"), &seq));
        assert_int_equal(seq, want++);
    }
    cJSON_Delete(j);
    sm_server_reset(srv);
    j = journal(srv, &len, &dropped);
    assert_int_equal(dropped, 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "entries")), 0);
    cJSON_Delete(j);
    sm_server_free(srv);
}

static void long_wrong_key_is_cut_on_a_character_boundary(void **state)
{
    (void)state;
    struct sm_server *srv = start(0);
    char auth[1024] = "Authorization: Key ";
    size_t o = strlen(auth);
    for (int i = 0; i < 100; i++) { /* 'é' x 100: 200 bytes, a key's size */
        auth[o++] = '\xc3';
        auth[o++] = '\xa9';
    }
    auth[o] = '\0';
    char url[160];
    (void)snprintf(url, sizeof url, "%s/list-stage-files", sm_server_url(srv));
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, auth);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "stage_id=s1");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 401);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    size_t len;
    uint64_t dropped;
    cJSON *j = journal(srv, &len, &dropped);
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "entries"), 0);
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(e, "key");
    assert_true(cJSON_IsString(key));
    size_t klen = strlen(key->valuestring);
    assert_true(klen <= 64);
    assert_true(sm_utf8_valid(key->valuestring, klen));
    assert_string_equal(key->valuestring + klen - 3, "\xe2\x80\xa6");
    assert_int_equal((klen - 3) % 2, 0); /* whole 'é's only */
    cJSON_Delete(j);
    sm_server_free(srv);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flood_without_key_is_bounded),
        cmocka_unit_test(flood_default_ring_keeps_compact_entries),
        cmocka_unit_test(ring_keeps_the_newest_in_order),
        cmocka_unit_test(long_wrong_key_is_cut_on_a_character_boundary),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
