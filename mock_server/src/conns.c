/*
 * conns.c - connection discipline: what a slow, stalled or greedy client may
 * hold, and how a stopping server lets go of its connections.
 *
 * What: every TCP connection MHD accepts is tracked (MHD_OPTION_NOTIFY_CONNECTION)
 * in one list with its peer address and a state: HEAD (waiting for or reading
 * a request head: idle keep-alive, or a client still sending headers), BUSY
 * (the access handler has the request), DEAD (closed by us, MHD not done yet).
 *  - Limits: a connection that takes the total (max_connections) or its
 *    address (max_connections_per_ip) over the limit makes room by closing
 *    the connection that has sat longest in HEAD (an idle keep-alive or an
 *    unfinished head: a slowloris); when every one is BUSY it is refused
 *    itself with a JSON 503. So slow connections can never lock ordinary
 *    requests out, not even from the same address.
 *  - Head deadline: a sweeper thread (4 times a second) sees when a HEAD
 *    connection's request starts arriving (the kernel's count of bytes
 *    received grows, TCP_INFO) and closes it with a JSON 408 when the head is
 *    not complete head_timeout_s later; pure idleness is MHD's idle timeout.
 *  - Body rate: a body gets head_timeout_s plus one second per min_body_rate
 *    bytes; a slower one is answered 408 at its next chunk (sm_conn_body),
 *    and a stalled one is shut down by the sweeper two seconds after that.
 *  - Stop: idle connections are shut down at once, BUSY ones are waited for.
 *  - Raw answers: where MHD offers no way to answer (a head not finished, a
 *    body cut off at a limit: MHD_queue_response only works before the body
 *    or after all of it), the JSON error is written to the socket directly,
 *    at moments MHD writes nothing on that connection, and the connection
 *    is closed. Over HTTPS (the TLS session is MHD's) the connection is
 *    closed without one, and the journal entry says so.
 * Design: the list has its own mutex (mu, the sweeper thread's: worker.c);
 * the request path never takes it, only atomics on its own entry.
 * NOTIFY_CLOSED runs before MHD closes the socket, so under mu every listed
 * fd is still open and shutdown() on it is safe from any thread. The sweeper
 * keeps its own per-entry fields (under mu).
 * Not here: MHD's idle timeout and hard caps (server.c).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "../../common/sm_json.h"

/* glibc's struct tcp_info lacks tcpi_bytes_received; the kernel's has it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#include <linux/tcp.h>
#pragma GCC diagnostic pop

#include "internal.h"

enum { CONN_HEAD = 0, CONN_BUSY = 1, CONN_DEAD = 2 };

#define SWEEP_MS      250
#define BODY_SLACK_MS 2000 /* after the body deadline, before the sweeper cuts a stall */

struct sm_conn {
    struct sm_conn *prev, *next;
    int fd;
    uint8_t ip[16];
    uint8_t ip_len;
    int state;             /* atomic: CONN_* */
    unsigned gen;          /* atomic: requests ended on this connection */
    int64_t head_since_ms; /* atomic: entered HEAD */
    int64_t body_start_ms; /* atomic: the request's first handler call */
    uint64_t body_bytes;   /* atomic: body bytes consumed */
    bool body_watch;       /* atomic: the body is being read and judged by rate */
    /* the sweeper's own view (mu held) */
    unsigned seen_gen;
    bool rx_known;
    uint64_t rx_base;      /* bytes received when the HEAD phase was first seen */
    int64_t head_start_ms; /* the head's first byte was seen (0: not yet) */
};

int64_t sm_clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sm_conns_init(struct sm_conns *cs, const struct sm_server_config *cfg)
{
    memset(cs, 0, sizeof *cs);
    sm_worker_init(&cs->sweeper);
    cs->max_total = cfg->max_connections ? cfg->max_connections : 512u;
    cs->max_per_ip = cfg->max_connections_per_ip ? cfg->max_connections_per_ip : 256u;
    cs->head_timeout_s = cfg->head_timeout_s ? cfg->head_timeout_s : 10u;
    cs->min_body_rate = cfg->min_body_rate ? cfg->min_body_rate : 1024u;
}

void sm_conns_cleanup(struct sm_conns *cs)
{
    /* MHD has reported every connection closed by now (MHD_stop_daemon) */
    while (cs->head != NULL) {
        struct sm_conn *c = cs->head;
        cs->head = c->next;
        free(c);
    }
    sm_worker_cleanup(&cs->sweeper);
}

/* ---- raw answers ------------------------------------------------------------ */

