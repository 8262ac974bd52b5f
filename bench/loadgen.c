/*
 * loadgen.c - the upload load generator of `make bench`: HTTP/1.1 keep-alive
 * connections that POST multipart uploads of one file as fast as a server
 * answers them, with a fresh file name on every request.
 *
 *   loadgen URL --file F [--stage S] [--key K] [-c CONNS] [-t THREADS]
 *           [-d SECONDS] [-n COUNT] [--unique]
 *
 * Why not wrk: a wrk Lua script builds each request body as a Lua string
 * (concatenation, then wrk.format), so for a 1 MiB file the client copies
 * megabytes per request and tops out near 60 req/s. Here the file's bytes are
 * loaded once and every request is three iovecs written with writev: a head
 * formatted per request (request line, headers, the multipart part headers
 * with the fresh file name), the shared file bytes, and the closing boundary.
 * Nothing in the file is copied per request.
 *
 * --unique makes every request's bytes differ (so a server that stores equal
 * bytes once must store every file): each connection then owns a copy of the
 * file and stamps sixteen letters into the file's first run of sixteen
 * lowercase letters (inside a page of string values, so the file stays valid
 * parquet) before each request. One 16-byte store, not a copy.
 *
 * Each thread runs its share of the connections on one epoll loop; requests
 * are not pipelined (one in flight per connection, as a client SDK does).
 * Answers are framed by Content-Length or by chunked transfer coding (WireMock
 * and Mountebank answer chunked); "Connection: close" is honoured by opening a
 * fresh connection for the next request.
 * Latency is from the first byte written to the last byte of the answer read,
 * kept in a log-linear histogram (32 steps per power of two, about 3%).
 * -n stops after COUNT requests (or at -d, whichever comes first), for
 * filling a stage to a known size.
 * Output is key=value lines: requests, ok, non2xx, errors, seconds, rps, mbs
 * (file bytes per second), p50_ms, p99_ms, p999_ms, max_ms.
 * Loopback only by intent: the URL must name 127.0.0.1, [::1] or localhost.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../common/sm_file.h"
#include "../common/sm_opt.h"

#define LG_BOUNDARY   "stagemock-loadgen-boundary"
#define LG_HIST_SLOTS 2048
#define LG_HEAD_MAX   1024
#define LG_RBUF       8192

struct lg_hist {
    uint64_t slot[LG_HIST_SLOTS];
    uint64_t max_us;
};

struct lg_opts {
    char host[256];
    char port[8];
    const char *path;
    const char *file;
    const char *stage;
    const char *key;
    unsigned conns;
    unsigned threads;
    double seconds;
    uint64_t count; /* stop after this many requests in all (0: by time only) */
    int unique;
};

struct lg_shared {
    const struct lg_opts *opt;
    const uint8_t *data; /* the file's bytes, read once */
    size_t size;
    size_t letters_at; /* offset of the 16 letters --unique rewrites */
    struct addrinfo *addr;
    _Atomic uint64_t started; /* requests begun, for --count */
    char run[24];             /* a prefix per run: passes against one server never repeat a name */
};

enum lg_state { LG_IDLE, LG_WRITING, LG_READING };

/* where a chunked answer's body is: a size line, chunk data, the CRLF after
 * the data, or the trailer (ends at an empty line) */
enum lg_chunk { LG_CH_SIZE, LG_CH_DATA, LG_CH_DATA_END, LG_CH_TRAILER };

struct lg_conn {
    int fd;
    enum lg_state state;
    unsigned id;
    uint64_t seq;
    uint8_t *own; /* --unique: this connection's copy of the file */
    char head[LG_HEAD_MAX];
    struct iovec iov[3];
    size_t to_send, sent;
    char rbuf[LG_RBUF];
    size_t rlen;
    int in_body;       /* the answer's head is read */
    int answered;      /* the whole answer is read */
    int64_t body_left; /* Content-Length: bytes still to come; chunked: of this chunk */
    int chunked;
    enum lg_chunk chunk_state;
    int size_digits; /* hex digits seen on this chunk-size line (-1 after an extension) */
    size_t line_len; /* trailer: bytes on this line before its CR LF */
    int status;
    int close_after;
    uint64_t t0_ns;
};

