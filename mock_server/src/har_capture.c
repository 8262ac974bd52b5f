/*
 * har_capture.c - what a server keeps of each request for its HAR export,
 * and the export itself (sm_server_har_json, GET /_stagemock/har).
 *
 * What: with cfg.har set, a request's journal entry carries a struct
 * sm_har_cap: the HTTP version, the request headers (as MHD parsed them, in
 * order), the query, the first har_body_max bytes of the request body, the
 * response headers the server set, and the first har_body_max bytes of the
 * response body. The export turns the journal's entries into struct
 * sm_har_exchange values (har.c renders them), with the journal's own fields
 * (sequence number, rule, message) in each entry's comment.
 * Design: the capture is allocated on the request's first handler call and
 * filled by the request's own thread only; it moves into the journal with
 * the entry. The journal accounts for the bytes its captures hold and
 * releases the oldest entries' bodies past SM_HAR_BUDGET (journal.c calls
 * sm_har_cap_bytes and sm_har_cap_drop_bodies), so memory stays within the
 * ring's bound whatever the traffic. Without cfg.har nothing is allocated
 * and the export has what the journal knows (no headers, no bodies).
 * Not here: HAR's JSON (har.c); the journal's ring (journal.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "stagemock/har.h"
#include "../../common/sm_mem.h"

struct sm_har_cap {
    char http_version[16];
    char *host;  /* the Host header, for the entry's url */
    char *query; /* "?a=b&c=d" as MHD parsed it (decoded), or NULL */
    struct sm_har_header *req_h, *resp_h;
    size_t n_req_h, cap_req_h, n_resp_h, cap_resp_h;
    size_t head_bytes; /* bytes of the strings above */
    size_t body_max;
    uint8_t *req_body, *resp_body;
    size_t req_len, resp_len;
    size_t req_cap, resp_cap; /* allocated */
    uint64_t req_size;        /* every request-body byte seen */
    int64_t sent_us;
    bool bodies_dropped; /* released by the journal's budget */
};

static bool add_header(struct sm_har_header **arr, size_t *n, size_t *cap, const char *name,
                       const char *value, size_t *bytes)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct sm_har_header *na = realloc(*arr, nc * sizeof *na);
        if (na == NULL) {
            return false;
        }
        *arr = na;
        *cap = nc;
    }
    char *nm = strdup(name ? name : "");
    char *v = strdup(value ? value : "");
    if (nm == NULL || v == NULL) {
        free(nm);
        free(v);
        return false;
    }
    (*arr)[*n].name = nm;
    (*arr)[*n].value = v;
    (*n)++;
    *bytes += strlen(nm) + strlen(v) + 2 + sizeof **arr;
    return true;
}

static enum MHD_Result on_req_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    struct sm_har_cap *c = cls;
    return add_header(&c->req_h, &c->n_req_h, &c->cap_req_h, key, value, &c->head_bytes) ? MHD_YES
                                                                                         : MHD_NO;
}

static enum MHD_Result on_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    struct sm_har_cap *c = cls;
    size_t old = c->query ? strlen(c->query) : 0;
    size_t add = strlen(key) + (value ? strlen(value) + 1 : 0) + 2;
    char *q = realloc(c->query, old + add);
    if (q == NULL) {
        return MHD_NO;
    }
    (void)snprintf(q + old, add, "%c%s%s%s", old ? '&' : '?', key, value ? "=" : "",
                   value ? value : "");
    c->query = q;
    c->head_bytes += add;
    return MHD_YES;
}

struct sm_har_cap *sm_har_cap_begin(struct sm_server *srv, struct MHD_Connection *conn,
                                    const char *version)
{
    if (!srv->cfg.har) {
        return NULL;
    }
    struct sm_har_cap *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return NULL; /* without memory the entry simply has no capture */
    }
    (void)snprintf(c->http_version, sizeof c->http_version, "%s", version ? version : "HTTP/1.1");
    c->body_max = srv->cfg.har_body_max ? srv->cfg.har_body_max : SM_HAR_BODY_MAX_DEFAULT;
    if (c->body_max > SM_HAR_BUDGET / 4) {
        c->body_max = SM_HAR_BUDGET / 4;
    }
    (void)MHD_get_connection_values(conn, MHD_HEADER_KIND, on_req_header, c);
    (void)MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_query_arg, c);
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    c->host = host ? strdup(host) : NULL;
    return c;
}

/* The headers' strings are ours (strdup'd), the struct's fields const for
 * the renderer. */
static void headers_clear(struct sm_har_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((void *)(uintptr_t)h[i].name);
        free((void *)(uintptr_t)h[i].value);
    }
}

