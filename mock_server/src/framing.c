/*
 * framing.c - multipart lint: how an upload framed its body, as the
 * journal records it (docs/SERVER.md, "Multipart framing").
 *
 * What: the boundary (and whether it was quoted), Content-Length or chunked,
 * Expect: 100-continue, the parts in order (name, filename as sent, filename*,
 * Content-Type, the header names in order, the body size), the line endings
 * of the framing lines, preamble and epilogue bytes, whether the close
 * delimiter came; and from these the lint codes (common/sm_lint.h) for what
 * strict servers and proxies refuse.
 * How: a scanner fed each raw body chunk beside MHD's PostProcessor, which
 * hides the framing. It looks for delimiters only at line starts, skips
 * content with memchr, keeps offsets instead of bytes, and holds at most one
 * part's header block (2 KiB) and a small pool of recorded strings, so an
 * upload of any size costs a fixed, small amount of memory. The record is
 * one allocation, rendered as JSON only when the journal is read.
 * Not here: judging the request (upload.c and the PostProcessor decide what
 * the server accepts; a lint code never changes an answer).
 */
#include "framing.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../common/sm_json.h"
#include "../../common/sm_lint.h"
#include "internal.h"

#define PARTS_MAX    8    /* parts recorded (all are counted and linted) */
#define POOL_MAX     1536 /* recorded strings */
#define HDR_MAX      2048 /* one part's header block */
#define BOUNDARY_MAX 200  /* longer ones are recorded cut, and not scanned for */
#define STR_CAP      96   /* one recorded string */
#define NONE         UINT16_MAX

enum { LEN_NONE, LEN_CONTENT_LENGTH, LEN_CHUNKED };

/* part flags */
#define PF_NAME_QUOTED     0x1u
#define PF_FILENAME        0x2u
#define PF_FILENAME_QUOTED 0x4u
#define PF_STAR            0x8u

struct sm_framing_part {
    uint64_t size;
    uint16_t flags;
    uint16_t name, filename, filename_star, content_type, headers; /* pool offsets or NONE */
};

struct sm_framing {
    uint32_t lint;
    uint32_t n_parts; /* all parts; the first n_rec are recorded */
    uint32_t lines_crlf, lines_lf;
    uint64_t preamble, epilogue;
    uint16_t boundary; /* pool offset or NONE */
    uint16_t pool_len;
    uint8_t n_rec, length;
    bool multipart, boundary_quoted, expect_100, closed, complete, truncated;
    struct sm_framing_part *part; /* n_rec, in the same allocation */
    char *pool;                   /* pool_len bytes, in the same allocation */
};

enum scan_state { ST_OFF, ST_PREAMBLE, ST_HEADERS, ST_BODY, ST_DELIM, ST_EPILOGUE };
/* after "--BOUNDARY" at a line start: what the rest of the line holds */
enum delim_state { AD_START, AD_DASH, AD_PAD, AD_CR };

struct sm_framing_scan {
    struct sm_framing f;
    struct sm_framing_part parts[PARTS_MAX];
    uint64_t pos;   /* body bytes seen */
    uint64_t cand;  /* offset of the candidate's first '-' */
    uint64_t nl_at; /* offset of the last LF in the current part or preamble (UINT64_MAX: none) */
    uint64_t body_start;
    size_t dlen;
    size_t dm;                  /* bytes of dpat matched at the current line start */
    size_t hdr_len;             /* bytes in hdr */
    size_t hline;               /* bytes of the header line being read */
    enum scan_state st, before; /* before: the state a delimiter candidate began in */
    enum delim_state ad;
    bool close;      /* the candidate is a close delimiter (--BOUNDARY--) */
    bool line_start; /* the next byte starts a line */
    bool nl_cr;      /* the LF at nl_at followed a CR */
    bool in_part;    /* a part is open (after a delimiter) */
    bool seen_file;
    bool hdr_over;
    char last; /* the byte before the next one */
    char pool[POOL_MAX];
    char dpat[BOUNDARY_MAX + 2]; /* "--" BOUNDARY */
    char hdr[HDR_MAX];           /* the current part's header lines, '\n'-separated, CRs dropped */
};

