/*
 * server.c - the mock server's lifecycle and its libmicrohttpd glue.
 *
 * What: sm_server_config_init/new/start/stop/free, port and url; the MHD
 * access handler that
 * routes each request (three endpoints, the admin prefix, 404 for unknown
 * paths, 405 for other methods), checks the key, feeds the body to the
 * endpoint, and answers once the body is complete; and the completion
 * callback, the single place per-request state is released and journaled,
 * which also runs for aborted uploads (so they leave nothing behind).
 * Design: MHD's internal thread pool on epoll; the response is queued only
 * once *upload_data_size is 0 (queueing on the first call makes MHD close
 * the connection), except for answers known from the head (a 413 from
 * Content-Length, a 431/414 head over 16 KiB, 503 while stopping), which
 * are answered before the body on purpose. A body that goes over its limit
 * (the upload limit, 64 KiB elsewhere) or arrives too slowly is answered
 * 413/408 at once and the connection closed, so it is never read to its
 * end (conns.c writes that answer: MHD cannot queue one mid-body). Stop
 * quiesces the listener, closes idle keep-alive connections at once, gives
 * requests in flight the stop grace, then stops MHD. The text log escapes
 * control characters, so no field can forge a log line.
 * A loaded scenario is reached through its hooks (srv->scn_hooks), one
 * pointer check per request when none is.
 * Not here: the rest of the embedding API (stages, keys, preload, profile,
 * reset, files, journal: api.c); what each endpoint does (upload.c,
 * download.c, list.c, admin.c); connection limits and deadlines (conns.c);
 * scenarios (scenario/).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "framing.h"
#include "internal.h"

#define ADMIN_PREFIX "/_stagemock/"

void sm_server_config_init(struct sm_server_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->validate_deep = true;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

enum sm_code sm_server_new(const struct sm_server_config *cfg, struct sm_server **out,
                           struct sm_error *err)
{
    *out = NULL;
    struct sm_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    srv->cfg = *cfg;
    srv->host = strdup(cfg->host ? cfg->host : "127.0.0.1");
    srv->data_dir = dup_or_null(cfg->data_dir);
    const char *tmp = cfg->tmp_dir ? cfg->tmp_dir : getenv("TMPDIR");
    srv->tmp_dir = strdup(tmp && tmp[0] ? tmp : "/tmp");
    srv->admin_token = dup_or_null(cfg->admin_token);
    srv->cfg.host = srv->host;
    srv->cfg.data_dir = srv->data_dir;
    srv->cfg.tmp_dir = srv->tmp_dir;
    srv->cfg.admin_token = srv->admin_token;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_mutex_init(&srv->jlock, NULL);
    pthread_cond_init(&srv->answered, NULL);
    sm_slabs_init(&srv->slabs);
    sm_profile_defaults(&srv->profile, cfg);
    sm_conns_init(&srv->conns, cfg);
    srv->id_state =
        cfg->seeded ? cfg->seed : (uint64_t)sm_clock_now_us() ^ (uint64_t)(uintptr_t)srv;
    srv->next_seq = 1;
    srv->journal.max = cfg->journal_max;
    if (srv->host == NULL || srv->tmp_dir == NULL || (cfg->data_dir && !srv->data_dir) ||
        (cfg->admin_token && !srv->admin_token)) {
        sm_server_free(srv);
        return sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    srv->cfg.tls_cert = NULL; /* not ours to keep: what they named is read now */
    srv->cfg.tls_key = NULL;
    if (cfg->tls || cfg->tls_cert != NULL || cfg->tls_key != NULL) {
        enum sm_code rc = sm_server_use_tls(srv, cfg->tls_cert, cfg->tls_key, err);
        if (rc != SM_OK) {
            sm_server_free(srv);
            return rc;
        }
    }
    if (srv->data_dir != NULL) {
        enum sm_code rc = sm_store_open(srv, sm_ingest_found, srv, err);
        if (rc != SM_OK) {
            sm_server_free(srv);
            return rc;
        }
    }
    *out = srv;
    return SM_OK;
}

/* ---- request handling ---------------------------------------------------- */

