/*
 * expect_lang.c - the expectation language of sm_server_verify
 * (docs/VERIFY.md): text in, struct sm_expect out.
 *
 *   in order { upload file=a.parquet status=200; upload file=b.parquet }
 *   exactly 2 upload status=2xx
 *   never upload rule=parquet-only
 *
 * How: a hand-written tokenizer (words, "quoted strings", '=', ';', '{',
 * '}', newlines, '#' comments) feeding a recursive-descent parser; every
 * statement and pattern is written back in a normal form (the text the diff
 * prints). Errors name the line, the column and the word, and list what
 * would have been accepted. What it does not do: match anything (that is
 * expect_check.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "internal.h"
#include "../../common/sm_utf8.h"
#include "../../common/sm_mem.h"

static bool bare_char(unsigned char c)
{
    return isalnum(c) || strchr("._-*?/+:@,[]", c) != NULL;
}

void sm_ex_buf_value(struct sm_strbuf *b, const char *v)
{
    bool bare = v[0] != '\0';
    for (const unsigned char *p = (const unsigned char *)v; *p && bare; p++) {
        bare = bare_char(*p);
    }
    if (bare) {
        sm_strbuf_printf(b, "%s", v);
        return;
    }
    sm_strbuf_printf(b, "\"");
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\') {
            sm_strbuf_printf(b, "\\%c", *p);
        } else if (*p == '\n') {
            sm_strbuf_printf(b, "\\n");
        } else if (*p == '\r') {
            sm_strbuf_printf(b, "\\r");
        } else if (*p == '\t') {
            sm_strbuf_printf(b, "\\t");
        } else if (*p < 0x20 || *p == 0x7f) {
            sm_strbuf_printf(b, "\\x%02x", *p);
        } else {
            sm_strbuf_printf(b, "%c", *p);
        }
    }
    sm_strbuf_printf(b, "\"");
}

void sm_ex_buf_field(struct sm_strbuf *b, const char *name, const char *v)
{
    if (v != NULL) {
        sm_strbuf_printf(b, " %s=", name);
        sm_ex_buf_value(b, v);
    }
}

/* ---- tokens ------------------------------------------------------------------ */

enum tok_kind { T_END, T_WORD, T_STRING, T_EQ, T_SEP, T_OPEN, T_CLOSE };

struct lexer {
    const char *s;
    size_t pos;
    unsigned line, col; /* of pos */
    /* the current token */
    enum tok_kind kind;
    unsigned tline, tcol;
    char *text;          /* T_WORD / T_STRING: malloc'd */
    unsigned n_patterns; /* so far, in the whole expectation */
};

static void advance(struct lexer *lx)
{
    if (lx->s[lx->pos] == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->pos++;
}

static enum sm_code lex_error(struct lexer *lx, struct sm_error *err, const char *fmt, ...)
    SM_PRINTF(3, 4);
static enum sm_code lex_error(struct lexer *lx, struct sm_error *err, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_ERROR_JSON,
                      "verify: line %u, column %u: %s", lx->tline, lx->tcol, msg);
}

static int hexval(char c)
{
    return isdigit((unsigned char)c) ? c - '0'
           : (c >= 'a' && c <= 'f')  ? c - 'a' + 10
           : (c >= 'A' && c <= 'F')  ? c - 'A' + 10
                                     : -1;
}

/* One escape after a backslash (the lexer on the character after it) into
 * *c; false when it is not one the language knows. */
static bool lex_escape(struct lexer *lx, char *c)
{
    char e = lx->s[lx->pos];
    if (e == 'x' && hexval(lx->s[lx->pos + 1]) >= 0 && hexval(lx->s[lx->pos + 2]) >= 0) {
        *c = (char)(hexval(lx->s[lx->pos + 1]) * 16 + hexval(lx->s[lx->pos + 2]));
        advance(lx);
        advance(lx);
    } else if (e == 'n' || e == 'r' || e == 't' || e == '"' || e == '\\') {
        *c = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
    } else {
        return false;
    }
    advance(lx);
    return true;
}

