/*
 * scenario.h - private: the scenario engine (scripted responses and faults).
 *
 * A scenario is an ordered list of rules, each a match and an action, plus a
 * seed, a named state and files to preload. The parser (scenario_parse.c)
 * turns a JSON text or a --fault spec (fault_spec.c) into struct sm_scn_rule
 * values; the engine (scenario.c) owns them, decides for each request which
 * rule fires (first match in order), keeps the counters, the state and the
 * seeded PRNG, and reports rules that never fired; scenario_model.c holds the
 * structs' cleanup, copy and JSON form. scenario_run.c executes the returned
 * action on the request path (the hooks of ../internal.h) and scenario_api.c
 * is the public and admin API; nothing declared here touches a socket.
 * Calls go one way: scenario_api.c -> fault_spec.c -> scenario_parse.c ->
 * scenario_model.c; scenario_api.c and scenario_run.c -> scenario.c ->
 * scenario_model.c; and from scenario/ down into the core (reply, form,
 * spool, api), never back: the core reaches scenario_run.c through the hooks
 * scenario_api.c installs.
 *
 * Ownership: sm_scn_new/sm_scn_free; rules added to an engine belong to it.
 * Thread-safety: every sm_scn_* call on one engine may come from any thread;
 * one mutex guards the rules, counters, state and PRNG. A struct sm_scn_hit
 * holds a copy of the fired action (sm_scn_hit_cleanup frees it), so clearing
 * the rules while a request is in flight is safe.
 */
#ifndef SM_SCENARIO_H
#define SM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stagemock/error.h"

struct cJSON;

/* Endpoints a rule can name; a rule's match holds a bit set of them. */
enum sm_scn_endpoint {
    SM_SCN_EP_UPLOAD = 1u << 0,   /* POST /upload-to-stage */
    SM_SCN_EP_DOWNLOAD = 1u << 1, /* POST /download-from-stage */
    SM_SCN_EP_LIST = 1u << 2,     /* POST /list-stage-files */
    SM_SCN_EP_OTHER = 1u << 3,    /* any other non-admin path */
};
#define SM_SCN_EP_ALL 0xfu

/* What a byte-offset fault or a connection action does to the socket. */
enum sm_scn_conn {
    SM_SCN_CONN_NONE = 0,
    SM_SCN_CONN_CLOSE, /* orderly close (FIN), no response */
    SM_SCN_CONN_RESET, /* RST: SO_LINGER {1,0} then close */
    SM_SCN_CONN_STALL, /* stop reading/writing; keep the socket open */
};

struct sm_scn_header {
    char *name;
    char *value; /* match: NULL means "present"; action: always set */
};

struct sm_scn_match {
    unsigned endpoints; /* bit set of enum sm_scn_endpoint; SM_SCN_EP_ALL = any */
    char *stage;        /* exact, NULL = any */
    char *file;         /* fnmatch(3) glob (exact when it has no metacharacters) */
    char *key;          /* exact API key, NULL = any */
    struct sm_scn_header *headers;
    size_t n_headers;
    char *state;        /* fires only in this named state, NULL = any */
    uint64_t nth;       /* 0: from the first matching request; N: from the Nth */
    uint64_t times;     /* 0: unlimited; default 1 when nth is set */
    double probability; /* 1.0 = always; drawn from the seeded PRNG */
};

/* Where a rule is decided: at the headers (before the body is read), or once
 * the stage and file name are known (they travel in the body). */
static inline bool sm_scn_match_needs_body(const struct sm_scn_match *m)
{
    return m->stage != NULL || m->file != NULL;
}

struct sm_scn_fault {
    uint64_t after_bytes; /* fire when exactly this many body bytes went through */
    enum sm_scn_conn what;
};

struct sm_scn_action {
    /* The response: canned (status set, real false), or the real behaviour
     * altered (real true: status/headers/body, when set, replace the real ones). */
    bool real;
    int status; /* 0: not set */
    char *body; /* NULL: not set; "message" is stored here as {"message":...} */
    size_t body_len;
    char *content_type;
    struct sm_scn_header *headers;
    size_t n_headers;
    /* Timing and shape of the response. */
    uint64_t delay_ms;      /* before the status line */
    uint64_t dribble_bytes; /* 0 = off: send the body in chunks of this size */
    uint64_t dribble_interval_ms;
    bool truncate; /* send truncate_at body bytes then close */
    uint64_t truncate_at;
    uint64_t content_length; /* 0: the full body length is declared */
    /* The connection. */
    enum sm_scn_conn connection; /* close/reset instead of any response */
    bool lose_response;          /* run the real behaviour (commit), then RST */
    /* Request side. */
    bool before_body;                   /* answer before reading the request body */
    bool refuse_continue;               /* Expect: 100-continue gets the answer, never 100 */
    uint64_t read_rate;                 /* bytes per second for reading the upload; 0 = off */
    struct sm_scn_fault request_fault;  /* what NONE = off */
    struct sm_scn_fault response_fault; /* what NONE = off */
    /* State machine. */
    char *set_state; /* NULL: the state stays */
};

struct sm_scn_rule {
    char *name; /* NULL: "rules[i]" is used in reports */
    struct sm_scn_match match;
    struct sm_scn_action action;
};

/* A stage's files to preload, in order, each read from dir/name. */
struct sm_scn_preload {
    char *stage;
    char **names;
    char **paths; /* resolved: dir/name */
    size_t n_names;
};

/* A parsed scenario document: rules plus the document-level settings. */
struct sm_scn_doc {
    struct sm_scn_rule *rules;
    size_t n_rules;
    bool has_seed;
    uint64_t seed;
    char *initial_state; /* NULL: "Started" */
    struct sm_scn_preload *preload;
    size_t n_preload;
};

