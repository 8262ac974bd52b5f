/*
 * framing_head.c - the header text of an upload, for the multipart lint
 * (framing.c): the request's Transfer-Encoding, Expect and Content-Type
 * (its boundary), and each part's header block (Content-Disposition's name,
 * filename and filename*, Content-Type, the header names in order).
 *
 * How: one reader of `type; name=value; ...` parameters (quoted-string or
 * token) serves both Content-Type and Content-Disposition; what it finds is
 * recorded in the scan's string pool (cut at STR_CAP) and what breaks the
 * grammar strict servers apply sets a lint code (common/sm_lint.h).
 * Not here: finding the parts in the body (framing.c), the record's JSON
 * (framing_json.c); nothing here judges the request.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../common/sm_utf8.h"
#include "framing_int.h"
#include "internal.h"

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && sm_framing_ows(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && sm_framing_ows((*s)[*n - 1])) {
        (*n)--;
    }
}

static bool ieq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* Keep s[0..n) (cut at STR_CAP on a character boundary) in the pool. */
static uint16_t pool_add(struct sm_framing_scan *s, const char *str, size_t n)
{
    n = sm_utf8_cut(str, n, STR_CAP);
    if (s->f.pool_len + n + 1 > POOL_MAX) {
        s->f.truncated = true;
        return NONE;
    }
    uint16_t off = s->f.pool_len;
    memcpy(s->pool + off, str, n);
    s->pool[off + n] = '\0';
    s->f.pool_len = (uint16_t)(off + n + 1);
    return off;
}

/* s, a comma-separated list, names token (any case). */
static bool has_token(const char *s, const char *token)
{
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *v = s;
        size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);
        trim(&v, &n);
        if (ieq(v, n, token)) {
            return true;
        }
        if (comma == NULL) {
            return false;
        }
        s = comma + 1;
    }
}

/* RFC 2046: 1 to 70 of these, the last not a space. */
static bool boundary_ok(const char *b, size_t n)
{
    static const char extra[] = "'()+_,-./:=? ";
    if (n < 1 || n > 70 || b[n - 1] == ' ') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && (c == '\0' || strchr(extra, c) == NULL)) {
            return false;
        }
    }
    return true;
}

/* One parameter value at *p (quoted-string or token); *p moves past it and
 * the ';' that ends it. Sets the quoted/escaped facts; false when it does
 * not parse (an unterminated quote, text after the closing quote). */
static bool param_value(const char **p, const char *end, const char **v, size_t *vn, bool *quoted,
                        bool *escaped)
{
    const char *s = *p;
    bool ok = true;
    *quoted = s < end && *s == '"';
    *escaped = false;
    if (*quoted) {
        const char *q = ++s;
        while (q < end && *q != '"') {
            if (*q == '\\' && q + 1 < end) {
                *escaped = true;
                q++;
            }
            q++;
        }
        *v = s;
        *vn = (size_t)(q - s);
        if (q == end) {
            ok = false; /* no closing quote */
        } else {
            q++;
        }
        while (q < end && sm_framing_ows(*q)) {
            q++;
        }
        if (q < end && *q != ';') {
            ok = false; /* text after the closing quote: a quote inside the value */
        }
        const char *semi = memchr(q, ';', (size_t)(end - q));
        *p = semi != NULL ? semi + 1 : end;
        return ok;
    }
    const char *semi = memchr(s, ';', (size_t)(end - s));
    const char *e = semi != NULL ? semi : end;
    *v = s;
    *vn = (size_t)(e - s);
    trim(v, vn);
    *p = semi != NULL ? semi + 1 : end;
    return true;
}

/* One Content-Disposition parameter, parsed: record name, filename and
 * filename*, and what their quoting says. */
