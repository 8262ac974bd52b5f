/*
 * server.h - libstagemock's embeddable mock of the stage API: start it on
 * port 0 inside a test, point a client at sm_server_url(), inspect the stages
 * and the request journal, stop it.
 *
 * Ownership and threads: sm_server_new returns a server the caller owns and
 * releases with sm_server_free (which stops it first). Every function here is
 * thread-safe: the server's state (stages, keys, journal, profile) sits
 * behind one mutex shared with the HTTP threads. Several servers in one
 * process share nothing. Strings and JSON texts handed out are freed with
 * sm_free; structs filled by _get functions are the caller's, released with
 * the matching _cleanup.
 */
#ifndef STAGEMOCK_SERVER_H
#define STAGEMOCK_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stagemock/error.h"
#include "stagemock/version.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sm_server;

/* One line per request, for `stagemock serve --log`. Called on an HTTP thread. */
typedef void sm_log_fn(void *cls, const char *line);

enum sm_log_format { SM_LOG_NONE = 0, SM_LOG_TEXT, SM_LOG_JSON };

struct sm_server_config {
    const char *host;     /* bind address; NULL: "127.0.0.1" ("::1" for IPv6) */
    uint16_t port;        /* 0: the system picks a free port */
    const char *data_dir; /* NULL: stages live in memory (and unlinked temp files) */
    const char *tmp_dir;  /* where uploads spool; NULL: data_dir, else $TMPDIR or /tmp */
    uint64_t max_upload;  /* bytes; 0: 1 GiB (RULES.md 413 above it) */
    bool validate_deep;   /* page-level checks (RULES.md default: true) */
    bool seeded;          /* deterministic file ids from seed */
    uint64_t seed;
    const char *admin_token;         /* NULL: admin API on loopback only, no token */
    unsigned threads;                /* HTTP worker threads; 0: 2 */
    unsigned max_connections;        /* 0: 512 (docs/SERVER.md "Connections") */
    unsigned timeout_s;              /* idle connection timeout; 0: 30 s */
    unsigned max_connections_per_ip; /* 0: 256; at a limit, the oldest unfinished
                                        request head (or idle connection) makes room */
    unsigned head_timeout_s; /* request line + headers within this of their first byte; 0: 10 s */
    unsigned min_body_rate;  /* bytes/s a body must average after head_timeout_s; 0: 1024 */
    unsigned stop_grace_ms;  /* stop: requests in flight get this long; idle connections
                                close at once; 0: 3000 ms */
    enum sm_log_format log_format;
    sm_log_fn *log;
    void *log_cls;
    /* journal entries kept (a ring: the oldest go, counted as "dropped");
     * 0: 10000 */
    size_t journal_max;
    /* HTTPS (docs/SERVER.md "HTTPS"). tls_cert and tls_key (PEM files, both
     * or neither): serve that certificate (chain) and key. tls alone: a
     * generated CA and a certificate it signed for localhost, 127.0.0.1 and
     * ::1, the CA's PEM at sm_server_tls_ca(). Otherwise plain HTTP. */
    bool tls;
    const char *tls_cert;
    const char *tls_key;
    /* HAR (include/stagemock/har.h): keep each request's headers and the
     * first har_body_max bytes of its request and response bodies (0: 64 KiB)
     * with its journal entry; all kept bodies together stay under 64 MiB. */
    bool har;
    size_t har_body_max;
};

/* Fill *cfg with the defaults above. */
SM_API void sm_server_config_init(struct sm_server_config *cfg);

/*
 * Create a server (not yet listening). With data_dir set, the stages stored
 * there are loaded (and anything not acknowledged is cleaned away).
 * Returns SM_OK and *out, or an error (SM_E_IO for the data dir, SM_E_NOMEM);
 * *out is NULL on failure. The config is copied.
 */
SM_API SM_NODISCARD enum sm_code sm_server_new(const struct sm_server_config *cfg,
                                               struct sm_server **out, struct sm_error *err);

/* Start listening. SM_E_IO when the address cannot be bound; SM_E_STATE when
 * already running. */
SM_API SM_NODISCARD enum sm_code sm_server_start(struct sm_server *srv, struct sm_error *err);

/* Stop listening: idle (keep-alive) connections close at once, requests in
 * flight get stop_grace_ms to finish, then every connection closes. No-op
 * when stopped. */
SM_API void sm_server_stop(struct sm_server *srv);

/* Stop (if running) and release everything. NULL is a no-op. */
SM_API void sm_server_free(struct sm_server *srv);

/* The bound port (0 before start), and "http://host:port" ("https://" with
 * TLS; borrowed; valid until stop). */
SM_API uint16_t sm_server_port(const struct sm_server *srv);
SM_API const char *sm_server_url(const struct sm_server *srv);