struct lg_thread {
    struct lg_shared *sh; /* shared by all threads; only .started changes */
    unsigned first_conn, nconns, index;
    uint64_t deadline_ns;
    uint64_t requests, ok, non2xx, errors;
    struct lg_hist hist;
    pthread_t tid;
};

static const char lg_tail[] = "\r\n--" LG_BOUNDARY "--\r\n";

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned hist_index(uint64_t us)
{
    if (us < 64) {
        return (unsigned)us;
    }
    unsigned msb = 63u - (unsigned)__builtin_clzll(us); /* >= 6 */
    unsigned idx = 64u + (msb - 6u) * 32u + (unsigned)((us >> (msb - 5u)) - 32u);
    return idx < LG_HIST_SLOTS ? idx : LG_HIST_SLOTS - 1;
}

/* The upper edge of a slot, in µs: what a percentile in that slot reports. */
static double hist_value(unsigned idx)
{
    if (idx < 64) {
        return idx + 1.0;
    }
    unsigned msb = (idx - 64u) / 32u + 6u;
    unsigned sub = (idx - 64u) % 32u + 32u;
    return (double)((uint64_t)(sub + 1u) << (msb - 5u));
}

static double hist_percentile_ms(const struct lg_hist *h, double p)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < LG_HIST_SLOTS; i++) {
        total += h->slot[i];
    }
    if (total == 0) {
        return 0;
    }
    uint64_t want = (uint64_t)((double)total * p + 0.5);
    want = want == 0 ? 1 : want;
    uint64_t seen = 0;
    for (unsigned i = 0; i < LG_HIST_SLOTS; i++) {
        seen += h->slot[i];
        if (seen >= want) {
            double v = hist_value(i);
            return (v > (double)h->max_us ? (double)h->max_us : v) / 1000.0;
        }
    }
    return (double)h->max_us / 1000.0;
}

