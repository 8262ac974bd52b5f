/*
 * pages.c - deep validation: walk every column chunk's pages and check that
 * they are what the footer and their own headers say.
 *
 * What: for each chunk, from its dictionary page (when dictionary_page_offset
 * is set and non-zero: legacy writers put 0 there) or its first data page to
 * start + total_compressed_size: every page header decodes and lies inside
 * the chunk; sizes and value counts are not negative; SNAPPY pages state
 * their uncompressed size truthfully (snappy_uncompressed_length) and are
 * valid snappy (snappy_validate_compressed_buffer); UNCOMPRESSED pages have
 * equal sizes; a page CRC, when present, matches (zlib crc32 of the stored
 * bytes); data page values add up to the chunk's num_values, which for an
 * unrepeated column equals the row group's row count; the first repetition
 * level of a repeated column is 0 (a chunk cannot start mid-record). Levels:
 * in every data page, the RLE/bit-packed hybrid levels hold at least
 * num_values levels, none above the column's maximum; a v2 page carries no
 * definition levels for a REQUIRED column and no repetition levels for an
 * unrepeated one. A v2 page whose compressed section is empty (0 bytes after
 * the levels, nothing left to decompress) is accepted, as DuckDB does.
 * Limits: compressed and uncompressed page sizes (max_page_compressed,
 * max_page_uncompressed), named in the refusal.
 * Design: bytes come through a window (one large pread refills it, 4 MiB or
 * one page), or straight from the caller's buffer. Nothing is allocated from
 * a size a page header claims: v1 levels sit at the start of the page data,
 * so a resumable snappy prefix decoder (snap_more) produces just those bytes
 * into a fixed 1 MiB scratch buffer; levels beyond that are not judged.
 * Not here: decoding values; codecs other than SNAPPY and UNCOMPRESSED (the
 * codec rule rejects them first; a profile that accepts them skips content).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#include <snappy-c.h>
#include <zlib.h>

#include "parquet_int.h"

#define WINDOW (4u << 20)

struct data_page_header {
    uint32_t present;
    int32_t num_values, encoding, def_encoding, rep_encoding;
};
struct dict_page_header {
    uint32_t present;
    int32_t num_values, encoding;
    bool is_sorted;
};
struct data_page_header_v2 {
    uint32_t present;
    int32_t num_values, num_nulls, num_rows, encoding, def_len, rep_len;
    bool is_compressed;
};
struct page_header {
    uint32_t present;
    int32_t type, uncompressed, compressed, crc;
    struct data_page_header v1;
    struct dict_page_header dict;
    struct data_page_header_v2 v2;
};
enum { PH_CRC = 1u << 3, PH_V1 = 1u << 4, PH_DICT = 1u << 5, PH_V2 = 1u << 6 };
enum { V2_IS_COMPRESSED = 1u << 6 };

#define F(id_, kind_, req_, name_, type_, member_)                         \
    {                                                                      \
        .id = (id_), .kind = (kind_), .required = (req_), .name = (name_), \
        .off = offsetof(type_, member_)                                    \
    }
#define S(id_, name_, type_, member_, sub_)                                                    \
    {                                                                                          \
        .id = (id_), .kind = SM_TC_K_STRUCT, .name = (name_), .off = offsetof(type_, member_), \
        .sub = (sub_)                                                                          \
    }
#define D(name_, type_, fields_)                                                         \
    {                                                                                    \
        .name = (name_), .size = sizeof(type_), .present_off = offsetof(type_, present), \
        .fields = (fields_), .n_fields = sizeof(fields_) / sizeof((fields_)[0])          \
    }

static const struct sm_tc_field v1_fields[] = {
    F(SM_PQ_DPH_NUM_VALUES, SM_TC_K_I32, true, "num_values", struct data_page_header, num_values),
    F(SM_PQ_DPH_ENCODING, SM_TC_K_I32, true, "encoding", struct data_page_header, encoding),
    F(SM_PQ_DPH_DEFINITION_LEVEL_ENCODING, SM_TC_K_I32, true, "definition_level_encoding",
      struct data_page_header, def_encoding),
    F(SM_PQ_DPH_REPETITION_LEVEL_ENCODING, SM_TC_K_I32, true, "repetition_level_encoding",
      struct data_page_header, rep_encoding),
};
static const struct sm_tc_field dict_fields[] = {
    F(SM_PQ_DICT_NUM_VALUES, SM_TC_K_I32, true, "num_values", struct dict_page_header, num_values),
    F(SM_PQ_DICT_ENCODING, SM_TC_K_I32, true, "encoding", struct dict_page_header, encoding),
    F(SM_PQ_DICT_IS_SORTED, SM_TC_K_BOOL, false, "is_sorted", struct dict_page_header, is_sorted),
};
static const struct sm_tc_field v2_fields[] = {
    F(SM_PQ_DPH2_NUM_VALUES, SM_TC_K_I32, true, "num_values", struct data_page_header_v2,
      num_values),
    F(SM_PQ_DPH2_NUM_NULLS, SM_TC_K_I32, true, "num_nulls", struct data_page_header_v2, num_nulls),
    F(SM_PQ_DPH2_NUM_ROWS, SM_TC_K_I32, true, "num_rows", struct data_page_header_v2, num_rows),
    F(SM_PQ_DPH2_ENCODING, SM_TC_K_I32, true, "encoding", struct data_page_header_v2, encoding),
    F(SM_PQ_DPH2_DEFINITION_LEVELS_BYTE_LENGTH, SM_TC_K_I32, true, "definition_levels_byte_length",
      struct data_page_header_v2, def_len),
    F(SM_PQ_DPH2_REPETITION_LEVELS_BYTE_LENGTH, SM_TC_K_I32, true, "repetition_levels_byte_length",
      struct data_page_header_v2, rep_len),
    F(SM_PQ_DPH2_IS_COMPRESSED, SM_TC_K_BOOL, false, "is_compressed", struct data_page_header_v2,
      is_compressed),
};
static const struct sm_tc_desc v1_desc = D("DataPageHeader", struct data_page_header, v1_fields);
static const struct sm_tc_desc dict_desc =
    D("DictionaryPageHeader", struct dict_page_header, dict_fields);
static const struct sm_tc_desc v2_desc =
    D("DataPageHeaderV2", struct data_page_header_v2, v2_fields);
static const struct sm_tc_field page_fields[] = {
    F(SM_PQ_PH_TYPE, SM_TC_K_I32, true, "type", struct page_header, type),
    F(SM_PQ_PH_UNCOMPRESSED_PAGE_SIZE, SM_TC_K_I32, true, "uncompressed_page_size",
      struct page_header, uncompressed),
    F(SM_PQ_PH_COMPRESSED_PAGE_SIZE, SM_TC_K_I32, true, "compressed_page_size", struct page_header,
      compressed),
    F(SM_PQ_PH_CRC, SM_TC_K_I32, false, "crc", struct page_header, crc),
    S(SM_PQ_PH_DATA_PAGE_HEADER, "data_page_header", struct page_header, v1, &v1_desc),
    S(SM_PQ_PH_DICTIONARY_PAGE_HEADER, "dictionary_page_header", struct page_header, dict,
      &dict_desc),
    S(SM_PQ_PH_DATA_PAGE_HEADER_V2, "data_page_header_v2", struct page_header, v2, &v2_desc),
};
static const struct sm_tc_desc page_desc = D("PageHeader", struct page_header, page_fields);

/* ---- byte access ------------------------------------------------------- */