/* Write a whole JSON error answer with Connection: close straight to fd;
 * returns the body length (0 when it could not be built or not sent). Never
 * blocks: the send buffer of a connection MHD is not writing on has room for
 * it. Over HTTPS nothing is written: plain bytes inside a TLS stream would
 * only garble it, and the TLS session is MHD's; the connection just closes. */
static size_t raw_error(const struct sm_conns *cs, int fd, int status, enum sm_rule rule,
                        const char *msg)
{
    if (cs->tls) {
        return 0;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", msg);
    char *body = sm_json_print(o); /* valid UTF-8 whatever msg holds */
    cJSON_Delete(o);
    if (body == NULL) {
        return 0;
    }
    size_t len = strlen(body);
    const char *reason = MHD_get_reason_phrase_for((unsigned)status);
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                      "X-Stagemock-Rule: %s\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n",
                      status, reason ? reason : "Error", sm_rule_id(rule), len);
    if (hn > 0 && (size_t)hn < sizeof head) {
        struct iovec iov[2] = {{head, (size_t)hn}, {body, len}};
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
        ssize_t sent = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)sent; /* best effort: the connection closes either way */
    }
    free(body);
    return len;
}

static int conn_fd(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

enum MHD_Result sm_reply_error_close(struct sm_req *r, const struct sm_error *e)
{
    int status = sm_reply_status_of(r->srv, e);
    const char *msg = e->message[0] ? e->message : sm_strerror(e->code);
    enum sm_rule rid = sm_reply_rule_of(e);
    sm_reply_counted(r);
    int fd = conn_fd(r->conn);
    size_t len = fd >= 0 ? raw_error(&r->srv->conns, fd, status, rid, msg) : 0;
    if (fd >= 0) {
        (void)shutdown(fd, SHUT_WR); /* the answer, then FIN: MHD closes after MHD_NO */
    }
    r->je.status = status;
    r->je.rule = rid;
    r->je.bytes_sent = len;
    free(r->je.message);
    if (r->srv->conns.tls) { /* say that the client never saw this status */
        char m[640];
        (void)snprintf(m, sizeof m,
                       "%s (not sent: over HTTPS the connection is closed without an answer)", msg);
        r->je.message = strdup(m);
    } else {
        r->je.message = strdup(msg);
    }
    r->responded = true;
    if (r->sc != NULL) {
        __atomic_store_n(&r->sc->body_watch, false, __ATOMIC_RELAXED);
    }
    return MHD_NO;
}

/* ---- tracking ---------------------------------------------------------------- */

static bool rx_bytes(int fd, uint64_t *out)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received) {
        return false;
    }
    *out = ti.tcpi_bytes_received;
    return true;
}

/* Close a HEAD connection (mu held): a JSON answer when its client has begun
 * a request, silence for an idle one (an unasked answer would be read as the
 * answer to its next request). False when it is no longer HEAD. */
static bool kill_head(const struct sm_conns *cs, struct sm_conn *c, int status, const char *msg)
{
    int expect = CONN_HEAD;
    if (!__atomic_compare_exchange_n(&c->state, &expect, CONN_DEAD, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        return false;
    }
    uint64_t rx = 0;
    bool begun = c->head_start_ms != 0 ||
                 (c->rx_known && c->seen_gen == __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE) &&
                  rx_bytes(c->fd, &rx) && rx > c->rx_base);
    if (begun && msg != NULL) {
        (void)raw_error(cs, c->fd, status, SM_RULE_ERROR_JSON, msg);
    }
    (void)shutdown(c->fd, SHUT_RDWR);
    return true;
}

static bool same_ip(const struct sm_conn *a, const struct sm_conn *b)
{
    return a->ip_len == b->ip_len && memcmp(a->ip, b->ip, a->ip_len) == 0;
}

/* The longest-waiting HEAD connection other than nc (of nc's address when
 * per_ip), or NULL. */
static struct sm_conn *oldest_head(struct sm_conns *cs, const struct sm_conn *nc, bool per_ip)
{
    struct sm_conn *best = NULL;
    int64_t best_t = INT64_MAX;
    for (struct sm_conn *c = cs->head; c != NULL; c = c->next) {
        if (c == nc || __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CONN_HEAD ||
            (per_ip && !same_ip(c, nc))) {
            continue;
        }
        int64_t t = __atomic_load_n(&c->head_since_ms, __ATOMIC_RELAXED);
        if (t < best_t) {
            best = c;
            best_t = t;
        }
    }
    return best;
}