/* ---- small parsing helpers ---------------------------------------------- */

static bool ows(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && ows(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ows((*s)[*n - 1])) {
        (*n)--;
    }
}

static bool ieq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

static void lint(struct sm_framing_scan *s, enum sm_lint l)
{
    s->f.lint |= 1u << l;
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
        while (q < end && ows(*q)) {
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
        lint(s, SM_LINT_UNQUOTED_PARAM);
    }
    if ((is_name || is_file) && escaped) {
        lint(s, SM_LINT_BACKSLASH_ESCAPE);
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
        lint(s, SM_LINT_FILENAME_STAR);
        dst = &pt->filename_star;
    }
    if (dst != NULL && *dst == NONE) {
        *dst = pool_add(s, val, vn);
    }
}

static void content_disposition(struct sm_framing_scan *s, struct sm_framing_part *pt,
                                const char *v, size_t n)
{
    const char *p = v, *end = v + n;
    const char *semi = memchr(p, ';', n);
    const char *type = p;
    size_t tn = (size_t)((semi != NULL ? semi : end) - p);
    trim(&type, &tn);
    if (!ieq(type, tn, "form-data")) {
        lint(s, SM_LINT_HEADER_SYNTAX); /* RFC 7578 4.2: the type is form-data */
    }
    p = semi != NULL ? semi + 1 : end;
    while (p < end) {
        while (p < end && ows(*p)) {
            p++;
        }
        if (p == end) {
            break;
        }
        const char *eq = p;
        while (eq < end && *eq != '=' && *eq != ';') {
            eq++;
        }
        const char *name = p;
        size_t nn = (size_t)(eq - p);
        trim(&name, &nn);
        if (eq == end || *eq == ';' || nn == 0) {
            lint(s, SM_LINT_HEADER_SYNTAX); /* a parameter without a value */
            p = eq < end ? eq + 1 : end;
            continue;
        }
        p = eq + 1;
        while (p < end && ows(*p)) {
            p++;
        }
        const char *val;
        size_t vn;
        bool quoted, escaped;
        if (!param_value(&p, end, &val, &vn, &quoted, &escaped)) {
            lint(s, SM_LINT_HEADER_SYNTAX);
        }
        disposition_param(s, pt, name, nn, val, vn, quoted, escaped);
    }
}

/* The blank line after a part's headers: parse the block into *pt. */
static void part_headers(struct sm_framing_scan *s, struct sm_framing_part *pt)
{
    if (s->hdr_over) {
        lint(s, SM_LINT_HEADER_SYNTAX); /* over 2 KiB of part headers */
    }
    /* join folded lines (a line starting with a blank continues the last) */
    char *hend = s->hdr + s->hdr_len;
    for (char *q = memchr(s->hdr, '\n', s->hdr_len); q != NULL && q + 1 < hend;
         q = memchr(q + 1, '\n', (size_t)(hend - q - 1))) {
        if (ows(q[1])) {
            *q = ' ';
            lint(s, SM_LINT_FOLDED_HEADER);
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
        if (colon == NULL || colon == p || ows(colon[-1]) || ows(*p)) {
            lint(s, SM_LINT_HEADER_SYNTAX);
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
                lint(s, SM_LINT_EXTRA_PART_HEADER);
            }
        }
        p = le < end ? le + 1 : end;
    }
    if (n_names > 0) {
        pt->headers = pool_add(s, names, n_names);
    }
    bool is_file = (pt->flags & (PF_FILENAME | PF_STAR)) != 0;
    if (is_file && !has_ct) {
        lint(s, SM_LINT_NO_CONTENT_TYPE);
    }
    if (!is_file && s->seen_file) {
        lint(s, SM_LINT_FIELD_AFTER_FILE);
    }
    s->seen_file = s->seen_file || is_file;
}