static enum sm_code lex_string(struct lexer *lx, struct sm_error *err)
{
    advance(lx); /* the opening quote */
    size_t cap = 32, n = 0;
    char *out = malloc(cap);
    if (out == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
    }
    enum sm_code rc = SM_OK;
    while (rc == SM_OK) {
        char c = lx->s[lx->pos];
        if (c == '\0' || c == '\n') {
            rc = lex_error(lx, err, "a string opened here is not closed with '\"' on its line");
            break;
        }
        advance(lx);
        if (c == '"') {
            break;
        }
        if (c == '\\' && !lex_escape(lx, &c)) {
            char e = lx->s[lx->pos];
            rc = lex_error(lx, err,
                           "unknown escape '\\%c' in a string (known: \\\" \\\\ \\n \\r \\t "
                           "\\xNN)",
                           e ? e : '0');
        } else if (c == '\0') {
            rc = lex_error(lx, err, "a string may not hold \\x00");
        } else if (n + 2 > cap) {
            char *o = realloc(out, cap * 2);
            if (o == NULL) {
                free(out);
                return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
            }
            out = o;
            cap *= 2;
        }
        if (rc == SM_OK) {
            out[n++] = c;
        }
    }
    if (rc != SM_OK) {
        free(out);
        return rc;
    }
    out[n] = '\0';
    if (!sm_utf8_valid(out, n)) { /* \xNN escapes may spell bytes that are not */
        free(out);
        return lex_error(lx, err, "a string's escapes spell bytes that are not valid UTF-8");
    }
    lx->text = out;
    lx->kind = T_STRING;
    return SM_OK;
}

/* The next token into lx (kind, text, tline, tcol). */
static enum sm_code lex_next(struct lexer *lx, struct sm_error *err)
{
    free(lx->text);
    lx->text = NULL;
    for (;;) {
        char c = lx->s[lx->pos];
        if (c == ' ' || c == '\t' || c == '\r') {
            advance(lx);
        } else if (c == '#') {
            while (lx->s[lx->pos] != '\0' && lx->s[lx->pos] != '\n') {
                advance(lx);
            }
        } else {
            break;
        }
    }
    lx->tline = lx->line;
    lx->tcol = lx->col;
    /* the one-character tokens */
    static const struct {
        char c;
        enum tok_kind kind;
    } punct[] = {{'\n', T_SEP}, {';', T_SEP}, {'=', T_EQ}, {'{', T_OPEN}, {'}', T_CLOSE}};
    char c = lx->s[lx->pos];
    if (c == '\0') {
        lx->kind = T_END;
        return SM_OK;
    }
    if (c == '"') {
        return lex_string(lx, err);
    }
    for (size_t i = 0; i < sizeof punct / sizeof punct[0]; i++) {
        if (c == punct[i].c) {
            lx->kind = punct[i].kind;
            advance(lx);
            return SM_OK;
        }
    }
    size_t start = lx->pos;
    while (lx->s[lx->pos] != '\0' && strchr(" \t\r\n;={}#\"", lx->s[lx->pos]) == NULL) {
        advance(lx);
    }
    size_t len = lx->pos - start;
    lx->text = malloc(len + 1);
    if (lx->text == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
    }
    memcpy(lx->text, lx->s + start, len);
    lx->text[len] = '\0';
    lx->kind = T_WORD;
    return SM_OK;
}

static bool is_word(const struct lexer *lx, const char *w)
{
    return lx->kind == T_WORD && strcmp(lx->text, w) == 0;
}

/* What the current token is, for a message. */
static const char *tok_desc(const struct lexer *lx, char *buf, size_t size)
{
    switch (lx->kind) {
    case T_END:
        return "the end of the text";
    case T_SEP:
        return lx->s[lx->pos - 1] == ';' ? "';'" : "the end of the line";
    case T_EQ:
        return "'='";
    case T_OPEN:
        return "'{'";
    case T_CLOSE:
        return "'}'";
    case T_WORD:
    case T_STRING:
        (void)snprintf(buf, size, "'%.60s'", lx->text);
        return buf;
    }
    return "?";
}

/* ---- patterns ---------------------------------------------------------------- */

