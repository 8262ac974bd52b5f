/*
 * sm_http.c - libcurl calls, an in-process server and in-memory parquet
 * files for the integration tests (see sm_http.h). Everything talks to
 * 127.0.0.1 only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "sm_test.h"
#include "sm_http.h"
#include "../../fixtures/pqwrite/pqw.h"

void sm_resp_cleanup(struct sm_resp *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
    struct sm_resp *r = cls;
    size_t len = size * n;
    char *nb = realloc(r->body, r->len + len + 1);
    if (nb == NULL) {
        return 0;
    }
    r->body = nb;
    memcpy(r->body + r->len, p, len);
    r->len += len;
    r->body[r->len] = '\0';
    return len;
}

static void copy_header(char *dst, size_t size, const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    if (len > n + 1 && strncasecmp(line, name, n) == 0 && line[n] == ':') {
        const char *v = line + n + 1;
        while (*v == ' ') {
            v++;
        }
        size_t vl = len - (size_t)(v - line);
        while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n')) {
            vl--;
        }
        (void)snprintf(dst, size, "%.*s", (int)vl, v);
    }
}

static size_t on_header(char *p, size_t size, size_t n, void *cls)
{
    struct sm_resp *r = cls;
    copy_header(r->rule, sizeof r->rule, p, size * n, "X-Stagemock-Rule");
    copy_header(r->ctype, sizeof r->ctype, p, size * n, "Content-Type");
    return size * n;
}

static void perform(CURL *c, const char *base, const char *path, struct curl_slist *hdrs,
                    struct sm_resp *out)
{
    char url[512];
    (void)snprintf(url, sizeof url, "%s%s", base, path);
    memset(out, 0, sizeof *out);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    out->curl_code = (int)curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (out->body == NULL) {
        out->body = calloc(1, 1);
    }
}

static struct curl_slist *auth_headers(const char *auth_raw, const char *key)
{
    char h[512];
    struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
    if (auth_raw != NULL) {
        (void)snprintf(h, sizeof h, "Authorization: %s", auth_raw);
        hdrs = curl_slist_append(hdrs, h);
    } else if (key != NULL) {
        (void)snprintf(h, sizeof h, "Authorization: Key %s", key);
        hdrs = curl_slist_append(hdrs, h);
    }
    return hdrs;
}

void sm_http_multipart(const char *base, const char *path, const char *auth_raw, const char *key,
                       const struct sm_part *parts, size_t n, struct sm_resp *out)
{
    CURL *c = curl_easy_init();
    curl_mime *mime = curl_mime_init(c);
    for (size_t i = 0; i < n; i++) {
        curl_mimepart *part = curl_mime_addpart(mime);
        curl_mime_name(part, parts[i].name);
        curl_mime_data(part, parts[i].data, parts[i].len);
        if (parts[i].filename != NULL) {
            curl_mime_filename(part, parts[i].filename);
            curl_mime_type(part, "application/octet-stream");
        }
    }
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    struct curl_slist *hdrs = auth_headers(auth_raw, key);
    perform(c, base, path, hdrs, out);
    curl_slist_free_all(hdrs);
    curl_mime_free(mime);
    curl_easy_cleanup(c);
}

void sm_http_upload(const char *base, const char *key, const char *stage, const char *filename,
                    const void *data, size_t len, struct sm_resp *out)
{
    struct sm_part parts[2] = {
        {"stage_id", NULL, stage, strlen(stage)},
        {"file", filename, data, len},
    };
    sm_http_multipart(base, "/upload-to-stage", NULL, key, parts, 2, out);
}

void sm_http_request(const char *base, const char *method, const char *path, const char *key,
                     const char *ctype, const char *body, struct sm_resp *out)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = auth_headers(NULL, key);
    char h[256];
    if (ctype != NULL) {
        (void)snprintf(h, sizeof h, "Content-Type: %s", ctype);
        hdrs = curl_slist_append(hdrs, h);
    }
    if (method != NULL) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (method != NULL && strcmp(method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    perform(c, base, path, hdrs, out);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
}

struct sm_server *sm_test_server_start(const struct sm_server_config *cfg)
{
    struct sm_server_config def;
    if (cfg == NULL) {
        sm_server_config_init(&def);
        cfg = &def;
    }
    struct sm_server *srv = NULL;
    struct sm_error e;
    static const char *const only_s2[] = {"s2"};
    if (sm_server_new(cfg, &srv, &e) != SM_OK || sm_server_add_stage(srv, "s1", &e) != SM_OK ||
        sm_server_add_stage(srv, "s2", &e) != SM_OK ||
        sm_server_add_key(srv, "k1", NULL, 0, &e) != SM_OK ||
        sm_server_add_key(srv, "k2", only_s2, 1, &e) != SM_OK ||
        sm_server_start(srv, &e) != SM_OK) {
        fprintf(stderr, "test server: %s\n", e.message);
        sm_server_free(srv);
        return NULL;
    }
    return srv;
}

struct gen_ctx {
    unsigned seed;
    char scratch[48];
};

static void gen(void *cls, size_t col, uint64_t row, struct pqw_value *v)
{
    struct gen_ctx *g = cls;
    v->i = (int64_t)(row * 7 + g->seed);
    v->d = (double)row;
    int n = snprintf(g->scratch, sizeof g->scratch, "row-%u-%llu-\r\nPAR1", g->seed,
                     (unsigned long long)row);
    v->p = (const uint8_t *)g->scratch;
    v->n = n > 0 ? (size_t)n : 0;
    v->null = col == 1 && row % 5 == 4;
}

long sm_test_upload(struct sm_server *srv, const char *name, unsigned seed)
{
    size_t len;
    uint8_t *pq = sm_test_parquet(1, 0, seed, &len);
    assert_non_null(pq);
    struct sm_resp r;
    sm_http_upload(sm_server_url(srv), "k1", "s1", name, pq, len, &r);
    free(pq);
    long status = r.status;
    sm_resp_cleanup(&r);
    return status;
}

uint8_t *sm_test_parquet(int codec, int variant, unsigned seed, size_t *len)
{
    return sm_test_parquet_rows(codec, variant, seed, 120, len);
}

uint8_t *sm_test_parquet_rows(int codec, int variant, unsigned seed, uint64_t rows, size_t *len)
{
    static const struct pqw_column base[] = {
        {"id", SM_PQ_INT64, 0, SM_PQ_REQUIRED, -1, SM_PQ_LT_NONE},
        {"name", SM_PQ_BYTE_ARRAY, 0, SM_PQ_OPTIONAL, SM_PQ_CT_UTF8, SM_PQ_LT_STRING},
        {"note", SM_PQ_BYTE_ARRAY, 0, SM_PQ_OPTIONAL, SM_PQ_CT_UTF8, SM_PQ_LT_STRING},
    };
    static const struct pqw_column retyped[] = {
        {"id", SM_PQ_INT64, 0, SM_PQ_REQUIRED, -1, SM_PQ_LT_NONE},
        {"name", SM_PQ_INT64, 0, SM_PQ_OPTIONAL, -1, SM_PQ_LT_NONE},
    };
    static const struct pqw_column reordered[] = {
        {"name", SM_PQ_BYTE_ARRAY, 0, SM_PQ_OPTIONAL, SM_PQ_CT_UTF8, SM_PQ_LT_STRING},
        {"id", SM_PQ_INT64, 0, SM_PQ_REQUIRED, -1, SM_PQ_LT_NONE},
    };
    const struct pqw_column *cols = variant == 1 ? retyped : variant == 3 ? reordered : base;
    size_t n = variant == 2 ? 3 : 2;
    struct gen_ctx g = {.seed = seed};
    struct pqw_options opt = {.codec = codec, .rows_per_page = 50};
    struct sm_error e;
    return pqw_write_mem(cols, n, rows, &opt, gen, &g, len, &e);
}
