/*
 * test_hostile_conn.c - what a hostile or broken client can do to the mock
 * over its connections, replayed against an in-process server on loopback
 * (issue 13 items 2, 4, 6, 7, 9; issue 12 item 6): stop with an idle
 * keep-alive client, slowloris heads, 600 slow connections beside ordinary
 * requests, an over-limit chunked upload, oversized list bodies, the admin
 * API from a browser, the header limit, and forged log lines. Every loop is
 * bounded; each test prints the figure it measured ("figure: ...").
 * Several loopback source addresses (127.0.0.x, bound before connect) stand
 * for several clients.
 */
#include "../support/sm_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../support/sm_http.h"
#include "stagemock/server.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A TCP connection to 127.0.0.1:port from 127.0.0.<src> (0: any). */
static int dial(uint16_t port, int src, bool nonblock)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    assert_true(fd >= 0);
    if (src > 0) {
        struct sockaddr_in me = {.sin_family = AF_INET};
        me.sin_addr.s_addr = htonl((127u << 24) | (unsigned)src);
        assert_int_equal(bind(fd, (struct sockaddr *)&me, sizeof me), 0);
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&to, sizeof to);
    if (rc != 0 && !(nonblock && errno == EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
        if (k <= 0) {
            return;
        }
        s += k;
        n -= (size_t)k;
    }
}

/* Read until EOF, an error, or timeout_s; returns the bytes (caller frees). */
static char *read_until_close(int fd, double timeout_s, size_t *len, bool *closed)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    double end = now_s() + timeout_s;
    *closed = false;
    while (now_s() < end) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        if (n + 1024 > cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            assert_non_null(nb);
            buf = nb;
        }
        ssize_t k = recv(fd, buf + n, cap - n - 1, 0);
        if (k <= 0) {
            *closed = true;
            break;
        }
        n += (size_t)k;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The answer in raw bytes is status `status`, JSON with a message holding needle. */
static void assert_raw_json(const char *raw, int status, const char *needle)
{
    char want[32];
    (void)snprintf(want, sizeof want, "HTTP/1.1 %d ", status);
    if (strncmp(raw, want, strlen(want)) != 0) {
        fprintf(stderr, "want %d, got: %.300s\n", status, raw);
        fail();
    }
    assert_non_null(strstr(raw, "application/json"));
    const char *body = strstr(raw, "\r\n\r\n");
    assert_non_null(body);
    cJSON *j = cJSON_Parse(body + 4);
    assert_non_null(j);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
    assert_true(cJSON_IsString(m));
    if (needle != NULL && strstr(m->valuestring, needle) == NULL) {
        fprintf(stderr, "message '%s' lacks '%s'\n", m->valuestring, needle);
        fail();
    }
    cJSON_Delete(j);
}

/* A plain connection to srv from 127.0.0.1. */
static int dial_server(struct sm_server *srv)
{
    int fd = dial(sm_server_port(srv), 0, false);
    assert_true(fd >= 0);
    return fd;
}

/* Send piece every 200 ms (40 times at most, 8 s) until the server closes;
 * returns when it closed, in seconds from the first piece (0: never), and
 * the first answer seen in *raw (NULL when none; free it). */
static double dribble_until_closed(int fd, const char *piece, size_t len, char **raw)
{
    double t0 = now_s(), closed_at = 0;
    *raw = NULL;
    for (int i = 0; i < 40 && closed_at == 0; i++) {
        send_all(fd, piece, len);
        size_t n;
        bool closed;
        char *got = read_until_close(fd, 0.2, &n, &closed);
        if (n > 0 && *raw == NULL) {
            *raw = got;
            got = NULL;
        }
        free(got);
        if (closed) {
            closed_at = now_s() - t0;
        }
    }
    return closed_at;
}

static size_t sink(char *p, size_t size, size_t n, void *cls)
{
    (void)p;
    (void)cls;
    return size * n;
}

/* A list request on handle h (kept for reuse); returns the status. */
static long list_on(CURL *h, const char *base, double timeout_s)
{
    char url[256];
    (void)snprintf(url, sizeof url, "%s/list-stage-files", base);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Authorization: Key k1");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "stage_id=s1");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(hdrs);
    return status;
}