static const struct {
    const char *word;
    enum sm_ex_endpoint ep;
} endpoints[] = {
    {"upload", SM_EX_UPLOAD}, {"download", SM_EX_DOWNLOAD}, {"list", SM_EX_LIST},
    {"admin", SM_EX_ADMIN},   {"other", SM_EX_OTHER},       {"any", SM_EX_ANY},
};
#define ENDPOINT_WORDS "upload, download, list, admin, other, any"
#define FIELD_WORDS    "stage, file, status, rule, key"

static const char *endpoint_word(enum sm_ex_endpoint ep)
{
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++) {
        if (endpoints[i].ep == ep) {
            return endpoints[i].word;
        }
    }
    return "any";
}

static void pattern_cleanup(struct sm_ex_pattern *p)
{
    SMX_FREE_ALL(p->stage, p->file, p->key, p->rule, p->text);
    memset(p, 0, sizeof *p);
}

static enum sm_code parse_status(struct lexer *lx, struct sm_ex_pattern *p, struct sm_error *err)
{
    const char *v = lx->text;
    if (strlen(v) == 3 && v[0] >= '1' && v[0] <= '5' && v[1] == 'x' && v[2] == 'x') {
        p->status_class = v[0] - '0';
        return SM_OK;
    }
    char *end = NULL;
    long s = strtol(v, &end, 10);
    if (!isdigit((unsigned char)v[0]) || *end != '\0' || (s != 0 && (s < 100 || s > 599))) {
        return lex_error(lx, err,
                         "status wants a number 100-599 (0: no answer) or a class 1xx-5xx, "
                         "not '%.40s'",
                         v);
    }
    p->status = (int)s;
    return SM_OK;
}

static bool rule_known(const char *id)
{
    enum sm_rule r = sm_rule_find(id); /* the rules a request's answer can carry */
    return sm_rule_kind(r) == SM_RULE_KIND_DOCUMENTED || r == SM_RULE_SCENARIO;
}

static enum sm_code rule_error(struct lexer *lx, struct sm_error *err)
{
    char known[200] = "";
    size_t o = 0;
    for (int i = SM_RULE_NONE + 1; i < SM_RULE_COUNT; i++) {
        if (sm_rule_kind((enum sm_rule)i) != SM_RULE_KIND_DOCUMENTED) {
            continue;
        }
        int w = snprintf(known + o, sizeof known - o, "%s, ", sm_rule_id((enum sm_rule)i));
        if (w < 0 || (size_t)w >= sizeof known - o) {
            break;
        }
        o += (size_t)w;
    }
    return lex_error(lx, err, "unknown rule '%.40s' (rules: %sscenario; none: no rule)", lx->text,
                     known);
}

/* One field=value of a pattern; the lexer is on the field's word. */
static enum sm_code parse_field(struct lexer *lx, struct sm_ex_pattern *p, struct sm_error *err)
{
    static const char *const fields[] = {"stage", "file", "status", "rule", "key"};
    size_t f = 0;
    while (f < 5 && strcmp(lx->text, fields[f]) != 0) {
        f++;
    }
    if (f == 5) {
        return lex_error(lx, err, "unknown field '%.40s' (fields: " FIELD_WORDS ")", lx->text);
    }
    enum sm_code rc = lex_next(lx, err);
    if (rc == SM_OK && lx->kind != T_EQ) {
        char b[80];
        return lex_error(lx, err, "expected '=' after '%s', found %s", fields[f],
                         tok_desc(lx, b, sizeof b));
    }
    rc = rc == SM_OK ? lex_next(lx, err) : rc;
    if (rc == SM_OK && lx->kind != T_WORD && lx->kind != T_STRING) {
        char b[80];
        return lex_error(lx, err,
                         "expected a value after '%s=', found %s (a value with spaces or "
                         "'=;{}#' goes in double quotes)",
                         fields[f], tok_desc(lx, b, sizeof b));
    }
    if (rc != SM_OK) {
        return rc;
    }
    char **slot = f == 0 ? &p->stage : f == 1 ? &p->file : f == 4 ? &p->key : NULL;
    if (f == 2) {
        if (p->status >= 0 || p->status_class > 0) {
            return lex_error(lx, err, "'status' given twice in one pattern");
        }
        rc = parse_status(lx, p, err);
    } else if (f == 3) {
        if (p->rule != NULL) {
            return lex_error(lx, err, "'rule' given twice in one pattern");
        }
        bool none = lx->kind == T_WORD && strcmp(lx->text, "none") == 0;
        if (!none && !rule_known(lx->text)) {
            return rule_error(lx, err);
        }
        p->rule = strdup(none ? "" : lx->text);
        rc = p->rule == NULL ? sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory")
                             : SM_OK;
    } else {
        if (*slot != NULL) {
            return lex_error(lx, err, "'%s' given twice in one pattern", fields[f]);
        }
        *slot = lx->text; /* taken over from the lexer */
        lx->text = NULL;
    }
    return rc == SM_OK ? lex_next(lx, err) : rc;
}

