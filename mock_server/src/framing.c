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
 * This file is the scanner and the record's life; the header text (the
 * request's and each part's) is read by framing_head.c, the JSON written by
 * framing_json.c.
 * Not here: judging the request (upload.c and the PostProcessor decide what
 * the server accepts; a lint code never changes an answer).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "framing_int.h"
#include "internal.h"

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
    } else if (sm_framing_ows(c)) {
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
    sm_framing_part_headers(s, pt);
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
    memset(s, 0, offsetof(struct sm_framing_scan, pool)); /* the buffers need no zeroes */
    s->f.boundary = NONE;
    s->st = ST_OFF;
    s->before = ST_PREAMBLE;
    s->ad = AD_START;
    s->line_start = true; /* the first delimiter may open the body */
    s->last = '\n';
    s->nl_at = UINT64_MAX;
    sm_framing_head_parse(s, h);
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
        sm_framing_lint_set(s, SM_LINT_BARE_LF);
    }
    if (s->f.preamble > 0) {
        sm_framing_lint_set(s, SM_LINT_PREAMBLE);
    }
    if (s->f.epilogue > 0 && s->f.closed) {
        sm_framing_lint_set(s, SM_LINT_EPILOGUE);
    }
    if (complete && s->f.multipart && s->dlen > 0 && !s->f.closed) {
        sm_framing_lint_set(s, SM_LINT_NO_CLOSE);
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
