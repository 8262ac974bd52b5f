/*
 * record_proxy.c - the proxy of `stagemock record`: libmicrohttpd in front,
 * libcurl to the upstream, bodies streamed both ways.
 *
 * What: each request is forwarded as it arrives (method, path and query,
 * the client's headers less the hop-by-hop ones and its Authorization, which
 * becomes "Key <--key>"), its body handed to curl while the client is still
 * sending it, and the upstream's answer (status, headers less the hop-by-hop
 * ones, body) handed back while it is still arriving. Each exchange is kept
 * for the session: headers, the first body_max bytes of both bodies, sizes
 * and times. An upstream that cannot be reached is answered 502 with a JSON
 * message naming the error.
 * Design: MHD runs a thread per connection, so the access handler and the
 * content reader may block; a worker thread per request runs
 * curl_easy_perform. The two meet in two bounded buffers (PIPE_MAX each,
 * request body one way, response body the other) under one mutex and
 * condition variable, so no body is held whole. The response is queued once
 * the client's body is complete and the upstream's head has arrived. The
 * request state is freed by whichever of MHD's completion callback and the
 * response's free callback runs last (a reference count).
 * Not here: the command line and what is written at stop (record.c).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "record.h"

#define PIPE_MAX ((size_t)256 << 10)

struct rec_proxy {
    struct MHD_Daemon *daemon;
    struct rec_session *s;
};

struct pipe {
    uint8_t *buf;
    size_t len;
    bool eof;
};

struct rec_req {
    struct rec_session *s;
    struct rec_exchange x;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pipe up, down; /* request body to curl; response body to MHD */
    bool has_body;
    int64_t body_len; /* the client's Content-Length, -1 when chunked */
    bool head_done;   /* the upstream's final status and headers are in x */
    bool worker_done; /* curl_easy_perform returned */
    bool client_gone; /* MHD completed the request */
    CURLcode result;
    char curl_err[CURL_ERROR_SIZE];
    pthread_t worker;
    bool worker_started;
    struct curl_slist *fwd; /* headers sent upstream */
    unsigned refs;          /* atomic: the request, and the response once queued */
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool hop_by_hop(const char *name)
{
    static const char *const names[] = {"Connection",
                                        "Keep-Alive",
                                        "Proxy-Connection",
                                        "Transfer-Encoding",
                                        "TE",
                                        "Trailer",
                                        "Upgrade",
                                        "Host",
                                        "Content-Length",
                                        "Expect",
                                        "Date",
                                        NULL};
    for (size_t i = 0; names[i] != NULL; i++) {
        if (strcasecmp(name, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool add_header(struct rec_header **arr, size_t *n, const char *name, const char *value)
{
    struct rec_header *na = realloc(*arr, (*n + 1) * sizeof *na);
    if (na == NULL) {
        return false;
    }
    *arr = na;
    na[*n].name = strdup(name);
    na[*n].value = strdup(value);
    if (na[*n].name == NULL || na[*n].value == NULL) {
        free(na[*n].name);
        free(na[*n].value);
        return false;
    }
    (*n)++;
    return true;
}

/* The allocation holding len kept bytes: powers of two from 4 KiB, at most
 * max, so growing by small chunks copies O(n) bytes in all. */
static size_t kept_cap(size_t len, size_t max)
{
    size_t c = 4096;
    while (c < len) {
        c *= 2;
    }
    return len == 0 ? 0 : c < max ? c : max;
}

static void keep(uint8_t **buf, size_t *len, size_t max, const void *data, size_t n)
{
    size_t take = *len < max ? max - *len : 0;
    take = take < n ? take : n;
    if (take == 0) {
        return;
    }
    size_t want = kept_cap(*len + take, max);
    if (want == 0) {
        return;
    }
    if (want != kept_cap(*len, max)) {
        uint8_t *nb = realloc(*buf, want);
        if (nb == NULL) {
            return;
        }
        *buf = nb;
    }
    memcpy(*buf + *len, data, take);
    *len += take;
}

static bool stopping(const struct rec_req *r)
{
    return __atomic_load_n(&r->s->stopping, __ATOMIC_ACQUIRE);
}

/* Wait on the request's condition for at most 100 ms (mutex held), so that
 * every waiter notices a stop. */
static void wait_a_moment(struct rec_req *r)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 100 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    (void)pthread_cond_timedwait(&r->cv, &r->mu, &until);
}

static void req_unref(struct rec_req *r)
{
    if (__atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    rec_exchange_cleanup(&r->x);
    curl_slist_free_all(r->fwd);
    free(r->up.buf);
    free(r->down.buf);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* ---- the pipes (either side) ------------------------------------------------ */

/* Copy data into p as room frees up (r->mu held), waking the reader; stops
 * early once the reader is gone (*reader_gone) or the recorder stops.
 * Returns the bytes copied. */
static size_t pipe_put(struct rec_req *r, struct pipe *p, const bool *reader_gone, const char *data,
                       size_t n)
{
    size_t done = 0;
    while (done < n && !*reader_gone && !stopping(r)) {
        if (p->len == PIPE_MAX) {
            wait_a_moment(r);
            continue;
        }
        size_t take = PIPE_MAX - p->len;
        take = take < n - done ? take : n - done;
        memcpy(p->buf + p->len, data + done, take);
        p->len += take;
        done += take;
        pthread_cond_broadcast(&r->cv);
    }
    return done;
}

/* Take up to max bytes from p into out (r->mu held), waking the writer. */
static size_t pipe_take(struct rec_req *r, struct pipe *p, char *out, size_t max)
{
    size_t n = p->len < max ? p->len : max;
    memcpy(out, p->buf, n);
    memmove(p->buf, p->buf + n, p->len - n);
    p->len -= n;
    pthread_cond_broadcast(&r->cv);
    return n;
}

/* ---- the curl side (the worker thread) ------------------------------------ */

static size_t curl_read(char *out, size_t size, size_t nitems, void *cls)
{
    struct rec_req *r = cls;
    size_t max = size * nitems;
    pthread_mutex_lock(&r->mu);
    while (r->up.len == 0 && !r->up.eof && !r->client_gone && !stopping(r)) {
        wait_a_moment(r);
    }
    if (r->up.len == 0 && !r->up.eof) {
        pthread_mutex_unlock(&r->mu);
        return CURL_READFUNC_ABORT; /* the client went away mid-body */
    }
    size_t n = pipe_take(r, &r->up, out, max);
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* One line of the upstream's head (libcurl's header lines are not
 * NUL-terminated: strndup reads at most the n bytes it is given). */
static size_t curl_header(char *line, size_t size, size_t nitems, void *cls)
{
    struct rec_req *r = cls;
    size_t n = size * nitems;
    size_t len = n;
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n')) {
        len--;
    }
    pthread_mutex_lock(&r->mu);
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* a status line: any earlier (1xx) head is forgotten */
        rec_headers_clear(r->x.resp_h, r->x.n_resp_h);
        r->x.n_resp_h = 0;
        const char *sp = memchr(line, ' ', len);
        r->x.status = sp ? strtol(sp + 1, NULL, 10) : 0;
    } else if (len == 0) {
        if (r->x.status >= 200) {
            r->head_done = true;
            r->x.answered_us = now_us();
            pthread_cond_broadcast(&r->cv);
        }
    } else {
        const char *colon = memchr(line, ':', len);
        if (colon != NULL) {
            char *name = strndup(line, (size_t)(colon - line));
            const char *v = colon + 1;
            while (v < line + len && (*v == ' ' || *v == '\t')) {
                v++;
            }
            char *value = strndup(v, (size_t)(line + len - v));
            if (name != NULL && value != NULL) {
                (void)add_header(&r->x.resp_h, &r->x.n_resp_h, name, value);
            }
            free(name);
            free(value);
        }
    }
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* The upstream's body to the client; fewer bytes than given abort the
 * transfer (nobody reads on). */
static size_t curl_write(char *data, size_t size, size_t nmemb, void *cls)
{
    struct rec_req *r = cls;
    pthread_mutex_lock(&r->mu);
    size_t done = pipe_put(r, &r->down, &r->client_gone, data, size * nmemb);
    pthread_mutex_unlock(&r->mu);
    return done;
}

/* libcurl's progress callback: abort a transfer the client left, or one in
 * flight when the recorder stops (an upstream that stalls must not hold it). */
static int curl_progress(void *cls, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    struct rec_req *r = cls;
    return stopping(r) || __atomic_load_n(&r->client_gone, __ATOMIC_ACQUIRE) ? 1 : 0;
}

static void *worker_main(void *cls)
{
    struct rec_req *r = cls;
    CURL *c = curl_easy_init();
    CURLcode rc = CURLE_OUT_OF_MEMORY;
    size_t ulen = strlen(r->s->upstream) + strlen(r->x.path) + 1;
    char *url = malloc(ulen);
    if (c != NULL && url != NULL) {
        (void)snprintf(url, ulen, "%s%s", r->s->upstream, r->x.path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->fwd);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, curl_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->curl_err);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, curl_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, r);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        if (strcmp(r->x.method, "GET") == 0 && !r->has_body) {
            curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        } else if (strcmp(r->x.method, "HEAD") == 0) {
            curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        } else {
            curl_easy_setopt(c, CURLOPT_POST, 1L);
            curl_easy_setopt(c, CURLOPT_READFUNCTION, curl_read);
            curl_easy_setopt(c, CURLOPT_READDATA, r);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
            if (strcmp(r->x.method, "POST") != 0) {
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->x.method);
            }
        }
        rc = curl_easy_perform(c);
    }
    free(url);
    curl_easy_cleanup(c);
    pthread_mutex_lock(&r->mu);
    r->result = rc;
    r->worker_done = true;
    r->down.eof = true;
    if (rc != CURLE_OK && r->curl_err[0] == '\0') {
        (void)snprintf(r->curl_err, sizeof r->curl_err, "%s", curl_easy_strerror(rc));
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---- the MHD side ----------------------------------------------------------- */

static enum MHD_Result on_client_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                        const char *value)
{
    (void)kind;
    struct rec_req *r = cls;
    if (hop_by_hop(key) || strcasecmp(key, "Authorization") == 0) {
        return MHD_YES;
    }
    size_t n = strlen(key) + strlen(value) + 3;
    char *line = malloc(n);
    if (line == NULL) {
        return MHD_NO;
    }
    (void)snprintf(line, n, "%s: %s", key, value);
    struct curl_slist *l = curl_slist_append(r->fwd, line);
    free(line);
    if (l == NULL) {
        return MHD_NO;
    }
    r->fwd = l;
    return add_header(&r->x.req_h, &r->x.n_req_h, key, value) ? MHD_YES : MHD_NO;
}

/* The query as MHD parsed it, re-encoded. */
static enum MHD_Result on_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    char **q = cls;
    char *k = curl_easy_escape(NULL, key, 0);
    char *v = value ? curl_easy_escape(NULL, value, 0) : NULL;
    size_t old = *q ? strlen(*q) : 0;
    size_t add = (k ? strlen(k) : 0) + (v ? strlen(v) : 0) + 3;
    char *nq = realloc(*q, old + add);
    if (nq != NULL) {
        (void)snprintf(nq + old, add, "%c%s%s%s", old ? '&' : '?', k ? k : "", v ? "=" : "",
                       v ? v : "");
        *q = nq;
    }
    curl_free(k);
    curl_free(v);
    return nq != NULL ? MHD_YES : MHD_NO;
}

static struct rec_req *req_new(struct rec_session *s, struct MHD_Connection *conn, const char *url,
                               const char *method)
{
    struct rec_req *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return NULL;
    }
    r->s = s;
    r->refs = 1;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->x.seq = __atomic_add_fetch(&s->next_seq, 1, __ATOMIC_RELAXED);
    r->x.start_us = now_us();
    (void)snprintf(r->x.method, sizeof r->x.method, "%s", method);
    char *query = NULL;
    (void)MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_query, &query);
    size_t plen = strlen(url) + (query ? strlen(query) : 0) + 1;
    r->x.path = malloc(plen);
    if (r->x.path != NULL) {
        (void)snprintf(r->x.path, plen, "%s%s", url, query ? query : "");
    }
    free(query);
    r->up.buf = malloc(PIPE_MAX);
    r->down.buf = malloc(PIPE_MAX);
    char auth[512];
    (void)snprintf(auth, sizeof auth, "Authorization: Key %s", s->key);
    r->fwd = curl_slist_append(NULL, auth);
    struct curl_slist *l = r->fwd ? curl_slist_append(r->fwd, "Expect:") : NULL;
    r->fwd = l ? l : r->fwd;
    bool ok = r->x.path != NULL && r->up.buf != NULL && r->down.buf != NULL && l != NULL &&
              add_header(&r->x.req_h, &r->x.n_req_h, "Authorization", "Key (the --key, not kept)");
    ok = ok && MHD_get_connection_values(conn, MHD_HEADER_KIND, on_client_header, r) >= 0 &&
         r->fwd != NULL;
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    r->body_len = cl ? strtoll(cl, NULL, 10) : -1;
    r->has_body = (cl != NULL && r->body_len > 0) || te != NULL;
    if (!r->has_body) {
        r->body_len = 0;
        r->up.eof = true;
    }
    if (ok && pthread_create(&r->worker, NULL, worker_main, r) == 0) {
        r->worker_started = true;
        return r;
    }
    req_unref(r);
    return NULL;
}