static void pattern_text(struct sm_ex_pattern *p, struct sm_strbuf *b)
{
    sm_strbuf_printf(b, "%s", endpoint_word(p->endpoint));
    sm_ex_buf_field(b, "stage", p->stage);
    sm_ex_buf_field(b, "file", p->file);
    if (p->status >= 0) {
        sm_strbuf_printf(b, " status=%d", p->status);
    } else if (p->status_class > 0) {
        sm_strbuf_printf(b, " status=%dxx", p->status_class);
    }
    if (p->rule != NULL) {
        sm_strbuf_printf(b, " rule=%s", p->rule[0] ? p->rule : "none");
    }
    sm_ex_buf_field(b, "key", p->key);
}

/* A pattern: the lexer is on its endpoint word; it stops on the token after. */
static enum sm_code parse_pattern(struct lexer *lx, struct sm_ex_pattern *p, struct sm_error *err)
{
    memset(p, 0, sizeof *p);
    p->status = -1;
    size_t i = 0;
    while (lx->kind == T_WORD && i < sizeof endpoints / sizeof endpoints[0] &&
           strcmp(lx->text, endpoints[i].word) != 0) {
        i++;
    }
    if (lx->kind != T_WORD || i == sizeof endpoints / sizeof endpoints[0]) {
        char b[80];
        return lex_error(lx, err, "expected a request (" ENDPOINT_WORDS "), found %s",
                         tok_desc(lx, b, sizeof b));
    }
    p->endpoint = endpoints[i].ep;
    enum sm_code rc = lex_next(lx, err);
    while (rc == SM_OK && lx->kind == T_WORD) {
        rc = parse_field(lx, p, err);
    }
    if (rc == SM_OK && lx->kind != T_SEP && lx->kind != T_END && lx->kind != T_CLOSE) {
        char b[80];
        rc = lex_error(lx, err, "expected a field (" FIELD_WORDS ") or the pattern's end, found %s",
                       tok_desc(lx, b, sizeof b));
    }
    struct sm_strbuf tb = {0};
    if (rc == SM_OK) {
        pattern_text(p, &tb);
        p->text = tb.s;
        if (tb.failed || tb.s == NULL) {
            rc = sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
        }
    }
    if (rc != SM_OK) {
        pattern_cleanup(p);
    }
    return rc;
}

/* ---- statements -------------------------------------------------------------- */

static void stmt_cleanup(struct sm_ex_stmt *st)
{
    for (size_t i = 0; i < st->n_pats; i++) {
        pattern_cleanup(&st->pats[i]);
    }
    free(st->pats);
    free(st->text);
    memset(st, 0, sizeof *st);
}

void sm_expect_cleanup(struct sm_expect *ex)
{
    for (size_t i = 0; i < ex->n; i++) {
        stmt_cleanup(&ex->stmts[i]);
    }
    free(ex->stmts);
    ex->stmts = NULL;
    ex->n = 0;
}

static enum sm_code add_pattern(struct sm_ex_stmt *st, struct lexer *lx, struct sm_error *err)
{
    if (++lx->n_patterns > SM_EX_MAX_PATTERNS) {
        return lex_error(lx, err, "an expectation holds at most %d patterns", SM_EX_MAX_PATTERNS);
    }
    struct sm_ex_pattern *np = realloc(st->pats, (st->n_pats + 1) * sizeof *np);
    if (np == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
    }
    st->pats = np;
    enum sm_code rc = parse_pattern(lx, &st->pats[st->n_pats], err);
    if (rc == SM_OK) {
        st->n_pats++;
    }
    return rc;
}