/* A new connection over a limit (mu held): make room, or refuse it. */
static void enforce(struct sm_conns *cs, struct sm_conn *nc)
{
    for (int pass = 0; pass < 2; pass++) {
        bool per_ip = pass == 0;
        unsigned n = 0;
        for (struct sm_conn *c = cs->head; c != NULL; c = c->next) {
            if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CONN_DEAD &&
                (!per_ip || same_ip(c, nc))) {
                n++;
            }
        }
        unsigned max = per_ip ? __atomic_load_n(&cs->max_per_ip, __ATOMIC_RELAXED)
                              : __atomic_load_n(&cs->max_total, __ATOMIC_RELAXED);
        if (n <= max) {
            continue;
        }
        const char *scope = per_ip ? "from one address" : "in all";
        char msg[200];
        struct sm_conn *v = oldest_head(cs, nc, per_ip);
        if (v != NULL) {
            (void)snprintf(msg, sizeof msg,
                           "connection limit reached (%u %s): this connection had not sent a "
                           "complete request head and was closed to make room",
                           max, scope);
            (void)kill_head(cs, v, 503, msg);
            continue;
        }
        int expect = CONN_HEAD;
        if (__atomic_compare_exchange_n(&nc->state, &expect, CONN_DEAD, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            (void)snprintf(msg, sizeof msg,
                           "too many connections (%u %s), every one busy with a request; try "
                           "again later",
                           max, scope);
            (void)raw_error(cs, nc->fd, 503, SM_RULE_ERROR_JSON, msg);
            (void)shutdown(nc->fd, SHUT_RDWR);
        }
        return;
    }
}

void sm_conns_notify(void *cls, struct MHD_Connection *mc, void **ctx,
                     enum MHD_ConnectionNotificationCode toe)
{
    struct sm_conns *cs = cls;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct sm_conn *c = *ctx;
        if (c == NULL) {
            return;
        }
        pthread_mutex_lock(&cs->sweeper.mu);
        if (c->prev != NULL) {
            c->prev->next = c->next;
        } else {
            cs->head = c->next;
        }
        if (c->next != NULL) {
            c->next->prev = c->prev;
        }
        cs->n--;
        pthread_mutex_unlock(&cs->sweeper.mu);
        *ctx = NULL;
        free(c);
        return;
    }
    struct sm_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        *ctx = NULL;
        return; /* untracked: limits and deadlines do not see it */
    }
    c->fd = conn_fd(mc);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa != NULL && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        memcpy(c->ip, &in->sin_addr, 4);
        c->ip_len = 4;
    } else if (sa != NULL && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(c->ip, &in6->sin6_addr, 16);
        c->ip_len = 16;
    }
    c->head_since_ms = sm_clock_mono_ms();
    c->rx_known = true; /* a new connection has received nothing before its first request */
    *ctx = c;
    pthread_mutex_lock(&cs->sweeper.mu);
    c->next = cs->head;
    if (cs->head != NULL) {
        cs->head->prev = c;
    }
    cs->head = c;
    cs->n++;
    enforce(cs, c);
    pthread_mutex_unlock(&cs->sweeper.mu);
}

struct sm_conn *sm_conn_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