static void disposition_param(struct sm_framing_scan *s, struct sm_framing_part *pt,
                              const char *name, size_t nn, const char *val, size_t vn, bool quoted,
                              bool escaped)
{
    bool is_name = ieq(name, nn, "name"), is_file = ieq(name, nn, "filename");
    if ((is_name || is_file) && !quoted) {
        sm_framing_lint_set(s, SM_LINT_UNQUOTED_PARAM);
    }
    if ((is_name || is_file) && escaped) {
        sm_framing_lint_set(s, SM_LINT_BACKSLASH_ESCAPE);
    }
    uint16_t *dst = NULL;
    if (is_name) {
        pt->flags |= quoted ? PF_NAME_QUOTED : 0;
        dst = &pt->name;
    } else if (is_file) {
        pt->flags |= PF_FILENAME | (quoted ? PF_FILENAME_QUOTED : 0);
        dst = &pt->filename;
    } else if (ieq(name, nn, "filename*")) {
        pt->flags |= PF_STAR;
        sm_framing_lint_set(s, SM_LINT_FILENAME_STAR);
        dst = &pt->filename_star;
    }
    if (dst != NULL && *dst == NONE) {
        *dst = pool_add(s, val, vn);
    }
}

/* One name=value parameter of a header value (after its type). */
struct param {
    const char *name, *val;
    size_t nn, vn;
    bool quoted, escaped;
};

enum param_kind {
    PARAM_END,      /* no more parameters */
    PARAM_NO_VALUE, /* a name without '=': *p is past its ';' */
    PARAM_NAMELESS, /* '=' with no name before it: *p is at its value */
    PARAM_OK,       /* name=value */
    PARAM_BAD,      /* name=value, but the value does not parse (param_value) */
};

/* The next parameter at *p (the text after a ';'); *p moves past it. The
 * one reader of Content-Type's and Content-Disposition's parameters. */
static enum param_kind next_param(const char **p, const char *end, struct param *pm)
{
    while (*p < end && sm_framing_ows(**p)) {
        (*p)++;
    }
    if (*p == end) {
        return PARAM_END;
    }
    const char *eq = *p;
    while (eq < end && *eq != '=' && *eq != ';') {
        eq++;
    }
    pm->name = *p;
    pm->nn = (size_t)(eq - *p);
    trim(&pm->name, &pm->nn);
    if (eq == end || *eq == ';') {
        *p = eq < end ? eq + 1 : end;
        return PARAM_NO_VALUE;
    }
    *p = eq + 1;
    while (*p < end && sm_framing_ows(**p)) {
        (*p)++;
    }
    if (pm->nn == 0) {
        return PARAM_NAMELESS;
    }
    bool ok = param_value(p, end, &pm->val, &pm->vn, &pm->quoted, &pm->escaped);
    return ok ? PARAM_OK : PARAM_BAD;
}

/* The value's type (before the first ';') is lit (any case); *params: the
 * text after that ';'. */
static bool type_is(const char *v, size_t n, const char *lit, const char **params)
{
    const char *end = v + n;
    const char *semi = memchr(v, ';', n);
    const char *type = v;
    size_t tn = (size_t)((semi != NULL ? semi : end) - v);
    trim(&type, &tn);
    *params = semi != NULL ? semi + 1 : end;
    return ieq(type, tn, lit);
}

static void content_disposition(struct sm_framing_scan *s, struct sm_framing_part *pt,
                                const char *v, size_t n)
{
    const char *p, *end = v + n;
    if (!type_is(v, n, "form-data", &p)) {
        sm_framing_lint_set(s, SM_LINT_HEADER_SYNTAX); /* RFC 7578 4.2: the type is form-data */
    }
    struct param pm;
    enum param_kind k;
    while ((k = next_param(&p, end, &pm)) != PARAM_END) {
        if (k == PARAM_NO_VALUE || k == PARAM_NAMELESS) {
            sm_framing_lint_set(s, SM_LINT_HEADER_SYNTAX); /* a parameter without a value */
            continue;
        }
        if (k == PARAM_BAD) {
            sm_framing_lint_set(s, SM_LINT_HEADER_SYNTAX);
        }
        disposition_param(s, pt, pm.name, pm.nn, pm.val, pm.vn, pm.quoted, pm.escaped);
    }
}