void sm_har_cap_free(struct sm_har_cap *c)
{
    if (c == NULL) {
        return;
    }
    headers_clear(c->req_h, c->n_req_h);
    headers_clear(c->resp_h, c->n_resp_h);
    SMX_FREE_ALL(c->req_h, c->resp_h, c->host, c->query, c->req_body, c->resp_body, c);
}

/* Append up to max bytes; the buffer doubles (from 4 KiB) up to max, so a
 * body arriving in many small chunks is copied O(n) times in all. */
static void keep(uint8_t **buf, size_t *len, size_t *cap, size_t max, const void *data, size_t n)
{
    if (*len >= max || n == 0) {
        return;
    }
    size_t take = n < max - *len ? n : max - *len;
    if (*len + take > *cap) {
        size_t nc = *cap ? *cap : 4096;
        while (nc < *len + take) {
            nc *= 2;
        }
        nc = nc < max ? nc : max;
        uint8_t *nb = realloc(*buf, nc);
        if (nb == NULL) {
            return;
        }
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, data, take);
    *len += take;
}

void sm_har_cap_request_body(struct sm_har_cap *c, const char *data, size_t n)
{
    if (c != NULL) {
        c->req_size += n;
        keep(&c->req_body, &c->req_len, &c->req_cap, c->body_max, data, n);
    }
}

void sm_har_cap_sent(struct sm_har_cap *c)
{
    if (c != NULL && c->sent_us == 0) {
        c->sent_us = sm_clock_now_us();
    }
}

static enum MHD_Result on_resp_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    struct sm_har_cap *c = cls;
    return add_header(&c->resp_h, &c->n_resp_h, &c->cap_resp_h, key, value, &c->head_bytes)
               ? MHD_YES
               : MHD_NO;
}

void sm_har_cap_response(struct sm_har_cap *c, struct MHD_Response *resp)
{
    if (c == NULL || resp == NULL) {
        return;
    }
    headers_clear(c->resp_h, c->n_resp_h); /* the last answer queued is the one sent */
    c->n_resp_h = 0;
    (void)MHD_get_response_headers(resp, on_resp_header, c);
}

void sm_har_cap_response_body(struct sm_har_cap *c, const void *data, size_t n)
{
    if (c != NULL) {
        keep(&c->resp_body, &c->resp_len, &c->resp_cap, c->body_max, data, n);
    }
}

void sm_har_cap_blob(struct sm_har_cap *c, const struct sm_blob *b)
{
    if (c == NULL || b == NULL || c->resp_len > 0) {
        return;
    }
    size_t n = b->size < c->body_max ? (size_t)b->size : c->body_max;
    if (b->fd < 0) {
        keep(&c->resp_body, &c->resp_len, &c->resp_cap, c->body_max, b->mem, n);
        return;
    }
    uint8_t *buf = malloc(n ? n : 1);
    size_t got = 0;
    while (buf != NULL && got < n) {
        ssize_t k = pread(b->fd, buf + got, n - got, (off_t)got);
        if (k <= 0) {
            break;
        }
        got += (size_t)k;
    }
    if (buf != NULL) {
        keep(&c->resp_body, &c->resp_len, &c->resp_cap, c->body_max, buf, got);
    }
    free(buf);
}

size_t sm_har_cap_bytes(const struct sm_har_cap *c)
{
    return c != NULL ? sizeof *c + c->head_bytes + c->req_cap + c->resp_cap : 0;
}

size_t sm_har_cap_drop_bodies(struct sm_har_cap *c)
{
    if (c == NULL || (c->req_body == NULL && c->resp_body == NULL)) {
        return 0;
    }
    size_t freed = c->req_cap + c->resp_cap;
    free(c->req_body);
    free(c->resp_body);
    c->req_body = c->resp_body = NULL;
    c->req_len = c->resp_len = 0;
    c->req_cap = c->resp_cap = 0;
    c->bodies_dropped = true;
    return freed;
}

/* ---- the export ------------------------------------------------------------- */

/* prefix (trusted, as is) + host + path + query, the last three
 * percent-encoded where a URI may not carry the byte as it is (a Host
 * header or a path may hold spaces or other bytes). */
static char *url_of(const char *prefix, const char *host, const char *path, const char *query)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *parts[3] = {host ? host : "", path ? path : "/", query ? query : ""};
    size_t cap = strlen(prefix) + 1;
    for (int p = 0; p < 3; p++) {
        cap += 3 * strlen(parts[p]);
    }
    char *u = malloc(cap);
    if (u == NULL) {
        return NULL;
    }
    size_t o = (size_t)snprintf(u, cap, "%s", prefix);
    for (int p = 0; p < 3; p++) {
        for (const unsigned char *c = (const unsigned char *)parts[p]; *c; c++) {
            bool plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                         (*c >= '0' && *c <= '9') || strchr("/-._~!$&'()*+,;=:@?[]", *c) != NULL;
            if (plain) {
                u[o++] = (char)*c;
            } else {
                u[o++] = '%';
                u[o++] = hex[*c >> 4];
                u[o++] = hex[*c & 15];
            }
        }
    }
    u[o] = '\0';
    return u;
}