/* ---- the scanner ---------------------------------------------------------- */

static void count_eol(struct sm_framing_scan *s, bool crlf)
{
    if (crlf) {
        s->f.lines_crlf++;
    } else {
        s->f.lines_lf++;
    }
}

/* The part being read, or a scratch part past the recorded ones. */
static struct sm_framing_part *cur_part(struct sm_framing_scan *s, struct sm_framing_part *scratch)
{
    uint32_t i = s->f.n_parts - 1;
    return i < PARTS_MAX ? &s->parts[i] : scratch;
}

static void new_part(struct sm_framing_scan *s)
{
    if (s->f.n_parts < PARTS_MAX) {
        s->parts[s->f.n_parts] = (struct sm_framing_part){.name = NONE,
                                                          .filename = NONE,
                                                          .filename_star = NONE,
                                                          .content_type = NONE,
                                                          .headers = NONE};
    }
    s->f.n_parts++;
    s->in_part = true;
    s->hdr_len = 0;
    s->hline = 0;
    s->hdr_over = false;
    s->st = ST_HEADERS;
}

/* The delimiter candidate is one: its line is over (or, for a close
 * delimiter, the body ended). */
static void delimiter(struct sm_framing_scan *s, bool has_eol, bool crlf)
{
    /* the line ending before "--" belongs to the delimiter (RFC 2046) */
    uint64_t content_end = s->cand;
    if (s->nl_at != UINT64_MAX && s->cand == s->nl_at + 1) {
        content_end = s->nl_cr ? s->nl_at - 1 : s->nl_at;
        count_eol(s, s->nl_cr);
    }
    if (s->before == ST_PREAMBLE) {
        s->f.preamble = content_end;
    } else if (s->f.n_parts <= PARTS_MAX) {
        s->parts[s->f.n_parts - 1].size =
            content_end > s->body_start ? content_end - s->body_start : 0;
    }
    s->in_part = false;
    if (has_eol) {
        count_eol(s, crlf);
    }
    if (s->close) {
        s->f.closed = true;
        s->st = ST_EPILOGUE;
    } else {
        new_part(s);
    }
}

/* The candidate was content after all: back to where it began; the current
 * byte is looked at again by the caller. */
static void not_delimiter(struct sm_framing_scan *s)
{
    s->st = s->before;
    s->dm = 0;
    s->line_start = false;
}

/* One byte after "--BOUNDARY"; false when it is to be looked at again. */
static bool delim_byte(struct sm_framing_scan *s, char c)
{
    switch (s->ad) {
    case AD_START:
        if (c == '-') {
            s->ad = AD_DASH;
            return true;
        }
        break;
    case AD_DASH:
        if (c == '-') {
            s->close = true;
            s->ad = AD_PAD;
            return true;
        }
        not_delimiter(s);
        return false;
    case AD_PAD:
    case AD_CR:
        break;
    }
    if (s->ad == AD_CR) {
        if (c == '\n') {
            delimiter(s, true, true);
            return true;
        }
    } else if (ows(c)) {
        s->ad = AD_PAD;
        return true;
    } else if (c == '\r') {
        s->ad = AD_CR;
        return true;
    } else if (c == '\n') {
        delimiter(s, true, false);
        return true;
    }
    if (s->close) { /* --BOUNDARY-- and then no line end: the rest is epilogue */
        delimiter(s, false, false);
        return false;
    }
    not_delimiter(s);
    return false;
}

/* Bytes of a header line (no LF among them). */
static void header_text(struct sm_framing_scan *s, const char *p, size_t n)
{
    s->hline += n;
    size_t room = HDR_MAX - s->hdr_len;
    if (n > room) {
        s->hdr_over = true;
        n = room;
    }
    memcpy(s->hdr + s->hdr_len, p, n);
    s->hdr_len += n;
}

