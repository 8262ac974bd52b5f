/*
 * expect.h - the expectation language of sm_server_verify (docs/VERIFY.md):
 * its parsed form (expect_lang.c) and its check against the journal with the
 * diff a failed check prints (expect_check.c). Private to libstagemock.
 *
 * Named "expect" rather than "verify" on purpose: conformance/runner/verify.c
 * is the conformance runner's own, unrelated, verification of cases.
 */
#ifndef SM_EXPECT_H
#define SM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stagemock/error.h"
#include "strbuf.h"

/* What a request was for, from its path. */
enum sm_ex_endpoint {
    SM_EX_ANY,      /* any request but an admin call */
    SM_EX_UPLOAD,   /* /upload-to-stage */
    SM_EX_DOWNLOAD, /* /download-from-stage */
    SM_EX_LIST,     /* /list-stage-files */
    SM_EX_ADMIN,    /* /_stagemock/... */
    SM_EX_OTHER,    /* any other path */
};

/* One request pattern: every field given must hold. */
struct sm_ex_pattern {
    enum sm_ex_endpoint endpoint;
    char *stage;      /* glob (fnmatch), or NULL: any */
    char *file;       /* glob, or NULL: any */
    char *key;        /* exact, or NULL: any */
    char *rule;       /* exact rule id, "" for none, or NULL: any */
    int status;       /* exact status, or -1: any */
    int status_class; /* 1..5 for "1xx".."5xx", or 0 */
    char *text;       /* the pattern written back in the language, for the diff */
};

enum sm_ex_kind {
    SM_EX_COUNT,     /* [exactly N | at least N | at most N | never] PATTERN */
    SM_EX_IN_ORDER,  /* in order { PATTERN; ... } */
    SM_EX_ANY_ORDER, /* in any order { PATTERN; ... } */
};

enum sm_ex_cmp { SM_EX_EXACTLY, SM_EX_AT_LEAST, SM_EX_AT_MOST };

struct sm_ex_stmt {
    enum sm_ex_kind kind;
    unsigned line; /* where it starts, 1-based */
    enum sm_ex_cmp cmp;
    uint64_t n; /* SM_EX_COUNT: the count compared with */
    struct sm_ex_pattern *pats;
    size_t n_pats; /* 1 for SM_EX_COUNT */
    char *text;    /* the statement written back on one line */
};

struct sm_expect {
    struct sm_ex_stmt *stmts;
    size_t n;
};

/* Patterns one expectation may hold (an "in any order" block is paired
 * by bipartite matching, whose cost grows with the square of its size). */
#define SM_EX_MAX_PATTERNS 1000

/* Parse an expectation. SM_E_MALFORMED (rule error-json, status 400) with
 * "line L, column C: ..." naming the offending word, or SM_E_NOMEM. On
 * error *out is empty. Release with sm_expect_cleanup. */
SM_NODISCARD enum sm_code sm_expect_parse(const char *text, struct sm_expect *out,
                                          struct sm_error *err);
void sm_expect_cleanup(struct sm_expect *ex);

/* A value written so that the language reads it back: bare when it is only
 * letters, digits and "._-*?/+:@,[]", else in double quotes with \" \\ \n \r
 * \t \xNN escapes. Appended to b (strbuf.h). */
void sm_ex_buf_value(struct sm_strbuf *b, const char *v);
/* " name=value" (the value as sm_ex_buf_value writes it); nothing when v is
 * NULL. */
void sm_ex_buf_field(struct sm_strbuf *b, const char *name, const char *v);

/* One request as the check sees it (borrowed strings). */
struct sm_ex_req {
    uint64_t seq;
    enum sm_ex_endpoint endpoint;
    const char *method, *path, *stage, *file, *key, *rule;
    int status;
};
enum sm_ex_endpoint sm_ex_endpoint_of(const char *path);
bool sm_ex_match(const struct sm_ex_pattern *p, const struct sm_ex_req *r);

/* Check ex against the requests (in request order): the number of
 * statements not met (0: all hold). When some are not, *diff (malloc'd;
 * NULL when out of memory) is the report docs/VERIFY.md shows and
 * *first_failed the index of the first. dropped: entries the journal's ring
 * has dropped (noted in the report). */
size_t sm_expect_check(const struct sm_expect *ex, const struct sm_ex_req *reqs, size_t n,
                       uint64_t dropped, char **diff, size_t *first_failed);

#endif
