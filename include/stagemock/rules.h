/*
 * rules.h - the rule ids of docs/RULES.md as one table: every rule's enum
 * value, its id string, the HTTP status the mock answers by default, which
 * of RULES.md's three tables it belongs to, and its meaning in one line.
 *
 * Code names a rule by its enum value only (struct sm_error's rule, the
 * journal, the profile's status map); the id string is for what leaves the
 * process (the X-Stagemock-Rule header, JSON, reports). The table is data:
 * nothing here allocates, nothing is mutable, every function is safe on any
 * thread. ci/check-rules.py reads SM_RULE_TABLE below and checks it against
 * docs/RULES.md (ids, statuses, kinds and meanings must agree).
 */
#ifndef STAGEMOCK_RULES_H
#define STAGEMOCK_RULES_H

#include <stddef.h>

/* The same export marker as error.h (which includes this header). */
#ifndef SM_API
#if defined(__GNUC__)
#define SM_API __attribute__((visibility("default")))
#else
#define SM_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Which table of docs/RULES.md a rule is in. */
enum sm_rule_kind {
    SM_RULE_KIND_NONE = 0,   /* SM_RULE_NONE */
    SM_RULE_KIND_DOCUMENTED, /* stated by the vendor's page, enforced by the mock */
    SM_RULE_KIND_OBLIGATION, /* a client obligation: checked by conformance cases only */
    SM_RULE_KIND_OWN,        /* the mock's own, not part of the vendor's contract */
};

/*
 * X(ENUM, id, default status, kind, meaning), in docs/RULES.md's order.
 * The default status is the one the mock answers most often for the rule (a
 * rule may use others: RULES.md's status cell lists them all); 0 for an id no
 * HTTP answer carries. The meaning is RULES.md's meaning cell, word for word.
 * Append only: an enum value is never renumbered or reused.
 */
#define SM_RULE_TABLE(X)                                                                         \
    X(SM_RULE_PARQUET_ONLY, "parquet-only", 400, SM_RULE_KIND_DOCUMENTED,                        \
      "A stage accepts parquet files only.")                                                     \
    X(SM_RULE_CODEC, "codec", 400, SM_RULE_KIND_DOCUMENTED, "Snappy compression is supported.")  \
    X(SM_RULE_ONE_FILE, "one-file-per-request", 400, SM_RULE_KIND_DOCUMENTED,                    \
      "One file per upload request, one file per download request.")                             \
    X(SM_RULE_UNIQUE_NAMES, "unique-names", 409, SM_RULE_KIND_DOCUMENTED,                        \
      "A name that already exists in the stage is refused.")                                     \
    X(SM_RULE_SAME_SCHEMA, "same-schema", 400, SM_RULE_KIND_DOCUMENTED,                          \
      "All files in a stage share one schema.")                                                  \
    X(SM_RULE_ORDER, "order", 400, SM_RULE_KIND_DOCUMENTED,                                      \
      "Files join a stage in the order they were uploaded, and the list shows that order.")      \
    X(SM_RULE_ERROR_JSON, "error-json", 404, SM_RULE_KIND_DOCUMENTED,                            \
      "A failure is answered with a JSON object holding a `message`.")                           \
    X(SM_RULE_BYTES, "bytes", 404, SM_RULE_KIND_DOCUMENTED,                                      \
      "A download returns the file's bytes.")                                                    \
    X(SM_RULE_AUTH, "auth", 401, SM_RULE_KIND_DOCUMENTED, "Every request carries the API key.")  \
    X(SM_RULE_CLIENT_NAMES, "client-names", 0, SM_RULE_KIND_OBLIGATION,                          \
      "Names with spaces, quotes, `+`, `%`, `&`, `=` and non-ASCII characters are sent so that " \
      "the stage stores exactly the name given.")                                                \
    X(SM_RULE_CLIENT_NON_JSON, "client-non-json", 0, SM_RULE_KIND_OBLIGATION,                    \
      "A non-JSON error (an HTML `502` from a proxy) is still reported as a failure with a "     \
      "message.")                                                                                \
    X(SM_RULE_CLIENT_RETRY_AFTER, "client-retry-after", 0, SM_RULE_KIND_OBLIGATION,              \
      "`Retry-After` on `429` or `503` is honoured, a bounded number of times.")                 \
    X(SM_RULE_CLIENT_TIMEOUT, "client-timeout", 0, SM_RULE_KIND_OBLIGATION,                      \
      "A stalled server is given up on within the client's own timeout.")                        \
    X(SM_RULE_CLIENT_LOST_RESPONSE, "client-lost-response", 0, SM_RULE_KIND_OBLIGATION,          \
      "When the answer to an upload is lost after the server committed the file, the file is "   \
      "not uploaded a second time.")                                                             \
    X(SM_RULE_CLIENT_MULTIPART, "client-multipart", 0, SM_RULE_KIND_OBLIGATION,                  \
      "An upload's multipart body is framed as strict servers and proxies accept it: CRLF line " \
      "endings, the close delimiter, a boundary RFC 2046 allows, part headers that parse, the "  \
      "file part after `stage_id`, and a `Content-Length`.")                                     \
    X(SM_RULE_SCENARIO, "scenario", 400, SM_RULE_KIND_OWN,                                       \
      "A scenario document or `--fault` spec the mock refuses.")                                 \
    X(SM_RULE_IO, "io", 0, SM_RULE_KIND_OWN,                                                     \
      "`stagemock inspect` could not read a file at all, so no rule judged it.")

#define SM_RULE_ENUM_(name, id, status, kind, meaning) name,
enum sm_rule {
    SM_RULE_NONE = 0, /* no rule: a usage, memory or internal error */
    SM_RULE_TABLE(SM_RULE_ENUM_) SM_RULE_COUNT
};
#undef SM_RULE_ENUM_

/* The id string ("codec"), or NULL for SM_RULE_NONE and values out of range. */
SM_API const char *sm_rule_id(enum sm_rule rule);

/* The rule whose id is exactly id, or SM_RULE_NONE (also for NULL). */
SM_API enum sm_rule sm_rule_find(const char *id);

/* The default HTTP status (0: none, also for SM_RULE_NONE). */
SM_API int sm_rule_status(enum sm_rule rule);

/* RULES.md's meaning of the rule ("" for SM_RULE_NONE); never NULL. */
SM_API const char *sm_rule_meaning(enum sm_rule rule);

/* Which RULES.md table the rule is in (SM_RULE_KIND_NONE for SM_RULE_NONE). */
SM_API enum sm_rule_kind sm_rule_kind(enum sm_rule rule);

/* The ids of every rule of the given kind, in table order, separated by
 * ", ", written NUL-terminated into buf (truncated to fit); for messages that
 * name the known ids. Returns the length the whole list needs. */
SM_API size_t sm_rule_list(enum sm_rule_kind kind, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