static int conn_open(struct lg_conn *c, const struct lg_shared *sh, int ep)
{
    const struct addrinfo *a = sh->addr;
    c->fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (c->fd < 0) {
        return -1;
    }
    int one = 1;
    (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->state = LG_IDLE;
    return 0;
}

static void conn_close(struct lg_conn *c)
{
    if (c->fd >= 0) {
        close(c->fd); /* closing drops it from the epoll set */
        c->fd = -1;
    }
}

/* n as sixteen letters a..z, most significant first */
static void put_letters(uint8_t *at, uint64_t n)
{
    for (int i = 15; i >= 0; i--) {
        at[i] = (uint8_t)('a' + n % 26);
        n /= 26;
    }
}

/* Lays out the next request: a fresh head, the file bytes, the tail. */
static void conn_prepare(struct lg_conn *c, const struct lg_shared *sh)
{
    const struct lg_opts *o = sh->opt;
    c->seq++;
    char part[512];
    int plen = snprintf(part, sizeof part,
                        "--" LG_BOUNDARY "\r\nContent-Disposition: form-data; name=\"stage_id\""
                        "\r\n\r\n%s\r\n--" LG_BOUNDARY
                        "\r\nContent-Disposition: form-data; name=\"file\"; "
                        "filename=\"%s-c%u-%" PRIu64 ".parquet\"\r\n"
                        "Content-Type: application/octet-stream\r\n\r\n",
                        o->stage, sh->run, c->id, c->seq);
    size_t body = (size_t)plen + sh->size + sizeof lg_tail - 1;
    int hlen = snprintf(c->head, sizeof c->head,
                        "POST %s HTTP/1.1\r\nHost: %s:%s\r\nAuthorization: Key %s\r\n"
                        "Content-Type: multipart/form-data; boundary=" LG_BOUNDARY
                        "\r\nContent-Length: %zu\r\n\r\n%s",
                        o->path, o->host, o->port, o->key, body, part);
    const uint8_t *bytes = sh->data;
    if (c->own != NULL) {
        put_letters(c->own + sh->letters_at, ((uint64_t)c->id << 40) | c->seq);
        bytes = c->own;
    }
    c->iov[0] = (struct iovec){c->head, (size_t)hlen};
    c->iov[1] = (struct iovec){(void *)(uintptr_t)bytes, sh->size};
    c->iov[2] = (struct iovec){(void *)(uintptr_t)lg_tail, sizeof lg_tail - 1};
    c->to_send = (size_t)hlen + sh->size + sizeof lg_tail - 1;
    c->sent = 0;
    c->rlen = 0;
    c->in_body = 0;
    c->answered = 0;
    c->body_left = 0;
    c->chunked = 0;
    c->chunk_state = LG_CH_SIZE;
    c->size_digits = 0;
    c->line_len = 0;
    c->status = 0;
    c->close_after = 0;
    c->state = LG_WRITING;
    c->t0_ns = now_ns();
}

/* writev from where the last call stopped; 1 when all is sent, 0 to wait, -1 on error */
static int conn_write(struct lg_conn *c)
{
    while (c->sent < c->to_send) {
        struct iovec v[3];
        int n = 0;
        size_t skip = c->sent;
        for (int i = 0; i < 3; i++) {
            if (skip >= c->iov[i].iov_len) {
                skip -= c->iov[i].iov_len;
                continue;
            }
            v[n].iov_base = (char *)c->iov[i].iov_base + skip;
            v[n].iov_len = c->iov[i].iov_len - skip;
            skip = 0;
            n++;
        }
        ssize_t w = writev(c->fd, v, n);
        if (w < 0) {
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        }
        c->sent += (size_t)w;
    }
    c->state = LG_READING;
    return 1;
}

static int header_is(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len > n && strncasecmp(line, name, n) == 0 && line[n] == ':';
}

/* Parses the answer's head in rbuf; its length when it was complete, 0 to read more, -1 if
 * unusable. */
static int64_t parse_head(struct lg_conn *c)
{
    char *end = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
    if (end == NULL) {
        return c->rlen == sizeof c->rbuf ? -1 : 0;
    }
    if (c->rlen < 12 || memcmp(c->rbuf, "HTTP/1.", 7) != 0) {
        return -1;
    }
    c->status = (int)strtol(c->rbuf + 9, NULL, 10);
    int64_t length = -1;
    for (char *line = memchr(c->rbuf, '\n', (size_t)(end - c->rbuf)); line != NULL && line < end;) {
        line++;
        char *eol = memchr(line, '\r', (size_t)(end + 2 - line));
        if (eol == NULL) {
            break;
        }
        size_t len = (size_t)(eol - line);
        if (header_is(line, len, "Content-Length")) {
            length = strtoll(line + 15, NULL, 10);
        } else if (header_is(line, len, "Connection") && memmem(line, len, "close", 5) != NULL) {
            c->close_after = 1;
        } else if (header_is(line, len, "Transfer-Encoding")) {
            if (memmem(line, len, "chunked", 7) == NULL) {
                return -1; /* no other coding is expected */
            }
            c->chunked = 1;
        }
        line = eol + 1;
    }
    if (length < 0 && !c->chunked) {
        return -1;
    }
    c->body_left = c->chunked ? 0 : length;
    return (int64_t)(end + 4 - c->rbuf);
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    ch = (char)(ch | 0x20);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Walks n bytes of a chunked body; 1 when its end was reached, 0 for more, -1 if malformed. */
static int chunked_feed(struct lg_conn *c, const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (c->answered) {
            return -1; /* bytes after the answer: nothing is pipelined, so that is wrong */
        }
        char ch = p[i];
        switch (c->chunk_state) {
        case LG_CH_SIZE:
            i++;
            if (ch == '\n') {
                if (c->size_digits == 0) {
                    return -1;
                }
                c->chunk_state = c->body_left == 0 ? LG_CH_TRAILER : LG_CH_DATA;
                c->line_len = 0;
            } else if (c->size_digits < 0) {
                /* past the size: an extension or the CR, skipped */
            } else if (ch == ';' || ch == '\r') {
                if (c->size_digits == 0) {
                    return -1;
                }
                c->size_digits = -1;
            } else {
                int v = hex_value(ch);
                if (v < 0 || c->body_left > (INT64_MAX >> 4)) {
                    return -1;
                }
                c->body_left = (c->body_left << 4) | v;
                c->size_digits++;
            }
            break;
        case LG_CH_DATA: {
            size_t take = n - i < (uint64_t)c->body_left ? n - i : (size_t)c->body_left;
            i += take;
            c->body_left -= (int64_t)take;
            if (c->body_left == 0) {
                c->chunk_state = LG_CH_DATA_END;
            }
            break;
        }
        case LG_CH_DATA_END:
            i++;
            if (ch == '\n') {
                c->chunk_state = LG_CH_SIZE;
                c->size_digits = 0;
            } else if (ch != '\r') {
                return -1;
            }
            break;
        case LG_CH_TRAILER:
            i++;
            if (ch == '\n') {
                if (c->line_len == 0) {
                    c->answered = 1;
                }
                c->line_len = 0;
            } else if (ch != '\r') {
                c->line_len++;
            }
            break;
        }
    }
    return c->answered;
}

/* Takes n bytes of the answer's body; 1 when the answer is complete, 0 for more, -1 if wrong. */
static int body_feed(struct lg_conn *c, const char *p, size_t n)
{
    if (c->chunked) {
        return chunked_feed(c, p, n);
    }
    if ((uint64_t)c->body_left < n) {
        return -1; /* more bytes than announced: nothing is pipelined, so that is wrong */
    }
    c->body_left -= (int64_t)n;
    c->answered = c->body_left == 0;
    return c->answered;
}

/* Reads what is there; 1 when the answer is complete, 0 to wait, -1 on error or close. */
static int conn_read(struct lg_conn *c)
{
    for (;;) {
        char *dst = c->rbuf + c->rlen;
        size_t room = sizeof c->rbuf - c->rlen;
        if (c->in_body) { /* the head is parsed: the body is walked and dropped */
            dst = c->rbuf;
            room = sizeof c->rbuf;
        }
        ssize_t r = read(c->fd, dst, room);
        if (r == 0) {
            return -1;
        }
        if (r < 0) {
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        }
        int done;
        if (c->in_body) {
            done = body_feed(c, dst, (size_t)r);
        } else {
            c->rlen += (size_t)r;
            int64_t head = parse_head(c);
            if (head <= 0) {
                if (head < 0) {
                    return -1;
                }
                continue;
            }
            c->in_body = 1;
            done = body_feed(c, c->rbuf + head, c->rlen - (size_t)head);
        }
        if (done != 0) {
            return done;
        }
    }
}

static void record(struct lg_thread *t, const struct lg_conn *c)
{
    uint64_t us = (now_ns() - c->t0_ns) / 1000u;
    t->requests++;
    if (c->status >= 200 && c->status < 300) {
        t->ok++;
    } else {
        t->non2xx++;
    }
    t->hist.slot[hist_index(us)]++;
    if (us > t->hist.max_us) {
        t->hist.max_us = us;
    }
}

/* Drives one connection as far as it can go without blocking. */
static void conn_step(struct lg_thread *t, struct lg_conn *c, int ep)
{
    const struct lg_shared *sh = t->sh;
    for (;;) { /* edge-triggered: go on until the socket would block */
        if (c->fd < 0) {
            if (conn_open(c, sh, ep) != 0) {
                t->errors++;
                return;
            }
        }
        if (c->state == LG_IDLE) {
            if (now_ns() >= t->deadline_ns ||
                (sh->opt->count > 0 && atomic_fetch_add(&t->sh->started, 1) >= sh->opt->count)) {
                return;
            }
            conn_prepare(c, sh);
        }
        int r = c->state == LG_WRITING ? conn_write(c) : conn_read(c);
        if (r == 0) {
            return;
        }
        if (r < 0) {
            t->errors++;
            conn_close(c);
            c->state = LG_IDLE;
            continue;
        }
        if (c->state == LG_READING && r == 1 && c->answered) {
            record(t, c);
            c->state = LG_IDLE;
            if (c->close_after) {
                conn_close(c);
            }
        }
    }
}

/* With --count, a thread is done once the count is reached and nothing is in flight. */
static int all_done(const struct lg_thread *t, const struct lg_conn *conns)
{
    if (t->sh->opt->count == 0 || atomic_load(&t->sh->started) < t->sh->opt->count) {
        return 0;
    }
    for (unsigned i = 0; i < t->nconns; i++) {
        if (conns[i].state != LG_IDLE) {
            return 0;
        }
    }
    return 1;
}

static void *thread_main(void *arg)
{
    struct lg_thread *t = arg;
    const struct lg_shared *sh = t->sh;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct lg_conn *conns = calloc(t->nconns, sizeof *conns);
    if (ep < 0 || conns == NULL) {
        t->errors++;
        free(conns);
        return NULL;
    }
    for (unsigned i = 0; i < t->nconns; i++) {
        conns[i].fd = -1;
        conns[i].id = t->first_conn + i;
        if (sh->opt->unique) {
            conns[i].own = malloc(sh->size);
            if (conns[i].own == NULL) {
                t->errors++;
                continue;
            }
            memcpy(conns[i].own, sh->data, sh->size);
        }
        conn_step(t, &conns[i], ep);
    }
    struct epoll_event evs[64];
    while (now_ns() < t->deadline_ns && !all_done(t, conns)) {
        int left_ms = (int)((t->deadline_ns - now_ns()) / 1000000u) + 1;
        int n = epoll_wait(ep, evs, 64, left_ms < 100 ? left_ms : 100);
        for (int i = 0; i < n; i++) {
            conn_step(t, evs[i].data.ptr, ep);
        }
        for (unsigned i = 0; i < t->nconns; i++) { /* reopen what an error closed */
            if (conns[i].fd < 0 && !all_done(t, conns)) {
                conn_step(t, &conns[i], ep);
            }
        }
    }
    for (unsigned i = 0; i < t->nconns; i++) {
        conn_close(&conns[i]);
        free(conns[i].own);
    }
    free(conns);
    close(ep);
    return NULL;
}

static int load_file(struct lg_shared *sh, const char *path)
{
    size_t n = 0;
    uint8_t *buf = smx_file_read(path, (size_t)1 << 32, &n, NULL);
    if (buf == NULL || n == 0) {
        fprintf(stderr, "loadgen: cannot read %s\n", path);
        free(buf);
        return -1;
    }
    sh->data = buf;
    sh->size = n;
    return 0;
}

/* The first run of sixteen lowercase letters, where --unique stamps its own. */
static int find_letters(struct lg_shared *sh)
{
    size_t run = 0;
    for (size_t i = 0; i < sh->size; i++) {
        run = (sh->data[i] >= 'a' && sh->data[i] <= 'z') ? run + 1 : 0;
        if (run == 16) {
            sh->letters_at = i - 15;
            return 0;
        }
    }
    fprintf(stderr, "loadgen: --unique needs a run of 16 lowercase letters in the file\n");
    return -1;
}

/* http://HOST:PORT/PATH, loopback only */
static int parse_url(struct lg_opts *o, char *url)
{
    if (strncmp(url, "http://", 7) != 0) {
        return -1;
    }
    const char *start = url + 7;
    const char *path = strchr(start, '/');
    o->path = path != NULL && path[1] != '\0' ? path : "/upload-to-stage";
    size_t hostport = path != NULL ? (size_t)(path - start) : strlen(start);
    if (hostport == 0 || hostport >= sizeof o->host) {
        return -1;
    }
    char *host = o->host;
    memcpy(host, start, hostport);
    host[hostport] = '\0';
    char *colon = strrchr(host, ':');
    if (colon == NULL || (host[0] == '[' && colon < strchr(host, ']'))) {
        return -1;
    }
    *colon = '\0';
    if (strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof o->port) {
        return -1;
    }
    memcpy(o->port, colon + 1, strlen(colon + 1) + 1);
    if (host[0] == '[') { /* [::1] */
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "::1") != 0 &&
        strcmp(host, "localhost") != 0) {
        fprintf(stderr, "loadgen: loopback only (127.0.0.1, [::1], localhost), not %s\n", host);
        return -1;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: loadgen URL --file F [--stage S] [--key K] [-c CONNS] "
                    "[-t THREADS] [-d SECONDS] [-n COUNT] [--unique]\n");
}

