/*
 * http.c - one stage API request with the client's retry policy: set up the
 * curl handle, run the exchange, classify what came back, and decide whether
 * to try again.
 *
 * How: every attempt resets the reused easy handle and sets the URL, the
 * `Authorization: Key` header, the connect timeout, and a stall timeout: the
 * progress callback aborts when no byte moved either way for stall_timeout_s,
 * waiting for the status line included (libcurl's own low-speed check
 * averages over seconds of history, so it fires late; it stays on as a
 * backstop). A 2xx body goes to the request's sink (downloads) or into memory
 * (capped); a non-2xx body always goes into memory (64 KiB cap), so an error
 * answer can never reach a downloaded file.
 *
 * The outcome of an attempt is one of: 2xx, rejected, busy (429/503), unsent
 * (failed before any request byte left), lost (failed after), timed out, or
 * local failure. Busy and unsent are retried up to max_retries times, waiting
 * Retry-After (seconds or an HTTP date) or an exponential backoff, capped at
 * max_retry_wait_ms; lost asks the request's on_lost hook (uploads list the
 * stage) before any retry; the rest end the call.
 *
 * Connections: after anything but a 2xx the next request opens a new one (a
 * server that answered before reading the whole body may leave our unread
 * bytes on the old one), and a request may ask for a new one always (uploads:
 * see upload.c). Multipart bodies are built afresh per attempt. Expect:
 * 100-continue is off: a refusal arrives either way, and the wait is saved.
 * Not here: what the bodies mean (upload.c, download.c, list.c).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "smc_internal.h"

#define ERROR_BODY_CAP ((size_t)64 * 1024)
#define OK_BODY_CAP    ((size_t)64 * 1024 * 1024)

enum outcome { OUT_2XX, OUT_REJECTED, OUT_BUSY, OUT_UNSENT, OUT_LOST, OUT_TIMEOUT, OUT_LOCAL };

struct exchange {
    struct smc_client *c;
    const struct smc_request *rq;
    struct smc_response *r;
    curl_mime *mime;   /* this attempt's body */
    uint64_t moved;    /* bytes moved either way, as last seen */
    uint64_t moved_at; /* monotonic ms when that count last changed; 0: not yet */
    bool stalled;      /* aborted: nothing moved for stall_timeout_s */
    char errbuf[CURL_ERROR_SIZE];
};

void smc_response_cleanup(struct smc_response *resp)
{
    free(resp->body);
    memset(resp, 0, sizeof *resp);
}

static void copy_header(char *dst, size_t size, const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':') {
        return;
    }
    const char *v = line + n + 1;
    size_t vl = len - n - 1;
    while (vl > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ')) {
        vl--;
    }
    if (vl >= size) {
        vl = size - 1;
    }
    memcpy(dst, v, vl);
    dst[vl] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *cls)
{
    struct exchange *x = cls;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        /* a new response (after a 100 Continue, say): forget the last one's */
        x->r->rule[0] = '\0';
        x->r->retry_after[0] = '\0';
        x->r->content_type[0] = '\0';
    }
    copy_header(x->r->rule, sizeof x->r->rule, p, len, "X-Stagemock-Rule");
    copy_header(x->r->retry_after, sizeof x->r->retry_after, p, len, "Retry-After");
    copy_header(x->r->content_type, sizeof x->r->content_type, p, len, "Content-Type");
    return len;
}

static bool keep_body(struct smc_response *r, const char *p, size_t len, size_t cap)
{
    size_t keep = len;
    if (r->len + keep > cap) {
        keep = cap - r->len;
        r->truncated = true;
    }
    char *nb = realloc(r->body, r->len + keep + 1);
    if (nb == NULL) {
        return false;
    }
    memcpy(nb + r->len, p, keep);
    r->body = nb;
    r->len += keep;
    r->body[r->len] = '\0';
    return true;
}

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
    struct exchange *x = cls;
    size_t len = size * n;
    long status = 0;
    (void)curl_easy_getinfo(x->c->curl, CURLINFO_RESPONSE_CODE, &status);
    bool ok = status >= 200 && status < 300;
    if (ok && x->rq->sink != NULL) {
        if (!x->rq->sink->write(x->rq->sink->cls, p, len)) {
            x->r->sink_failed = true;
            return 0; /* stops the transfer: CURLE_WRITE_ERROR */
        }
        return len;
    }
    if (!keep_body(x->r, p, len, ok ? OK_BODY_CAP : ERROR_BODY_CAP)) {
        x->r->sink_failed = true;
        return 0;
    }
    return len;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
}

/* Called by libcurl at least once a second: the stall clock and the caller's
 * progress. Returning non-zero aborts the transfer. */