/* What the server tells the engine about a request. Strings may be NULL when
 * not (yet) known; get_header looks a request header up (case-insensitive). */
struct sm_scn_request {
    enum sm_scn_endpoint endpoint;
    const char *stage;
    const char *file;
    const char *key;
    const char *(*get_header)(void *cls, const char *name);
    void *cls;
};

enum sm_scn_phase {
    SM_SCN_PHASE_HEADERS, /* rules that need no body field */
    SM_SCN_PHASE_FIELDS,  /* rules on stage/file, once those are known */
};

/* The outcome for one request: which rule fired, a copy of its action. */
struct sm_scn_hit {
    bool fired;
    size_t rule_index;
    char *rule_name; /* its name, or "rules[i]", whole; freed by sm_scn_hit_cleanup */
    uint64_t firing; /* 1 for the rule's first firing */
    uint64_t seed;
    char state_before[64];
    char state_after[64];
    struct sm_scn_action action; /* deep copy; freed by sm_scn_hit_cleanup */
};

struct sm_scn;

/* --- documents (scenario_parse.c; cleanup, copy and JSON in scenario_model.c) --- */

/* Parse a scenario JSON text. base_dir resolves preload.dir (NULL = "."). On
 * failure *out is NULL and err names the field, e.g.
 * "rules[3].match.nth: expected a positive integer". */
SM_NODISCARD enum sm_code sm_scn_doc_parse(const char *json, size_t len, const char *base_dir,
                                           struct sm_scn_doc **out, struct sm_error *err);
/* Parse a scenario file; base_dir is the file's directory. */
SM_NODISCARD enum sm_code sm_scn_doc_load(const char *path, struct sm_scn_doc **out,
                                          struct sm_error *err);
/* Parse one rule object (as in "rules"); where names it in messages. */
SM_NODISCARD enum sm_code sm_scn_rule_parse(const struct cJSON *obj, const char *where,
                                            struct sm_scn_rule *out, struct sm_error *err);
void sm_scn_doc_free(struct sm_scn_doc *doc);
void sm_scn_rule_cleanup(struct sm_scn_rule *rule);
void sm_scn_action_cleanup(struct sm_scn_action *a);
SM_NODISCARD enum sm_code sm_scn_action_copy(struct sm_scn_action *dst,
                                             const struct sm_scn_action *src, struct sm_error *err);
/* The rule back as JSON (for the list API and reports); NULL on no memory. */
struct cJSON *sm_scn_rule_to_json(const struct sm_scn_rule *rule);

/* --- --fault specs (fault_spec.c) --- */

/* Parse "upload:nth=2:status=503:retry-after=1" into a rule. On failure err
 * names the item, e.g. "--fault item 3 'status=abc': expected 100..599". */
SM_NODISCARD enum sm_code sm_scn_fault_parse(const char *spec, struct sm_scn_rule *out,
                                             struct sm_error *err);

/* --- the engine (scenario.c) --- */

/* A new engine with no rules, state "Started", and a seed: the given one, or
 * (has_seed false) one drawn from the clock, recorded in sm_scn_seed. */
SM_NODISCARD enum sm_code sm_scn_new(bool has_seed, uint64_t seed, struct sm_scn **out,
                                     struct sm_error *err);
void sm_scn_free(struct sm_scn *s);
uint64_t sm_scn_seed(const struct sm_scn *s);
/* Replace rules, seed (when the document has one) and state with a document's;
 * takes ownership of its rules (doc->rules is emptied). Counters restart. Out
 * of memory changes nothing (the document keeps its rules). */
SM_NODISCARD enum sm_code sm_scn_load(struct sm_scn *s, struct sm_scn_doc *doc,
                                      struct sm_error *err);
/* Append a rule (takes ownership of *rule's contents, which are zeroed). */
SM_NODISCARD enum sm_code sm_scn_add(struct sm_scn *s, struct sm_scn_rule *rule,
                                     struct sm_error *err);
/* Remove all rules, counters and unmatched records; state back to initial. */
void sm_scn_clear(struct sm_scn *s);
size_t sm_scn_count(const struct sm_scn *s);
/* Current state name copied into buf. */
void sm_scn_state(const struct sm_scn *s, char *buf, size_t size);

/* Decide the request at one phase. A request is decided at most once per
 * phase; at FIELDS only body-field rules are tried, at HEADERS only the
 * others. Fills *hit (hit->fired false when no rule fired). A request that
 * fired at neither phase should be reported with sm_scn_note_unmatched. */
SM_NODISCARD enum sm_code sm_scn_decide(struct sm_scn *s, enum sm_scn_phase phase,
                                        const struct sm_scn_request *req, struct sm_scn_hit *hit,
                                        struct sm_error *err);
void sm_scn_hit_cleanup(struct sm_scn_hit *hit);
/* Record a request that matched no rule (kept: count + the last 16). */
void sm_scn_note_unmatched(struct sm_scn *s, const char *method, const char *path);

/* The report: {"seed", "state", "rules":[{index,name,matched,fired}],
 * "unused_rules":[names], "unmatched_requests": n, "unmatched_examples":[..]}.
 * NULL on no memory; the caller frees with cJSON_Delete. */
struct cJSON *sm_scn_report(const struct sm_scn *s);
/* The rules as a JSON array (the list API). NULL on no memory. */
struct cJSON *sm_scn_list(const struct sm_scn *s);

/* Names for journal fields: "respond", "alter", "reset", "close", ... */
const char *sm_scn_action_kind(const struct sm_scn_action *a);
const char *sm_scn_conn_name(enum sm_scn_conn c);

#endif