struct reader {
    const struct sm_pq_src *src;
    uint8_t *win; /* fd sources: a copy of file bytes [wstart, wstart + wlen) */
    size_t wcap;
    uint64_t wstart;
    size_t wlen;
    uint8_t *scratch; /* the decompressed start of a v1 page: its levels */
    size_t scratch_cap;
};

enum sm_code sm_pq_src_read(const struct sm_pq_src *src, uint64_t off, void *dst, size_t n,
                            struct sm_error *err)
{
    if (off > src->size || n > src->size - off) {
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                          "read of %zu bytes at %llu runs past the end of the %llu-byte file", n,
                          (unsigned long long)off, (unsigned long long)src->size);
    }
    if (src->fd < 0) {
        memcpy(dst, src->buf + off, n);
        return SM_OK;
    }
    uint8_t *p = dst;
    while (n > 0) {
        ssize_t got = pread(src->fd, p, n, (off_t)off);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return sm_err_set(err, SM_E_IO, 500, SM_RULE_NONE,
                              "reading %zu bytes at offset %llu: %s", n, (unsigned long long)off,
                              got < 0 ? strerror(errno) : "end of file");
        }
        p += got;
        off += (uint64_t)got;
        n -= (size_t)got;
    }
    return SM_OK;
}

/* Point *out at file bytes [off, off + n), n <= limit - off, reading ahead up
 * to limit when the window must be refilled. */
