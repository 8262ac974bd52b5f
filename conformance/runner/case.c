/*
 * case.c - parser for conformance case files (docs/CASE-FORMAT.md).
 *
 * What: an INI-like text: `[case]`, `[setup]`, one `[step]` per adapter call
 * and `[expect]` sections of `key = value` lines, `#` comments, and values
 * continued on following lines that start with a blank (for JSON). Every key
 * is known per section and every check's arguments are checked here, so a
 * typo fails the load with "FILE:LINE: ..." instead of checking nothing.
 * Design: one pass over the lines builds logical entries (key, value, line);
 * a second applies them to struct conf_case. Sizes are capped (case.h);
 * nothing reads past the given length; the text may hold no NUL bytes.
 * Not here: splitting a value into words (tokens.c), resolving fixtures
 * (fixture.c), running (job.c), judging (verify.c).
 */
#include "case.h"
#include "tokens.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/sm_file.h"
#include "../../common/sm_parse.h"
#include "../../common/sm_lint.h"
#include "../../common/sm_mem.h"

enum section { SEC_NONE, SEC_CASE, SEC_SETUP, SEC_STEP, SEC_EXPECT };

struct entry {
    char *key; /* NULL for a section header */
    char *value;
    enum section section; /* for headers: which one */
    unsigned line;
};

struct parser {
    const char *origin;
    struct sm_error *err;
    struct conf_case *c;
    enum section sec;
    bool seen_case;
};

const char *conf_level_name(enum conf_level level)
{
    static const char *const names[] = {
        [CONF_MUST] = "MUST", [CONF_SHOULD] = "SHOULD", [CONF_INFO] = "INFO"};
    return (unsigned)level < sizeof names / sizeof names[0] ? names[level] : "?";
}

/* Grow *arr (elements of size sz) so it holds n + 1; false when out of memory. */
static bool grow(void *arr, size_t n, size_t sz)
{
    void **p = arr;
    void *np = realloc(*p, (n + 1) * sz);
    if (np == NULL) {
        return false;
    }
    *p = np;
    return true;
}

static void check_cleanup(struct conf_check *k)
{
    free(k->verb);
    conf_tokens_free(k->args, k->n_args);
}

void conf_case_free(struct conf_case *c)
{
    if (c == NULL) {
        return;
    }
    SMX_FREE_ALL(c->path, c->id, c->rule, c->title, c->why);
    conf_tokens_free(c->stages, c->n_stages);
    for (size_t i = 0; i < c->n_keys; i++) {
        free(c->keys[i].key);
        conf_tokens_free(c->keys[i].stages, c->keys[i].n_stages);
    }
    SMX_FREE_ALL(c->keys, c->api_key, c->profile, c->scenario);
    conf_tokens_free(c->faults, c->n_faults);
    for (size_t i = 0; i < c->n_preloads; i++) {
        SMX_FREE_ALL(c->preloads[i].stage, c->preloads[i].fixture, c->preloads[i].name);
    }
    free(c->preloads);
    for (size_t i = 0; i < c->n_steps; i++) {
        conf_tokens_free(c->steps[i].argv, c->steps[i].argc);
        for (size_t j = 0; j < c->steps[i].n_checks; j++) {
            check_cleanup(&c->steps[i].checks[j]);
        }
        free(c->steps[i].checks);
    }
    free(c->steps);
    for (size_t j = 0; j < c->n_expect; j++) {
        check_cleanup(&c->expect[j]);
    }
    free(c->expect);
    free(c);
}

/* ---- pass 1: lines into entries ---------------------------------------- */