/* ---- teardown -------------------------------------------------------------- */

static void stop_with_idle_keepalive_is_fast(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    CURL *h = curl_easy_init();
    assert_int_equal(list_on(h, sm_server_url(srv), 10), 200);
    assert_int_equal(list_on(h, sm_server_url(srv), 10), 200);
    long fresh = -1;
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &fresh);
    assert_int_equal(fresh, 0); /* the second request reused the connection: it is kept */
    double t0 = now_s();
    sm_server_free(srv);
    double dt = now_s() - t0;
    printf("figure: stop with an idle keep-alive libcurl handle: %.3f s\n", dt);
    assert_true(dt < 2.0);
    curl_easy_cleanup(h);
}

static void stop_gives_in_flight_requests_a_bounded_grace(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.stop_grace_ms = 600;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    /* an upload that never finishes its body */
    int fd = dial_server(srv);
    static const char head[] = "POST /upload-to-stage HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Authorization: Key k1\r\nContent-Type: multipart/form-data; "
                               "boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n";
    send_all(fd, head, sizeof head - 1);
    sleep_ms(100);
    double t0 = now_s();
    sm_server_stop(srv);
    double dt = now_s() - t0;
    printf("figure: stop with one upload in flight (grace 600 ms): %.3f s\n", dt);
    assert_true(dt >= 0.5 && dt < 2.0);
    size_t n;
    bool closed;
    free(read_until_close(fd, 2, &n, &closed));
    assert_true(closed);
    close(fd);
    sm_server_free(srv);
}

/* ---- slow heads and bodies --------------------------------------------------- */

static void slowloris_head_gets_408_at_the_deadline(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.head_timeout_s = 1;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    int fd = dial_server(srv);
    static const char line[] = "POST /list-stage-files HTTP/1.1\r\nX-Slow: ";
    send_all(fd, line, sizeof line - 1);
    char *raw = NULL; /* one byte every 200 ms, at most 8 s */
    double closed_at = dribble_until_closed(fd, "a", 1, &raw);
    printf("figure: slowloris head closed after %.2f s (deadline 1 s): %.60s\n", closed_at,
           raw ? raw : "(no answer)");
    assert_true(closed_at > 0.9 && closed_at < 3.0);
    assert_non_null(raw);
    assert_raw_json(raw, 408, "request head");
    free(raw);
    close(fd);
    sm_server_free(srv);
}

static void slow_body_gets_408(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.head_timeout_s = 1;
    cfg.min_body_rate = 1000;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    int fd = dial_server(srv);
    static const char head[] = "POST /list-stage-files HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Authorization: Key k1\r\nContent-Length: 5000\r\n\r\n";
    send_all(fd, head, sizeof head - 1);
    char *raw = NULL; /* 10 bytes every 200 ms: 50 B/s */
    double closed_at = dribble_until_closed(fd, "stage_id=s", 10, &raw);
    printf("figure: 50 B/s body closed after %.2f s (1 s + 1 s per 1000 B)\n", closed_at);
    assert_true(closed_at > 0.9 && closed_at < 4.0);
    assert_non_null(raw);
    assert_raw_json(raw, 408, "too slowly");
    free(raw);
    close(fd);
    sm_server_free(srv);
}

/* n slow connections spread over the given source addresses send one more
 * header byte every 100 ms (reconnecting when closed) for secs seconds,
 * while ordinary list requests from 127.0.0.1 run; returns the slowest. */
