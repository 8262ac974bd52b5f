/*
 * har.c - HAR 1.2 documents out of a list of exchanges (sm_har_render).
 *
 * What: one entry per exchange: startedDateTime (UTC, milliseconds), time
 * and timings (send: the request until its body was complete; wait: until
 * the answer began; receive: until the exchange ended; their sum is time),
 * the request (method, url, httpVersion, headers, queryString from the url,
 * postData) and the response (status, statusText, headers, content).
 * Bodies that are valid UTF-8 without NUL bytes are text, others base64;
 * a body kept only in part says so in its comment, with both sizes.
 * Design: cJSON builds the tree; integers go through sm_json_add_i64 so
 * they print as integers, times are milliseconds rounded to microseconds,
 * and sm_json_print replaces any invalid UTF-8 a header carried.
 * Not here: what a server keeps of its requests (har_capture.c).
 * Reference: "HTTP Archive (HAR) format" 1.2 (W3C Web Performance draft).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "stagemock/har.h"
#include "stagemock/version.h"
#include "../../common/sm_base64.h"
#include "../../common/sm_json.h"
#include "../../common/sm_mem.h"
#include "../../common/sm_utf8.h"

/* Milliseconds between two microsecond stamps, never negative. */
static double ms_between(int64_t from_us, int64_t to_us)
{
    return to_us > from_us ? (double)(to_us - from_us) / 1000.0 : 0.0;
}

static void add_ms(cJSON *o, const char *name, double ms)
{
    cJSON_AddNumberToObject(o, name, round(ms * 1000.0) / 1000.0);
}

static void add_started(cJSON *o, int64_t us)
{
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    char buf[48] = "1970-01-01T00:00:00";
    if (gmtime_r(&secs, &tm) != NULL) {
        (void)strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    }
    char out[64];
    (void)snprintf(out, sizeof out, "%s.%03dZ", buf, (int)((us / 1000) % 1000));
    cJSON_AddStringToObject(o, "startedDateTime", out);
}

static cJSON *headers_json(const struct sm_har_header *h, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", h[i].name ? h[i].name : "");
        cJSON_AddStringToObject(o, "value", h[i].value ? h[i].value : "");
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static const char *header_find(const struct sm_har_header *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (h[i].name != NULL && strcasecmp(h[i].name, name) == 0) {
            return h[i].value;
        }
    }
    return NULL;
}

/* "a=1&b=2" of the url's query into [{name, value}] (not decoded: HAR keeps
 * what was sent). */
static cJSON *query_json(const char *url)
{
    cJSON *arr = cJSON_CreateArray();
    const char *q = url ? strchr(url, '?') : NULL;
    while (arr != NULL && q != NULL && q[1] != '\0') {
        const char *p = q + 1;
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        char *name = smx_strdup_n(p, nlen);
        char *value = eq ? smx_strdup_n(eq + 1, len - nlen - 1) : strdup("");
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", name ? name : "");
        cJSON_AddStringToObject(o, "value", value ? value : "");
        cJSON_AddItemToArray(arr, o);
        free(name);
        free(value);
        q = amp;
    }
    return arr;
}

/* text (and, for binary bytes, the encoding field) and the comment on a
 * body kept in part. */
static void add_body_text(cJSON *o, const struct sm_har_body *b, const char *enc_field)
{
    const char *data = b->len ? (const char *)b->data : "";
    bool cut = b->size >= 0 && b->len < (uint64_t)b->size;
    size_t valid = sm_utf8_check(data, b->len);
    /* text: valid UTF-8 without NULs (a body kept in part may end inside a
     * character, which is left out); anything else is base64 */
    bool text =
        memchr(data, '\0', b->len) == NULL && (valid == b->len || (cut && b->len - valid < 4));
    if (text) {
        char *s = smx_strdup_n(data, valid); /* data is not NUL-terminated */
        if (s != NULL) {
            cJSON_AddStringToObject(o, "text", s);
            free(s);
        }
    } else {
        size_t text_len = 0; /* smx_base64_encode needs somewhere to write it */
        char *s = smx_base64_encode(b->data, b->len, &text_len);
        if (s != NULL) {
            cJSON_AddStringToObject(o, "text", s);
            cJSON_AddStringToObject(o, enc_field, "base64");
            free(s);
        }
    }
    if (cut) {
        char note[160];
        (void)snprintf(note, sizeof note,
                       "body truncated: the first %zu of %lld bytes are kept (%s)", b->len,
                       (long long)b->size,
                       b->data ? "the HAR body cap" : "bodies were not kept or were released");
        cJSON_AddStringToObject(o, "comment", note);
    }
}

static const char *mime_of(const struct sm_har_body *b, const struct sm_har_header *h, size_t n,
                           const char *fallback)
{
    if (b->mime_type != NULL) {
        return b->mime_type;
    }
    const char *ct = header_find(h, n, "Content-Type");
    return ct ? ct : fallback;
}

