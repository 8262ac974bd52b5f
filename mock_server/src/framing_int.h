/*
 * framing_int.h - what the files of the multipart lint share (framing.c the
 * scanner, framing_head.c the header text, framing_json.c the record's
 * JSON): the record's layout, the scanner's state, and the two small
 * helpers every one of them calls. Private to libstagemock; the API is
 * framing.h.
 */
#ifndef SM_FRAMING_INT_H
#define SM_FRAMING_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../common/sm_lint.h"
#include "framing.h"

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
    /* the buffers, last: sm_framing_scan_new zeroes only what is above */
    char pool[POOL_MAX];
    char dpat[BOUNDARY_MAX + 2]; /* "--" BOUNDARY */
    char hdr[HDR_MAX];           /* the current part's header lines, '\n'-separated, CRs dropped */
};

/* Optional white space (RFC 9110 OWS). */
static inline bool sm_framing_ows(char c)
{
    return c == ' ' || c == '\t';
}

static inline void sm_framing_lint_set(struct sm_framing_scan *s, enum sm_lint l)
{
    s->f.lint |= 1u << l;
}

/* framing_head.c: the request's headers into s (the length, Expect, and the
 * boundary the scanner looks for: s->dpat, s->st = ST_PREAMBLE when there is
 * one to scan for). */
void sm_framing_head_parse(struct sm_framing_scan *s, const struct sm_framing_head *h);
/* framing_head.c: the current part's header block (s->hdr) into *pt, at the
 * blank line that ends it. */
void sm_framing_part_headers(struct sm_framing_scan *s, struct sm_framing_part *pt);

#endif