static double slow_crowd(struct sm_server *srv, int n, const int *srcs, int n_srcs, double secs,
                         int *answered, int *reopened)
{
    int *fds = calloc((size_t)n, sizeof *fds);
    int *sent = calloc((size_t)n, sizeof *sent);
    assert_non_null(fds);
    assert_non_null(sent);
    uint16_t port = sm_server_port(srv);
    for (int i = 0; i < n; i++) {
        fds[i] = dial(port, srcs[i % n_srcs], true);
    }
    static const char line[] = "POST /list-stage-files HTTP/1.1\r\nX-Slow: ";
    CURL *h = curl_easy_init();
    double end = now_s() + secs, worst = 0, next_tick = 0;
    *answered = 0;
    *reopened = 0;
    while (now_s() < end) {
        if (now_s() >= next_tick) {
            next_tick = now_s() + 0.1;
            for (int i = 0; i < n; i++) {
                char junk[256];
                if (fds[i] >= 0 && recv(fds[i], junk, sizeof junk, MSG_DONTWAIT) == 0) {
                    close(fds[i]);
                    fds[i] = -1;
                }
                if (fds[i] < 0) { /* the attacker comes back */
                    fds[i] = dial(port, srcs[i % n_srcs], true);
                    sent[i] = 0;
                    (*reopened)++;
                    continue;
                }
                const char *p = sent[i] < (int)sizeof line - 1 ? line + sent[i] : "a";
                size_t k = sent[i] < (int)sizeof line - 1 ? sizeof line - 1 - (size_t)sent[i] : 1;
                ssize_t w = send(fds[i], p, k, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (w > 0) {
                    sent[i] += (int)w;
                }
            }
        }
        /* an ordinary client: a fresh connection, then a reused one */
        double t0 = now_s();
        CURL *fresh = curl_easy_init();
        long st1 = list_on(fresh, sm_server_url(srv), 5);
        curl_easy_cleanup(fresh);
        long st2 = list_on(h, sm_server_url(srv), 5);
        double dt = now_s() - t0;
        if (st1 != 200 || st2 != 200) {
            fprintf(stderr, "ordinary request: %ld / %ld after %.3f s\n", st1, st2, dt);
        }
        assert_int_equal(st1, 200);
        assert_int_equal(st2, 200);
        worst = dt > worst ? dt : worst;
        (*answered) += 2;
        sleep_ms(20);
    }
    curl_easy_cleanup(h);
    for (int i = 0; i < n; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    free(fds);
    free(sent);
    return worst;
}

static void six_hundred_slow_connections_leave_room(void **state)
{
    (void)state;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 4096 && rl.rlim_max >= 4096) {
        rl.rlim_cur = 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 2600) {
        skip(); /* 600 client + 600 server sockets, twice over */
    }
    /* The bound is 1 s. ThreadSanitizer slows every atomic and lock
     * many times over, and CI runs it on a loaded machine: there this test
     * looks for races and answers, and the figure comes from the other modes. */
    const char *mode = getenv("SM_MODE");
    bool tsan = mode != NULL && strcmp(mode, "tsan") == 0;
    double bound = tsan ? 10.0 : 1.0;
    int min_answered = tsan ? 2 : 10;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.head_timeout_s = 2; /* some are cut during the run, so the crowd also reconnects */
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    /* 600 from ten other addresses (60 each: under the per-address limit, over the total) */
    int others[10];
    for (int i = 0; i < 10; i++) {
        others[i] = 2 + i;
    }
    int answered = 0, reopened = 0;
    double worst = slow_crowd(srv, 600, others, 10, 3.0, &answered, &reopened);
    printf("figure: 600 slow connections from 10 addresses: %d ordinary requests, slowest "
           "%.3f s; %d slow connections closed by the server and reopened\n",
           answered, worst, reopened);
    assert_true(worst < bound);
    assert_true(answered >= min_answered);
    /* 600 from the ordinary client's own address */
    int self[1] = {1};
    worst = slow_crowd(srv, 600, self, 1, 3.0, &answered, &reopened);
    printf("figure: 600 slow connections from 127.0.0.1 itself: %d ordinary requests, slowest "
           "%.3f s; %d closed and reopened\n",
           answered, worst, reopened);
    assert_true(worst < bound);
    assert_true(answered >= min_answered);
    assert_true(reopened > 0); /* over the per-address limit: the oldest heads made room */
    sm_server_free(srv);
}

static void profile_sets_the_connection_limits(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    struct sm_error e;
    static const char too_many[] = "{\"max_connections\": 100000}";
    assert_int_not_equal(sm_server_load_profile(srv, too_many, sizeof too_many - 1, &e), SM_OK);
    assert_non_null(strstr(e.message, "max_connections"));
    static const char bad[] = "{\"head_timeout_s\": 0}";
    assert_int_not_equal(sm_server_load_profile(srv, bad, sizeof bad - 1, &e), SM_OK);
    static const char two[] = "{\"max_connections_per_ip\": 2, \"head_timeout_s\": 1}";
    assert_int_equal(sm_server_load_profile(srv, two, sizeof two - 1, &e), SM_OK);
    /* three idle connections from one address: the oldest makes room */
    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = dial(sm_server_port(srv), 5, false);
        assert_true(fds[i] >= 0);
        sleep_ms(30);
    }
    size_t n;
    bool closed;
    free(read_until_close(fds[0], 1.0, &n, &closed));
    assert_true(closed);
    assert_int_equal(n, 0); /* idle: closed without an unasked answer */
    free(read_until_close(fds[2], 0.2, &n, &closed));
    assert_false(closed);
    /* the new head deadline applies: the newest one, half a head, closes within ~1 s */
    send_all(fds[2], "GET /x HTTP/1.1\r\n", 16);
    double t0 = now_s();
    char *raw = read_until_close(fds[2], 3.0, &n, &closed);
    assert_true(closed && now_s() - t0 < 2.5);
    assert_raw_json(raw, 408, "request head");
    free(raw);
    for (int i = 0; i < 3; i++) {
        close(fds[i]);
    }
    sm_server_free(srv);
}