static enum sm_code view(struct reader *r, uint64_t off, size_t n, uint64_t limit,
                         const uint8_t **out, struct sm_error *err)
{
    if (r->src->fd < 0) {
        *out = r->src->buf + off;
        return SM_OK;
    }
    if (off >= r->wstart && off + n <= r->wstart + r->wlen) {
        *out = r->win + (off - r->wstart);
        return SM_OK;
    }
    size_t want = n > WINDOW ? n : WINDOW;
    if (want > limit - off) {
        want = (size_t)(limit - off);
    }
    if (want > r->wcap) {
        uint8_t *nw = realloc(r->win, want);
        if (nw == NULL) {
            return sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_NONE, "no memory for a %zu-byte page",
                              want);
        }
        r->win = nw;
        r->wcap = want;
    }
    r->wlen = 0;
    enum sm_code rc = sm_pq_src_read(r->src, off, r->win, want, err);
    if (rc != SM_OK) {
        return rc;
    }
    r->wstart = off;
    r->wlen = want;
    *out = r->win;
    return SM_OK;
}

/* ---- a snappy prefix -------------------------------------------------- */

/*
 * Decode only the first bytes of a snappy stream, resumably, into a bounded
 * buffer: v1 pages keep their levels at the start of the compressed data, so
 * judging levels never needs the whole page (whose header may claim 2 GiB).
 * Called only on data snappy_validate_compressed_buffer accepted; still
 * checks every bound.
 */
struct snap_prefix {
    const uint8_t *in;
    size_t in_len, ipos;
    uint8_t *out;
    size_t cap, len;  /* out[0..len) decoded so far; never more than cap */
    size_t lit_left;  /* literal bytes still to copy from in[ipos] */
    size_t copy_left; /* copy bytes still to produce ... */
    size_t copy_off;  /* ... from this far back */
};

/* Read the length preamble; the caller then points out/cap at its buffer. */
static bool snap_start(struct snap_prefix *sp, const uint8_t *in, size_t n)
{
    *sp = (struct snap_prefix){.in = in, .in_len = n};
    for (unsigned shift = 0; sp->ipos < n && shift < 35; shift += 7) {
        if ((in[sp->ipos++] & 0x80) == 0) {
            return true;
        }
    }
    return false;
}

/* Little-endian value of the nb bytes at in[ipos], which the caller checked. */
static size_t snap_le(const struct snap_prefix *sp, size_t nb)
{
    size_t v = 0;
    for (size_t i = 0; i < nb; i++) {
        v |= (size_t)sp->in[sp->ipos + i] << (8 * i);
    }
    return v;
}

/* Read one element's tag (and its length or offset bytes) into lit_left or
 * copy_left/copy_off; false when the stream ends or the copy reaches back
 * before the start. */
static bool snap_tag(struct snap_prefix *sp)
{
    if (sp->ipos >= sp->in_len) {
        return false;
    }
    uint8_t tag = sp->in[sp->ipos++];
    size_t left = sp->in_len - sp->ipos;
    size_t nb; /* bytes after the tag */
    switch (tag & 3) {
    case 0: /* literal: length - 1 in the tag, or in 1..4 bytes after it */
        nb = (tag >> 2) >= 60 ? (size_t)(tag >> 2) - 59 : 0;
        if (nb > left) {
            return false;
        }
        sp->lit_left = (nb ? snap_le(sp, nb) : (size_t)(tag >> 2)) + 1;
        sp->ipos += nb;
        return true;
    case 1: /* copy: length 4..11, offset 11 bits */
        if (left < 1) {
            return false;
        }
        sp->copy_left = 4 + ((tag >> 2) & 7);
        sp->copy_off = ((size_t)(tag >> 5) << 8) | sp->in[sp->ipos++];
        break;
    default: /* copy: length 1..64, offset in 2 or 4 bytes */
        nb = (tag & 3) == 2 ? 2 : 4;
        if (left < nb) {
            return false;
        }
        sp->copy_left = 1 + (size_t)(tag >> 2);
        sp->copy_off = snap_le(sp, nb);
        sp->ipos += nb;
        break;
    }
    return sp->copy_off > 0 && sp->copy_off <= sp->len;
}

/* Decode until len >= want (want <= cap); false when the stream ends first
 * or is corrupt. */
