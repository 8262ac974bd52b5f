/*
 * scenario_run.c - executing a fired scenario rule on a live MHD connection.
 *
 * What: the request path calls in here only through the hooks at the bottom
 * of this file (struct sm_scn_hooks, ../internal.h), which scenario_api.c
 * installs with the engine, so with no scenario loaded it pays one pointer
 * check and nothing here is reached. At the headers, the engine decides; an
 * answer before the body (before_body, refuse_continue) is queued at once.
 * While the body arrives, request-side faults count bytes exactly (only the
 * bytes up to the offset are consumed), and read_rate consumes at a rate. At
 * the end of the body, rules on stage/file are decided, delay_ms waits,
 * canned answers and connection faults are executed. Real answers pass
 * through run_queue (the hook reply.c's funnel calls), where they are
 * altered, lost, or re-served through a content-reader callback that
 * dribbles, truncates or faults at an exact response-body offset.
 * Design: a reset is SO_LINGER {1,0} plus connect(AF_UNSPEC), which makes
 * Linux send an RST at once (tcp_disconnect) without MHD's shutdown() FIN
 * first; MHD then closes a dead socket. Before a response-side fault the
 * kernel send queue is drained (SIOCOUTQ) so the client really has the N
 * bytes. Waits never block an MHD thread: the connection is suspended and a
 * per-server waker thread resumes it when due; on stop, every sleeper is
 * resumed with "aborted" set so it closes.
 * Calls go down only: into the engine (scenario.c), the model
 * (scenario_model.c) and the core (reply.c, form.c, spool.c); nothing in the
 * core calls a function here by name.
 * Not here: deciding which rule fires (scenario.c).
 */
#include <errno.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"
#include "scenario.h"
#include "scenario_run.h"

struct sm_scn_sleeper {
    struct MHD_Connection *conn;
    int64_t due_us; /* INT64_MAX: until stop (a stall) */
    bool aborted;   /* set by the waker on stop */
};

struct sm_scn_waker {
    struct sm_worker thread; /* its mu guards the sleepers */
    struct sm_scn_sleeper **items;
    size_t n, cap;
};

/* A real or canned body re-served through a content reader. */
struct shaped {
    struct sm_scn_sleeper sleep;
    struct sm_server *srv;
    uint8_t *mem;
    struct sm_blob *blob;
    uint64_t len;  /* bytes of the source */
    uint64_t stop; /* serve [0, stop); then end (stop == len), or fault */
    enum sm_scn_conn at_stop;
    uint64_t chunk;
    uint64_t interval_us;
    int64_t next_us;
    uint64_t *sent; /* bytes_sent in the run (valid while the request lives) */
};