/* ---- over-limit bodies ------------------------------------------------------- */

static void over_limit_chunked_upload_stops_being_read(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.max_upload = 1000000;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    int fd = dial_server(srv);
    static const char head[] =
        "POST /upload-to-stage HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key k1\r\n"
        "Content-Type: multipart/form-data; boundary=bb\r\nTransfer-Encoding: chunked\r\n\r\n";
    static const char pre[] = "--bb\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\ns1"
                              "\r\n--bb\r\nContent-Disposition: form-data; name=\"file\"; "
                              "filename=\"big.parquet\"\r\n\r\n";
    send_all(fd, head, sizeof head - 1);
    char hx[32];
    int hn = snprintf(hx, sizeof hx, "%zx\r\n", sizeof pre - 1);
    send_all(fd, hx, (size_t)hn);
    send_all(fd, pre, sizeof pre - 1);
    send_all(fd, "\r\n", 2);
    size_t chunk = 64 * 1024;
    char *buf = malloc(chunk + 32);
    assert_non_null(buf);
    hn = snprintf(buf, 32, "%zx\r\n", chunk);
    memset(buf + hn, 'x', chunk);
    memcpy(buf + hn + chunk, "\r\n", 2);
    size_t frame = (size_t)hn + chunk + 2;
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    uint64_t total = 200ull << 20, sent = 0;
    double t0 = now_s(), stop_at = 0;
    char resp[4096];
    size_t rn = 0;
    bool eof = false;
    while (now_s() - t0 < 30 && !eof) { /* bounded: 30 s, 200 MiB */
        struct pollfd p = {fd, (short)(POLLIN | (sent < total && stop_at == 0 ? POLLOUT : 0)), 0};
        if (poll(&p, 1, 100) <= 0) {
            if (stop_at != 0 && now_s() - stop_at > 3) {
                break;
            }
            continue;
        }
        if (p.revents & POLLIN) {
            ssize_t k = recv(fd, resp + rn, sizeof resp - 1 - rn, 0);
            if (k <= 0) {
                eof = true;
            } else {
                rn += (size_t)k;
            }
            if (stop_at == 0) {
                stop_at = now_s(); /* the answer came: a polite client stops sending */
            }
        }
        if ((p.revents & POLLOUT) && stop_at == 0 && sent < total) {
            ssize_t k = send(fd, buf, frame, MSG_NOSIGNAL);
            if (k < 0 && errno != EAGAIN) {
                stop_at = now_s();
            } else if (k > 0) {
                sent += (uint64_t)k;
                if ((size_t)k < frame) { /* finish the frame, blocking */
                    fcntl(fd, F_SETFL, fl);
                    send_all(fd, buf + k, frame - (size_t)k);
                    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
                    sent += frame - (size_t)k;
                }
            }
        }
        if (p.revents & (POLLHUP | POLLERR)) {
            if (stop_at == 0) {
                stop_at = now_s();
            }
        }
    }
    resp[rn] = '\0';
    double secs = (stop_at ? stop_at : now_s()) - t0;
    printf("figure: 200 MiB chunked upload against a 1,000,000-byte limit: %.2f MiB sent in "
           "%.3f s before the server stopped reading; answer %.40s\n",
           (double)sent / 1048576.0, secs, resp);
    assert_true(sent < (32ull << 20)); /* the limit, plus what socket buffers hold */
    assert_true(secs < 5.0);
    assert_raw_json(resp, 413, "limit");
    free(buf);
    close(fd);
    /* the journal has it as answered 413 */
    char *j = sm_server_journal_json(srv);
    assert_non_null(strstr(j, "\"status\":413"));
    sm_free(j);
    sm_server_free(srv);
}