static void entries_free(struct entry *e, size_t n)
{
    for (size_t i = 0; e != NULL && i < n; i++) {
        free(e[i].key);
        free(e[i].value);
    }
    free(e);
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static enum sm_code perr(struct parser *p, unsigned line, const char *what, const char *detail)
{
    return sm_err_set(p->err, SM_E_MALFORMED, 0, SM_RULE_NONE, "%s:%u: %s%s%s", p->origin, line,
                      what, detail && *detail ? ": " : "", detail ? detail : "");
}

static enum section section_named(const char *s, size_t n)
{
    static const struct {
        const char *name;
        enum section sec;
    } names[] = {
        {"case", SEC_CASE}, {"setup", SEC_SETUP}, {"step", SEC_STEP}, {"expect", SEC_EXPECT}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].name) == n && memcmp(names[i].name, s, n) == 0) {
            return names[i].sec;
        }
    }
    return SEC_NONE;
}

/* Append text (n bytes) to e->value with a newline between. */
static bool value_append(struct entry *e, const char *s, size_t n)
{
    size_t old = strlen(e->value);
    if (old + 1 + n > CONF_MAX_LINE) {
        return false;
    }
    char *v = realloc(e->value, old + n + 2);
    if (v == NULL) {
        return false;
    }
    v[old] = '\n';
    memcpy(v + old + 1, s, n);
    v[old + 1 + n] = '\0';
    e->value = v;
    return true;
}

struct entries {
    struct entry *es;
    size_t n;
};

/* A `[section]` line or a `key = value` line (s[0..e), no leading blank).
 * The case text need not end in NUL, hence smx_strdup_n, never strndup. */
