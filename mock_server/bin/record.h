/*
 * record.h - `stagemock record`: a recording proxy in front of a stage API
 * (record_proxy.c) and what it writes at stop (record.c: session.har via
 * sm_har_render, scenario.json for `stagemock serve --scenario`).
 *
 * The session is shared by the proxy's connection threads (each appends its
 * exchange when its request completes) and the main thread (which reads it
 * after the proxy stopped); its mutex guards the list. Bodies are kept up to
 * body_max bytes each, the rest only counted.
 */
#ifndef SM_BIN_RECORD_H
#define SM_BIN_RECORD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rec_header {
    char *name;
    char *value;
};

/* One request through the proxy and the upstream's answer. */
struct rec_exchange {
    uint64_t seq; /* arrival order, from 1 */
    int64_t start_us, sent_us, answered_us, end_us;
    char method[16];
    char *path; /* with the query, as forwarded */
    struct rec_header *req_h, *resp_h;
    size_t n_req_h, n_resp_h;
    uint8_t *req_body, *resp_body; /* the first body_max bytes */
    size_t req_len, resp_len;
    uint64_t req_size, resp_size; /* every byte that went through */
    long status;                  /* the upstream's; 0: none came */
    char *error;                  /* why the exchange failed, or NULL */
};

struct rec_session {
    pthread_mutex_t mu;
    struct rec_exchange *x;
    size_t n, cap;
    uint64_t next_seq;    /* atomic */
    const char *upstream; /* base URL, no trailing '/' */
    const char *key;      /* sent upstream as Authorization: Key <key> */
    size_t body_max;
    bool stopping; /* atomic: the proxy is stopping; transfers in flight end */
};

struct rec_proxy;

/* Listen on host:port (port 0: any) and forward to s->upstream; *url is what
 * clients use. Returns false with a message on err. */
bool rec_proxy_start(struct rec_session *s, const char *host, uint16_t port, struct rec_proxy **out,
                     char *url, size_t url_size, FILE *err);
/* Stop listening; requests in flight are cut. Their exchanges are in s. */
void rec_proxy_stop(struct rec_proxy *p);
/* Append a finished exchange (takes its contents). */
void rec_session_add(struct rec_session *s, struct rec_exchange *x);
void rec_exchange_cleanup(struct rec_exchange *x);
/* Free the names and values of h[0..n) (not h itself). */
void rec_headers_clear(struct rec_header *h, size_t n);

#endif