static void list_and_download_bodies_are_capped_at_64k(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    size_t big = 100 * 1024;
    char *body = malloc(big + 1);
    assert_non_null(body);
    memcpy(body, "stage_id=s1&pad=", 16);
    memset(body + 16, 'p', big - 16);
    body[big] = '\0';
    struct sm_resp r;
    sm_http_request(sm_server_url(srv), NULL, "/list-stage-files", "k1", NULL, body, &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.ctype, "application/json"));
    assert_non_null(strstr(r.body, "65536"));
    sm_resp_cleanup(&r);
    /* multipart, chunked (no Content-Length): cut at the limit */
    int fd = dial(sm_server_port(srv), 0, false);
    static const char head[] =
        "POST /download-from-stage HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key k1\r\n"
        "Content-Type: multipart/form-data; boundary=bb\r\nTransfer-Encoding: chunked\r\n\r\n";
    send_all(fd, head, sizeof head - 1);
    char hx[32];
    int hn = snprintf(hx, sizeof hx, "%zx\r\n", big);
    send_all(fd, hx, (size_t)hn);
    send_all(fd, body, big);
    send_all(fd, "\r\n", 2);
    size_t n;
    bool closed;
    char *raw = read_until_close(fd, 3, &n, &closed);
    printf("figure: 100 KiB chunked multipart download body: %.30s, closed %d\n", raw, closed);
    assert_true(closed);
    assert_raw_json(raw, 413, "65536");
    free(raw);
    close(fd);
    free(body);
    sm_server_free(srv);
}

/* ---- the admin API from a browser -------------------------------------------- */

static long admin_call(struct sm_server *srv, const char *method, const char *what,
                       const char *ctype, const char *host, const char *origin, char **body)
{
    CURL *c = curl_easy_init();
    char url[256], h[256];
    (void)snprintf(url, sizeof url, "%s/_stagemock/%s", sm_server_url(srv), what);
    struct curl_slist *hdrs = NULL;
    if (ctype != NULL) {
        (void)snprintf(h, sizeof h, "Content-Type: %s", ctype);
        hdrs = curl_slist_append(hdrs, h);
    }
    if (host != NULL) {
        (void)snprintf(h, sizeof h, "Host: %s", host);
        hdrs = curl_slist_append(hdrs, h);
    }
    if (origin != NULL) {
        (void)snprintf(h, sizeof h, "Origin: %s", origin);
        hdrs = curl_slist_append(hdrs, h);
    }
    struct sm_resp r = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{}");
    }
    FILE *mem = open_memstream(&r.body, &r.len);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, mem);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    fclose(mem);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    *body = r.body;
    return status;
}