enum sm_route sm_route_find(const char *url)
{
    if (strcmp(url, "/upload-to-stage") == 0) {
        return SM_ROUTE_UPLOAD;
    }
    if (strcmp(url, "/download-from-stage") == 0) {
        return SM_ROUTE_DOWNLOAD;
    }
    if (strcmp(url, "/list-stage-files") == 0) {
        return SM_ROUTE_LIST;
    }
    if (strncmp(url, ADMIN_PREFIX, strlen(ADMIN_PREFIX)) == 0) {
        return SM_ROUTE_ADMIN;
    }
    return SM_ROUTE_NONE;
}

static void req_fail(struct sm_req *r)
{
    r->failed = true;
}

/* First call for a request: route, method, key; maybe answer 413 at once. */
static struct sm_req *req_begin(struct sm_server *srv, struct MHD_Connection *conn, const char *url,
                                const char *method)
{
    struct sm_req *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return NULL;
    }
    r->srv = srv;
    r->conn = conn;
    r->je.start_us = sm_clock_now_us();
    r->je.seq = __atomic_fetch_add(&srv->next_seq, 1, __ATOMIC_RELAXED);
    size_t mlen = strnlen(method, sizeof r->je.method - 1);
    memcpy(r->je.method, method, mlen); /* calloc'd: stays NUL-terminated */
    r->je.path = strdup(url);
    sm_spool_init(&r->spool, srv->tmp_dir);
    r->route = sm_route_find(url);
    const char *auth =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (r->route == SM_ROUTE_NONE) {
        (void)sm_err_set(&r->err, SM_E_NOT_FOUND, 404, SM_RULE_ERROR_JSON,
                         "no such endpoint: %.16s %.200s", method, url);
        req_fail(r);
    } else if (r->route == SM_ROUTE_ADMIN) {
        /* admin access is judged in admin.c */
    } else if (strcmp(method, "POST") != 0) {
        (void)sm_err_set(&r->err, SM_E_METHOD, 405, SM_RULE_ERROR_JSON,
                         "%.16s %.200s: this endpoint takes POST", method, url);
        req_fail(r);
    } else if (sm_auth_header(r, auth, &r->err) != SM_OK) {
        req_fail(r);
    }
    if (r->route == SM_ROUTE_UPLOAD) {
        sm_framing_req_begin(r); /* multipart lint, beside the upload itself */
    }
    if (r->have_key) {
        r->je.key = strdup(r->key);
        pthread_mutex_lock(&srv->lock);
        bool known = sm_key_find(srv, r->key) != NULL;
        pthread_mutex_unlock(&srv->lock);
        if (!known) {
            (void)sm_err_set(&r->err, SM_E_AUTH, 401, SM_RULE_AUTH, "unknown API key");
            req_fail(r);
        }
    }
    return r;
}

static enum MHD_Result feed(struct sm_req *r, const char *data, size_t n)
{
    switch (r->route) {
    case SM_ROUTE_UPLOAD:
        sm_framing_req_feed(r, data, n);
        return sm_upload_body(r, data, n);
    case SM_ROUTE_DOWNLOAD:
    case SM_ROUTE_LIST:
        if (!r->failed && sm_form_feed(r, data, n) != SM_OK) {
            req_fail(r);
        }
        return MHD_YES;
    case SM_ROUTE_ADMIN:
        if (r->raw == NULL && !r->failed) {
            r->raw = malloc(SM_FORM_MAX);
            if (r->raw == NULL) {
                req_fail(r);
                return MHD_YES;
            }
        }
        if (r->raw != NULL && r->raw_len + n <= SM_FORM_MAX) {
            memcpy(r->raw + r->raw_len, data, n);
            r->raw_len += n;
        } else if (!r->failed) {
            (void)sm_err_set(&r->err, SM_E_TOO_LARGE, 413, SM_RULE_ERROR_JSON,
                             "admin request body larger than %u bytes", SM_FORM_MAX);
            req_fail(r);
        }
        return MHD_YES;
    default:
        return MHD_YES; /* drain; the answer is already decided */
    }
}

static enum MHD_Result finish(struct sm_req *r, const char *method, const char *url)
{
    switch (r->route) {
    case SM_ROUTE_UPLOAD:
        return sm_upload_finish(r);
    case SM_ROUTE_DOWNLOAD:
        return sm_download_finish(r);
    case SM_ROUTE_LIST:
        return sm_list_finish(r);
    case SM_ROUTE_ADMIN:
        return sm_admin_handle(r, method, url);
    default: {
        struct sm_error e = r->err;
        return sm_reply_error(r, &e);
    }
    }
}