static int on_progress(void *cls, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct exchange *x = cls;
    const struct smc_options *o = &x->c->opt;
    uint64_t moved = (uint64_t)dlnow + (uint64_t)ulnow;
    uint64_t t = now_ms();
    if (moved != x->moved || x->moved_at == 0) {
        x->moved = moved;
        x->moved_at = t;
    } else if (t - x->moved_at >= (uint64_t)o->stall_timeout_s * 1000U) {
        x->stalled = true;
        return 1;
    }
    if (o->progress != NULL) {
        bool down = dltotal > 0 || dlnow > 0;
        curl_off_t done = down ? dlnow : ulnow;
        curl_off_t total = down ? dltotal : ultotal;
        o->progress(o->progress_cls, x->rq->name, (uint64_t)done, (uint64_t)total);
    }
    return 0;
}

static struct curl_slist *request_headers(const struct smc_client *c)
{
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    if (h != NULL && c->key != NULL) {
        size_t len = strlen(c->key) + sizeof "Authorization: Key ";
        char *line = malloc(len);
        if (line == NULL) {
            curl_slist_free_all(h);
            return NULL;
        }
        (void)snprintf(line, len, "Authorization: Key %s", c->key);
        struct curl_slist *nh = curl_slist_append(h, line);
        free(line);
        if (nh == NULL) {
            curl_slist_free_all(h);
            return NULL;
        }
        h = nh;
    }
    return h;
}

static CURLcode perform_once(struct exchange *x, struct curl_slist *hdrs, const char *url)
{
    CURL *h = x->c->curl;
    const struct smc_options *o = &x->c->opt;
    curl_easy_reset(h);
    x->errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, o->user_agent);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout_s);
    if (o->ca_file != NULL) {
        curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
    }
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)o->stall_timeout_s);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, x->c->fresh || x->rq->fresh_connection ? 1L : 0L);
    if (x->rq->make_mime != NULL) {
        x->mime = x->rq->make_mime(x->rq->mime_cls, h);
        if (x->mime == NULL) {
            return CURLE_OUT_OF_MEMORY;
        }
        curl_easy_setopt(h, CURLOPT_MIMEPOST, x->mime);
    } else {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->rq->form);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(x->rq->form));
    }
    x->moved = 0;
    x->moved_at = 0;
    x->stalled = false;
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1L);
    return curl_easy_perform(h);
}

static bool nothing_sent(CURL *h)
{
    long req = 0;
    curl_off_t up = 0;
    (void)curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &req);
    (void)curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &up);
    return req == 0 && up == 0;
}

static enum outcome classify(struct exchange *x, CURLcode cc)
{
    struct smc_response *r = x->r;
    if (r->sink_failed) {
        return OUT_LOCAL;
    }
    if (x->stalled) {
        return OUT_TIMEOUT;
    }
    if (cc != CURLE_OK) {
        if (nothing_sent(x->c->curl)) {
            return OUT_UNSENT;
        }
        return cc == CURLE_OPERATION_TIMEDOUT ? OUT_TIMEOUT : OUT_LOST;
    }
    (void)curl_easy_getinfo(x->c->curl, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->status >= 200 && r->status < 300) {
        return OUT_2XX;
    }
    return r->status == 429 || r->status == 503 ? OUT_BUSY : OUT_REJECTED;
}

/* The server's message, or a description of a body that is not a JSON error. */
static void rejection_message(const struct smc_response *r, struct smc_error *err)
{
    cJSON *doc = r->body != NULL ? cJSON_ParseWithLength(r->body, r->len) : NULL;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
    if (cJSON_IsString(m) && m->valuestring[0] != '\0') {
        (void)smc_err_set(err, SMC_E_REJECTED, "%s", m->valuestring);
    } else if (r->len == 0 || r->body == NULL) {
        (void)smc_err_set(err, SMC_E_REJECTED, "HTTP %ld with an empty body", r->status);
    } else {
        char shown[161];
        size_t n = r->len < sizeof shown - 1 ? r->len : sizeof shown - 1;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)r->body[i];
            shown[i] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
        }
        shown[n] = '\0';
        (void)smc_err_set(err, SMC_E_REJECTED, "HTTP %ld with a body that is not a JSON error: %s",
                          r->status, shown);
    }
    cJSON_Delete(doc);
}

static enum smc_code fail(struct exchange *x, enum outcome o, CURLcode cc, struct smc_error *err)
{
    const char *detail = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(cc);
    if (err != NULL) {
        err->status = x->r->status;
        (void)snprintf(err->rule, sizeof err->rule, "%s", x->r->rule);
    }
    switch (o) {
    case OUT_REJECTED:
    case OUT_BUSY:
        rejection_message(x->r, err);
        return SMC_E_REJECTED;
    case OUT_LOCAL:
        return smc_err_set(err, SMC_E_IO, "%s: could not store the answer locally", x->rq->name);
    case OUT_TIMEOUT:
        return smc_err_set(err, SMC_E_TIMEOUT, "timed out: nothing moved for %u s (%s)",
                           x->c->opt.stall_timeout_s, detail);
    case OUT_UNSENT:
        return smc_err_set(err, cc == CURLE_OPERATION_TIMEDOUT ? SMC_E_TIMEOUT : SMC_E_TRANSPORT,
                           "could not connect to %s: %s", x->c->url, detail);
    case OUT_LOST:
    case OUT_2XX:
        break;
    }
    return smc_err_set(err, SMC_E_TRANSPORT, "no complete answer from the server: %s", detail);
}