static void admin_api_refuses_what_a_browser_page_can_send(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    char here[64], origin_ok[80];
    (void)snprintf(here, sizeof here, "localhost:%u", (unsigned)sm_server_port(srv));
    (void)snprintf(origin_ok, sizeof origin_ok, "http://127.0.0.1:%u",
                   (unsigned)sm_server_port(srv));
    struct {
        const char *method, *what, *ctype, *host, *origin;
        long status;
        const char *needle;
    } cases[] = {
        {"POST", "reset", "text/plain", NULL, NULL, 403, "Content-Type"},
        {"POST", "reset", "application/x-www-form-urlencoded", NULL, NULL, 403, "Content-Type"},
        {"POST", "stages", "multipart/form-data; boundary=x", NULL, NULL, 403, "Content-Type"},
        {"POST", "reset", "application/json", "rebind.evil.example", NULL, 403, "Host"},
        {"POST", "reset", "application/json", "rebind.evil.example:80", NULL, 403, "Host"},
        {"GET", "journal", NULL, "rebind.evil.example", NULL, 403, "Host"},
        {"GET", "journal", NULL, "127.0.0.1:1", NULL, 403, "port"},
        {"POST", "reset", "application/json", NULL, "http://evil.example", 403, "Origin"},
        {"POST", "reset", "application/json", NULL, "null", 403, "Origin"},
        {"GET", "stages", NULL, NULL, "https://evil.example", 403, "Origin"},
        /* what a local tool sends is still fine */
        {"POST", "reset", "application/json", NULL, NULL, 200, NULL},
        {"POST", "reset", "application/json; charset=utf-8", here, origin_ok, 200, NULL},
        {"GET", "journal", NULL, here, NULL, 200, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *body = NULL;
        long st = admin_call(srv, cases[i].method, cases[i].what, cases[i].ctype, cases[i].host,
                             cases[i].origin, &body);
        if (st != cases[i].status ||
            (cases[i].needle != NULL && strstr(body, cases[i].needle) == NULL)) {
            fprintf(stderr, "case %zu: %ld %s\n", i, st, body);
            fail();
        }
        if (st == 403) {
            cJSON *j = cJSON_Parse(body);
            assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "message")));
            cJSON_Delete(j);
        }
        free(body);
    }
    sm_server_free(srv);
}

static void admin_token_compares_whole(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.admin_token = "s3cret-token";
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    const char *tries[] = {"s3cret-toke", "s3cret-token!", "s3cret-tokeN", "", "s3cret-token"};
    for (size_t i = 0; i < 5; i++) {
        CURL *c = curl_easy_init();
        char url[256], h[128];
        (void)snprintf(url, sizeof url, "%s/_stagemock/journal", sm_server_url(srv));
        (void)snprintf(h, sizeof h, "X-Stagemock-Admin: %s", tries[i]);
        struct curl_slist *hdrs = curl_slist_append(NULL, h);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
        long st = 0;
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
        assert_int_equal(st, i == 4 ? 200 : 401);
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(c);
    }
    /* keys too: a prefix or an extension of a key is not the key */
    struct sm_resp r;
    sm_http_request(sm_server_url(srv), NULL, "/list-stage-files", "k", NULL, "stage_id=s1", &r);
    assert_int_equal(r.status, 401);
    sm_resp_cleanup(&r);
    sm_http_request(sm_server_url(srv), NULL, "/list-stage-files", "k12", NULL, "stage_id=s1", &r);
    assert_int_equal(r.status, 401);
    sm_resp_cleanup(&r);
    sm_server_free(srv);
}

/* ---- the header limit ------------------------------------------------------- */

/* A list request with one header of n bytes (or, url, a URL that long);
 * the raw answer (caller frees). */
static char *big_header_request(struct sm_server *srv, size_t n, bool url)
{
    int fd = dial_server(srv);
    static const char head[] = "POST /list-stage-files HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Content-Type: application/x-www-form-urlencoded\r\n"
                               "Authorization: Key k1\r\nContent-Length: 11\r\nX-Big: ";
    char *pad = malloc(n);
    assert_non_null(pad);
    memset(pad, 'h', n);
    if (url) {
        send_all(fd, "GET /", 5);
        send_all(fd, pad, n);
        send_all(fd, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 31);
    } else {
        send_all(fd, head, sizeof head - 1);
        send_all(fd, pad, n);
        send_all(fd, "\r\n\r\nstage_id=s1", 15);
    }
    free(pad);
    size_t len;
    bool closed;
    char *raw = read_until_close(fd, 0.5, &len, &closed);
    close(fd);
    return raw;
}