/* The most body bytes a route reads: the upload limit plus room for the
 * multipart framing and fields, or 64 KiB for download, list and admin. */
static uint64_t body_limit(const struct sm_req *r)
{
    return r->route == SM_ROUTE_UPLOAD ? r->srv->profile.max_upload + 64 * 1024 : SM_FORM_MAX;
}

/* The first call: a 413 known from Content-Length, before the body. */
static enum MHD_Result early_limit(struct sm_req *r, struct MHD_Connection *conn)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (r->failed || cl == NULL || r->route == SM_ROUTE_NONE) {
        return MHD_YES;
    }
    char *end = NULL;
    unsigned long long len = strtoull(cl, &end, 10);
    if (end == cl || len <= body_limit(r)) {
        return MHD_YES;
    }
    struct sm_error e;
    if (r->route == SM_ROUTE_UPLOAD) {
        (void)sm_err_set(&e, SM_E_TOO_LARGE, 413, SM_RULE_ERROR_JSON,
                         "the upload is %llu bytes; the limit is %llu bytes", len,
                         (unsigned long long)r->srv->profile.max_upload);
    } else {
        (void)sm_err_set(&e, SM_E_TOO_LARGE, 413, SM_RULE_ERROR_JSON,
                         "request body of %llu bytes; at most %u are read here", len, SM_FORM_MAX);
    }
    r->early = true;
    return sm_reply_error(r, &e);
}

/* A body chunk: the minimum rate and the size limit (both end the request
 * with a JSON answer and a closed connection, without reading on), then the
 * endpoint. */
static enum MHD_Result body_chunk(struct sm_req *r, const char *data, size_t n)
{
    struct sm_error e;
    int64_t el = 0;
    if (sm_conn_body(&r->srv->conns, r->sc, n, &el)) {
        (void)sm_err_set(&e, SM_E_TOO_LARGE, 408, SM_RULE_ERROR_JSON,
                         "the request body arrives too slowly: %llu bytes in %lld ms (at least "
                         "%u bytes/s after the first %u s)",
                         (unsigned long long)r->body_seen + n, (long long)el,
                         __atomic_load_n(&r->srv->conns.min_body_rate, __ATOMIC_RELAXED),
                         __atomic_load_n(&r->srv->conns.head_timeout_s, __ATOMIC_RELAXED));
        return sm_reply_error_close(r, &e);
    }
    r->body_seen += n;
    if (r->body_seen > body_limit(r)) {
        if (r->route == SM_ROUTE_UPLOAD) {
            (void)sm_err_set(&e, SM_E_TOO_LARGE, 413, SM_RULE_ERROR_JSON,
                             "the upload is larger than the limit of %llu bytes; stopped "
                             "reading after %llu bytes",
                             (unsigned long long)r->srv->profile.max_upload,
                             (unsigned long long)r->body_seen);
        } else {
            (void)sm_err_set(&e, SM_E_TOO_LARGE, 413, SM_RULE_ERROR_JSON,
                             "request body larger than %u bytes; stopped reading", SM_FORM_MAX);
        }
        return sm_reply_error_close(r, &e);
    }
    enum MHD_Result ret = feed(r, data, n);
    if (r->failed && r->err.code == SM_E_TOO_LARGE && !r->responded) {
        e = r->err;
        return sm_reply_error_close(r, &e); /* over a limit: stop reading now */
    }
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct sm_server *srv = cls;
    struct sm_req *r = *req_cls;
    if (r == NULL) {
        struct sm_conn *sc = sm_conn_of(conn);
        if (!sm_conn_begin(sc)) {
            return MHD_NO; /* closed meanwhile by a limit or the head deadline */
        }
        r = req_begin(srv, conn, url, method);
        if (r == NULL) {
            return sm_reply_no_memory(conn); /* no journal entry: nothing to keep it in */
        }
        r->sc = sc;
        *req_cls = r;
        r->je.har = sm_har_cap_begin(srv, conn, version); /* NULL unless cfg.har */
        const union MHD_ConnectionInfo *hs =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
        if (hs != NULL && hs->header_size > SM_HEAD_MAX) {
            struct sm_error e;
            size_t ulen = strlen(url);
            if (ulen > SM_HEAD_MAX / 2) {
                (void)sm_err_set(&e, SM_E_TOO_LARGE, 414, SM_RULE_ERROR_JSON,
                                 "the URL is %zu bytes long; the request head may have at most "
                                 "%u bytes",
                                 ulen, SM_HEAD_MAX);
            } else {
                (void)sm_err_set(&e, SM_E_TOO_LARGE, 431, SM_RULE_ERROR_JSON,
                                 "the request head (request line and headers) is %zu bytes; at "
                                 "most %u are read",
                                 hs->header_size, SM_HEAD_MAX);
            }
            r->early = true;
            return sm_reply_error(r, &e);
        }
        if (__atomic_load_n(&srv->stopping, __ATOMIC_ACQUIRE)) {
            struct sm_error e;
            (void)sm_err_set(&e, SM_E_STATE, 503, SM_RULE_ERROR_JSON,
                             "the server is stopping; this connection closes");
            r->early = true;
            return sm_reply_error(r, &e); /* queued at the first call: MHD closes after it */
        }
        struct sm_scn *scn = sm_server_scn(srv);
        enum MHD_Result sret;
        if (scn != NULL && sm_server_scn_hooks(srv)->begin(r, scn, &sret)) {
            return sret; /* answered (or hung up) before the body */
        }
        if (r->scn_run != NULL) {
            sm_conn_body_done(sc); /* a scenario may set the pace: no rate check */
        }
        return early_limit(r, conn);
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        enum MHD_Result sret;
        if (r->scn_run != NULL && sm_server_scn_hooks(srv)->body(r, &n, &sret)) {
            return sret; /* suspended, stalled or hung up: the chunk stays unconsumed */
        }
        *upload_data_size -= n;
        sm_har_cap_request_body(r->je.har, upload_data, n);
        if (r->responded) {
            return MHD_YES;
        }
        return body_chunk(r, upload_data, n);
    }
    sm_conn_body_done(r->sc);
    sm_framing_req_end(r, true); /* the whole body is in */
    sm_har_cap_sent(r->je.har);
    if (r->responded) {
        return MHD_YES;
    }
    enum MHD_Result sret;
    if (r->scn_run != NULL && sm_server_scn_hooks(srv)->finish(r, sm_server_scn(srv), &sret)) {
        return sret;
    }
    return finish(r, method, url);
}

