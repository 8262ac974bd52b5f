/*
 * error.h - how every libstagemock function reports failure.
 *
 * Fallible functions return enum sm_code and take a struct sm_error *err last
 * (NULL allowed). The code is for control flow; the struct is for people: it
 * carries the HTTP status the mock answers by default, the RULES.md rule id and
 * a message that names the offending thing. Nothing here allocates, and nothing
 * is global, so errors are safe on any thread and when memory is short.
 */
#ifndef STAGEMOCK_ERROR_H
#define STAGEMOCK_ERROR_H

#include <stddef.h>

#if defined(__GNUC__)
#define SM_API            __attribute__((visibility("default")))
#define SM_NODISCARD      __attribute__((warn_unused_result))
#define SM_PRINTF(fmt, a) __attribute__((format(printf, fmt, a)))
#else
#define SM_API
#define SM_NODISCARD
#define SM_PRINTF(fmt, a)
#endif

#include "stagemock/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Values are stable: never renumber or reuse one; retire it in place. */
enum sm_code {
    SM_OK = 0,
    SM_E_NOMEM = 1,       /* allocation failed */
    SM_E_ARG = 2,         /* caller broke the contract (bad option, bad name) */
    SM_E_MALFORMED = 3,   /* input does not parse (HTTP, multipart, parquet, JSON) */
    SM_E_UNSUPPORTED = 4, /* parses, but is something we refuse (codec, encryption) */
    SM_E_CONFLICT = 5,    /* clashes with stored state (duplicate name) */
    SM_E_NOT_FOUND = 6,   /* no such stage, file or path */
    SM_E_AUTH = 7,        /* missing, malformed or unknown key */
    SM_E_TOO_LARGE = 8,   /* over a configured limit */
    SM_E_IO = 9,          /* the operating system said no (disk full, fd error) */
    SM_E_INTERNAL = 10,   /* a bug: an invariant did not hold */
    SM_E_MISMATCH = 11,   /* differs from what is expected (schema) */
    SM_E_METHOD = 12,     /* wrong HTTP method */
    SM_E_STATE = 13,      /* call not valid in the object's current state */
};

#define SM_ERROR_MSG_LEN 256

struct sm_error {
    enum sm_code code;
    int http_status;                /* what the mock answers by default; 0 if none */
    enum sm_rule rule;              /* RULES.md rule (rules.h), SM_RULE_NONE if none */
    char message[SM_ERROR_MSG_LEN]; /* always NUL-terminated; names the offending thing */
};

/* Fill *err (if not NULL) and return code, so a failure reads as one line:
 *   return sm_err_set(err, SM_E_UNSUPPORTED, 400, SM_RULE_CODEC, "column '%s' uses %s", c, k);
 * The message is truncated to fit; sm_rule_id(err->rule) gives the id string. */
SM_API enum sm_code sm_err_set(struct sm_error *err, enum sm_code code, int http_status,
                               enum sm_rule rule, const char *fmt, ...) SM_PRINTF(5, 6);

/* Reset *err to "no error" (code SM_OK, empty message). NULL is a no-op. */
SM_API void sm_err_clear(struct sm_error *err);

/* Prepend context to an existing message ("footer: " + message), once, at a
 * boundary. Keeps code, status and rule. NULL is a no-op. */
SM_API void sm_err_prefix(struct sm_error *err, const char *fmt, ...) SM_PRINTF(2, 3);

/* Name of a code ("SM_E_MALFORMED"); never NULL. */
SM_API const char *sm_strerror(enum sm_code code);

/* Free memory that libstagemock handed to the caller (strings, JSON texts). */
SM_API void sm_free(void *ptr);

#ifdef __cplusplus
}
#endif
#endif