static void header_limit_16k_then_json_431(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    char *raw = big_header_request(srv, 15 * 1024, false);
    printf("figure: 15 KiB header: %.20s\n", raw);
    assert_true(strncmp(raw, "HTTP/1.1 200 ", 13) == 0);
    free(raw);
    raw = big_header_request(srv, 20 * 1024, false);
    printf("figure: 20 KiB header: %.40s\n", raw);
    assert_raw_json(raw, 431, "16384");
    free(raw);
    raw = big_header_request(srv, 20 * 1024, true);
    printf("figure: 20 KiB URL: %.40s\n", raw);
    assert_raw_json(raw, 414, "URL");
    free(raw);
    /* beyond MHD's connection memory MHD answers by itself, in HTML (docs/ERRORS.md) */
    raw = big_header_request(srv, 40 * 1024, false);
    printf("figure: 40 KiB header: %.48s\n", raw);
    assert_true(strncmp(raw, "HTTP/1.1 431 ", 13) == 0);
    assert_null(strstr(raw, "application/json"));
    free(raw);
    raw = big_header_request(srv, 40 * 1024, true);
    printf("figure: 40 KiB URL: %.48s\n", raw);
    assert_true(strncmp(raw, "HTTP/1.1 414 ", 13) == 0);
    free(raw);
    sm_server_free(srv);
}

/* ---- the text log ------------------------------------------------------------ */

struct log_buf {
    char text[8192];
    size_t len;
    int lines;
};

static void log_into(void *cls, const char *line)
{
    struct log_buf *b = cls;
    size_t n = strlen(line);
    if (b->len + n + 2 < sizeof b->text) {
        memcpy(b->text + b->len, line, n);
        b->len += n;
        b->text[b->len++] = '\n';
        b->text[b->len] = '\0';
    }
    b->lines++;
}

static void text_log_escapes_control_characters(void **state)
{
    (void)state;
    static struct log_buf lb;
    memset(&lb, 0, sizeof lb);
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.log_format = SM_LOG_TEXT;
    cfg.log = log_into;
    cfg.log_cls = &lb;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    struct sm_resp r;
    sm_http_request(sm_server_url(srv), NULL, "/list-stage-files", "k1", "application/json",
                    "{\"stage_id\": \"s1\\n#1 POST /upload-to-stage 200 - stage=s1\\\\x\\u0007\"}",
                    &r);
    assert_true(r.status >= 400);
    sm_resp_cleanup(&r);
    sm_server_free(srv); /* every line is written by now */
    printf("figure: log line: %s", lb.text);
    assert_int_equal(lb.lines, 1);
    assert_non_null(strchr(lb.text, '\n'));
    assert_true(strchr(lb.text, '\n') == lb.text + lb.len - 1); /* one line, however forged */
    assert_non_null(strstr(lb.text, "s1\\n#1 POST"));
    assert_non_null(strstr(lb.text, "s1\\\\x\\x07"));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stop_with_idle_keepalive_is_fast),
        cmocka_unit_test(stop_gives_in_flight_requests_a_bounded_grace),
        cmocka_unit_test(slowloris_head_gets_408_at_the_deadline),
        cmocka_unit_test(slow_body_gets_408),
        cmocka_unit_test(six_hundred_slow_connections_leave_room),
        cmocka_unit_test(profile_sets_the_connection_limits),
        cmocka_unit_test(over_limit_chunked_upload_stops_being_read),
        cmocka_unit_test(list_and_download_bodies_are_capped_at_64k),
        cmocka_unit_test(admin_api_refuses_what_a_browser_page_can_send),
        cmocka_unit_test(admin_token_compares_whole),
        cmocka_unit_test(header_limit_16k_then_json_431),
        cmocka_unit_test(text_log_escapes_control_characters),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