/* A text log line with control characters and backslashes escaped (\n, \r,
 * \t, \\, \xNN), so no field can end the line or forge another; takes
 * ownership of line. */
static char *escape_text_line(char *line)
{
    size_t extra = 0, n = strlen(line);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        extra += c == '\\' || c == '\n' || c == '\r' || c == '\t' ? 1
                 : (c < 0x20 || c == 0x7f)                        ? 3
                                                                  : 0;
    }
    if (extra == 0) {
        return line;
    }
    char *out = malloc(n + extra + 1);
    if (out == NULL) {
        free(line);
        return NULL;
    }
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
            out[o++] = '\\';
            out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : '\\';
        } else if (c < 0x20 || c == 0x7f) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    free(line);
    return out;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct sm_server *srv = cls;
    sm_conn_end(sm_conn_of(conn));
    struct sm_req *r = *req_cls;
    if (r == NULL) {
        return;
    }
    *req_cls = NULL;
    if (r->pp != NULL) {
        MHD_destroy_post_processor(r->pp);
    }
    sm_spool_cleanup(&r->spool);
    /* a body cut short, or never read (no-op when it ended complete) */
    sm_framing_req_end(r, false);
    if (r->durable.waiting) { /* ended before its data-dir commit was answered */
        sm_blob_unref(r->durable.blob);
        free(r->durable.file_id);
    }
    if (r->scn_run != NULL) {
        sm_server_scn_hooks(srv)->end(r, sm_server_scn(srv));
    }
    r->je.end_us = sm_clock_now_us();
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->je.message == NULL) {
        char msg[96];
        (void)snprintf(msg, sizeof msg, "connection ended before the exchange completed (%d)",
                       (int)toe);
        r->je.message = strdup(msg);
        if (!r->responded) {
            r->je.status = 0;
        }
    }
    char *line = NULL;
    if (srv->cfg.log != NULL && srv->cfg.log_format != SM_LOG_NONE) {
        line = sm_journal_entry_line(&r->je, srv->cfg.log_format);
        if (line != NULL && srv->cfg.log_format == SM_LOG_TEXT) {
            line = escape_text_line(line);
        }
    }
    pthread_mutex_lock(&srv->jlock);
    (void)sm_journal_append(&srv->journal, &r->je);
    if (r->counted && __atomic_sub_fetch(&srv->answering, 1, __ATOMIC_ACQ_REL) == 0) {
        pthread_cond_broadcast(&srv->answered);
    }
    pthread_mutex_unlock(&srv->jlock);
    if (line != NULL) {
        srv->cfg.log(srv->cfg.log_cls, line);
        free(line);
    }
    free(r->raw);
    free(r->filename);
    free(r->part_name);
    free(r);
}