static enum sm_code skip_seps(struct lexer *lx, struct sm_error *err)
{
    enum sm_code rc = SM_OK;
    while (rc == SM_OK && lx->kind == T_SEP) {
        rc = lex_next(lx, err);
    }
    return rc;
}

/* { PATTERN (; PATTERN)* }: the lexer is on '{'. */
static enum sm_code parse_block(struct lexer *lx, struct sm_ex_stmt *st, const char *what,
                                struct sm_error *err)
{
    unsigned oline = lx->tline, ocol = lx->tcol;
    enum sm_code rc = lex_next(lx, err);
    rc = rc == SM_OK ? skip_seps(lx, err) : rc;
    while (rc == SM_OK && lx->kind != T_CLOSE) {
        if (lx->kind == T_END) {
            return lex_error(lx, err, "'%s {' opened at line %u, column %u is not closed with '}'",
                             what, oline, ocol);
        }
        if (lx->kind == T_WORD && (strcmp(lx->text, "exactly") == 0 ||
                                   strcmp(lx->text, "never") == 0 || strcmp(lx->text, "at") == 0)) {
            return lex_error(lx, err,
                             "a count ('%s') cannot stand inside '%s { }': write the pattern "
                             "once per request, or count outside the block",
                             lx->text, what);
        }
        if (lx->kind == T_WORD && strcmp(lx->text, "in") == 0) {
            return lex_error(lx, err, "blocks do not nest: 'in' inside '%s { }'", what);
        }
        rc = add_pattern(st, lx, err);
        rc = rc == SM_OK ? skip_seps(lx, err) : rc;
    }
    if (rc == SM_OK && st->n_pats == 0) {
        return lex_error(lx, err, "'%s { }' holds no pattern", what);
    }
    return rc == SM_OK ? lex_next(lx, err) : rc; /* past '}' */
}

/* A non-negative count after "exactly" / "at least" / "at most". */
static enum sm_code parse_count(struct lexer *lx, const char *after, uint64_t *n,
                                struct sm_error *err)
{
    enum sm_code rc = lex_next(lx, err);
    if (rc != SM_OK) {
        return rc;
    }
    char *end = NULL;
    bool ok = lx->kind == T_WORD && isdigit((unsigned char)lx->text[0]);
    unsigned long long v = ok ? strtoull(lx->text, &end, 10) : 0;
    if (!ok || *end != '\0' || v > 1000000000ull) {
        char b[80];
        return lex_error(lx, err, "expected a count (0 to 1000000000) after '%s', found %s", after,
                         tok_desc(lx, b, sizeof b));
    }
    *n = v;
    return lex_next(lx, err);
}

static enum sm_code parse_stmt(struct lexer *lx, struct sm_ex_stmt *st, struct sm_error *err)
{
    memset(st, 0, sizeof *st);
    st->line = lx->tline;
    st->kind = SM_EX_COUNT;
    st->cmp = SM_EX_AT_LEAST;
    st->n = 1;
    enum sm_code rc = SM_OK;
    if (is_word(lx, "in")) {
        rc = lex_next(lx, err);
        bool any = rc == SM_OK && is_word(lx, "any");
        if (any) {
            rc = lex_next(lx, err);
        }
        if (rc == SM_OK && !is_word(lx, "order")) {
            char b[80];
            return lex_error(lx, err, "expected 'in order {' or 'in any order {', found %s",
                             tok_desc(lx, b, sizeof b));
        }
        rc = rc == SM_OK ? lex_next(lx, err) : rc;
        rc = rc == SM_OK ? skip_seps(lx, err) : rc;
        const char *what = any ? "in any order" : "in order";
        if (rc == SM_OK && lx->kind != T_OPEN) {
            char b[80];
            return lex_error(lx, err, "expected '{' after '%s', found %s", what,
                             tok_desc(lx, b, sizeof b));
        }
        st->kind = any ? SM_EX_ANY_ORDER : SM_EX_IN_ORDER;
        return rc == SM_OK ? parse_block(lx, st, what, err) : rc;
    }
    if (is_word(lx, "exactly")) {
        st->cmp = SM_EX_EXACTLY;
        rc = parse_count(lx, "exactly", &st->n, err);
    } else if (is_word(lx, "never")) {
        st->cmp = SM_EX_EXACTLY;
        st->n = 0;
        rc = lex_next(lx, err);
    } else if (is_word(lx, "at")) {
        rc = lex_next(lx, err);
        bool least = rc == SM_OK && is_word(lx, "least");
        if (rc == SM_OK && !least && !is_word(lx, "most")) {
            char b[80];
            return lex_error(lx, err, "expected 'at least N' or 'at most N', found %s",
                             tok_desc(lx, b, sizeof b));
        }
        st->cmp = least ? SM_EX_AT_LEAST : SM_EX_AT_MOST;
        rc = rc == SM_OK ? parse_count(lx, least ? "at least" : "at most", &st->n, err) : rc;
    } else if (lx->kind == T_CLOSE) {
        return lex_error(lx, err, "'}' closes no block");
    }
    return rc == SM_OK ? add_pattern(st, lx, err) : rc;
}

