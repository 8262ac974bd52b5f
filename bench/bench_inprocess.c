/*
 * bench_inprocess.c - what embedding costs: the median time of one
 * sm_server_new + add stage + add key + start (port 0) + stop + free, over
 * many rounds, in microseconds; and the median time sm_server_free takes
 * while a client holds an idle keep-alive connection (a reused libcurl
 * handle, as requests.Session and Node's fetch do), in milliseconds.
 * Printed as key=value for bench/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <curl/curl.h>

#include "stagemock/server.h"
#include "bench_time.h"

#define ROUNDS      400
#define IDLE_ROUNDS 40

static size_t sink(char *p, size_t size, size_t n, void *cls)
{
    (void)p;
    (void)cls;
    return size * n;
}

/* Median ms of sm_server_free with an idle keep-alive client; < 0 on error. */
static double stop_with_idle_client(void)
{
    static double t[IDLE_ROUNDS];
    struct curl_slist *hdrs = curl_slist_append(NULL, "Authorization: Key k");
    for (int i = 0; i < IDLE_ROUNDS; i++) {
        struct sm_server_config cfg;
        sm_server_config_init(&cfg);
        struct sm_server *srv = NULL;
        struct sm_error e;
        if (sm_server_new(&cfg, &srv, &e) != SM_OK || sm_server_add_stage(srv, "s", &e) != SM_OK ||
            sm_server_add_key(srv, "k", NULL, 0, &e) != SM_OK ||
            sm_server_start(srv, &e) != SM_OK) {
            fprintf(stderr, "bench_inprocess: %s\n", e.message);
            return -1;
        }
        char url[160];
        (void)snprintf(url, sizeof url, "%s/list-stage-files", sm_server_url(srv));
        CURL *h = curl_easy_init();
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "stage_id=s");
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
        long status = 0;
        if (curl_easy_perform(h) != CURLE_OK ||
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200) {
            fprintf(stderr, "bench_inprocess: the list request failed (%ld)\n", status);
            return -1;
        }
        double t0 = bench_now_us();
        sm_server_free(srv); /* the handle still holds its connection */
        t[i] = (bench_now_us() - t0) / 1000.0;
        curl_easy_cleanup(h);
    }
    curl_slist_free_all(hdrs);
    bench_sort(t, IDLE_ROUNDS);
    return t[IDLE_ROUNDS / 2];
}

int main(void)
{
    static double t[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        struct sm_server_config cfg;
        sm_server_config_init(&cfg);
        struct sm_server *srv = NULL;
        struct sm_error e;
        double t0 = bench_now_us();
        if (sm_server_new(&cfg, &srv, &e) != SM_OK || sm_server_add_stage(srv, "s", &e) != SM_OK ||
            sm_server_add_key(srv, "k", NULL, 0, &e) != SM_OK ||
            sm_server_start(srv, &e) != SM_OK) {
            fprintf(stderr, "bench_inprocess: %s\n", e.message);
            return 1;
        }
        sm_server_free(srv);
        t[i] = bench_now_us() - t0;
    }
    bench_sort(t, ROUNDS);
    printf("inprocess_start_stop_us=%.0f\ninprocess_p90_us=%.0f\n", t[ROUNDS / 2],
           t[ROUNDS * 9 / 10]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    double idle = stop_with_idle_client();
    curl_global_cleanup();
    if (idle < 0) {
        return 1;
    }
    printf("inprocess_stop_idle_keepalive_ms=%.2f\n", idle);
    return 0;
}