void sm_framing_part_headers(struct sm_framing_scan *s, struct sm_framing_part *pt)
{
    if (s->hdr_over) {
        sm_framing_lint_set(s, SM_LINT_HEADER_SYNTAX); /* over 2 KiB of part headers */
    }
    /* join folded lines (a line starting with a blank continues the last) */
    char *hend = s->hdr + s->hdr_len;
    for (char *q = memchr(s->hdr, '\n', s->hdr_len); q != NULL && q + 1 < hend;
         q = memchr(q + 1, '\n', (size_t)(hend - q - 1))) {
        if (sm_framing_ows(q[1])) {
            *q = ' ';
            sm_framing_lint_set(s, SM_LINT_FOLDED_HEADER);
        }
    }
    bool has_ct = false;
    char names[STR_CAP + 1]; /* the header names in order, comma-separated */
    size_t n_names = 0;
    const char *p = s->hdr, *end = s->hdr + s->hdr_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (colon == NULL || colon == p || sm_framing_ows(colon[-1]) || sm_framing_ows(*p)) {
            sm_framing_lint_set(s, SM_LINT_HEADER_SYNTAX);
        } else {
            size_t nn = (size_t)(colon - p);
            const char *v = colon + 1;
            size_t vn = (size_t)(le - v);
            trim(&v, &vn);
            if (n_names + (n_names > 0) + nn <= STR_CAP) {
                if (n_names > 0) {
                    names[n_names++] = ',';
                }
                memcpy(names + n_names, p, nn);
                n_names += nn;
            } else {
                s->f.truncated = true;
            }
            if (ieq(p, nn, "Content-Disposition")) {
                content_disposition(s, pt, v, vn);
            } else if (ieq(p, nn, "Content-Type")) {
                has_ct = true;
                if (pt->content_type == NONE) {
                    pt->content_type = pool_add(s, v, vn);
                }
            } else {
                sm_framing_lint_set(s, SM_LINT_EXTRA_PART_HEADER);
            }
        }
        p = le < end ? le + 1 : end;
    }
    if (n_names > 0) {
        pt->headers = pool_add(s, names, n_names);
    }
    bool is_file = (pt->flags & (PF_FILENAME | PF_STAR)) != 0;
    if (is_file && !has_ct) {
        sm_framing_lint_set(s, SM_LINT_NO_CONTENT_TYPE);
    }
    if (!is_file && s->seen_file) {
        sm_framing_lint_set(s, SM_LINT_FIELD_AFTER_FILE);
    }
    s->seen_file = s->seen_file || is_file;
}

void sm_framing_head_parse(struct sm_framing_scan *s, const struct sm_framing_head *h)
{
    const char *te = h->transfer_encoding;
    if (te != NULL && has_token(te, "chunked")) {
        s->f.length = LEN_CHUNKED;
        sm_framing_lint_set(s, SM_LINT_CHUNKED);
    } else if (h->content_length != NULL) {
        s->f.length = LEN_CONTENT_LENGTH;
    }
    if (h->expect != NULL) {
        const char *e = h->expect;
        size_t en = strlen(e);
        trim(&e, &en);
        if (ieq(e, en, "100-continue")) {
            s->f.expect_100 = true;
            sm_framing_lint_set(s, SM_LINT_EXPECT_100);
        }
    }

    const char *ct = h->content_type != NULL ? h->content_type : "";
    const char *p, *end = ct + strlen(ct);
    s->f.multipart = type_is(ct, (size_t)(end - ct), "multipart/form-data", &p);
    if (!s->f.multipart) {
        return; /* nothing to scan: upload.c refuses the shape */
    }
    bool found = false;
    struct param pm;
    enum param_kind k;
    while (!found && (k = next_param(&p, end, &pm)) != PARAM_END) {
        if (k == PARAM_NAMELESS) {
            (void)param_value(&p, end, &pm.val, &pm.vn, &pm.quoted, &pm.escaped); /* skip it */
        }
        if (k == PARAM_NO_VALUE || k == PARAM_NAMELESS || !ieq(pm.name, pm.nn, "boundary")) {
            continue;
        }
        found = true;
        s->f.boundary_quoted = pm.quoted;
        s->f.boundary = pool_add(s, pm.val, pm.vn);
        if (k == PARAM_BAD || pm.escaped || !boundary_ok(pm.val, pm.vn)) {
            sm_framing_lint_set(s, SM_LINT_BOUNDARY_SYNTAX);
        }
        if (pm.vn > 0 && pm.vn <= BOUNDARY_MAX) {
            memcpy(s->dpat, "--", 2);
            memcpy(s->dpat + 2, pm.val, pm.vn);
            s->dlen = pm.vn + 2;
            s->st = ST_PREAMBLE;
        }
    }
    if (!found) {
        sm_framing_lint_set(s, SM_LINT_BOUNDARY_SYNTAX);
    }
}