/* Milliseconds a Retry-After value asks for; -1 when absent or unreadable. */
static long retry_after_ms(const char *v)
{
    if (v[0] == '\0') {
        return -1;
    }
    if (v[0] >= '0' && v[0] <= '9') {
        char *end = NULL;
        errno = 0;
        unsigned long s = strtoul(v, &end, 10);
        if (errno != 0 || *end != '\0') {
            return -1;
        }
        return s > 86400UL ? 86400L * 1000L : (long)s * 1000L;
    }
    time_t when = curl_getdate(v, NULL);
    if (when == (time_t)-1) {
        return -1;
    }
    time_t now = time(NULL);
    return when > now ? (long)(when - now) * 1000L : 0;
}

static unsigned wait_ms(const struct smc_options *o, unsigned attempt, const char *retry_after)
{
    long ms = retry_after_ms(retry_after);
    if (ms < 0) {
        unsigned shift = attempt < 16 ? attempt : 16;
        ms = (long)o->backoff_ms << shift;
    }
    return ms > (long)o->max_retry_wait_ms ? o->max_retry_wait_ms : (unsigned)ms;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* After a failed attempt: true (with *wait) to try again. *rc may change
 * when the lost-response hook finds the request did succeed. */
static bool again(struct exchange *x, enum outcome o, unsigned attempt, unsigned *wait,
                  enum smc_code *rc, struct smc_error *err)
{
    const struct smc_options *opt = &x->c->opt;
    if (o == OUT_LOST && x->rq->on_lost != NULL) {
        struct smc_error lerr;
        smc_err_clear(&lerr);
        enum smc_lost v = x->rq->on_lost(x->rq->lost_cls, &lerr);
        if (v == SMC_LOST_DONE) {
            *rc = SMC_OK;
            x->r->status = 0;
            return false;
        }
        if (v == SMC_LOST_FAIL) {
            if (err != NULL && lerr.message[0] != '\0') {
                size_t have = strlen(err->message);
                (void)snprintf(err->message + have, sizeof err->message - have,
                               "; and the stage could not be checked: %s", lerr.message);
            }
            return false;
        }
    } else if (o != OUT_BUSY && o != OUT_UNSENT) {
        return false;
    }
    if (attempt >= opt->max_retries) {
        return false;
    }
    *wait = wait_ms(opt, attempt, o == OUT_BUSY ? x->r->retry_after : "");
    return true;
}

static void reset_attempt(struct exchange *x)
{
    free(x->r->body);
    memset(x->r, 0, sizeof *x->r);
    if (x->rq->sink != NULL && x->rq->sink->reset != NULL) {
        x->rq->sink->reset(x->rq->sink->cls);
    }
}

enum smc_code smc_http_call(struct smc_client *c, const struct smc_request *rq,
                            struct smc_response *resp, struct smc_error *err)
{
    smc_err_clear(err);
    memset(resp, 0, sizeof *resp);
    struct exchange x = {.c = c, .rq = rq, .r = resp};
    size_t ulen = strlen(c->url) + strlen(rq->path) + 1;
    char *url = malloc(ulen);
    struct curl_slist *hdrs = request_headers(c);
    if (url == NULL || hdrs == NULL) {
        free(url);
        curl_slist_free_all(hdrs);
        return smc_err_set(err, SMC_E_NOMEM, "out of memory (request)");
    }
    (void)snprintf(url, ulen, "%s%s", c->url, rq->path);
    enum smc_code rc = SMC_OK;
    for (unsigned attempt = 0;; attempt++) {
        reset_attempt(&x);
        CURLcode cc = perform_once(&x, hdrs, url);
        curl_mime_free(x.mime);
        x.mime = NULL;
        enum outcome o = classify(&x, cc);
        c->fresh = o != OUT_2XX;
        if (err != NULL) {
            err->attempts = attempt + 1;
            err->curl_code = (int)cc;
        }
        if (o == OUT_2XX) {
            rc = SMC_OK;
            break;
        }
        rc = fail(&x, o, cc, err);
        unsigned wait = 0;
        if (!again(&x, o, attempt, &wait, &rc, err)) {
            break;
        }
        sleep_ms(wait);
    }
    if (rc == SMC_OK && err != NULL) {
        unsigned attempts = err->attempts;
        smc_err_clear(err);
        err->attempts = attempts;
        err->status = resp->status;
    }
    free(url);
    curl_slist_free_all(hdrs);
    return rc;
}