/* The entry's comment: the journal's own fields. */
static char *comment_of(const struct sm_journal_entry *e)
{
    const struct sm_har_cap *c = e->har;
    const char *rule = sm_rule_id(e->rule); /* NULL for SM_RULE_NONE */
    char buf[1024];
    (void)snprintf(buf, sizeof buf, "stagemock seq %llu%s%s%s%s%s", (unsigned long long)e->seq,
                   rule ? "; rule " : "", rule ? rule : "", e->message ? ": " : "",
                   e->message ? e->message : "",
                   c == NULL           ? "; headers and bodies not kept (start the server with HAR "
                                         "capture: serve --har, cfg.har)"
                   : c->bodies_dropped ? "; bodies released (the journal's HAR budget)"
                                       : "");
    return strdup(buf);
}

struct har_export {
    struct sm_har_exchange *x;
    char **owned; /* urls and comments, freed after rendering */
    size_t n, n_owned;
};

static void export_entry(struct har_export *ex, const struct sm_journal_entry *e,
                         const char *fallback_base, const char *fallback_host)
{
    const struct sm_har_cap *c = e->har;
    struct sm_har_exchange *x = &ex->x[ex->n++];
    memset(x, 0, sizeof *x);
    bool host = c != NULL && c->host != NULL;
    char *url = url_of(host ? "http://" : fallback_base, host ? c->host : fallback_host, e->path,
                       c ? c->query : NULL);
    char *comment = comment_of(e);
    ex->owned[ex->n_owned++] = url;
    ex->owned[ex->n_owned++] = comment;
    x->url = url;
    x->comment = comment;
    x->method = e->method;
    x->start_us = e->start_us;
    x->answered_us = e->answered_us;
    x->end_us = e->end_us;
    x->status = e->status;
    x->resp_body.size = (int64_t)e->bytes_sent;
    x->req_body.size = e->scn_seen ? (int64_t)e->bytes_received : -1;
    if (c != NULL) {
        x->sent_us = c->sent_us;
        x->http_version = c->http_version;
        x->req_headers = c->req_h;
        x->n_req_headers = c->n_req_h;
        x->resp_headers = c->resp_h;
        x->n_resp_headers = c->n_resp_h;
        x->req_body = (struct sm_har_body){c->req_body, c->req_len, (int64_t)c->req_size, NULL};
        x->resp_body.data = c->resp_body;
        x->resp_body.len = c->resp_len;
        if (x->resp_body.len > (uint64_t)x->resp_body.size) {
            x->resp_body.size = (int64_t)x->resp_body.len;
        }
    }
}

char *sm_har_journal_locked(struct sm_server *srv, const char *host)
{
    struct sm_journal *j = &srv->journal;
    struct har_export ex = {0};
    ex.x = calloc(j->n ? j->n : 1, sizeof *ex.x);
    ex.owned = calloc(2 * (j->n ? j->n : 1), sizeof *ex.owned);
    char *text = NULL;
    if (ex.x != NULL && ex.owned != NULL) {
        /* entries without a Host of their own: the reader's Host (an HTTP
         * thread must not read srv->url, which start writes), else our URL */
        char base[128];
        if (host != NULL) {
            (void)snprintf(base, sizeof base, "http://");
        } else if (srv->url[0] != '\0') {
            (void)snprintf(base, sizeof base, "%s", srv->url);
        } else {
            (void)snprintf(base, sizeof base, "http://%.100s", srv->host);
        }
        for (size_t i = 0; i < j->n; i++) {
            export_entry(&ex, &j->e[(j->head + i) % j->cap], base, host);
        }
        char note[160];
        (void)snprintf(note, sizeof note,
                       "stagemock journal: %zu entries, %llu older ones dropped (journal_max)",
                       j->n, (unsigned long long)j->dropped);
        text = sm_har_render(ex.x, ex.n, note);
    }
    for (size_t i = 0; ex.owned != NULL && i < ex.n_owned; i++) {
        free(ex.owned[i]);
    }
    free(ex.owned);
    free(ex.x);
    return text;
}

char *sm_server_har_json_now(struct sm_server *srv, const char *host)
{
    pthread_mutex_lock(&srv->jlock);
    char *text = sm_har_journal_locked(srv, host ? host : "localhost");
    pthread_mutex_unlock(&srv->jlock);
    return text;
}
