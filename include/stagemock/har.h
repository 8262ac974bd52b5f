/*
 * har.h - HAR 1.2 (HTTP Archive) out of a server's journal, and out of any
 * list of exchanges (`stagemock record` writes its session with it).
 *
 * A server keeps request and response headers and a bounded copy of each
 * body only when asked (cfg.har, `stagemock serve --har`); without it the
 * HAR has the journal's methods, paths, statuses, sizes and timings, and
 * each entry's comment says what is missing. Texts returned are valid UTF-8
 * JSON, integers written as integers, owned by the caller (sm_free).
 * Thread-safe: sm_server_har_json may be called while the server runs.
 */
#ifndef STAGEMOCK_HAR_H
#define STAGEMOCK_HAR_H

#include <stddef.h>
#include <stdint.h>

#include "stagemock/error.h"
#include "stagemock/server.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default for cfg.har_body_max: bytes of each body kept (64 KiB). */
#define SM_HAR_BODY_MAX_DEFAULT ((size_t)64 << 10)
/* All bodies a server's journal keeps, together, at most (64 MiB): past it
 * the oldest entries' bodies go first (their comment says so). */
#define SM_HAR_BUDGET ((size_t)64 << 20)

struct sm_har_header {
    const char *name;
    const char *value;
};

struct sm_har_body {
    const uint8_t *data;   /* the bytes kept (NULL when none were) */
    size_t len;            /* how many were kept */
    int64_t size;          /* the body's whole size; -1: unknown */
    const char *mime_type; /* NULL: taken from the Content-Type header, else "" */
};

/* One request and its answer; times in microseconds since the epoch. */
struct sm_har_exchange {
    int64_t start_us;    /* the request began */
    int64_t sent_us;     /* its body was complete (0: unknown) */
    int64_t answered_us; /* the answer began (0: none) */
    int64_t end_us;      /* the exchange ended */
    const char *method;
    const char *url;          /* absolute, e.g. "http://127.0.0.1:8080/upload-to-stage" */
    const char *http_version; /* NULL: "HTTP/1.1" */
    const struct sm_har_header *req_headers;
    size_t n_req_headers;
    struct sm_har_body req_body;
    int status; /* 0: no answer (the connection ended first) */
    const struct sm_har_header *resp_headers;
    size_t n_resp_headers;
    struct sm_har_body resp_body;
    const char *comment; /* NULL: none */
};

/*
 * The HAR document {"log": {"version": "1.2", "creator", "entries"}} of n
 * exchanges, in the order given. A body that is valid UTF-8 without NUL
 * bytes is written as text, any other as base64 ("encoding": "base64"; for
 * a request body "_encoding", HAR 1.2 having no such field there); a body
 * kept in part is marked in its "comment". NULL when out of memory.
 */
SM_API char *sm_har_render(const struct sm_har_exchange *x, size_t n, const char *comment);

/*
 * The journal as HAR 1.2 (the same entries as sm_server_journal_json, in the
 * same order), after waiting for answers in flight as that does. NULL when
 * out of memory; free with sm_free.
 */
SM_API char *sm_server_har_json(struct sm_server *srv);

#ifdef __cplusplus
}
#endif
#endif