/* One byte of a part's header block. */
static void header_byte(struct sm_framing_scan *s, char c)
{
    if (c != '\n') {
        s->hline++;
        if (s->hdr_len < HDR_MAX) {
            s->hdr[s->hdr_len++] = c;
        } else {
            s->hdr_over = true;
        }
        return;
    }
    bool crlf = s->last == '\r';
    if (crlf && s->hdr_len > 0 && s->hdr[s->hdr_len - 1] == '\r') {
        s->hdr_len--;
    }
    count_eol(s, crlf);
    size_t len = s->hline - (crlf ? 1 : 0);
    s->hline = 0;
    if (len > 0) { /* a header line: keep it */
        if (s->hdr_len < HDR_MAX) {
            s->hdr[s->hdr_len++] = '\n';
        } else {
            s->hdr_over = true;
        }
        return;
    }
    if (s->hdr_len > 0 && s->hdr[s->hdr_len - 1] == '\n') {
        s->hdr_len--; /* the separator after the last header line */
    }
    struct sm_framing_part scratch = {.name = NONE,
                                      .filename = NONE,
                                      .filename_star = NONE,
                                      .content_type = NONE,
                                      .headers = NONE};
    struct sm_framing_part *pt = cur_part(s, &scratch);
    uint16_t pool_mark = s->f.pool_len;
    part_headers(s, pt);
    if (pt == &scratch) {
        s->f.pool_len = pool_mark; /* an unrecorded part keeps nothing */
    }
    s->st = ST_BODY;
    s->body_start = s->pos + 1;
    s->nl_at = UINT64_MAX;
    s->line_start = true;
}

/* A delimiter candidate ("--BOUNDARY" at a line start) is complete. */
static void start_delim(struct sm_framing_scan *s)
{
    s->before = s->st;
    s->st = ST_DELIM;
    s->ad = AD_START;
    s->close = false;
    s->dm = 0;
}

/* Header bytes from data[i]: the rest of the line at once, then its LF.
 * Returns where the next state starts reading. */
static size_t feed_headers(struct sm_framing_scan *s, const char *data, size_t n, size_t i)
{
    const char *lf = memchr(data + i, '\n', n - i);
    size_t at = lf != NULL ? (size_t)(lf - data) : n;
    if (at > i) {
        header_text(s, data + i, at - i);
        s->last = data[at - 1];
        s->pos += at - i;
    }
    if (lf == NULL) {
        return n;
    }
    header_byte(s, '\n');
    s->last = '\n';
    s->pos++;
    return at + 1;
}

/* Content (a part's or the preamble) from data[i]: on to the next LF, then
 * at the line start whether "--BOUNDARY" follows (at once when it is all
 * here, else byte by byte across chunks). Returns where to read on. */
static size_t feed_content(struct sm_framing_scan *s, const char *data, size_t n, size_t i)
{
    if (s->dm == 0 && !s->line_start) {
        const char *lf = memchr(data + i, '\n', n - i);
        if (lf == NULL) {
            s->last = data[n - 1];
            s->pos += n - i;
            return n;
        }
        size_t at = (size_t)(lf - data);
        if (at > i) {
            s->last = data[at - 1];
            s->pos += at - i;
        }
        s->nl_at = s->pos;
        s->nl_cr = s->last == '\r';
        s->line_start = true;
        s->last = '\n';
        s->pos++;
        return at + 1;
    }
    if (s->dm == 0 && s->dlen > 0 && n - i >= s->dlen) { /* the whole pattern is here */
        s->line_start = false;
        if (memcmp(data + i, s->dpat, s->dlen) != 0) {
            return i; /* content: look at it again as such */
        }
        s->cand = s->pos;
        start_delim(s);
        s->last = s->dpat[s->dlen - 1];
        s->pos += s->dlen;
        return i + s->dlen;
    }
    char c = data[i];
    if (s->dlen == 0 || c != s->dpat[s->dm]) {
        s->dm = 0;
        s->line_start = false;
        return i; /* content: look at it again as such */
    }
    if (s->dm == 0) {
        s->cand = s->pos;
    }
    s->line_start = false;
    if (++s->dm == s->dlen) {
        start_delim(s);
    }
    s->last = c;
    s->pos++;
    return i + 1;
}

