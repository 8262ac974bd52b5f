/*
 * bench_scale.c - what a stage's size costs: one in-process server, one
 * stage, filled to SMALL files and measured, then to LARGE files and measured
 * again, so each figure is a growth ratio from one run.
 *
 *   bench_scale FILE.parquet [LARGE]     (LARGE defaults to 1000000)
 *
 * At each size: the median and p99 latency of 2000 sequential uploads over
 * one keep-alive connection (libcurl, fresh names; the stage is back at its
 * size before the list is taken), the time to the list's first byte and to
 * its last, and the server's RSS. Between the sizes the stage is filled with
 * sm_server_preload (the upload path minus HTTP: name checks, the equal-bytes
 * lookup, commit), all with the same bytes, which the stage stores once; so
 * RSS growth per file is what a stage keeps per file beyond its bytes:
 * the entry, the name, the indexes. Names are 24 bytes.
 * Output: key=value lines for bench/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "../common/sm_file.h"
#include "bench_time.h"
#include "stagemock/server.h"

#define SMALL  1000u
#define PROBES 2000u

static double rss_mib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kib = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtod(line + 6, NULL);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return kib / 1024.0;
}

static size_t discard(char *p, size_t size, size_t n, void *cls)
{
    (void)p;
    (void)cls;
    return size * n;
}

struct probe {
    CURL *c;
    struct curl_slist *hdr;
    const char *url;
    const void *data;
    size_t len;
};

/* PROBES uploads with fresh names; median and p99 in µs. */
static int upload_latency(struct probe *p, unsigned round, double *p50, double *p99)
{
    static double t[PROBES];
    char upload_url[256];
    (void)snprintf(upload_url, sizeof upload_url, "%s/upload-to-stage", p->url);
    for (unsigned i = 0; i < PROBES; i++) {
        char name[64];
        (void)snprintf(name, sizeof name, "probe-%u-%06u.parquet", round, i);
        curl_mime *m = curl_mime_init(p->c);
        curl_mimepart *part = curl_mime_addpart(m);
        curl_mime_name(part, "stage_id");
        curl_mime_data(part, "s", CURL_ZERO_TERMINATED);
        part = curl_mime_addpart(m);
        curl_mime_name(part, "file");
        curl_mime_filename(part, name);
        curl_mime_data(part, p->data, p->len);
        curl_easy_setopt(p->c, CURLOPT_URL, upload_url);
        curl_easy_setopt(p->c, CURLOPT_MIMEPOST, m);
        double t0 = bench_now_us();
        CURLcode rc = curl_easy_perform(p->c);
        t[i] = bench_now_us() - t0;
        long status = 0;
        curl_easy_getinfo(p->c, CURLINFO_RESPONSE_CODE, &status);
        curl_mime_free(m);
        if (rc != CURLE_OK || status != 200) {
            fprintf(stderr, "bench_scale: upload %s: %s, status %ld\n", name,
                    curl_easy_strerror(rc), status);
            return -1;
        }
    }
    bench_sort(t, PROBES);
    *p50 = t[PROBES / 2];
    *p99 = t[PROBES * 99 / 100];
    return 0;
}