static enum sm_code stmt_text(struct sm_ex_stmt *st, struct sm_error *err)
{
    struct sm_strbuf b = {0};
    if (st->n_pats == 0) {
        return sm_err_set(err, SM_E_INTERNAL, 500, SM_RULE_NONE,
                          "verify: a statement without a pattern");
    }
    if (st->kind == SM_EX_COUNT) {
        if (st->cmp == SM_EX_EXACTLY && st->n == 0) {
            sm_strbuf_printf(&b, "never ");
        } else {
            sm_strbuf_printf(&b, "%s %llu ",
                             st->cmp == SM_EX_EXACTLY    ? "exactly"
                             : st->cmp == SM_EX_AT_LEAST ? "at least"
                                                         : "at most",
                             (unsigned long long)st->n);
        }
        sm_strbuf_printf(&b, "%s", st->pats[0].text);
    } else {
        sm_strbuf_printf(&b, "%s {", st->kind == SM_EX_IN_ORDER ? "in order" : "in any order");
        for (size_t i = 0; i < st->n_pats; i++) {
            sm_strbuf_printf(&b, "%s %s", i ? ";" : "", st->pats[i].text);
        }
        sm_strbuf_printf(&b, " }");
    }
    st->text = b.s;
    if (b.failed || b.s == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
    }
    return SM_OK;
}

enum sm_code sm_expect_parse(const char *text, struct sm_expect *out, struct sm_error *err)
{
    out->stmts = NULL;
    out->n = 0;
    if (text == NULL) {
        return sm_err_set(err, SM_E_ARG, 400, SM_RULE_ERROR_JSON, "verify: no expectation given");
    }
    if (!sm_utf8_valid(text, strlen(text))) {
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_ERROR_JSON,
                          "verify: the expectation is not valid UTF-8");
    }
    struct lexer lx = {.s = text, .line = 1, .col = 1};
    enum sm_code rc = lex_next(&lx, err);
    rc = rc == SM_OK ? skip_seps(&lx, err) : rc;
    while (rc == SM_OK && lx.kind != T_END) {
        struct sm_ex_stmt *ns = realloc(out->stmts, (out->n + 1) * sizeof *ns);
        if (ns == NULL) {
            rc = sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
            break;
        }
        out->stmts = ns;
        rc = parse_stmt(&lx, &out->stmts[out->n], err);
        if (rc != SM_OK) {
            stmt_cleanup(&out->stmts[out->n]);
            break;
        }
        out->n++;
        rc = stmt_text(&out->stmts[out->n - 1], err);
        if (rc == SM_OK && lx.kind != T_SEP && lx.kind != T_END) {
            char b[80];
            rc = lex_error(&lx, err, "expected the statement's end (a new line or ';'), found %s",
                           tok_desc(&lx, b, sizeof b));
        }
        rc = rc == SM_OK ? skip_seps(&lx, err) : rc;
    }
    free(lx.text);
    if (rc == SM_OK && out->n == 0) {
        rc = sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_ERROR_JSON,
                        "verify: the expectation holds no statement");
    }
    if (rc != SM_OK) {
        sm_expect_cleanup(out);
    }
    return rc;
}
