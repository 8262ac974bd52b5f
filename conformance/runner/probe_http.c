/*
 * probe_http.c - the HTTP side of `stagemock probe`: one blocking libcurl
 * request per call against any stage API, with the answer kept whole.
 *
 * What: an upload (multipart: `stage_id` and any number of `file` parts, so
 * the probe can also send the two-part upload the `one-file-per-request` rule
 * forbids), a urlencoded POST (download, list), each with or without the
 * `Authorization: Key` header; the answer's status, Content-Type, body and a
 * transport error text come back in struct conf_http_answer.
 * Design: a fresh easy handle per request (a probe makes a dozen), a total
 * timeout per request, no redirects, no proxy from the environment for
 * loopback. Not here: what the answers mean (probe_main.c).
 */
#include "probe.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

void conf_http_answer_cleanup(struct conf_http_answer *a)
{
    conf_buf_cleanup(&a->body);
    free(a->content_type);
    memset(a, 0, sizeof *a);
}

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
    struct conf_buf *b = cls;
    conf_buf_put(b, p, size * n);
    return b->oom ? 0 : size * n;
}

/* Common options, the key header, perform, and fill the answer. */
static void perform(CURL *h, const struct conf_http_target *t, const char *path, bool with_key,
                    struct conf_http_answer *out)
{
    char url[2048], auth[1024];
    struct curl_slist *hdrs = NULL;
    (void)snprintf(url, sizeof url, "%s%s", t->url, path);
    if (with_key) {
        (void)snprintf(auth, sizeof auth, "Authorization: Key %s", t->key);
        hdrs = curl_slist_append(hdrs, auth);
    }
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)t->timeout_s);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out->body);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        (void)snprintf(out->transport_error, sizeof out->transport_error, "%s",
                       curl_easy_strerror(rc));
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    out->status = (int)status;
    const char *ct = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL) {
        out->content_type = strdup(ct);
    }
    curl_slist_free_all(hdrs);
}

void conf_http_upload(const struct conf_http_target *t, const struct conf_http_part *parts,
                      size_t n_parts, bool with_key, struct conf_http_answer *out)
{
    memset(out, 0, sizeof *out);
    conf_buf_init(&out->body);
    CURL *h = curl_easy_init();
    curl_mime *mime = h ? curl_mime_init(h) : NULL;
    if (mime == NULL) {
        (void)snprintf(out->transport_error, sizeof out->transport_error, "curl: no memory");
        curl_easy_cleanup(h);
        return;
    }
    curl_mimepart *f = curl_mime_addpart(mime);
    curl_mime_name(f, "stage_id");
    curl_mime_data(f, t->stage, CURL_ZERO_TERMINATED);
    for (size_t i = 0; i < n_parts; i++) {
        f = curl_mime_addpart(mime);
        curl_mime_name(f, "file");
        curl_mime_filename(f, parts[i].name);
        curl_mime_type(f, "application/octet-stream");
        curl_mime_data(f, (const char *)parts[i].data, parts[i].len);
    }
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
    perform(h, t, "/upload-to-stage", with_key, out);
    curl_mime_free(mime);
    curl_easy_cleanup(h);
}

void conf_http_form(const struct conf_http_target *t, const char *path, const char *file_name,
                    bool with_key, struct conf_http_answer *out)
{
    memset(out, 0, sizeof *out);
    conf_buf_init(&out->body);
    CURL *h = curl_easy_init();
    if (h == NULL) {
        (void)snprintf(out->transport_error, sizeof out->transport_error, "curl: no memory");
        return;
    }
    char *st = t->stage ? curl_easy_escape(h, t->stage, 0) : NULL;
    char *fn = file_name ? curl_easy_escape(h, file_name, 0) : NULL;
    struct conf_buf form;
    conf_buf_init(&form);
    if (t->stage != NULL) { /* NULL: a request without stage_id */
        conf_buf_printf(&form, "stage_id=%s", st ? st : "");
    }
    if (fn != NULL) {
        conf_buf_printf(&form, "%sfile_name=%s", t->stage != NULL ? "&" : "", fn);
    }
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, form.data ? form.data : "");
    perform(h, t, path, with_key, out);
    conf_buf_cleanup(&form);
    curl_free(st);
    curl_free(fn);
    curl_easy_cleanup(h);
}