static int parse_args(int argc, char **argv, struct lg_opts *o)
{
    *o = (struct lg_opts){.stage = "s", .key = "k", .conns = 32, .threads = 1, .seconds = 4};
    char *url = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--unique") == 0) {
            o->unique = 1;
            continue;
        }
        if (a[0] != '-') {
            url = argv[i];
            continue;
        }
        if (v == NULL) {
            usage();
            return -1;
        }
        i++;
        const struct smx_opt_str strs[] = {
            {"--file", &o->file}, {"--stage", &o->stage}, {"--key", &o->key}};
        if (smx_opt_str_set(strs, sizeof strs / sizeof strs[0], a, v)) {
            continue;
        }
        if (strcmp(a, "-c") == 0) {
            o->conns = (unsigned)strtoul(v, NULL, 10);
        } else if (strcmp(a, "-t") == 0) {
            o->threads = (unsigned)strtoul(v, NULL, 10);
        } else if (strcmp(a, "-d") == 0) {
            o->seconds = strtod(v, NULL);
        } else if (strcmp(a, "-n") == 0) {
            o->count = strtoull(v, NULL, 10);
        } else {
            usage();
            return -1;
        }
    }
    if (url == NULL || o->file == NULL || o->conns == 0 || o->threads == 0 || o->seconds <= 0 ||
        o->seconds > 600 || parse_url(o, url) != 0) {
        usage();
        return -1;
    }
    if (o->threads > o->conns) {
        o->threads = o->conns;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct lg_opts opt;
    if (parse_args(argc, argv, &opt) != 0) {
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a server that closes mid-request is an error, not a death */
    struct lg_shared sh = {.opt = &opt};
    if (load_file(&sh, opt.file) != 0 || (opt.unique && find_letters(&sh) != 0)) {
        return 2;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
    int gai = getaddrinfo(opt.host, opt.port, &hints, &sh.addr);
    if (gai != 0) {
        fprintf(stderr, "loadgen: %s:%s: %s\n", opt.host, opt.port, gai_strerror(gai));
        return 2;
    }
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    (void)snprintf(sh.run, sizeof sh.run, "lg%lx%05lx", (unsigned long)wall.tv_sec,
                   (unsigned long)(wall.tv_nsec / 1000) & 0xfffff);

    struct lg_thread *th = calloc(opt.threads, sizeof *th);
    if (th == NULL) {
        return 1;
    }
    uint64_t start = now_ns();
    uint64_t deadline = start + (uint64_t)(opt.seconds * 1e9);
    unsigned given = 0;
    for (unsigned i = 0; i < opt.threads; i++) {
        unsigned share = opt.conns / opt.threads + (i < opt.conns % opt.threads);
        th[i] = (struct lg_thread){
            .sh = &sh, .first_conn = given, .nconns = share, .index = i, .deadline_ns = deadline};
        given += share;
        if (pthread_create(&th[i].tid, NULL, thread_main, &th[i]) != 0) {
            fprintf(stderr, "loadgen: cannot start thread %u\n", i);
            return 1;
        }
    }
    struct lg_thread sum = {0};
    for (unsigned i = 0; i < opt.threads; i++) {
        pthread_join(th[i].tid, NULL);
        sum.requests += th[i].requests;
        sum.ok += th[i].ok;
        sum.non2xx += th[i].non2xx;
        sum.errors += th[i].errors;
        for (unsigned s = 0; s < LG_HIST_SLOTS; s++) {
            sum.hist.slot[s] += th[i].hist.slot[s];
        }
        if (th[i].hist.max_us > sum.hist.max_us) {
            sum.hist.max_us = th[i].hist.max_us;
        }
    }
    double secs = (double)(now_ns() - start) / 1e9;
    printf("requests=%" PRIu64 "\nok=%" PRIu64 "\nnon2xx=%" PRIu64 "\nerrors=%" PRIu64 "\n",
           sum.requests, sum.ok, sum.non2xx, sum.errors);
    printf("seconds=%.3f\nrps=%.0f\nmbs=%.1f\n", secs, (double)sum.requests / secs,
           (double)sum.requests * (double)sh.size / secs / 1e6);
    printf("p50_ms=%.3f\np99_ms=%.3f\np999_ms=%.3f\nmax_ms=%.3f\n",
           hist_percentile_ms(&sum.hist, 0.50), hist_percentile_ms(&sum.hist, 0.99),
           hist_percentile_ms(&sum.hist, 0.999), (double)sum.hist.max_us / 1000.0);
    freeaddrinfo(sh.addr);
    free((void *)(uintptr_t)sh.data);
    free(th);
    return sum.requests > 0 ? 0 : 1;
}