struct sm_scn_run {
    struct sm_scn_hit hit;
    struct sm_scn_sleeper sleep;
    uint64_t body_read;
    int64_t body_start_us;
    bool delayed;
    bool stalled;
    bool fields_decided;
    uint8_t *body; /* the real answer's body when noted (reply.c) */
    size_t body_len;
    struct sm_blob *blob; /* the download's stored bytes when noted */
    uint64_t bytes_sent;
    const char *did; /* what was executed, for the journal */
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the waker ------------------------------------------------------------ */

static void *waker_main(void *arg)
{
    struct sm_scn_waker *w = arg;
    pthread_mutex_lock(&w->thread.mu);
    while (!w->thread.stopping) {
        int64_t t = now_us(), next = INT64_MAX;
        for (size_t i = 0; i < w->n;) {
            if (w->items[i]->due_us <= t) {
                MHD_resume_connection(w->items[i]->conn);
                w->items[i] = w->items[--w->n];
            } else {
                next = w->items[i]->due_us < next ? w->items[i]->due_us : next;
                i++;
            }
        }
        int64_t wait = next == INT64_MAX ? 1000000 : next - t;
        sm_worker_wait_us(&w->thread, wait > 1000000 ? 1000000 : wait);
    }
    for (size_t i = 0; i < w->n; i++) {
        w->items[i]->aborted = true;
        MHD_resume_connection(w->items[i]->conn);
    }
    w->n = 0;
    pthread_mutex_unlock(&w->thread.mu);
    return NULL;
}

static struct sm_scn_waker *waker_get(struct sm_server *srv)
{
    pthread_mutex_lock(&srv->lock);
    struct sm_scn_waker *w = srv->scn_waker;
    if (w == NULL && !srv->scn_stopped && (w = calloc(1, sizeof *w)) != NULL) {
        sm_worker_init(&w->thread);
        if (!sm_worker_start(&w->thread, waker_main, w)) {
            sm_worker_cleanup(&w->thread);
            free(w);
            w = NULL;
        }
        srv->scn_waker = w;
    }
    pthread_mutex_unlock(&srv->lock);
    return w;
}

/* Suspend the connection (from its handler or content reader) until due. */
static bool sleep_until(struct sm_server *srv, struct sm_scn_sleeper *s, int64_t due_us)
{
    struct sm_scn_waker *w = waker_get(srv);
    if (w == NULL) {
        return false;
    }
    pthread_mutex_lock(&w->thread.mu);
    bool ok = !w->thread.stopping;
    if (ok && w->n == w->cap) {
        /* on failure the old array and its sleepers stay as they were */
        size_t cap = w->cap ? w->cap * 2 : 16;
        struct sm_scn_sleeper **items = realloc(w->items, cap * sizeof(struct sm_scn_sleeper *));
        if (items == NULL) {
            ok = false;
        } else {
            w->items = items;
            w->cap = cap;
        }
    }
    if (!ok) {
        pthread_mutex_unlock(&w->thread.mu);
        return false;
    }
    MHD_suspend_connection(s->conn);
    s->due_us = due_us;
    w->items[w->n++] = s;
    pthread_cond_signal(&w->thread.cv);
    pthread_mutex_unlock(&w->thread.mu);
    return true;
}

static void waker_stop(struct sm_server *srv)
{
    pthread_mutex_lock(&srv->lock);
    struct sm_scn_waker *w = srv->scn_waker;
    srv->scn_waker = NULL;
    srv->scn_stopped = true;
    pthread_mutex_unlock(&srv->lock);
    if (w == NULL) {
        return;
    }
    sm_worker_stop(&w->thread);
    sm_worker_cleanup(&w->thread);
    free(w->items);
    free(w);
}

/* ---- socket faults ---------------------------------------------------------- */

static int conn_fd(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

/* Wait (bounded, 2 s) until the peer has acknowledged everything sent. */
static void drain(int fd)
{
    for (int i = 0; i < 2000; i++) {
        int q = 0;
        if (ioctl(fd, SIOCOUTQ, &q) != 0 || q <= 0) {
            return;
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

/* An RST now: linger 0, then disconnect (tcp_disconnect sends the reset). */
static void reset_now(struct MHD_Connection *c)
{
    int fd = conn_fd(c);
    if (fd < 0) {
        return;
    }
    struct linger lg = {1, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    struct sockaddr sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_family = AF_UNSPEC;
    (void)connect(fd, &sa, sizeof sa);
}

/* ---- responses ----------------------------------------------------------- */

static void add_headers(struct MHD_Response *resp, const struct sm_scn_action *a)
{
    if (a->content_type != NULL) {
        MHD_del_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, NULL);
        (void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
    }
    for (size_t i = 0; i < a->n_headers; i++) {
        (void)MHD_add_response_header(resp, a->headers[i].name, a->headers[i].value);
    }
}

static ssize_t shaped_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct shaped *s = cls;
    if (s->sleep.aborted) {
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (pos >= s->stop) {
        int fd = conn_fd(s->sleep.conn);
        if (s->at_stop == SM_SCN_CONN_STALL) {
            return sleep_until(s->srv, &s->sleep, INT64_MAX) ? 0
                                                             : MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (fd >= 0) {
            drain(fd);
        }
        if (s->at_stop == SM_SCN_CONN_RESET) {
            reset_now(s->sleep.conn);
        }
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (s->chunk > 0) {
        int64_t t = now_us();
        if (t < s->next_us) {
            return sleep_until(s->srv, &s->sleep, s->next_us) ? 0
                                                              : MHD_CONTENT_READER_END_WITH_ERROR;
        }
        s->next_us = t + (int64_t)s->interval_us;
        max = max < s->chunk ? max : (size_t)s->chunk;
    }
    uint64_t n = s->stop - pos < max ? s->stop - pos : max;
    n = n < s->len - (pos < s->len ? pos : s->len) ? n : s->len - (pos < s->len ? pos : s->len);
    if (n == 0) {
        memset(buf, ' ',
               max < s->stop - pos ? max : (size_t)(s->stop - pos)); /* pad past the source */
        n = max < s->stop - pos ? max : s->stop - pos;
    } else if (s->mem != NULL) {
        memcpy(buf, s->mem + pos, (size_t)n);
    } else if (s->blob != NULL && s->blob->fd >= 0) {
        ssize_t got = pread(s->blob->fd, buf, (size_t)n, (off_t)pos);
        if (got <= 0) {
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        n = (uint64_t)got;
    } else if (s->blob != NULL) {
        memcpy(buf, s->blob->mem + pos, (size_t)n);
    }
    if (s->sent != NULL) {
        *s->sent = pos + n;
    }
    return (ssize_t)n;
}

static void shaped_free(void *cls)
{
    struct shaped *s = cls;
    free(s->mem);
    sm_blob_unref(s->blob);
    free(s);
}

static bool needs_shaping(const struct sm_scn_action *a)
{
    return a->dribble_bytes > 0 || a->truncate || a->response_fault.what != SM_SCN_CONN_NONE;
}

/* A response over (mem,len) or blob: dribbled, truncated or faulted as asked.
 * Takes ownership of mem and of the blob reference. */
static struct MHD_Response *shaped_new(struct sm_req *r, uint8_t *mem, struct sm_blob *blob,
                                       uint64_t len)
{
    const struct sm_scn_action *a = &r->scn_run->hit.action;
    struct shaped *s = calloc(1, sizeof *s);
    if (s == NULL) {
        free(mem);
        sm_blob_unref(blob);
        return NULL;
    }
    s->srv = r->srv;
    s->sleep.conn = r->conn;
    s->mem = mem;
    s->blob = blob;
    s->len = len;
    s->stop = len;
    s->sent = &r->scn_run->bytes_sent;
    uint64_t declared = len;
    if (a->truncate) {
        s->stop = a->truncate_at < len ? a->truncate_at : len;
        s->at_stop = SM_SCN_CONN_CLOSE;
        declared = a->content_length > s->stop ? a->content_length : len;
        if (declared <= s->stop) {
            declared = s->stop + 1; /* always more than is sent */
        }
    }
    if (a->response_fault.what != SM_SCN_CONN_NONE && a->response_fault.after_bytes < s->stop) {
        s->stop = a->response_fault.after_bytes;
        s->at_stop = a->response_fault.what;
    }
    s->chunk = a->dribble_bytes;
    s->interval_us = a->dribble_interval_ms * 1000;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(declared, 16 * 1024, shaped_read, s, shaped_free);
    if (resp == NULL) {
        shaped_free(s);
    }
    return resp;
}

static uint8_t *copy_body(const struct sm_scn_action *a, uint64_t *len)
{
    *len = a->body ? a->body_len : 0;
    uint8_t *m = malloc(*len ? *len : 1);
    if (m != NULL && *len > 0) {
        memcpy(m, a->body, *len);
    }
    return m;
}

/* The action's canned answer. */
static enum MHD_Result canned(struct sm_req *r)
{
    const struct sm_scn_action *a = &r->scn_run->hit.action;
    uint64_t len = 0;
    uint8_t *body = copy_body(a, &len);
    if (body == NULL) {
        return MHD_NO;
    }
    struct MHD_Response *resp;
    if (needs_shaping(a)) {
        resp = shaped_new(r, body, NULL, len);
    } else {
        resp = MHD_create_response_from_buffer_with_free_callback((size_t)len, body, free);
        if (resp == NULL) {
            free(body);
        }
    }
    if (resp == NULL) {
        return MHD_NO;
    }
    add_headers(resp, a);
    r->scn_run->did = "respond";
    sm_reply_answered(r);
    if (!needs_shaping(a)) { /* shaped ones may take long: not waited for */
        sm_reply_counted(r);
    }
    sm_har_cap_response(r->je.har, resp);
    sm_har_cap_response_body(r->je.har, body, (size_t)len);
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned int)a->status, resp);
    MHD_destroy_response(resp);
    r->je.status = a->status;
    r->je.bytes_sent = needs_shaping(a) ? 0 : len;
    r->responded = true;
    return ret;
}

/* Close (FIN) or reset (RST) with no answer. */
static enum MHD_Result hang_up(struct sm_req *r, enum sm_scn_conn how)
{
    sm_reply_counted(r); /* before the reset: the client may look at once */
    if (how == SM_SCN_CONN_RESET) {
        reset_now(r->conn);
    }
    r->scn_run->did = sm_scn_conn_name(how);
    r->responded = true;
    return MHD_NO;
}

/* ---- the request path ------------------------------------------------------ */

static const char *get_header(void *cls, const char *name)
{
    return MHD_lookup_connection_value(cls, MHD_HEADER_KIND, name);
}

static enum sm_scn_endpoint endpoint_of(enum sm_route route)
{
    switch (route) {
    case SM_ROUTE_UPLOAD:
        return SM_SCN_EP_UPLOAD;
    case SM_ROUTE_DOWNLOAD:
        return SM_SCN_EP_DOWNLOAD;
    case SM_ROUTE_LIST:
        return SM_SCN_EP_LIST;
    default:
        return SM_SCN_EP_OTHER;
    }
}

/* Whether a rule fires for this phase. Out of memory (the run state, the
 * rule's action copy) sets *oom: the caller answers 503 rather than run the
 * request as though no rule were scripted for it. */
static bool decide(struct sm_req *r, struct sm_scn *scn, enum sm_scn_phase phase, const char *stage,
                   const char *file, bool *oom)
{
    struct sm_scn_request q = {endpoint_of(r->route),       stage,      file,
                               r->have_key ? r->key : NULL, get_header, r->conn};
    struct sm_scn_run *run = r->scn_run;
    if (run == NULL && (run = calloc(1, sizeof *run)) == NULL) {
        *oom = true;
        return false;
    }
    r->scn_run = run;
    run->sleep.conn = r->conn;
    struct sm_error err;
    if (sm_scn_decide(scn, phase, &q, &run->hit, &err) != SM_OK) {
        run->hit.fired = false;
        *oom = true; /* its only failure */
    }
    return run->hit.fired;
}

static enum MHD_Result no_memory(struct sm_req *r)
{
    struct sm_error e;
    (void)sm_err_set(&e, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory deciding the scenario");
    return sm_reply_error(r, &e);
}

static bool run_begin(struct sm_req *r, struct sm_scn *scn, enum MHD_Result *ret)
{
    bool oom = false;
    if (r->route == SM_ROUTE_ADMIN) {
        return false;
    }
    if (!decide(r, scn, SM_SCN_PHASE_HEADERS, NULL, NULL, &oom)) {
        if (oom) {
            *ret = no_memory(r);
        }
        return oom;
    }
    const struct sm_scn_action *a = &r->scn_run->hit.action;
    const char *expect =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    bool continue_asked = expect != NULL && strcasecmp(expect, "100-continue") == 0;
    if (a->refuse_continue && continue_asked) {
        if (r->scn_run->hit.action.status == 0) {
            r->scn_run->hit.action.status = 417;
        }
        *ret = canned(r);
        r->scn_run->did = "refuse_continue";
        return true;
    }
    if (a->refuse_continue && !continue_asked) {
        /* nothing to refuse: the request runs for real */
        r->scn_run->hit.action.status = 0;
        r->scn_run->hit.action.refuse_continue = false;
        r->scn_run->did = "real";
        return false;
    }
    if (a->before_body) {
        *ret = a->connection != SM_SCN_CONN_NONE ? hang_up(r, a->connection) : canned(r);
        return true;
    }
    return false;
}

static bool run_body(struct sm_req *r, size_t *n, enum MHD_Result *ret)
{
    struct sm_scn_run *run = r->scn_run;
    const struct sm_scn_action *a = &run->hit.action;
    if (!run->hit.fired) {
        return false;
    }
    if (run->sleep.aborted) {
        *ret = MHD_NO;
        return true;
    }
    if (run->body_start_us == 0) {
        run->body_start_us = now_us();
    }
    if (a->request_fault.what != SM_SCN_CONN_NONE &&
        run->body_read + *n >= a->request_fault.after_bytes) {
        /* the bytes up to the offset count as read; the fault fires at it, now
         * (MHD may not call again for the rest of a partly consumed chunk) */
        run->body_read = a->request_fault.after_bytes;
        run->did = "request_fault";
        if (a->request_fault.what == SM_SCN_CONN_STALL) {
            run->stalled = true;
            *ret = sleep_until(r->srv, &run->sleep, INT64_MAX) ? MHD_YES : MHD_NO;
            return true;
        }
        *ret = hang_up(r, a->request_fault.what);
        run->did = "request_fault";
        return true;
    }
    if (a->read_rate > 0) {
        /* consume what the rate allows so far, then sleep until the next
         * slice is due; on resume MHD hands over the rest of the chunk */
        int64_t el = now_us() - run->body_start_us;
        uint64_t allowed = (uint64_t)el * a->read_rate / 1000000 + a->read_rate / 50 + 1;
        uint64_t take = allowed > run->body_read ? allowed - run->body_read : 0;
        run->did = "throttle_read";
        if (take < *n) {
            *n = (size_t)take;
            uint64_t next = (run->body_read + *n + a->read_rate / 50) * 1000000 / a->read_rate;
            if (!sleep_until(r->srv, &run->sleep, run->body_start_us + (int64_t)next)) {
                *ret = MHD_NO;
                return true;
            }
        }
    }
    run->body_read += *n;
    return false;
}

static bool run_finish(struct sm_req *r, struct sm_scn *scn, enum MHD_Result *ret)
{
    struct sm_scn_run *run = r->scn_run;
    if (run->sleep.aborted) {
        *ret = MHD_NO;
        return true;
    }
    if (!run->hit.fired && !run->fields_decided) {
        run->fields_decided = true;
        sm_scn_hit_cleanup(&run->hit);
        struct sm_form tmp;
        const struct sm_form *f = &r->form;
        if (r->raw != NULL && r->route != SM_ROUTE_UPLOAD) {
            memset(&tmp, 0, sizeof tmp);
            struct sm_error e;
            if (sm_form_parse_json(&tmp, r->raw, r->raw_len, &e) == SM_OK) {
                f = &tmp;
            }
        }
        const char *file =
            r->route == SM_ROUTE_UPLOAD ? r->filename : (f->n_file_name ? f->file_name : NULL);
        bool oom = false;
        if (!decide(r, scn, SM_SCN_PHASE_FIELDS, f->n_stage_id ? f->stage_id : NULL, file, &oom)) {
            if (oom) {
                *ret = no_memory(r);
            }
            return oom;
        }
    }
    if (!run->hit.fired) {
        return false;
    }
    const struct sm_scn_action *a = &run->hit.action;
    if (a->delay_ms > 0 && !run->delayed) {
        run->delayed = true;
        if (sleep_until(r->srv, &run->sleep, now_us() + (int64_t)a->delay_ms * 1000)) {
            *ret = MHD_YES;
            return true;
        }
    }
    if (a->connection == SM_SCN_CONN_NONE && (a->status == 0 || a->real)) {
        return false; /* the real behaviour runs; run_queue shapes its answer */
    }
    if (r->je.stage == NULL && r->form.n_stage_id > 0) {
        r->je.stage = strdup(r->form.stage_id); /* the journal names what was asked */
    }
    if (r->je.file_name == NULL && r->filename != NULL) {
        r->je.file_name = strdup(r->filename);
    }
    *ret = a->connection != SM_SCN_CONN_NONE ? hang_up(r, a->connection) : canned(r);
    return true;
}

static void run_note_body(struct sm_req *r, const char *data, size_t len)
{
    struct sm_scn_run *run = r->scn_run;
    if (run == NULL || !run->hit.fired || run->body != NULL) {
        return;
    }
    run->body = malloc(len ? len : 1);
    if (run->body != NULL) {
        memcpy(run->body, data, len);
        run->body_len = len;
    }
}

static void run_note_blob(struct sm_req *r, struct sm_blob *blob)
{
    struct sm_scn_run *run = r->scn_run;
    if (run != NULL && run->hit.fired && run->blob == NULL) {
        run->blob = sm_blob_ref(blob);
    }
}

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0) {
        (void)MHD_add_response_header(cls, key, value);
    }
    return MHD_YES;
}

static enum MHD_Result run_queue(struct sm_req *r, int status, struct MHD_Response *resp,
                                 uint64_t body_len)
{
    struct sm_scn_run *run = r->scn_run;
    const struct sm_scn_action *a = &run->hit.action;
    r->je.status = status;
    r->je.bytes_sent = body_len;
    r->responded = true;
    if (a->lose_response) {
        MHD_destroy_response(resp);
        run->did = "lose_response";
        sm_reply_counted(r); /* before the reset: the client may look at once */
        reset_now(r->conn);
        r->je.bytes_sent = 0;
        return MHD_NO;
    }
    struct MHD_Response *out = resp;
    if (needs_shaping(a) || (a->real && a->body != NULL)) {
        uint8_t *mem = NULL;
        struct sm_blob *blob = NULL;
        uint64_t len = 0;
        if (a->body != NULL) {
            mem = copy_body(a, &len);
        } else if (run->blob != NULL) {
            blob = run->blob;
            run->blob = NULL;
            len = blob->size;
        } else {
            mem = run->body;
            len = run->body_len;
            run->body = NULL;
        }
        out = needs_shaping(a)
                  ? shaped_new(r, mem, blob, len)
                  : MHD_create_response_from_buffer_with_free_callback((size_t)len, mem, free);
        if (out == NULL) {
            MHD_destroy_response(resp);
            return MHD_NO;
        }
        (void)MHD_get_response_headers(resp, copy_header, out);
        MHD_destroy_response(resp);
        r->je.bytes_sent = needs_shaping(a) ? 0 : len;
    }
    add_headers(out, a);
    if (a->status != 0) {
        status = a->status;
        r->je.status = status;
    }
    if (run->did == NULL) {
        run->did = sm_scn_action_kind(a);
    }
    sm_reply_answered(r);
    if (!needs_shaping(a)) {
        sm_reply_counted(r); /* before queueing, as in sm_reply_queue */
    }
    sm_har_cap_response(r->je.har, out);
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned int)status, out);
    MHD_destroy_response(out);
    return ret;
}

static void run_end(struct sm_req *r, struct sm_scn *scn)
{
    struct sm_scn_run *run = r->scn_run;
    r->scn_run = NULL;
    if (run == NULL) {
        return;
    }
    struct sm_journal_entry *je = &r->je;
    je->scn_seen = true;
    je->bytes_received = run->body_read;
    je->scn_seed = scn != NULL ? sm_scn_seed(scn) : 0;
    if (run->hit.fired) {
        const char *name = run->hit.rule_name ? run->hit.rule_name : "";
        size_t name_len = strlen(name);
        /* without memory: not recorded */
        struct sm_journal_fired *f = calloc(1, sizeof *f + name_len + 1);
        if (f != NULL) {
            memcpy(f->rule, name, name_len + 1);
            f->action = run->did ? run->did : sm_scn_action_kind(&run->hit.action);
            (void)snprintf(f->state_before, sizeof f->state_before, "%s", run->hit.state_before);
            (void)snprintf(f->state_after, sizeof f->state_after, "%s", run->hit.state_after);
            f->firing = run->hit.firing;
        }
        free(je->fired);
        je->fired = f;
        if (needs_shaping(&run->hit.action) && run->bytes_sent > 0) {
            je->bytes_sent = run->bytes_sent;
        }
    } else if (scn != NULL) {
        sm_scn_note_unmatched(scn, je->method, je->path);
    }
    sm_scn_hit_cleanup(&run->hit);
    free(run->body);
    sm_blob_unref(run->blob);
    free(run);
}

const struct sm_scn_hooks sm_scn_run_hooks = {
    .begin = run_begin,
    .body = run_body,
    .finish = run_finish,
    .queue = run_queue,
    .note_body = run_note_body,
    .note_blob = run_note_blob,
    .end = run_end,
    .stop = waker_stop,
    .engine_free = sm_scn_free,
};