static bool snap_more(struct snap_prefix *sp, size_t want)
{
    while (sp->len < want) {
        size_t room = want - sp->len;
        if (sp->lit_left > 0) {
            size_t k = sp->lit_left < room ? sp->lit_left : room;
            if (k > sp->in_len - sp->ipos) {
                return false;
            }
            memcpy(sp->out + sp->len, sp->in + sp->ipos, k);
            sp->ipos += k;
            sp->len += k;
            sp->lit_left -= k;
        } else if (sp->copy_left > 0) {
            size_t k = sp->copy_left < room ? sp->copy_left : room;
            for (size_t i = 0; i < k; i++, sp->len++) {
                sp->out[sp->len] = sp->out[sp->len - sp->copy_off];
            }
            sp->copy_left -= k;
        } else if (!snap_tag(sp)) {
            return false;
        }
    }
    return true;
}

/* ---- checks ------------------------------------------------------------ */

struct chunk_ctx {
    char column[160]; /* the leaf's dotted path, for messages */
    uint64_t start, end;
    int max_rep, max_def;
    int32_t codec;
    int64_t values; /* data page values seen */
    bool first_data_page_done;
    const struct sm_pq_limits *lim;
};

static enum sm_code page_fail(struct sm_error *err, const struct chunk_ctx *c, uint64_t at,
                              const char *what)
{
    return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                      "column '%s', page at byte %llu: %s", c->column, (unsigned long long)at,
                      what);
}

static int bit_width(int v)
{
    int w = 0;
    while (v > 0) {
        w++;
        v >>= 1;
    }
    return w;
}

/* What an RLE/bit-packed hybrid run of levels holds, read up to want levels. */
struct level_scan {
    uint64_t count; /* levels decoded (bit-packed groups count 8 each) */
    int first;      /* the first level; -1 when there is none */
    int bad;        /* a level above the maximum; -1 when none */
    bool overrun;   /* a run header or run runs past the bytes */
};

static unsigned level_at(const uint8_t *p, uint64_t k, int width)
{
    unsigned v = 0;
    for (int b = 0; b < width; b++) {
        uint64_t bit = k * (uint64_t)width + (uint64_t)b;
        v |= ((unsigned)(p[bit / 8] >> (bit % 8)) & 1u) << b;
    }
    return v;
}

/* A bit-packed run of groups x 8 levels at p (groups * width bytes, checked
 * by the caller): the first level, and any above max among the first need. */
static void scan_bitpacked(const uint8_t *p, uint64_t groups, int width, int max, bool all_valid,
                           uint64_t need, struct level_scan *o)
{
    uint64_t vals = groups * 8;
    uint64_t k_end = vals < need ? vals : need;
    if (k_end > 0 && o->first < 0) {
        o->first = (int)level_at(p, 0, width);
    }
    for (uint64_t k = 0; !all_valid && k < k_end; k++) {
        unsigned v = level_at(p, k, width);
        if ((int)v > max) {
            o->bad = (int)v;
            return;
        }
    }
    o->count += vals;
}

static void scan_levels(const uint8_t *p, size_t n, int max, uint64_t want, struct level_scan *o)
{
    int width = bit_width(max);
    bool all_valid = max == (1 << width) - 1; /* every width-bit value is a level */
    size_t pos = 0;
    *o = (struct level_scan){.first = -1, .bad = -1};
    if (width == 0) {
        o->count = want; /* no levels are stored for a maximum of 0 */
        return;
    }
    while (o->count < want && pos < n && o->bad < 0) {
        uint64_t h = 0;
        bool done = false;
        for (unsigned shift = 0; pos < n && shift < 63 && !done; shift += 7) {
            h |= (uint64_t)(p[pos] & 0x7f) << shift;
            done = (p[pos++] & 0x80) == 0;
        }
        if (!done) {
            o->overrun = true;
            return;
        }
        size_t vb = ((size_t)width + 7) / 8; /* an RLE run's value bytes */
        if ((h & 1) && (h >> 1) > (n - pos) / (size_t)width) {
            o->overrun = true; /* bit-packed: groups of 8 levels, width bytes each */
            return;
        }
        if (h & 1) {
            scan_bitpacked(p + pos, h >> 1, width, max, all_valid, want - o->count, o);
            pos += (size_t)((h >> 1) * (uint64_t)width);
            continue;
        }
        if (vb > n - pos) {
            o->overrun = true;
            return;
        }
        unsigned v = 0; /* RLE: a count and one value in ceil(width / 8) bytes */
        for (size_t i = 0; i < vb; i++) {
            v |= (unsigned)p[pos + i] << (8 * i);
        }
        pos += vb;
        if ((h >> 1) > 0 && o->first < 0) {
            o->first = (int)v;
        }
        if ((h >> 1) > 0 && (int)v > max) {
            o->bad = (int)v;
        }
        o->count += h >> 1;
    }
}