/* ---- lifecycle --------------------------------------------------------------- */

static enum sm_code resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
                            socklen_t *len, struct sm_error *err)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    char ports[8];
    (void)snprintf(ports, sizeof ports, "%u", (unsigned)port);
    int rc = getaddrinfo(host, ports, &hints, &res);
    if (rc != 0 || res == NULL) {
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "cannot resolve host '%s': %s", host,
                          gai_strerror(rc));
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return SM_OK;
}

enum sm_code sm_server_start(struct sm_server *srv, struct sm_error *err)
{
    if (srv->daemon != NULL) {
        return sm_err_set(err, SM_E_STATE, 0, SM_RULE_NONE, "the server is already running");
    }
    srv->scn_stopped = false;
    struct sockaddr_storage ss = {0};
    socklen_t slen = 0;
    enum sm_code rc = resolve(srv->host, srv->cfg.port, &ss, &slen, err);
    if (rc != SM_OK) {
        return rc;
    }
    /* suspend/resume: scenario delays, dribbles and stalls never hold an MHD thread */
    unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    /* HTTPS: GnuTLS inside MHD, handed the PEM texts (kept until free) */
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls.key_pem},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls.cert_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    bool tls = srv->tls.cert_pem != NULL;
    if (tls) {
        flags |= MHD_USE_TLS;
    } else {
        tls_opts[0].option = MHD_OPTION_END;
    }
    srv->conns.tls = tls;
    unsigned threads = srv->cfg.threads ? srv->cfg.threads : 2;
    /* Our limits (conns.c) make room by closing the oldest unfinished head;
     * MHD's own caps sit above them, for the moments between our closing a
     * connection and MHD noticing, and refuse outright only beyond that. */
    unsigned max_total = srv->conns.max_total, max_ip = srv->conns.max_per_ip;
    unsigned hard_total = max_total + max_total / 4 + 16;
    unsigned hard_ip = max_ip * 4 + 16; /* far above: an address's own crowd must not
                                           lock its ordinary requests out at accept */
    srv->daemon = MHD_start_daemon(
        flags, srv->cfg.port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, sm_conns_notify, &srv->conns, MHD_OPTION_THREAD_POOL_SIZE,
        threads, MHD_OPTION_CONNECTION_LIMIT, hard_total, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        hard_ip, MHD_OPTION_CONNECTION_TIMEOUT, srv->cfg.timeout_s ? srv->cfg.timeout_s : 30u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SM_CONN_MEMORY, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        1024u, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "cannot listen on %s port %u%s: %s",
                          srv->host, (unsigned)srv->cfg.port,
                          tls ? " with TLS (or the TLS library refused the certificate)" : "",
                          strerror(errno ? errno : EADDRINUSE));
    }
    if (!sm_conns_sweeper_start(&srv->conns)) {
        MHD_stop_daemon(srv->daemon);
        srv->daemon = NULL;
        return sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "cannot start the connection sweeper");
    }
    sm_store_async(srv, true); /* data-dir uploads may now wait for fdatasync suspended */
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    /* atomic: a request on a fixed port can reach admin.c's Host check
     * before MHD_start_daemon has returned here */
    __atomic_store_n(&srv->port, info ? info->port : srv->cfg.port, __ATOMIC_RELEASE);
    const char *scheme = tls ? "https" : "http";
    if (ss.ss_family == AF_INET6) {
        (void)snprintf(srv->url, sizeof srv->url, "%s://[%s]:%u", scheme, srv->host,
                       (unsigned)sm_server_port(srv));
    } else {
        (void)snprintf(srv->url, sizeof srv->url, "%s://%s:%u", scheme, srv->host,
                       (unsigned)sm_server_port(srv));
    }
    return SM_OK;
}