void sm_framing_scan_feed(struct sm_framing_scan *s, const char *data, size_t n)
{
    if (s == NULL) {
        return;
    }
    size_t i = 0;
    while (i < n) {
        switch (s->st) {
        case ST_OFF:
        case ST_EPILOGUE:
            if (s->st == ST_EPILOGUE) {
                s->f.epilogue += n - i;
            }
            s->pos += n - i;
            return;
        case ST_HEADERS:
            i = feed_headers(s, data, n, i);
            break;
        case ST_DELIM:
            if (delim_byte(s, data[i])) {
                s->last = data[i];
                s->pos++;
                i++;
            }
            break;
        case ST_PREAMBLE:
        case ST_BODY:
            i = feed_content(s, data, n, i);
            break;
        }
    }
}

/* ---- begin, end, record ---------------------------------------------------- */

struct sm_framing_scan *sm_framing_scan_new(const struct sm_framing_head *h)
{
    struct sm_framing_scan *s = malloc(sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    memset(&s->f, 0, sizeof s->f);
    s->f.boundary = NONE;
    s->dlen = 0;
    s->st = ST_OFF;
    s->before = ST_PREAMBLE;
    s->ad = AD_START;
    s->close = false;
    s->cand = 0;
    s->body_start = 0;
    s->hline = 0;
    s->dm = 0;
    s->line_start = true; /* the first delimiter may open the body */
    s->last = '\n';
    s->pos = 0;
    s->nl_at = UINT64_MAX;
    s->nl_cr = false;
    s->in_part = false;
    s->seen_file = false;
    s->hdr_len = 0;
    s->hdr_over = false;

    const char *te = h->transfer_encoding;
    if (te != NULL && has_token(te, "chunked")) {
        s->f.length = LEN_CHUNKED;
        lint(s, SM_LINT_CHUNKED);
    } else if (h->content_length != NULL) {
        s->f.length = LEN_CONTENT_LENGTH;
    }
    if (h->expect != NULL) {
        const char *e = h->expect;
        size_t en = strlen(e);
        trim(&e, &en);
        if (ieq(e, en, "100-continue")) {
            s->f.expect_100 = true;
            lint(s, SM_LINT_EXPECT_100);
        }
    }

    const char *ct = h->content_type != NULL ? h->content_type : "";
    const char *end = ct + strlen(ct);
    const char *semi = memchr(ct, ';', (size_t)(end - ct));
    const char *type = ct;
    size_t tn = (size_t)((semi != NULL ? semi : end) - ct);
    trim(&type, &tn);
    s->f.multipart = ieq(type, tn, "multipart/form-data");
    if (!s->f.multipart) {
        return s; /* nothing to scan: upload.c refuses the shape */
    }
    const char *p = semi != NULL ? semi + 1 : end;
    bool found = false;
    while (p < end && !found) {
        while (p < end && ows(*p)) {
            p++;
        }
        const char *eq = memchr(p, '=', (size_t)(end - p));
        const char *next = memchr(p, ';', (size_t)(end - p));
        if (eq == NULL || (next != NULL && next < eq)) {
            p = next != NULL ? next + 1 : end;
            continue;
        }
        const char *name = p;
        size_t nn = (size_t)(eq - p);
        trim(&name, &nn);
        p = eq + 1;
        while (p < end && ows(*p)) {
            p++;
        }
        const char *val;
        size_t vn;
        bool quoted, escaped;
        bool ok = param_value(&p, end, &val, &vn, &quoted, &escaped);
        if (ieq(name, nn, "boundary")) {
            found = true;
            s->f.boundary_quoted = quoted;
            s->f.boundary = pool_add(s, val, vn);
            if (!ok || escaped || !boundary_ok(val, vn)) {
                lint(s, SM_LINT_BOUNDARY_SYNTAX);
            }
            if (vn > 0 && vn <= BOUNDARY_MAX) {
                memcpy(s->dpat, "--", 2);
                memcpy(s->dpat + 2, val, vn);
                s->dlen = vn + 2;
                s->st = ST_PREAMBLE;
            }
        }
    }
    if (!found) {
        lint(s, SM_LINT_BOUNDARY_SYNTAX);
    }
    return s;
}

struct sm_framing *sm_framing_scan_end(struct sm_framing_scan *s, bool complete)
{
    if (s == NULL) {
        return NULL;
    }
    s->f.complete = complete;
    if (s->st == ST_DELIM && s->close) {
        delimiter(s, false, false); /* --BOUNDARY-- at the very end of the body */
    }
    if (s->in_part && (s->st == ST_BODY || s->st == ST_DELIM) && s->f.n_parts <= PARTS_MAX) {
        s->parts[s->f.n_parts - 1].size = s->pos - s->body_start; /* cut short */
    }
    if (s->f.lines_lf > 0) {
        lint(s, SM_LINT_BARE_LF);
    }
    if (s->f.preamble > 0) {
        lint(s, SM_LINT_PREAMBLE);
    }
    if (s->f.epilogue > 0 && s->f.closed) {
        lint(s, SM_LINT_EPILOGUE);
    }
    if (complete && s->f.multipart && s->dlen > 0 && !s->f.closed) {
        lint(s, SM_LINT_NO_CLOSE);
    }
    s->f.n_rec = (uint8_t)(s->f.n_parts < PARTS_MAX ? s->f.n_parts : PARTS_MAX);
    size_t parts_len = s->f.n_rec * sizeof(struct sm_framing_part);
    struct sm_framing *f = malloc(sizeof *f + parts_len + s->f.pool_len);
    if (f != NULL) {
        *f = s->f;
        f->part = (struct sm_framing_part *)(void *)(f + 1);
        f->pool = (char *)(f + 1) + parts_len;
        memcpy(f->part, s->parts, parts_len);
        memcpy(f->pool, s->pool, s->f.pool_len);
    }
    free(s);
    return f;
}

void sm_framing_free(struct sm_framing *f)
{
    free(f);
}

uint32_t sm_framing_lint(const struct sm_framing *f)
{
    return f != NULL ? f->lint : 0;
}

void sm_framing_compact(struct sm_framing **fp)
{
    struct sm_framing *f = *fp;
    if (f == NULL || (f->n_rec == 0 && f->pool_len == 0)) {
        return;
    }
    f->n_rec = 0;
    f->pool_len = 0;
    f->boundary = NONE;
    f->truncated = true;
    struct sm_framing *small = realloc(f, sizeof *f);
    if (small != NULL) {
        f = small;
    }
    f->part = NULL;
    f->pool = NULL;
    *fp = f;
}

static void add_pool_str(cJSON *o, const char *k, const struct sm_framing *f, uint16_t off)
{
    if (off != NONE && off < f->pool_len) {
        cJSON_AddStringToObject(o, k, f->pool + off);
    } else {
        cJSON_AddNullToObject(o, k);
    }
}

static cJSON *part_json(const struct sm_framing *f, const struct sm_framing_part *pt)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL) {
        return NULL;
    }
    add_pool_str(o, "name", f, pt->name);
    cJSON_AddBoolToObject(o, "name_quoted", (pt->flags & PF_NAME_QUOTED) != 0);
    add_pool_str(o, "filename", f, pt->filename);
    if (pt->flags & PF_FILENAME) {
        cJSON_AddBoolToObject(o, "filename_quoted", (pt->flags & PF_FILENAME_QUOTED) != 0);
    } else {
        cJSON_AddNullToObject(o, "filename_quoted");
    }
    add_pool_str(o, "filename_star", f, pt->filename_star);
    add_pool_str(o, "content_type", f, pt->content_type);
    cJSON *hs = cJSON_AddArrayToObject(o, "headers");
    if (hs != NULL && pt->headers != NONE && pt->headers < f->pool_len) {
        const char *h = f->pool + pt->headers;
        while (*h != '\0') {
            const char *comma = strchr(h, ',');
            size_t n = comma != NULL ? (size_t)(comma - h) : strlen(h);
            char name[STR_CAP + 1];
            memcpy(name, h, n);
            name[n] = '\0';
            cJSON_AddItemToArray(hs, cJSON_CreateString(name));
            h += n + (comma != NULL ? 1 : 0);
        }
    }
    sm_json_add_u64(o, "size", pt->size);
    return o;
}