/* Judge one level section: enough levels for the page's values, none above
 * the maximum, and (first page of a repeated column) the first rep level 0. */
static enum sm_code judge_levels(const struct chunk_ctx *c, const uint8_t *p, size_t n, bool rep,
                                 int32_t num_values, bool first_page, uint64_t at,
                                 struct sm_error *err)
{
    const char *kind = rep ? "repetition" : "definition";
    int max = rep ? c->max_rep : c->max_def;
    struct level_scan sc;
    scan_levels(p, n, max, (uint64_t)num_values, &sc);
    char msg[160];
    if (sc.overrun) {
        (void)snprintf(msg, sizeof msg, "%s levels run past their %zu bytes", kind, n);
        return page_fail(err, c, at, msg);
    }
    if (sc.bad >= 0) {
        (void)snprintf(msg, sizeof msg, "%s level %d above the column's maximum %d", kind, sc.bad,
                       max);
        return page_fail(err, c, at, msg);
    }
    if (sc.count < (uint64_t)num_values) {
        (void)snprintf(msg, sizeof msg, "%llu %s levels for %d values",
                       (unsigned long long)sc.count, kind, (int)num_values);
        return page_fail(err, c, at, msg);
    }
    if (rep && first_page && sc.first > 0) {
        return page_fail(err, c, at,
                         "first repetition level is not 0: the chunk starts "
                         "inside a record");
    }
    return SM_OK;
}

static enum sm_code levels_v2(const struct chunk_ctx *c, const struct page_header *h,
                              const uint8_t *body, bool first_page, uint64_t at,
                              struct sm_error *err)
{
    size_t rep_len = (size_t)h->v2.rep_len, def_len = (size_t)h->v2.def_len;
    int32_t nv = h->v2.num_values;
    char msg[160];
    if (c->max_rep == 0 && rep_len > 0) {
        (void)snprintf(msg, sizeof msg,
                       "%zu bytes of repetition levels in a column that is not repeated", rep_len);
        return page_fail(err, c, at, msg);
    }
    if (c->max_def == 0 && def_len > 0) {
        (void)snprintf(msg, sizeof msg, "%zu bytes of definition levels in a REQUIRED column",
                       def_len);
        return page_fail(err, c, at, msg);
    }
    enum sm_code rc = SM_OK;
    if (nv > 0 && c->max_rep > 0) {
        rc = judge_levels(c, body, rep_len, true, nv, first_page, at, err);
    }
    if (rc == SM_OK && nv > 0 && c->max_def > 0) {
        rc = judge_levels(c, body + rep_len, def_len, false, nv, first_page, at, err);
    }
    return rc;
}

/* v1 levels: [u32 length][hybrid] for repetition, then for definition, at the
 * start of the (uncompressed) page data. got(need) makes the first need bytes
 * available at *p and says false when it cannot (page too short: *short_page;
 * or past what we decompress: judged no further). */
struct v1_src {
    const uint8_t *p;       /* the bytes available so far */
    size_t avail;           /* how many */
    size_t total;           /* the page's uncompressed size */
    struct snap_prefix *sp; /* NULL: p holds the whole page */
};

static bool v1_need(struct v1_src *v, size_t need)
{
    if (need > v->total) {
        return false;
    }
    if (need <= v->avail) {
        return true;
    }
    if (v->sp == NULL || need > v->sp->cap || !snap_more(v->sp, need)) {
        return false;
    }
    v->p = v->sp->out;
    v->avail = v->sp->len;
    return true;
}