static enum sm_code new_entry(struct parser *p, struct entries *x, const char *s, size_t e,
                              unsigned lineno)
{
    if (!grow(&x->es, x->n, sizeof *x->es)) {
        return sm_err_set(p->err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    struct entry *en = &x->es[x->n];
    memset(en, 0, sizeof *en);
    en->line = lineno;
    if (s[0] == '[') {
        if (s[e - 1] != ']' || (en->section = section_named(s + 1, e - 2)) == SEC_NONE) {
            return perr(p, lineno, "unknown section (want [case] [setup] [step] [expect])", NULL);
        }
        x->n++;
        return SM_OK;
    }
    const char *eq = memchr(s, '=', e);
    size_t ke = eq ? (size_t)(eq - s) : e;
    while (ke > 0 && is_blank(s[ke - 1])) {
        ke--;
    }
    size_t vb = eq ? (size_t)(eq - s) + 1 : e;
    while (vb < e && is_blank(s[vb])) {
        vb++;
    }
    en->key = smx_strdup_n(s, ke);
    en->value = smx_strdup_n(s + vb, e - vb);
    x->n++;
    if (en->key == NULL || en->value == NULL) {
        return sm_err_set(p->err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    return ke == 0 ? perr(p, lineno, "missing key before '='", NULL) : SM_OK;
}

/* One physical line (s, sl bytes, no newline). */
static enum sm_code one_line(struct parser *p, struct entries *x, const char *s, size_t sl,
                             unsigned lineno)
{
    if (sl > 0 && s[sl - 1] == '\r') {
        sl--;
    }
    if (sl > CONF_MAX_LINE) {
        return perr(p, lineno, "line too long", NULL);
    }
    size_t b = 0;
    while (b < sl && is_blank(s[b])) {
        b++;
    }
    if (b == sl || s[b] == '#') {
        return SM_OK; /* blank or comment */
    }
    size_t e = sl;
    while (e > b && is_blank(s[e - 1])) {
        e--;
    }
    if (b == 0) {
        return new_entry(p, x, s, e, lineno);
    }
    /* an indented line continues the previous value */
    if (x->n == 0 || x->es[x->n - 1].key == NULL) {
        return perr(p, lineno, "indented line continues nothing", NULL);
    }
    return value_append(&x->es[x->n - 1], s + b, e - b) ? SM_OK
                                                        : perr(p, lineno, "value too long", NULL);
}

static enum sm_code split_lines(struct parser *p, const char *text, size_t len, struct entry **out,
                                size_t *n_out)
{
    struct entries x = {NULL, 0};
    unsigned lineno = 0;
    size_t pos = 0;
    enum sm_code rc = SM_OK;
    while (rc == SM_OK && pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        rc = one_line(p, &x, text + pos, end - pos, ++lineno);
        pos = nl ? end + 1 : len;
    }
    if (rc != SM_OK) {
        entries_free(x.es, x.n);
        return rc;
    }
    *out = x.es;
    *n_out = x.n;
    return SM_OK;
}

/* ---- pass 2: entries into the case -------------------------------------- */

static bool valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CONF_MAX_ID) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                  (i > 0 && (ch == '-' || ch == '_' || ch == '.'));
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool is_uint(const char *s)
{
    unsigned v;
    return smx_parse_uint(s, 0, 1000000000u, &v);
}

static bool one_of(const char *s, const char *const *set)
{
    for (size_t i = 0; set[i] != NULL; i++) {
        if (strcmp(s, set[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool is_word(const char *s, const char *w)
{
    return strcmp(s, w) == 0;
}

static const char *step_args(const char *verb, char **a, size_t n)
{
    if (is_word(verb, "exit")) {
        bool ok = n == 1 && (is_uint(a[0]) || is_word(a[0], "nonzero") || is_word(a[0], "any"));
        return ok ? NULL : "exit takes a number, 'nonzero' or 'any'";
    }
    if (is_word(verb, "lines")) {
        return n == 1 && is_uint(a[0]) ? NULL : "lines takes a count";
    }
    if (is_word(verb, "ok")) {
        static const char *const tf[] = {"true", "false", NULL};
        bool ok = n > 0;
        for (size_t i = 0; ok && i < n; i++) {
            ok = one_of(a[i], tf);
        }
        return ok ? NULL : "ok takes true/false per line";
    }
    if (is_word(verb, "json")) {
        return n == 3 && is_uint(a[0]) && !is_word(a[0], "0")
                   ? NULL
                   : "json takes LINE FIELD VALUE (LINE from 1)";
    }
    if (is_word(verb, "list")) {
        return NULL; /* names in order; none: empty */
    }
    if (is_word(verb, "finishes")) {
        return n == 0 ? NULL : "finishes takes no value";
    }
    return "unknown check in [step] (exit, lines, ok, json, list, finishes)";
}

static const char *journal_args(char **a, size_t n)
{
    static const char *const single[] = {"one-file-part", "no-overlap", "no-duplicate", "key",
                                         NULL};
    bool ok = (n == 1 && one_of(a[0], single)) || (n == 2 && is_word(a[0], "key")) ||
              (n == 2 && is_word(a[0], "min-gap-ms") && is_uint(a[1])) ||
              (n >= 1 && is_word(a[0], "names"));
    return ok ? NULL
              : "journal takes one-file-part | key [K] | no-overlap | no-duplicate | "
                "names N... | min-gap-ms MS";
}

static const char *expect_args(const char *verb, char **a, size_t n)
{
    static const char *const endpoints[] = {"upload", "download", "list", "any", NULL};
    static const char *const ops[] = {"==", "<=", ">=", NULL};
    static const char *const lints[] = {"clean", "report", NULL};
    if (is_word(verb, "stage") || is_word(verb, "stage-sha")) {
        return n >= 1 ? NULL : "takes a stage and then what it holds, in order";
    }
    if (is_word(verb, "requests")) {
        return n == 3 && one_of(a[0], endpoints) && one_of(a[1], ops) && is_uint(a[2])
                   ? NULL
                   : "requests takes ENDPOINT (upload|download|list|any) OP (==|<=|>=) N";
    }
    if (is_word(verb, "journal")) {
        return journal_args(a, n);
    }
    if (is_word(verb, "download")) {
        return n == 2 && a[1][0] == '@' ? NULL : "download takes PATH @fixture";
    }
    if (is_word(verb, "no-file")) {
        return n == 1 ? NULL : "no-file takes a path";
    }
    if (is_word(verb, "outdir-empty")) {
        return n == 0 ? NULL : "outdir-empty takes no value";
    }
    if (is_word(verb, "lint")) {
        bool ok = n >= 1 && one_of(a[0], lints);
        for (size_t i = 1; ok && i < n; i++) {
            ok = sm_lint_find(a[i]) != SM_LINT_COUNT;
        }
        return ok ? NULL
                  : "lint takes 'clean' or 'report', then lint codes of docs/SERVER.md "
                    "\"Multipart framing\" (bare-lf, chunked, field-after-file, ...)";
    }
    return "unknown check in [expect] (stage, stage-sha, requests, journal, download, "
           "no-file, outdir-empty, lint)";
}

/* Check a check's arguments; NULL when fine, else what is wrong. */
static const char *check_args(const char *verb, char **a, size_t n, bool in_step)
{
    return in_step ? step_args(verb, a, n) : expect_args(verb, a, n);
}

static enum sm_code add_check(struct parser *p, const struct entry *en, struct conf_check **arr,
                              size_t *n, bool in_step)
{
    if (*n == CONF_MAX_CHECKS) {
        return perr(p, en->line, "too many checks", NULL);
    }
    struct conf_check k = {0};
    k.line = en->line;
    enum sm_code rc = conf_tokenize(en->value, &k.args, &k.n_args, p->err);
    if (rc != SM_OK) {
        char msg[SM_ERROR_MSG_LEN];
        (void)snprintf(msg, sizeof msg, "%s", p->err->message);
        return perr(p, en->line, en->key, msg);
    }
    const char *why = check_args(en->key, k.args, k.n_args, in_step);
    if (why != NULL) {
        conf_tokens_free(k.args, k.n_args);
        return perr(p, en->line, why, en->key);
    }
    if ((k.verb = strdup(en->key)) == NULL || !grow(arr, *n, sizeof **arr)) {
        check_cleanup(&k);
        return sm_err_set(p->err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    (*arr)[(*n)++] = k;
    return SM_OK;
}

static enum sm_code set_once(struct parser *p, const struct entry *en, char **field)
{
    if (*field != NULL) {
        return perr(p, en->line, "given twice", en->key);
    }
    if ((*field = strdup(en->value)) == NULL) {
        return sm_err_set(p->err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    return SM_OK;
}

static enum sm_code apply_case(struct parser *p, const struct entry *en)
{
    struct conf_case *c = p->c;
    const char *k = en->key;
    if (strcmp(k, "id") == 0 || strcmp(k, "rule") == 0) {
        if (!valid_id(en->value)) {
            return perr(p, en->line, "ids are [a-z0-9][a-z0-9._-]*, at most 64", en->value);
        }
        return set_once(p, en, k[0] == 'i' ? &c->id : &c->rule);
    }
    if (strcmp(k, "level") == 0) {
        static const char *const lv[] = {"MUST", "SHOULD", "INFO", NULL};
        for (int i = 0; lv[i] != NULL; i++) {
            if (strcmp(en->value, lv[i]) == 0) {
                c->level = (enum conf_level)i;
                return SM_OK;
            }
        }
        return perr(p, en->line, "level is MUST, SHOULD or INFO", en->value);
    }
    if (strcmp(k, "title") == 0) {
        return set_once(p, en, &c->title);
    }
    if (strcmp(k, "why") == 0) {
        return set_once(p, en, &c->why);
    }
    return perr(p, en->line, "unknown key in [case] (id, rule, level, title, why)", k);
}

static enum sm_code check_json(struct parser *p, const struct entry *en)
{
    cJSON *j = cJSON_ParseWithLength(en->value, strlen(en->value));
    if (j == NULL || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return perr(p, en->line, "not a JSON object", en->key);
    }
    cJSON_Delete(j);
    return SM_OK;
}

static enum sm_code nomem(struct parser *p)
{
    return sm_err_set(p->err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
}

/* stage = NAME... (tokens taken over from t) */
static enum sm_code add_stages(struct parser *p, const struct entry *en, char **t, size_t nt)
{
    struct conf_case *c = p->c;
    if (nt == 0 || c->n_stages + nt > CONF_MAX_SETUP) {
        return perr(p, en->line, "stage takes 1 or more names (at most 32 in all)", NULL);
    }
    for (size_t i = 0; i < nt; i++) {
        if (!grow(&c->stages, c->n_stages, sizeof *c->stages)) {
            return nomem(p);
        }
        c->stages[c->n_stages++] = t[i];
        t[i] = NULL;
    }
    return SM_OK;
}

/* key = KEY [STAGE...] */
static enum sm_code add_key(struct parser *p, const struct entry *en, char **t, size_t nt)
{
    struct conf_case *c = p->c;
    if (nt == 0 || c->n_keys == CONF_MAX_SETUP) {
        return perr(p, en->line, "key takes KEY [STAGE...]", NULL);
    }
    if (!grow(&c->keys, c->n_keys, sizeof *c->keys)) {
        return nomem(p);
    }
    struct conf_key *ky = &c->keys[c->n_keys++];
    memset(ky, 0, sizeof *ky);
    ky->key = t[0];
    t[0] = NULL;
    if (nt == 1) {
        return SM_OK;
    }
    if ((ky->stages = calloc(nt - 1, sizeof *ky->stages)) == NULL) {
        return nomem(p);
    }
    for (size_t i = 1; i < nt; i++) {
        ky->stages[ky->n_stages++] = t[i];
        t[i] = NULL;
    }
    return SM_OK;
}

/* preload = STAGE FIXTURE [NAME] */
static enum sm_code add_preload(struct parser *p, const struct entry *en, char **t, size_t nt)
{
    struct conf_case *c = p->c;
    if (nt < 2 || nt > 3 || c->n_preloads == CONF_MAX_SETUP) {
        return perr(p, en->line, "preload takes STAGE FIXTURE [NAME]", NULL);
    }
    if (!grow(&c->preloads, c->n_preloads, sizeof *c->preloads)) {
        return nomem(p);
    }
    struct conf_preload *pl = &c->preloads[c->n_preloads++];
    pl->stage = t[0];
    pl->fixture = t[1];
    pl->name = nt == 3 ? t[2] : NULL;
    for (size_t i = 0; i < nt; i++) {
        t[i] = NULL;
    }
    return SM_OK;
}

static enum sm_code apply_setup_list(struct parser *p, const struct entry *en)
{
    char **t = NULL;
    size_t nt = 0;
    if (conf_tokenize(en->value, &t, &nt, p->err) != SM_OK) {
        char msg[SM_ERROR_MSG_LEN];
        (void)snprintf(msg, sizeof msg, "%s", p->err->message);
        return perr(p, en->line, en->key, msg);
    }
    enum sm_code rc = is_word(en->key, "stage") ? add_stages(p, en, t, nt)
                      : is_word(en->key, "key") ? add_key(p, en, t, nt)
                                                : add_preload(p, en, t, nt);
    conf_tokens_free(t, nt);
    return rc;
}

static enum sm_code add_fault(struct parser *p, const struct entry *en)
{
    struct conf_case *c = p->c;
    if (en->value[0] == '\0' || c->n_faults == CONF_MAX_SETUP) {
        return perr(p, en->line, "fault takes a --fault SPEC (docs/SCENARIOS.md)", NULL);
    }
    if (!grow(&c->faults, c->n_faults, sizeof *c->faults) ||
        (c->faults[c->n_faults] = strdup(en->value)) == NULL) {
        return nomem(p);
    }
    c->n_faults++;
    return SM_OK;
}

/* api-timeout, time-limit, requires */
static enum sm_code apply_setup_limits(struct parser *p, const struct entry *en)
{
    struct conf_case *c = p->c;
    const char *k = en->key;
    if (is_word(k, "api-timeout")) {
        return smx_parse_uint(en->value, 1, 60, &c->api_timeout_s)
                   ? SM_OK
                   : perr(p, en->line, "api-timeout is 1..60 seconds", en->value);
    }
    if (is_word(k, "time-limit")) {
        return smx_parse_uint(en->value, 1, 120, &c->time_limit_s)
                   ? SM_OK
                   : perr(p, en->line, "time-limit is 1..120 seconds", en->value);
    }
    if (is_word(k, "requires")) {
        if (!is_word(en->value, "lint")) {
            return perr(p, en->line, "requires takes 'lint'", en->value);
        }
        c->needs_lint = true;
        return SM_OK;
    }
    return perr(p, en->line,
                "unknown key in [setup] (stage, key, api-key, profile, scenario, fault, "
                "preload, api-timeout, time-limit, requires)",
                k);
}

static enum sm_code apply_setup(struct parser *p, const struct entry *en)
{
    struct conf_case *c = p->c;
    const char *k = en->key;
    if (is_word(k, "stage") || is_word(k, "key") || is_word(k, "preload")) {
        return apply_setup_list(p, en);
    }
    if (is_word(k, "api-key")) {
        return set_once(p, en, &c->api_key);
    }
    if (is_word(k, "profile") || is_word(k, "scenario")) {
        enum sm_code rc = check_json(p, en);
        return rc != SM_OK ? rc : set_once(p, en, k[0] == 'p' ? &c->profile : &c->scenario);
    }
    if (is_word(k, "fault")) {
        return add_fault(p, en);
    }
    return apply_setup_limits(p, en);
}

static enum sm_code apply_step(struct parser *p, const struct entry *en)
{
    struct conf_case *c = p->c;
    if (c->steps == NULL || c->n_steps == 0) {
        return perr(p, en->line, "a key outside a [step]", en->key);
    }
    struct conf_step *st = &c->steps[c->n_steps - 1];
    if (strcmp(en->key, "run") == 0) {
        if (st->argv != NULL) {
            return perr(p, en->line, "one run per [step]", NULL);
        }
        if (conf_tokenize(en->value, &st->argv, &st->argc, p->err) != SM_OK) {
            char msg[SM_ERROR_MSG_LEN];
            (void)snprintf(msg, sizeof msg, "%s", p->err->message);
            return perr(p, en->line, "run", msg);
        }
        static const char *const verbs[] = {"upload", "download", "list", NULL};
        if (st->argc == 0 || st->argv == NULL || !one_of(st->argv[0], verbs)) {
            return perr(p, en->line, "run starts with upload, download or list", NULL);
        }
        st->line = en->line;
        return SM_OK;
    }
    if (st->argv == NULL) {
        return perr(p, en->line, "a [step] starts with run = ...", en->key);
    }
    return add_check(p, en, &st->checks, &st->n_checks, true);
}

static enum sm_code apply(struct parser *p, const struct entry *en)
{
    struct conf_case *c = p->c;
    if (en->key == NULL) {
        if (en->section == SEC_CASE && p->seen_case) {
            return perr(p, en->line, "[case] given twice", NULL);
        }
        if (en->section != SEC_CASE && !p->seen_case) {
            return perr(p, en->line, "the file starts with [case]", NULL);
        }
        p->seen_case = true;
        p->sec = en->section;
        if (en->section == SEC_STEP) {
            if (c->n_steps == CONF_MAX_STEPS || !grow(&c->steps, c->n_steps, sizeof *c->steps)) {
                return perr(p, en->line, "too many steps", NULL);
            }
            memset(&c->steps[c->n_steps++], 0, sizeof *c->steps);
        }
        return SM_OK;
    }
    switch (p->sec) {
    case SEC_CASE:
        return apply_case(p, en);
    case SEC_SETUP:
        return apply_setup(p, en);
    case SEC_STEP:
        return apply_step(p, en);
    case SEC_EXPECT:
        return add_check(p, en, &c->expect, &c->n_expect, false);
    case SEC_NONE:
        break;
    }
    return perr(p, en->line, "a key before any section", en->key);
}

static enum sm_code finish(struct parser *p, unsigned last_line)
{
    struct conf_case *c = p->c;
    const char *missing = c->id == NULL      ? "id"
                          : c->rule == NULL  ? "rule"
                          : c->title == NULL ? "title"
                          : c->why == NULL   ? "why"
                                             : NULL;
    if (missing != NULL) {
        return perr(p, last_line, "[case] lacks", missing);
    }
    if (c->n_steps == 0) {
        return perr(p, last_line, "a case needs at least one [step]", NULL);
    }
    for (size_t i = 0; i < c->n_steps; i++) {
        if (c->steps[i].argv == NULL) {
            return perr(p, last_line, "a [step] has no run", NULL);
        }
    }
    if (c->n_stages == 0) {
        if ((c->stages = malloc(sizeof *c->stages)) == NULL ||
            (c->stages[0] = strdup("s1")) == NULL) {
            return sm_err_set(p->err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
        }
        c->n_stages = 1;
    }
    if (c->n_keys == 0) {
        if ((c->keys = calloc(1, sizeof *c->keys)) == NULL ||
            (c->keys[0].key = strdup("k-conform")) == NULL) {
            return sm_err_set(p->err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
        }
        c->n_keys = 1;
    }
    if (c->api_key == NULL && (c->api_key = strdup(c->keys[0].key)) == NULL) {
        return sm_err_set(p->err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    return SM_OK;
}

enum sm_code conf_case_parse(const char *text, size_t len, const char *origin,
                             struct conf_case **out, struct sm_error *err)
{
    struct sm_error local = {0};
    struct parser p = {.origin = origin ? origin : "case", .err = err ? err : &local};
    struct entry *es = NULL;
    size_t n = 0;
    *out = NULL;
    if (len > CONF_MAX_CASE_BYTES) {
        return sm_err_set(p.err, SM_E_MALFORMED, 0, SM_RULE_NONE, "%s: larger than %zu bytes",
                          p.origin, CONF_MAX_CASE_BYTES);
    }
    if (memchr(text, '\0', len) != NULL) {
        return sm_err_set(p.err, SM_E_MALFORMED, 0, SM_RULE_NONE, "%s: holds a NUL byte", p.origin);
    }
    p.c = calloc(1, sizeof *p.c);
    if (p.c == NULL || (p.c->path = strdup(p.origin)) == NULL) {
        conf_case_free(p.c);
        return sm_err_set(p.err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    p.c->api_timeout_s = 2;
    p.c->time_limit_s = 30;
    enum sm_code rc = split_lines(&p, text, len, &es, &n);
    for (size_t i = 0; rc == SM_OK && i < n; i++) {
        rc = apply(&p, &es[i]);
    }
    if (rc == SM_OK) {
        rc = finish(&p, n > 0 ? es[n - 1].line : 1);
    }
    entries_free(es, n);
    if (rc != SM_OK) {
        conf_case_free(p.c);
        return rc;
    }
    *out = p.c;
    return SM_OK;
}

enum sm_code conf_case_load(const char *path, struct conf_case **out, struct sm_error *err)
{
    *out = NULL;
    size_t n = 0;
    int e = 0;
    char *buf = smx_file_read(path, CONF_MAX_CASE_BYTES, &n, &e);
    if (buf == NULL && e == EFBIG) {
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "%s: larger than %zu bytes", path,
                          CONF_MAX_CASE_BYTES);
    }
    if (buf == NULL) {
        return sm_err_set(err, e == ENOMEM ? SM_E_NOMEM : SM_E_IO, 0, SM_RULE_NONE, "%s: %s", path,
                          strerror(e));
    }
    enum sm_code rc = conf_case_parse(buf, n, path, out, err);
    free(buf);
    return rc;
}
