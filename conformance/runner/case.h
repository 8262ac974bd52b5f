/*
 * case.h - the conformance case model and its parser (docs/CASE-FORMAT.md).
 *
 * A case is parsed from one text file into a struct conf_case that owns every
 * string in it; conf_case_free releases the lot. Parsing is bounded (file,
 * line, token and list sizes are capped below) and checks every key, so a
 * typo in a case file is an error naming the file and line, never a check
 * that silently does nothing. Nothing here runs a case or knows the server.
 */
#ifndef CONF_CASE_H
#define CONF_CASE_H

#include <stdbool.h>
#include <stddef.h>

#include "stagemock/error.h"

#define CONF_MAX_CASE_BYTES ((size_t)256u * 1024u) /* a case file larger than this is refused */
#define CONF_MAX_LINE       8192u                  /* one logical line, continuations included */
#define CONF_MAX_TOKENS     64u                    /* tokens in one value */
#define CONF_MAX_STEPS      16u
#define CONF_MAX_CHECKS     64u /* per step, and in [expect] */
#define CONF_MAX_SETUP      32u /* stages, keys, faults, preloads: each */
#define CONF_MAX_ID         64u

enum conf_level { CONF_MUST = 0, CONF_SHOULD = 1, CONF_INFO = 2 };

/* One check: a verb ("exit", "ok", "stage", "journal", ...) and its tokens. */
struct conf_check {
    char *verb;
    char **args;
    size_t n_args;
    unsigned line;
};

/* One adapter call: argv after the adapter command, with @fixture and %out
 * references still unresolved, and the checks on its output. */
struct conf_step {
    char **argv;
    size_t argc;
    unsigned line;
    struct conf_check *checks;
    size_t n_checks;
};

struct conf_key {
    char *key;
    char **stages; /* NULL: every stage */
    size_t n_stages;
};

struct conf_preload {
    char *stage;
    char *fixture; /* fixture name */
    char *name;    /* name in the stage */
};

struct conf_case {
    char *path; /* where it was read from (or the origin given) */
    char *id;
    char *rule;
    enum conf_level level;
    char *title;
    char *why;
    /* [setup] */
    char **stages;
    size_t n_stages;
    struct conf_key *keys;
    size_t n_keys;
    char *api_key;  /* the key handed to the adapter (STAGE_API_KEY); default: first key */
    char *profile;  /* JSON text or NULL */
    char *scenario; /* JSON text or NULL */
    char **faults;
    size_t n_faults;
    struct conf_preload *preloads;
    size_t n_preloads;
    unsigned api_timeout_s; /* STAGE_API_TIMEOUT; default 2 */
    unsigned time_limit_s;  /* per step; the adapter is killed after it; default 30 */
    bool needs_lint;        /* skipped when the server journals no `lint` */
    /* [step] ... */
    struct conf_step *steps;
    size_t n_steps;
    /* [expect] */
    struct conf_check *expect;
    size_t n_expect;
};

/*
 * Parse a case from text (len bytes, need not be NUL-terminated). origin names
 * the text in error messages ("cases/codec-01.case"). Returns SM_OK and *out,
 * or SM_E_MALFORMED with err->message "ORIGIN:LINE: what is wrong" (*out NULL).
 */
SM_NODISCARD enum sm_code conf_case_parse(const char *text, size_t len, const char *origin,
                                          struct conf_case **out, struct sm_error *err);

/* Read and parse a case file; SM_E_IO when it cannot be read or is too large. */
SM_NODISCARD enum sm_code conf_case_load(const char *path, struct conf_case **out,
                                         struct sm_error *err);

void conf_case_free(struct conf_case *c);

/* "MUST", "SHOULD", "INFO". */
const char *conf_level_name(enum conf_level level);

#endif