static enum sm_code levels_v1(struct reader *r, const struct chunk_ctx *c,
                              const struct page_header *h, const uint8_t *body, bool first_page,
                              uint64_t at, struct sm_error *err)
{
    int32_t nv = h->v1.num_values;
    if (nv == 0 || (c->max_rep > 0 && h->v1.rep_encoding != SM_PQ_ENC_RLE) ||
        (c->max_def > 0 && h->v1.def_encoding != SM_PQ_ENC_RLE)) {
        return SM_OK; /* BIT_PACKED levels (deprecated): not judged */
    }
    struct snap_prefix sp;
    struct v1_src v = {.p = body, .avail = (size_t)h->compressed, .total = (size_t)h->uncompressed};
    if (c->codec == SM_PQ_SNAPPY) {
        if (r->scratch == NULL) {
            r->scratch = malloc(SM_PQ_LEVEL_SCRATCH);
            if (r->scratch == NULL) {
                return sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_NONE, "no memory to read levels");
            }
            r->scratch_cap = SM_PQ_LEVEL_SCRATCH;
        }
        if (!snap_start(&sp, body, (size_t)h->compressed)) {
            return page_fail(err, c, at, "snappy data has no valid length preamble");
        }
        sp.out = r->scratch;
        sp.cap = r->scratch_cap;
        v = (struct v1_src){.p = r->scratch, .avail = 0, .total = v.total, .sp = &sp};
    } else if (c->codec != SM_PQ_UNCOMPRESSED) {
        return SM_OK;
    }
    size_t off = 0;
    for (int pass = 0; pass < 2; pass++) {
        bool rep = pass == 0;
        if ((rep ? c->max_rep : c->max_def) == 0) {
            continue;
        }
        if (!v1_need(&v, off + 4)) {
            if (off + 4 > v.total) {
                return page_fail(err, c, at,
                                 rep ? "repetition levels overrun the page"
                                     : "definition levels overrun the page");
            }
            return SM_OK; /* beyond what we decompress to judge */
        }
        const uint8_t *q = v.p + off;
        size_t len = (size_t)q[0] | (size_t)q[1] << 8 | (size_t)q[2] << 16 | (size_t)q[3] << 24;
        if (len > v.total - off - 4) {
            return page_fail(err, c, at,
                             rep ? "repetition levels overrun the page"
                                 : "definition levels overrun the page");
        }
        if (!v1_need(&v, off + 4 + len)) {
            return SM_OK;
        }
        enum sm_code rc = judge_levels(c, v.p + off + 4, len, rep, nv, first_page, at, err);
        if (rc != SM_OK) {
            return rc;
        }
        off += 4 + len;
    }
    return SM_OK;
}

static enum sm_code check_body(struct reader *r, struct chunk_ctx *c, const struct page_header *h,
                               const uint8_t *body, uint64_t at, struct sm_pq_page_stats *st,
                               struct sm_error *err)
{
    size_t clen = (size_t)h->compressed;
    if (h->present & PH_CRC) {
        st->saw_crc = true;
        uLong crc = crc32(0L, Z_NULL, 0);
        const uint8_t *p = body;
        for (size_t left = clen; left > 0;) {
            uInt step = left > (1u << 30) ? (1u << 30) : (uInt)left;
            crc = crc32(crc, p, step);
            p += step;
            left -= step;
        }
        if ((uint32_t)crc != (uint32_t)h->crc) {
            return page_fail(err, c, at, "page CRC mismatch");
        }
    }
    size_t skip = 0; /* v2: levels are stored uncompressed ahead of the data */
    bool compressed = true;
    if (h->type == SM_PQ_DATA_PAGE_V2) {
        if (h->v2.def_len < 0 || h->v2.rep_len < 0 ||
            (size_t)h->v2.def_len + (size_t)h->v2.rep_len > clen ||
            h->v2.def_len + h->v2.rep_len > h->uncompressed) {
            return page_fail(err, c, at, "v2 level lengths exceed the page");
        }
        skip = (size_t)h->v2.def_len + (size_t)h->v2.rep_len;
        compressed = !(h->v2.present & V2_IS_COMPRESSED) || h->v2.is_compressed;
    }
    size_t want = (size_t)h->uncompressed - skip;
    if (c->codec == SM_PQ_SNAPPY && compressed && clen == skip && h->type == SM_PQ_DATA_PAGE_V2) {
        /* an empty compressed section: nothing after the levels (all values
         * null, or none); DuckDB and Arrow read these */
        if (want != 0) {
            char msg[160];
            (void)snprintf(msg, sizeof msg,
                           "empty snappy section for %zu uncompressed bytes after the levels",
                           want);
            return page_fail(err, c, at, msg);
        }
    } else if (c->codec == SM_PQ_SNAPPY && compressed) {
        size_t stated = 0;
        const char *data = (const char *)body + skip;
        if (snappy_uncompressed_length(data, clen - skip, &stated) != SNAPPY_OK) {
            return page_fail(err, c, at, "snappy data has no valid length preamble");
        }
        if (stated != want) {
            return page_fail(err, c, at,
                             "snappy data decompresses to a size other than the "
                             "page header states");
        }
        if (snappy_validate_compressed_buffer(data, clen - skip) != SNAPPY_OK) {
            return page_fail(err, c, at, "corrupt snappy data");
        }
    } else if (c->codec == SM_PQ_UNCOMPRESSED || !compressed) {
        if (clen != (size_t)h->uncompressed) {
            return page_fail(err, c, at,
                             "uncompressed page with differing compressed and "
                             "uncompressed sizes");
        }
    }
    bool data_page = h->type == SM_PQ_DATA_PAGE || h->type == SM_PQ_DATA_PAGE_V2;
    if (!data_page) {
        return SM_OK;
    }
    bool first_page = !c->first_data_page_done;
    c->first_data_page_done = true;
    if (h->type == SM_PQ_DATA_PAGE_V2) {
        return levels_v2(c, h, body, first_page, at, err);
    }
    if (c->max_rep > 0 || c->max_def > 0) {
        return levels_v1(r, c, h, body, first_page, at, err);
    }
    return SM_OK;
}

