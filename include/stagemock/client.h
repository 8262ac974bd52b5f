/*
 * client.h - libstagemock-client: a small, careful client of the stage API
 * (RULES.md), the library behind `stagectl` and the reference for how a
 * client should behave.
 *
 * What it does: uploads a file streamed from disk (multipart, one file per
 * request), downloads a file streamed into NAME.part that is fsynced and
 * renamed only after a complete 200 (on any failure nothing is left), lists a
 * stage. Every request carries `Authorization: Key <key>`. Failures come back
 * as an enum smc_code plus a struct smc_error holding the HTTP status, the
 * rule id the mock names (X-Stagemock-Rule) and the server's `message`.
 *
 * Retries: 429 and 503 are retried at most max_retries times, waiting what
 * Retry-After says (capped at max_retry_wait_ms) or an exponential backoff;
 * so are failures before any request byte was sent (refused connections).
 * When an upload's answer is lost after its bytes were sent, the stage is
 * listed first: a file of that name and size there means the upload
 * committed and it is reported with its id, so a file is never uploaded
 * twice. A stalled transfer (no byte moving for stall_timeout_s) fails with
 * SMC_E_TIMEOUT and is not retried.
 *
 * Threads and ownership: a struct smc_client is used by one thread at a time;
 * several clients may live in one process (nothing is global besides
 * curl_global_init, which libcurl reference-counts). Strings handed out are
 * freed with smc_free; lists with smc_file_list_cleanup.
 */
#ifndef STAGEMOCK_CLIENT_H
#define STAGEMOCK_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SMC_API       __attribute__((visibility("default")))
#define SMC_NODISCARD __attribute__((warn_unused_result))
#else
#define SMC_API
#define SMC_NODISCARD
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Values are stable: never renumber or reuse one. */
enum smc_code {
    SMC_OK = 0,
    SMC_E_ARG = 1,       /* the caller broke the contract (no URL, no stage, bad name) */
    SMC_E_NOMEM = 2,     /* allocation failed */
    SMC_E_IO = 3,        /* a local file could not be read, written, synced or renamed */
    SMC_E_REJECTED = 4,  /* the server answered non-2xx: status, rule, message filled */
    SMC_E_PROTOCOL = 5,  /* a 2xx answer that breaks the API (no file_id, bad JSON) */
    SMC_E_TRANSPORT = 6, /* no complete answer: refused, reset, closed, truncated */
    SMC_E_TIMEOUT = 7,   /* connect timeout, or nothing moved for stall_timeout_s */
};

#define SMC_MESSAGE_LEN 512

struct smc_error {
    enum smc_code code;
    long status;                   /* HTTP status of the last answer; 0: none */
    int curl_code;                 /* CURLcode of the last attempt */
    unsigned attempts;             /* requests made for this operation */
    char rule[64];                 /* X-Stagemock-Rule of the answer, "" when absent */
    char message[SMC_MESSAGE_LEN]; /* the server's message, or what went wrong */
};

/* Progress of the current transfer; total is 0 while unknown. */
typedef void smc_progress_fn(void *cls, const char *name, uint64_t done, uint64_t total);

struct smc_options {
    const char *url;            /* base URL, e.g. "http://127.0.0.1:8080" (required) */
    const char *key;            /* API key; NULL sends none (the server will say 401) */
    const char *user_agent;     /* NULL: "libstagemock-client/1.0" */
    unsigned connect_timeout_s; /* 0: 10 */
    unsigned stall_timeout_s;   /* give up when no byte moved this long; 0: 30 */
    unsigned max_retries;       /* retries after the first attempt; default 3 */
    unsigned backoff_ms;        /* first backoff, doubled per retry; default 200 */
    unsigned max_retry_wait_ms; /* cap on one wait, Retry-After included; default 10000 */
    smc_progress_fn *progress;  /* NULL: none */
    void *progress_cls;
    const char *ca_file; /* https: PEM file of the CA(s) to trust (e.g. `stagemock serve
                            --tls`'s); NULL: the system's trust store */
};

/* One file of a stage listing. */
struct smc_file {
    char *name;
    char *file_id;
    uint64_t size;
};

struct smc_file_list {
    struct smc_file *files;
    size_t n;
};

/* Result of one file of smc_upload_many, handed to the callback in order. */
typedef void smc_upload_result_fn(void *cls, size_t index, const char *path, const char *name,
                                  enum smc_code code, const char *file_id,
                                  const struct smc_error *err);

struct smc_client;

/* Fill *opt with the defaults above (url and key NULL). */
SMC_API void smc_options_init(struct smc_options *opt);

/* A client for opt->url (strings are copied). *out is NULL on failure. */
SMC_API SMC_NODISCARD enum smc_code smc_client_new(const struct smc_options *opt,
                                                   struct smc_client **out, struct smc_error *err);
/* NULL is a no-op. */
SMC_API void smc_client_free(struct smc_client *c);

/*
 * Upload the file at path into stage under name (NULL: the path's last
 * component). On SMC_OK *file_id (if file_id is not NULL) is the id the
 * server gave, freed with smc_free.
 */
SMC_API SMC_NODISCARD enum smc_code smc_upload(struct smc_client *c, const char *stage,
                                               const char *path, const char *name, char **file_id,
                                               struct smc_error *err);

/*
 * Upload n files one at a time, in the order given, each under its path's
 * last component; report each through done (may be NULL). A failed file does
 * not stop the others. Returns SMC_OK when all succeeded, else the code of
 * the first failure.
 */
SMC_API enum smc_code smc_upload_many(struct smc_client *c, const char *stage,
                                      const char *const *paths, size_t n,
                                      smc_upload_result_fn *done, void *cls);

/*
 * Download name from stage into out_path: the bytes go to out_path + ".part",
 * which is fsynced and renamed over out_path after a complete 200. On any
 * failure neither out_path (if it did not exist) nor the .part is left, and
 * an error body is never written. *size (if not NULL) is the byte count.
 */
SMC_API SMC_NODISCARD enum smc_code smc_download(struct smc_client *c, const char *stage,
                                                 const char *name, const char *out_path,
                                                 uint64_t *size, struct smc_error *err);

/* The stage's files in stage order; release with smc_file_list_cleanup. */
SMC_API SMC_NODISCARD enum smc_code smc_list(struct smc_client *c, const char *stage,
                                             struct smc_file_list *out, struct smc_error *err);
SMC_API void smc_file_list_cleanup(struct smc_file_list *list);

/* Name of a code ("SMC_E_REJECTED"); never NULL. */
SMC_API const char *smc_strerror(enum smc_code code);

/* Free a string the library handed out. */
SMC_API void smc_free(void *ptr);

/* The version of the libstagemock-client actually linked ("0.1.0"; the
 * SM_VERSION of stagemock/version.h it was built with). Static string. */
SMC_API const char *smc_version(void);

#ifdef __cplusplus
}
#endif
#endif