/*
 * Serve HTTPS from the next start (what the config's tls fields do, for
 * bindings that fill no struct): with cert_file and key_file, that PEM pair,
 * checked to parse and to belong together (SM_E_IO, SM_E_MALFORMED or
 * SM_E_MISMATCH naming the file); with both NULL, a generated CA and server
 * certificate (ECDSA P-256, a few milliseconds) in a fresh directory under
 * $TMPDIR or /tmp, removed by sm_server_free. SM_E_STATE while running,
 * SM_E_ARG when only one file is given. On error nothing changes.
 */
SM_API SM_NODISCARD enum sm_code sm_server_use_tls(struct sm_server *srv, const char *cert_file,
                                                   const char *key_file, struct sm_error *err);

/* The path of the generated CA certificate (PEM, mode 0644) a client trusts,
 * or NULL (plain HTTP, or a certificate given as files). Borrowed; valid
 * until sm_server_free or the next sm_server_use_tls. */
SM_API const char *sm_server_tls_ca(const struct sm_server *srv);

/*
 * Stages and keys. A key added with stages == NULL sees every stage; with a
 * list, only those (others are reported to it as not found). Adding an
 * existing stage or key is not an error (a key's stage list is replaced).
 */
SM_API SM_NODISCARD enum sm_code sm_server_add_stage(struct sm_server *srv, const char *stage,
                                                     struct sm_error *err);
SM_API SM_NODISCARD enum sm_code sm_server_add_key(struct sm_server *srv, const char *key,
                                                   const char *const *stages, size_t n_stages,
                                                   struct sm_error *err);

/*
 * Put a file into a stage directly, as an accepted upload would (same rules:
 * parquet verdict, unique name, first schema wins). For preloading a known
 * state. Returns what the upload would have been answered with.
 */
SM_API SM_NODISCARD enum sm_code sm_server_preload(struct sm_server *srv, const char *stage,
                                                   const char *name, const void *data, size_t len,
                                                   struct sm_error *err);

/* Override defaults from a profile (JSON text, docs/PROFILE.md). On error
 * nothing changes and err names the key. */
SM_API SM_NODISCARD enum sm_code sm_server_load_profile(struct sm_server *srv, const char *json,
                                                        size_t len, struct sm_error *err);

/* Forget every stored file and the journal; stages, keys and profile stay. */
SM_API void sm_server_reset(struct sm_server *srv);

struct sm_file_info {
    char *name;
    char *file_id;
    uint64_t size;
    char sha256[65];     /* hex */
    uint64_t commit_seq; /* its place in commit order, as in the journal (0: preloaded) */
};

struct sm_file_list {
    struct sm_file_info *files;
    size_t n;
};

/* The stage's files in stage order. SM_E_NOT_FOUND for an unknown stage.
 * Release with sm_file_list_cleanup. */
SM_API SM_NODISCARD enum sm_code sm_server_get_files(struct sm_server *srv, const char *stage,
                                                     struct sm_file_list *out,
                                                     struct sm_error *err);
SM_API void sm_file_list_cleanup(struct sm_file_list *list);

/*
 * The journal as JSON text: {"seed":…,"entries":[{...}, ...]} with one entry
 * per completed request, in request order (seq; end_us is when it completed)
 * (fields in docs/SERVER.md: seq, start_us, end_us,
 * method, path, key, stage, file_name, file_parts, size, sha256, status,
 * rule, bytes_sent, ...). NULL on allocation failure; free with sm_free.
 */
SM_API char *sm_server_journal_json(struct sm_server *srv);

/* The stages as JSON text: {"stages":[{"name":…,"files":[…]}]}; sm_free. */
SM_API char *sm_server_stages_json(struct sm_server *srv);

/* Requests journaled so far (completed), counting those the journal's ring
 * has since dropped. */
SM_API size_t sm_server_journal_count(struct sm_server *srv);

/*
 * Check the journal against an expectation written in the language of
 * docs/VERIFY.md, e.g.
 *
 *   in order { upload file=a.parquet status=200; list stage=s1 }
 *   exactly 2 upload status=2xx
 *   never upload rule=parquet-only
 *
 * Waits, as the journal readers do, for answers already queued. Returns
 * SM_OK when every statement holds (*diff set to NULL); SM_E_MISMATCH
 * when one does not: *diff is the report (each statement ok or FAIL, and
 * for a failed one the expected and actual request sequences side by side,
 * the first divergence marked '>'), free it with sm_free, and err's message
 * names the first failed statement; SM_E_MALFORMED when the expectation
 * does not parse (err names the line, column and word; *diff NULL);
 * SM_E_NOMEM. diff may be NULL when only the verdict is wanted. The CMocka
 * helper stagemock/cmocka_verify.h fails a test with the diff.
 */
SM_API SM_NODISCARD enum sm_code sm_server_verify(struct sm_server *srv, const char *expectation,
                                                  char **diff, struct sm_error *err);

#ifdef __cplusplus
}
#endif
#endif