static enum sm_code read_header(struct reader *r, struct chunk_ctx *c, uint64_t pos,
                                struct page_header *h, size_t *hlen, struct sm_error *err)
{
    size_t tries[] = {64u * 1024u, SM_PQ_MAX_PAGE_HEADER};
    enum sm_code rc = SM_OK;
    for (size_t t = 0; t < 2; t++) {
        size_t n = c->end - pos < tries[t] ? (size_t)(c->end - pos) : tries[t];
        const uint8_t *p = NULL;
        rc = view(r, pos, n, c->end, &p, err);
        if (rc != SM_OK) {
            return rc;
        }
        struct sm_tc tc;
        sm_tc_init(&tc, p, n, pos, "page header", NULL, err);
        *h = (struct page_header){0};
        rc = sm_tc_read_struct(&tc, &page_desc, h);
        if (rc == SM_OK) {
            *hlen = tc.pos;
            return SM_OK;
        }
        if (n == (size_t)(c->end - pos)) {
            break; /* saw everything there is: a real malformation */
        }
    }
    sm_err_prefix(err, "column '%s': ", c->column);
    return rc;
}

static enum sm_code check_header(const struct chunk_ctx *c, const struct page_header *h,
                                 uint64_t at, struct sm_error *err)
{
    if (h->uncompressed < 0 || h->compressed < 0) {
        return page_fail(err, c, at, "negative page size");
    }
    char msg[160];
    if ((uint64_t)h->compressed > c->lim->max_page_compressed) {
        (void)snprintf(msg, sizeof msg,
                       "page of %d compressed bytes, over the limit of %llu "
                       "(max_page_compressed)",
                       (int)h->compressed, (unsigned long long)c->lim->max_page_compressed);
        return page_fail(err, c, at, msg);
    }
    if ((uint64_t)h->uncompressed > c->lim->max_page_uncompressed) {
        (void)snprintf(msg, sizeof msg,
                       "page of %d uncompressed bytes, over the limit of %llu "
                       "(max_page_uncompressed)",
                       (int)h->uncompressed, (unsigned long long)c->lim->max_page_uncompressed);
        return page_fail(err, c, at, msg);
    }
    switch (h->type) {
    case SM_PQ_DATA_PAGE:
        if (!(h->present & PH_V1) || h->v1.num_values < 0) {
            return page_fail(err, c, at, "data page header missing or with negative num_values");
        }
        return SM_OK;
    case SM_PQ_DATA_PAGE_V2:
        if (!(h->present & PH_V2) || h->v2.num_values < 0 || h->v2.num_nulls < 0 ||
            h->v2.num_rows < 0) {
            return page_fail(err, c, at, "v2 data page header missing or with negative counts");
        }
        return SM_OK;
    case SM_PQ_DICTIONARY_PAGE:
        if (!(h->present & PH_DICT) || h->dict.num_values < 0) {
            return page_fail(err, c, at,
                             "dictionary page header missing or with negative num_values");
        }
        return SM_OK;
    case SM_PQ_INDEX_PAGE:
        return SM_OK;
    default:
        return page_fail(err, c, at, "unknown page type");
    }
}