bool sm_conn_begin(struct sm_conn *c)
{
    if (c == NULL) {
        return true;
    }
    int expect = CONN_HEAD;
    if (!__atomic_compare_exchange_n(&c->state, &expect, CONN_BUSY, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        return expect != CONN_DEAD;
    }
    __atomic_store_n(&c->body_bytes, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&c->body_start_ms, sm_clock_mono_ms(), __ATOMIC_RELAXED);
    __atomic_store_n(&c->body_watch, true, __ATOMIC_RELEASE);
    return true;
}

bool sm_conn_body(struct sm_conns *cs, struct sm_conn *c, size_t n, int64_t *elapsed_ms)
{
    if (c == NULL || !__atomic_load_n(&c->body_watch, __ATOMIC_ACQUIRE)) {
        return false;
    }
    uint64_t got = __atomic_add_fetch(&c->body_bytes, n, __ATOMIC_RELAXED);
    int64_t el = sm_clock_mono_ms() - __atomic_load_n(&c->body_start_ms, __ATOMIC_RELAXED);
    uint64_t rate = __atomic_load_n(&cs->min_body_rate, __ATOMIC_RELAXED);
    int64_t allowed = (int64_t)__atomic_load_n(&cs->head_timeout_s, __ATOMIC_RELAXED) * 1000 +
                      (int64_t)(got * 1000 / (rate ? rate : 1));
    *elapsed_ms = el;
    return el > allowed;
}

void sm_conn_body_done(struct sm_conn *c)
{
    if (c != NULL) {
        __atomic_store_n(&c->body_watch, false, __ATOMIC_RELEASE);
    }
}

void sm_conn_end(struct sm_conn *c)
{
    if (c == NULL) {
        return;
    }
    __atomic_store_n(&c->body_watch, false, __ATOMIC_RELEASE);
    __atomic_store_n(&c->head_since_ms, sm_clock_mono_ms(), __ATOMIC_RELAXED);
    __atomic_add_fetch(&c->gen, 1, __ATOMIC_ACQ_REL);
    int expect = CONN_BUSY;
    (void)__atomic_compare_exchange_n(&c->state, &expect, CONN_HEAD, false, __ATOMIC_ACQ_REL,
                                      __ATOMIC_ACQUIRE);
}

/* ---- the sweeper ------------------------------------------------------------- */

static void sweep_one(struct sm_conns *cs, struct sm_conn *c, int64_t now)
{
    int st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
    if (st == CONN_BUSY) {
        if (!__atomic_load_n(&c->body_watch, __ATOMIC_ACQUIRE)) {
            return;
        }
        uint64_t got = __atomic_load_n(&c->body_bytes, __ATOMIC_RELAXED);
        uint64_t rate = __atomic_load_n(&cs->min_body_rate, __ATOMIC_RELAXED);
        int64_t allowed = (int64_t)__atomic_load_n(&cs->head_timeout_s, __ATOMIC_RELAXED) * 1000 +
                          (int64_t)(got * 1000 / (rate ? rate : 1)) + BODY_SLACK_MS;
        if (now - __atomic_load_n(&c->body_start_ms, __ATOMIC_RELAXED) > allowed) {
            /* a stalled body: no chunk came to be answered 408 at; cut it */
            __atomic_store_n(&c->body_watch, false, __ATOMIC_RELEASE);
            (void)shutdown(c->fd, SHUT_RDWR);
        }
        return;
    }
    if (st != CONN_HEAD) {
        return;
    }
    unsigned gen = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
    if (gen != c->seen_gen) { /* a request ended since: a new HEAD phase */
        c->seen_gen = gen;
        c->rx_known = false;
        c->head_start_ms = 0;
    }
    uint64_t rx;
    if (!rx_bytes(c->fd, &rx)) {
        return;
    }
    if (!c->rx_known) {
        c->rx_base = rx;
        c->rx_known = true;
        return;
    }
    if (c->head_start_ms == 0 && rx > c->rx_base) {
        c->head_start_ms = now;
    }
    unsigned limit = __atomic_load_n(&cs->head_timeout_s, __ATOMIC_RELAXED);
    if (c->head_start_ms != 0 && now - c->head_start_ms >= (int64_t)limit * 1000) {
        char msg[160];
        (void)snprintf(msg, sizeof msg,
                       "the request head (request line and headers) was not complete %u s "
                       "after its first byte",
                       limit);
        (void)kill_head(cs, c, 408, msg);
    }
}

static void *sweeper_main(void *arg)
{
    struct sm_conns *cs = arg;
    pthread_mutex_lock(&cs->sweeper.mu);
    while (!cs->sweeper.stopping) {
        int64_t now = sm_clock_mono_ms();
        for (struct sm_conn *c = cs->head; c != NULL; c = c->next) {
            sweep_one(cs, c, now);
        }
        sm_worker_wait_us(&cs->sweeper, (int64_t)SWEEP_MS * 1000);
    }
    pthread_mutex_unlock(&cs->sweeper.mu);
    return NULL;
}

bool sm_conns_sweeper_start(struct sm_conns *cs)
{
    return sm_worker_start(&cs->sweeper, sweeper_main, cs);
}

void sm_conns_sweeper_stop(struct sm_conns *cs)
{
    sm_worker_stop(&cs->sweeper);
}

unsigned sm_conns_close_idle(struct sm_conns *cs)
{
    unsigned busy = 0;
    pthread_mutex_lock(&cs->sweeper.mu);
    for (struct sm_conn *c = cs->head; c != NULL; c = c->next) {
        int st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
        if (st == CONN_HEAD) {
            (void)kill_head(cs, c, 503, NULL);
        } else if (st == CONN_BUSY) {
            busy++;
        }
    }
    pthread_mutex_unlock(&cs->sweeper.mu);
    return busy;
}

void sm_conns_set_limits(struct sm_conns *cs, unsigned max_total, unsigned max_per_ip,
                         unsigned head_timeout_s, unsigned min_body_rate)
{
    if (max_total) {
        __atomic_store_n(&cs->max_total, max_total, __ATOMIC_RELAXED);
    }
    if (max_per_ip) {
        __atomic_store_n(&cs->max_per_ip, max_per_ip, __ATOMIC_RELAXED);
    }
    if (head_timeout_s) {
        __atomic_store_n(&cs->head_timeout_s, head_timeout_s, __ATOMIC_RELAXED);
    }
    if (min_body_rate) {
        __atomic_store_n(&cs->min_body_rate, min_body_rate, __ATOMIC_RELAXED);
    }
}