/* The list of stage s: seconds to the first byte and to the last, bytes. */
static int list_time(struct probe *p, double *first, double *total, double *bytes)
{
    char url[256];
    (void)snprintf(url, sizeof url, "%s/list-stage-files", p->url);
    curl_easy_setopt(p->c, CURLOPT_MIMEPOST, NULL);
    curl_easy_setopt(p->c, CURLOPT_URL, url);
    curl_easy_setopt(p->c, CURLOPT_POSTFIELDS, "stage_id=s");
    CURLcode rc = curl_easy_perform(p->c);
    curl_easy_setopt(p->c, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(p->c, CURLOPT_HTTPGET, 0L);
    long status = 0;
    curl_easy_getinfo(p->c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(p->c, CURLINFO_STARTTRANSFER_TIME, first);
    curl_easy_getinfo(p->c, CURLINFO_TOTAL_TIME, total);
    curl_off_t n = 0;
    curl_easy_getinfo(p->c, CURLINFO_SIZE_DOWNLOAD_T, &n);
    *bytes = (double)n;
    return rc == CURLE_OK && status == 200 ? 0 : -1;
}

static int fill(struct sm_server *srv, unsigned from, unsigned to, const void *data, size_t len)
{
    for (unsigned i = from; i < to; i++) {
        char name[32];
        (void)snprintf(name, sizeof name, "file-%011u.parquet", i); /* 24 bytes */
        struct sm_error e;
        if (sm_server_preload(srv, "s", name, data, len, &e) != SM_OK) {
            fprintf(stderr, "bench_scale: preload %s: %s\n", name, e.message);
            return -1;
        }
    }
    return 0;
}

/* Measure at the stage's present size; prefix names the keys. */
static int measure(struct probe *p, const char *prefix, unsigned round)
{
    double p50, p99, first, total, bytes;
    if (upload_latency(p, round, &p50, &p99) != 0 || list_time(p, &first, &total, &bytes) != 0) {
        return -1;
    }
    printf("%s_upload_p50_us=%.0f\n%s_upload_p99_us=%.0f\n", prefix, p50, prefix, p99);
    printf("%s_list_first_ms=%.2f\n%s_list_total_ms=%.1f\n%s_list_mb=%.1f\n", prefix, first * 1e3,
           prefix, total * 1e3, prefix, bytes / 1e6);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_scale FILE.parquet [LARGE]\n");
        return 2;
    }
    unsigned large = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1000000u;
    size_t len = 0;
    unsigned char *data = smx_file_read(argv[1], (size_t)1 << 20, &len, NULL);
    if (data == NULL || len == 0 || large <= SMALL) {
        fprintf(stderr, "bench_scale: cannot read %s (or LARGE <= %u)\n", argv[1], SMALL);
        return 2;
    }
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    struct sm_server *srv = NULL;
    struct sm_error e;
    if (sm_server_new(&cfg, &srv, &e) != SM_OK || sm_server_add_stage(srv, "s", &e) != SM_OK ||
        sm_server_add_key(srv, "k", NULL, 0, &e) != SM_OK || sm_server_start(srv, &e) != SM_OK) {
        fprintf(stderr, "bench_scale: %s\n", e.message);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct probe p = {.c = curl_easy_init(), .url = sm_server_url(srv), .data = data, .len = len};
    p.hdr = curl_slist_append(NULL, "Authorization: Key k");
    curl_easy_setopt(p.c, CURLOPT_HTTPHEADER, p.hdr);
    curl_easy_setopt(p.c, CURLOPT_WRITEFUNCTION, discard);

    int rc = fill(srv, 0, SMALL, data, len);
    double rss_small = rss_mib();
    rc = rc != 0 ? rc : measure(&p, "small", 0);
    double t0 = bench_now_us();
    rc = rc != 0 ? rc : fill(srv, SMALL, large, data, len);
    double fill_s = (bench_now_us() - t0) / 1e6;
    double rss_large = rss_mib();
    rc = rc != 0 ? rc : measure(&p, "large", 1);
    if (rc == 0) {
        printf("small_files=%u\nlarge_files=%u\nfill_s=%.1f\n", SMALL, large, fill_s);
        printf("rss_small_mib=%.1f\nrss_large_mib=%.1f\n", rss_small, rss_large);
        printf("bytes_per_file=%.0f\n",
               (rss_large - rss_small) * 1048576.0 / (double)(large - SMALL));
    }
    curl_slist_free_all(p.hdr);
    curl_easy_cleanup(p.c);
    sm_server_free(srv);
    curl_global_cleanup();
    free(data);
    return rc == 0 ? 0 : 1;
}