static enum sm_code walk_chunk(struct reader *r, struct chunk_ctx *c, int64_t expect_values,
                               struct sm_pq_page_stats *st, struct sm_error *err)
{
    uint64_t pos = c->start;
    while (pos < c->end) {
        struct page_header h;
        size_t hlen = 0;
        enum sm_code rc = read_header(r, c, pos, &h, &hlen, err);
        if (rc == SM_OK) {
            rc = check_header(c, &h, pos, err);
        }
        if (rc != SM_OK) {
            return rc;
        }
        uint64_t body_at = pos + hlen;
        if ((uint64_t)h.compressed > c->end - body_at) {
            return page_fail(err, c, pos, "page runs past the end of its column chunk");
        }
        const uint8_t *body = NULL;
        rc = view(r, body_at, (size_t)h.compressed, c->end, &body, err);
        if (rc == SM_OK) {
            /* body is a view into r->win (freed once, at the end of the walk) */
            /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
            rc = check_body(r, c, &h, body, pos, st, err);
        }
        if (rc != SM_OK) {
            return rc;
        }
        if (h.type == SM_PQ_DATA_PAGE) {
            c->values += h.v1.num_values;
        } else if (h.type == SM_PQ_DATA_PAGE_V2) {
            c->values += h.v2.num_values;
        }
        st->pages++;
        pos = body_at + (uint64_t)h.compressed;
    }
    if (c->values != expect_values) {
        char msg[160];
        (void)snprintf(msg, sizeof msg, "pages hold %lld values, the footer says %lld",
                       (long long)c->values, (long long)expect_values);
        return page_fail(err, c, c->start, msg);
    }
    return SM_OK;
}

static enum sm_code chunk_bounds(const struct sm_pq_column_meta *m, uint64_t data_end,
                                 struct chunk_ctx *c, struct sm_error *err)
{
    uint64_t start = (uint64_t)m->data_page_offset;
    if ((m->present & SM_PQ_CMP_DICTIONARY_PAGE_OFFSET) && m->dictionary_page_offset > 0 &&
        m->dictionary_page_offset < m->data_page_offset) {
        start = (uint64_t)m->dictionary_page_offset;
    }
    uint64_t len = (uint64_t)m->total_compressed_size;
    if (start < SM_PQ_MAGIC_LEN || start > data_end || len > data_end - start) {
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                          "column '%s': chunk at byte %llu of %llu bytes lies outside the data "
                          "(which ends at byte %llu)",
                          c->column, (unsigned long long)start, (unsigned long long)len,
                          (unsigned long long)data_end);
    }
    c->start = start;
    c->end = start + len;
    return SM_OK;
}

enum sm_code sm_pq_pages_check(const struct sm_pq_src *src, const struct sm_pq_file_meta *md,
                               const struct sm_pq_schema *schema, const struct sm_pq_limits *lim,
                               uint64_t data_end, struct sm_pq_page_stats *st, struct sm_error *err)
{
    struct reader r = {.src = src};
    enum sm_code rc = SM_OK;
    size_t leaves = sm_pq_schema_leaf_count(schema);
    for (uint32_t g = 0; rc == SM_OK && g < md->n_row_groups; g++) {
        const struct sm_pq_row_group *rg = &md->row_groups[g];
        if (rg->n_columns != leaves) {
            rc = sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                            "row group %u has %u column chunks for %zu leaf columns", g,
                            rg->n_columns, leaves);
            break;
        }
        for (uint32_t k = 0; rc == SM_OK && k < rg->n_columns; k++) {
            const struct sm_pq_column_chunk *cc = &rg->columns[k];
            if (!(cc->present & SM_PQ_CCP_META) || cc->file_path.p != NULL ||
                (cc->meta.num_values == 0 && rg->num_rows == 0)) {
                continue; /* encrypted, in another file, or empty: nothing to walk here */
            }
            struct chunk_ctx c = {.codec = cc->meta.codec, .lim = lim};
            (void)sm_pq_schema_path(schema, sm_pq_schema_leaf_element(schema, k), c.column,
                                    sizeof c.column);
            sm_pq_schema_leaf_levels(schema, k, &c.max_def, &c.max_rep);
            rc = chunk_bounds(&cc->meta, data_end, &c, err);
            if (rc == SM_OK && c.max_rep == 0 && cc->meta.num_values != rg->num_rows) {
                rc = sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                                "column '%s' in row group %u holds %lld values for %lld rows",
                                c.column, g, (long long)cc->meta.num_values,
                                (long long)rg->num_rows);
            }
            if (rc == SM_OK) {
                rc = walk_chunk(&r, &c, cc->meta.num_values, st, err);
            }
        }
    }
    free(r.win);
    free(r.scratch);
    return rc;
}