void sm_framing_to_json(const struct sm_framing *f, cJSON *entry)
{
    if (f == NULL) {
        return;
    }
    cJSON *o = cJSON_AddObjectToObject(entry, "framing");
    if (o != NULL) {
        static const char *const lengths[] = {"none", "content-length", "chunked"};
        cJSON_AddBoolToObject(o, "multipart", f->multipart);
        add_pool_str(o, "boundary", f, f->boundary);
        cJSON_AddBoolToObject(o, "boundary_quoted", f->boundary_quoted);
        cJSON_AddStringToObject(o, "length", lengths[f->length]);
        cJSON_AddBoolToObject(o, "expect_100", f->expect_100);
        const char *le = f->lines_crlf > 0 && f->lines_lf > 0 ? "mixed"
                         : f->lines_lf > 0                    ? "lf"
                         : f->lines_crlf > 0                  ? "crlf"
                                                              : NULL;
        if (le != NULL) {
            cJSON_AddStringToObject(o, "line_endings", le);
        } else {
            cJSON_AddNullToObject(o, "line_endings");
        }
        sm_json_add_u64(o, "preamble", f->preamble);
        sm_json_add_u64(o, "epilogue", f->epilogue);
        cJSON_AddBoolToObject(o, "closed", f->closed);
        cJSON_AddBoolToObject(o, "complete", f->complete);
        sm_json_add_u64(o, "parts_total", f->n_parts);
        cJSON *parts = cJSON_AddArrayToObject(o, "parts");
        for (unsigned i = 0; parts != NULL && i < f->n_rec; i++) {
            cJSON_AddItemToArray(parts, part_json(f, &f->part[i]));
        }
        cJSON_AddBoolToObject(o, "truncated", f->truncated);
    }
    cJSON *codes = cJSON_AddArrayToObject(entry, "lint");
    for (unsigned l = 0; codes != NULL && l < SM_LINT_COUNT; l++) {
        if (f->lint & (1u << l)) {
            cJSON_AddItemToArray(codes, cJSON_CreateString(sm_lint_name((enum sm_lint)l)));
        }
    }
}

/* ---- the request path -------------------------------------------------------- */

void sm_framing_req_begin(struct sm_req *r)
{
    struct MHD_Connection *c = r->conn;
    struct sm_framing_head h = {
        .content_type =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .transfer_encoding =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING),
        .content_length =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH),
        .expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT),
    };
    r->framing = sm_framing_scan_new(&h);
}

void sm_framing_req_feed(struct sm_req *r, const char *data, size_t n)
{
    sm_framing_scan_feed(r->framing, data, n);
}

void sm_framing_req_end(struct sm_req *r, bool complete)
{
    if (r->framing != NULL) {
        sm_framing_free(r->je.framing);
        r->je.framing = sm_framing_scan_end(r->framing, complete);
        r->framing = NULL;
    }
}