void sm_server_stop(struct sm_server *srv)
{
    if (srv == NULL || srv->daemon == NULL) {
        return;
    }
    __atomic_store_n(&srv->stopping, true, __ATOMIC_RELEASE); /* new requests: 503, close */
    pthread_mutex_lock(&srv->lock);
    srv->scn_stopped = true; /* no scenario waker starts from here on */
    const struct sm_scn_hooks *scn_hooks = srv->scn_hooks;
    pthread_mutex_unlock(&srv->lock);
    if (scn_hooks != NULL) {
        scn_hooks->stop(srv); /* scenario sleepers and stalls close now */
    }
    MHD_socket lfd = MHD_quiesce_daemon(srv->daemon);
    /* Idle keep-alive connections close now (MHD would keep them until its
     * idle timeout); requests in flight get the grace period, in 1 ms steps. */
    unsigned grace = srv->cfg.stop_grace_ms ? srv->cfg.stop_grace_ms : 3000u;
    int64_t until = sm_clock_mono_ms() + grace;
    while (sm_conns_close_idle(&srv->conns) > 0 && sm_clock_mono_ms() < until) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    sm_conns_sweeper_stop(&srv->conns);
    sm_store_async(srv, false);   /* uploads waiting for their fdatasync are answered */
    MHD_stop_daemon(srv->daemon); /* shuts down whatever is left */
    if (lfd != MHD_INVALID_SOCKET) {
        close(lfd); /* quiesce hands the listening socket to us */
    }
    __atomic_store_n(&srv->stopping, false, __ATOMIC_RELEASE);
    srv->daemon = NULL;
    __atomic_store_n(&srv->port, 0, __ATOMIC_RELEASE);
    srv->url[0] = '\0';
}

void sm_server_free(struct sm_server *srv)
{
    if (srv == NULL) {
        return;
    }
    sm_server_stop(srv);
    for (size_t i = 0; i < srv->n_stages; i++) {
        sm_stage_cleanup(&srv->stages[i]);
    }
    free(srv->stages);
    for (size_t i = 0; i < srv->n_keys; i++) {
        free(srv->keys[i].key);
        for (size_t k = 0; k < srv->keys[i].n_stages; k++) {
            free(srv->keys[i].stages[k]);
        }
        free(srv->keys[i].stages);
    }
    free(srv->keys);
    sm_journal_cleanup(&srv->journal);
    if (srv->scn_hooks != NULL) {
        srv->scn_hooks->engine_free(srv->scn);
    }
    sm_store_close(srv->store);
    sm_slabs_cleanup(&srv->slabs);
    sm_conns_cleanup(&srv->conns);
    sm_tls_cleanup(&srv->tls);
    pthread_cond_destroy(&srv->answered);
    pthread_mutex_destroy(&srv->jlock);
    pthread_mutex_destroy(&srv->lock);
    free(srv->host);
    free(srv->data_dir);
    free(srv->tmp_dir);
    free(srv->admin_token);
    free(srv);
}

uint16_t sm_server_port(const struct sm_server *srv)
{
    return __atomic_load_n(&srv->port, __ATOMIC_ACQUIRE);
}

const char *sm_server_url(const struct sm_server *srv)
{
    return srv->url;
}

enum sm_code sm_server_use_tls(struct sm_server *srv, const char *cert_file, const char *key_file,
                               struct sm_error *err)
{
    if (srv->daemon != NULL) {
        return sm_err_set(err, SM_E_STATE, 0, SM_RULE_NONE,
                          "TLS is set before the server starts, not while it runs");
    }
    if ((cert_file == NULL) != (key_file == NULL)) {
        return sm_err_set(err, SM_E_ARG, 0, SM_RULE_NONE, "TLS: a %s file needs its %s file too",
                          cert_file ? "certificate" : "key", cert_file ? "key" : "certificate");
    }
    struct sm_tls t;
    enum sm_code rc =
        cert_file ? sm_tls_load(&t, cert_file, key_file, err) : sm_tls_generate(&t, srv->host, err);
    if (rc == SM_OK) {
        sm_tls_cleanup(&srv->tls);
        srv->tls = t;
    }
    return rc;
}

const char *sm_server_tls_ca(const struct sm_server *srv)
{
    return srv->tls.ca_path;
}