/* Hand a chunk of the client's body to curl, waiting while the pipe is
 * full; once the upstream is done (it answered early, or failed) the rest
 * is only counted. */
static void push_body(struct rec_req *r, const char *data, size_t n)
{
    keep(&r->x.req_body, &r->x.req_len, r->s->body_max, data, n);
    r->x.req_size += n;
    pthread_mutex_lock(&r->mu);
    (void)pipe_put(r, &r->up, &r->worker_done, data, n);
    pthread_mutex_unlock(&r->mu);
}

static ssize_t read_down(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct rec_req *r = cls;
    pthread_mutex_lock(&r->mu);
    while (r->down.len == 0 && !r->down.eof && !stopping(r)) {
        wait_a_moment(r);
    }
    if (r->down.len == 0) {
        bool ok = r->down.eof && r->result == CURLE_OK;
        pthread_mutex_unlock(&r->mu);
        return ok ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = pipe_take(r, &r->down, buf, max);
    pthread_mutex_unlock(&r->mu);
    keep(&r->x.resp_body, &r->x.resp_len, r->s->body_max, buf, n);
    r->x.resp_size += n;
    return (ssize_t)n;
}

static void response_done(void *cls)
{
    req_unref(cls);
}

/* 502 with a JSON message: the upstream could not be reached or failed
 * before its head. */
static enum MHD_Result bad_gateway(struct MHD_Connection *conn, struct rec_req *r)
{
    char body[CURL_ERROR_SIZE + 96];
    char esc[CURL_ERROR_SIZE * 2];
    size_t o = 0;
    for (const char *p = r->curl_err; *p && o + 2 < sizeof esc; p++) {
        if (*p == '"' || *p == '\\') {
            esc[o++] = '\\';
        }
        esc[o++] = (*p >= 0x20) ? *p : ' ';
    }
    esc[o] = '\0';
    int n = snprintf(body, sizeof body, "{\"message\":\"stagemock record: upstream: %s\"}", esc);
    r->x.error = strdup(r->curl_err);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL) {
        return MHD_NO;
    }
    (void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, 502, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* The client's body is complete: wait for the upstream's head, then answer
 * with its status and headers and a body streamed from the pipe. */
static enum MHD_Result answer(struct MHD_Connection *conn, struct rec_req *r)
{
    pthread_mutex_lock(&r->mu);
    r->up.eof = true;
    r->x.sent_us = now_us();
    pthread_cond_broadcast(&r->cv);
    while (!r->head_done && !r->worker_done && !stopping(r)) {
        wait_a_moment(r);
    }
    bool head = r->head_done;
    pthread_mutex_unlock(&r->mu);
    if (!head) {
        return bad_gateway(conn, r);
    }
    uint64_t size = MHD_SIZE_UNKNOWN;
    for (size_t i = 0; i < r->x.n_resp_h; i++) {
        if (strcasecmp(r->x.resp_h[i].name, "Content-Length") == 0) {
            size = strtoull(r->x.resp_h[i].value, NULL, 10);
        }
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(size, 32 * 1024, read_down, r, response_done);
    if (resp == NULL) {
        return MHD_NO;
    }
    __atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL);
    for (size_t i = 0; i < r->x.n_resp_h; i++) {
        if (!hop_by_hop(r->x.resp_h[i].name)) {
            (void)MHD_add_response_header(resp, r->x.resp_h[i].name, r->x.resp_h[i].value);
        }
    }
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->x.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)version;
    struct rec_req *r = *req_cls;
    if (r == NULL) {
        r = req_new(cls, conn, url, method);
        *req_cls = r;
        return r != NULL ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size > 0) {
        push_body(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return answer(conn, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct rec_session *s = cls;
    struct rec_req *r = *req_cls;
    if (r == NULL) {
        return;
    }
    *req_cls = NULL;
    pthread_mutex_lock(&r->mu);
    __atomic_store_n(&r->client_gone, true, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (r->worker_started) {
        pthread_join(r->worker, NULL);
    }
    r->x.end_us = now_us();
    if (r->x.error == NULL && r->result != CURLE_OK) {
        r->x.error = strdup(r->curl_err);
    }
    if (r->x.error == NULL && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        r->x.error = strdup("the client's connection ended before the exchange completed");
    }
    rec_session_add(s, &r->x); /* takes the exchange's contents */
    req_unref(r);
}

bool rec_proxy_start(struct rec_session *s, const char *host, uint16_t port, struct rec_proxy **out,
                     char *url, size_t url_size, FILE *err)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    char ports[8];
    (void)snprintf(ports, sizeof ports, "%u", (unsigned)port);
    int rc = getaddrinfo(host, ports, &hints, &res);
    if (rc != 0 || res == NULL) {
        fprintf(err, "stagemock record: --listen: cannot resolve '%s': %s\n", host,
                gai_strerror(rc));
        return false;
    }
    struct rec_proxy *p = calloc(1, sizeof *p);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
    if (res->ai_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    if (p != NULL) {
        p->s = s;
        p->daemon = MHD_start_daemon(flags, port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                                     res->ai_addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                     MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    }
    bool v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    if (p == NULL || p->daemon == NULL) {
        fprintf(err, "stagemock record: cannot listen on %s port %u\n", host, (unsigned)port);
        free(p);
        return false;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(p->daemon, MHD_DAEMON_INFO_BIND_PORT);
    (void)snprintf(url, url_size, v6 ? "http://[%s]:%u" : "http://%s:%u", host,
                   info ? (unsigned)info->port : (unsigned)port);
    *out = p;
    return true;
}

void rec_proxy_stop(struct rec_proxy *p)
{
    if (p != NULL) {
        __atomic_store_n(&p->s->stopping, true, __ATOMIC_RELEASE); /* waits end within 100 ms */
        MHD_stop_daemon(p->daemon);
        free(p);
    }
}