static cJSON *request_json(const struct sm_har_exchange *x)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "method", x->method ? x->method : "GET");
    cJSON_AddStringToObject(o, "url", x->url ? x->url : "");
    cJSON_AddStringToObject(o, "httpVersion", x->http_version ? x->http_version : "HTTP/1.1");
    cJSON_AddItemToObject(o, "cookies", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "headers", headers_json(x->req_headers, x->n_req_headers));
    cJSON_AddItemToObject(o, "queryString", query_json(x->url));
    const struct sm_har_body *b = &x->req_body;
    if (b->size > 0 || b->len > 0) {
        cJSON *pd = cJSON_AddObjectToObject(o, "postData");
        if (pd != NULL) {
            cJSON_AddStringToObject(
                pd, "mimeType",
                mime_of(b, x->req_headers, x->n_req_headers, "application/octet-stream"));
            add_body_text(pd, b, "_encoding");
        }
    }
    sm_json_add_i64(o, "headersSize", -1);
    sm_json_add_i64(o, "bodySize", b->size);
    return o;
}

static cJSON *response_json(const struct sm_har_exchange *x)
{
    cJSON *o = cJSON_CreateObject();
    sm_json_add_i64(o, "status", x->status);
    const char *reason = x->status > 0 ? MHD_get_reason_phrase_for((unsigned)x->status) : NULL;
    cJSON_AddStringToObject(o, "statusText",
                            reason && strcmp(reason, "Unknown") != 0 ? reason : "");
    cJSON_AddStringToObject(o, "httpVersion", x->http_version ? x->http_version : "HTTP/1.1");
    cJSON_AddItemToObject(o, "cookies", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "headers", headers_json(x->resp_headers, x->n_resp_headers));
    const struct sm_har_body *b = &x->resp_body;
    cJSON *c = cJSON_AddObjectToObject(o, "content");
    if (c != NULL) {
        sm_json_add_i64(c, "size", b->size >= 0 ? b->size : 0);
        cJSON_AddStringToObject(c, "mimeType", mime_of(b, x->resp_headers, x->n_resp_headers, ""));
        if (b->len > 0 || b->size > 0) {
            add_body_text(c, b, "encoding");
        }
    }
    cJSON_AddStringToObject(o, "redirectURL", "");
    sm_json_add_i64(o, "headersSize", -1);
    sm_json_add_i64(o, "bodySize", x->status > 0 ? b->size : -1);
    return o;
}

static cJSON *entry_json(const struct sm_har_exchange *x)
{
    cJSON *o = cJSON_CreateObject();
    int64_t sent = x->sent_us >= x->start_us ? x->sent_us : x->start_us;
    int64_t end = x->end_us >= sent ? x->end_us : sent;
    int64_t answered = x->answered_us >= sent && x->answered_us <= end ? x->answered_us : end;
    double send = ms_between(x->start_us, sent), wait = ms_between(sent, answered),
           receive = ms_between(answered, end);
    send = round(send * 1000.0) / 1000.0;
    wait = round(wait * 1000.0) / 1000.0;
    receive = round(receive * 1000.0) / 1000.0;
    add_started(o, x->start_us);
    add_ms(o, "time", send + wait + receive);
    cJSON_AddItemToObject(o, "request", request_json(x));
    cJSON_AddItemToObject(o, "response", response_json(x));
    cJSON_AddItemToObject(o, "cache", cJSON_CreateObject());
    cJSON *t = cJSON_AddObjectToObject(o, "timings");
    if (t != NULL) {
        sm_json_add_i64(t, "blocked", -1);
        sm_json_add_i64(t, "dns", -1);
        sm_json_add_i64(t, "connect", -1);
        add_ms(t, "send", send);
        add_ms(t, "wait", wait);
        add_ms(t, "receive", receive);
        sm_json_add_i64(t, "ssl", -1);
    }
    if (x->comment != NULL) {
        cJSON_AddStringToObject(o, "comment", x->comment);
    }
    return o;
}

char *sm_har_render(const struct sm_har_exchange *x, size_t n, const char *comment)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *log = cJSON_AddObjectToObject(root, "log");
    if (log == NULL) {
        cJSON_Delete(root);
        return NULL;
    }
    cJSON_AddStringToObject(log, "version", "1.2");
    cJSON *creator = cJSON_AddObjectToObject(log, "creator");
    if (creator != NULL) {
        cJSON_AddStringToObject(creator, "name", "stagemock");
        cJSON_AddStringToObject(creator, "version", sm_version());
    }
    cJSON_AddItemToObject(log, "pages", cJSON_CreateArray());
    cJSON *entries = cJSON_AddArrayToObject(log, "entries");
    for (size_t i = 0; entries != NULL && i < n; i++) {
        cJSON_AddItemToArray(entries, entry_json(&x[i]));
    }
    if (comment != NULL) {
        cJSON_AddStringToObject(log, "comment", comment);
    }
    char *text = sm_json_print(root);
    cJSON_Delete(root);
    return text;
}
