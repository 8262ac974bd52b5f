/*
 * tokens.c - shell-like words: a case file's value split into tokens.
 *
 * What: whitespace separates tokens; "double quotes" keep spaces and decode
 * \" \\ \n \t \xHH; 'single quotes' are literal; quoted and bare parts
 * join into one token (f'g h'i is "fg hi"). A NUL byte, an unknown escape,
 * an unterminated quote, a token longer than a case line or more than
 * CONF_MAX_TOKENS tokens is an error that says which.
 * Design: one token at a time into a scratch buffer of a line's size, then
 * copied out; the array is allocated once, at its final length.
 * Not here: what the tokens mean (case.c checks them per key; job.c passes
 * a step's tokens to the adapter as its argv).
 */
#include <stdlib.h>
#include <string.h>

#include "../../common/sm_parse.h"
#include "case.h"
#include "tokens.h"

void conf_tokens_free(char **tokens, size_t n)
{
    for (size_t i = 0; tokens != NULL && i < n; i++) {
        free(tokens[i]);
    }
    free(tokens);
}

/* Decode the escape after the backslash at s[*i] (inside "..."); *i is left
 * on its last byte. False with err set when unknown. */
static bool read_escape(const char *s, size_t *i, char *ch, struct sm_error *err)
{
    char e = s[*i + 1];
    (*i)++;
    switch (e) {
    case 'n':
        *ch = '\n';
        return true;
    case 't':
        *ch = '\t';
        return true;
    case '"':
    case '\\':
        *ch = e;
        return true;
    default:
        break;
    }
    if (e == 'x' && smx_hex_digit(s[*i + 1]) >= 0 && smx_hex_digit(s[*i + 2]) >= 0) {
        *ch = (char)(smx_hex_digit(s[*i + 1]) * 16 + smx_hex_digit(s[*i + 2]));
        *i += 2;
        return true;
    }
    sm_err_set(err, SM_E_MALFORMED, 0, SM_RULE_NONE, "unknown escape '\\%c'", e ? e : '0');
    return false;
}

static bool put_ch(char *out, size_t cap, size_t *n, char ch, struct sm_error *err)
{
    if (ch == '\0') {
        sm_err_set(err, SM_E_MALFORMED, 0, SM_RULE_NONE, "\\x00 is not allowed in a token");
        return false;
    }
    if (*n + 1 >= cap) {
        sm_err_set(err, SM_E_MALFORMED, 0, SM_RULE_NONE, "token too long");
        return false;
    }
    out[(*n)++] = ch;
    return true;
}

/* The quoted part opened by s[*i] (' or "); *i ends after the closing quote. */
static bool read_quoted(const char *s, size_t *i, char *out, size_t cap, size_t *n,
                        struct sm_error *err)
{
    char q = s[(*i)++];
    while (s[*i] != q) {
        char ch = s[*i];
        if (ch == '\0') {
            sm_err_set(err, SM_E_MALFORMED, 0, SM_RULE_NONE, "unterminated %c quote", q);
            return false;
        }
        if (q == '"' && ch == '\\' && !read_escape(s, i, &ch, err)) {
            return false;
        }
        if (!put_ch(out, cap, n, ch, err)) {
            return false;
        }
        (*i)++;
    }
    (*i)++;
    return true;
}

/* Read one token starting at s[*i] into out (capacity cap); false with err set. */
static bool read_token(const char *s, size_t *i, char *out, size_t cap, size_t *outlen,
                       struct sm_error *err)
{
    size_t n = 0;
    while (s[*i] != '\0' && s[*i] != ' ' && s[*i] != '\t' && s[*i] != '\n') {
        char q = s[*i];
        bool ok = q == '\'' || q == '"' ? read_quoted(s, i, out, cap, &n, err)
                                        : put_ch(out, cap, &n, q, err);
        if (!ok) {
            return false;
        }
        if (q != '\'' && q != '"') {
            (*i)++;
        }
    }
    out[n] = '\0';
    *outlen = n;
    return true;
}

enum sm_code conf_tokenize(const char *s, char ***out, size_t *n, struct sm_error *err)
{
    char *toks[CONF_MAX_TOKENS];
    size_t nt = 0;
    size_t i = 0;
    *out = NULL;
    *n = 0;
    char *scratch = malloc(CONF_MAX_LINE + 1);
    if (scratch == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    enum sm_code rc = SM_OK;
    for (;;) {
        while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
            i++;
        }
        if (s[i] == '\0') {
            break;
        }
        if (nt == CONF_MAX_TOKENS) {
            rc = sm_err_set(err, SM_E_MALFORMED, 0, SM_RULE_NONE, "more than %u tokens",
                            CONF_MAX_TOKENS);
            goto fail;
        }
        size_t len = 0;
        if (!read_token(s, &i, scratch, CONF_MAX_LINE + 1, &len, err)) {
            rc = SM_E_MALFORMED;
            goto fail;
        }
        if ((toks[nt] = strndup(scratch, len)) == NULL) {
            rc = sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
            goto fail;
        }
        nt++;
    }
    free(scratch);
    scratch = NULL;
    if (nt > 0) {
        if ((*out = malloc(nt * sizeof *toks)) == NULL) {
            rc = sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
            goto fail;
        }
        memcpy(*out, toks, nt * sizeof *toks);
        *n = nt;
    }
    return SM_OK;
fail:
    free(scratch);
    for (size_t k = 0; k < nt; k++) {
        free(toks[k]);
    }
    return rc;
}
