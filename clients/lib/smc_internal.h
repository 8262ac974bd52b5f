/*
 * smc_internal.h - what the files of libstagemock-client share: the client
 * struct, one HTTP exchange with its retry loop (http.c), and error helpers.
 */
#ifndef SMC_INTERNAL_H
#define SMC_INTERNAL_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../common/sm_base64.h"
#include "stagemock/client.h"

#if defined(__GNUC__)
#define SMC_PRINTF(fmt, a) __attribute__((format(printf, fmt, a)))
#else
#define SMC_PRINTF(fmt, a)
#endif

struct smc_client {
    struct smc_options opt; /* strings below are the client's own copies */
    char *url;
    char *key;
    char *user_agent;
    char *ca_file;
    CURL *curl; /* reused across requests: keeps the connection alive */
    bool fresh; /* the last answer was not a 2xx: open a new connection next */
};

/* Where a 2xx body goes when it must not be held in memory (downloads).
 * write returns false on a local failure (the transfer then stops). */
struct smc_sink {
    bool (*write)(void *cls, const char *p, size_t n);
    void (*reset)(void *cls); /* before every attempt: forget what was written */
    void *cls;
};

/* What the lost-response hook decided (uploads: is the file in the stage?). */
enum smc_lost { SMC_LOST_RETRY, SMC_LOST_DONE, SMC_LOST_FAIL };

struct smc_request {
    const char *path; /* "/upload-to-stage" */
    const char *name; /* for progress and messages */
    /* a multipart body, made afresh for every attempt (a reused curl_mime is
     * not re-sent reliably after curl_easy_reset), or */
    curl_mime *(*make_mime)(void *cls, CURL *curl);
    void *mime_cls;
    const char *form;            /* an application/x-www-form-urlencoded body */
    const struct smc_sink *sink; /* NULL: the 2xx body is kept in smc_response */
    /* never reuse a kept-alive connection: libcurl silently re-sends a request
     * whose reused connection dies before an answer, which for an upload that
     * the server committed is a blind second upload */
    bool fresh_connection;
    enum smc_lost (*on_lost)(void *cls, struct smc_error *err);
    void *lost_cls;
};

struct smc_response {
    long status;
    char *body; /* NUL-terminated; error bodies and small 2xx bodies only */
    size_t len;
    bool truncated; /* body was longer than the cap; the rest was dropped */
    bool sink_failed;
    char rule[64];
    char retry_after[64];
    char content_type[96];
};

/*
 * Run one request with the retry policy of client.h. SMC_OK: a 2xx answer in
 * *resp (status, body unless a sink took it). Otherwise err is filled (status,
 * rule and message of a rejection; what failed for transport errors).
 * SMC_LOST_DONE from on_lost returns SMC_OK with resp->status 0.
 */
enum smc_code smc_http_call(struct smc_client *c, const struct smc_request *rq,
                            struct smc_response *resp, struct smc_error *err);
void smc_response_cleanup(struct smc_response *resp);

/* Fill err (may be NULL) and return code. */
enum smc_code smc_err_set(struct smc_error *err, enum smc_code code, const char *fmt, ...)
    SMC_PRINTF(3, 4);
void smc_err_clear(struct smc_error *err);

/* The last component of a path (borrowed). */
const char *smc_basename(const char *path);

/* "stage_id=S[&file_name=N]" urlencoded; NULL when out of memory. smc_free. */
char *smc_form(CURL *curl, const char *stage, const char *file_name);

#endif
