/*
 * check.c - the verdict on one parquet file, in the order the corpus and
 * RULES.md give: magic at both ends, footer length, footer decodes (enums in
 * range, schema a tree), not encrypted, every column chunk's codec accepted,
 * then (deep mode) every page.
 *
 * What: sm_pq_check_fd / sm_pq_check_buf and the accessors of the parsed
 * file. Rejections carry rule "parquet-only" or "codec", HTTP status 400 and
 * a message naming the offending thing (the codec and column; the byte where
 * the footer stopped making sense; "encrypted").
 * Design: the file is read through struct sm_pq_src: the 8-byte tail, the
 * 4-byte head, the footer (copied once; the model's strings point into that
 * copy), then pages.c's window. The parsed footer lives in an arena capped at
 * 4x the footer size + 16 MiB, so a hostile footer cannot ask for unbounded
 * memory; struct sm_pq_limits caps counts, names, depth and pages. The
 * budget as a whole is in docs/PARQUET.md "Memory".
 * Not here: schema comparison between files (schema.c), HTTP (the server).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_int.h"

struct sm_pq_file {
    uint8_t *footer;
    size_t footer_len;
    struct sm_arena arena;
    struct sm_pq_file_meta md;
    struct sm_pq_schema *schema;
    unsigned codecs;
    size_t codec_chunks[SM_PQ_CODEC_MAX + 1];
    bool page_crcs;
};

static const char *const codec_names[] = {
    "UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW",
};

const char *sm_pq_codec_name(unsigned codec)
{
    return codec <= SM_PQ_CODEC_MAX ? codec_names[codec] : "UNKNOWN";
}

void sm_pq_options_init(struct sm_pq_options *opt)
{
    opt->deep = true;
    opt->codecs = SM_PQ_CODECS_DEFAULT;
    sm_pq_limits_resolve(NULL, &opt->limits);
}

static uint64_t or_default(uint64_t v, uint64_t def)
{
    return v != 0 ? v : def;
}

void sm_pq_limits_resolve(const struct sm_pq_limits *in, struct sm_pq_limits *out)
{
    struct sm_pq_limits zero = {0};
    const struct sm_pq_limits *l = in != NULL ? in : &zero;
    struct sm_pq_limits r = {
        .max_schema_elements =
            or_default(l->max_schema_elements, SM_PQ_DEFAULT_MAX_SCHEMA_ELEMENTS),
        .max_columns = or_default(l->max_columns, SM_PQ_DEFAULT_MAX_COLUMNS),
        .max_depth = or_default(l->max_depth, SM_PQ_DEFAULT_MAX_DEPTH),
        .max_name_length = or_default(l->max_name_length, SM_PQ_DEFAULT_MAX_NAME_LENGTH),
        .max_page_compressed =
            or_default(l->max_page_compressed, SM_PQ_DEFAULT_MAX_PAGE_COMPRESSED),
        .max_page_uncompressed =
            or_default(l->max_page_uncompressed, SM_PQ_DEFAULT_MAX_PAGE_UNCOMPRESSED),
    };
    if (r.max_depth > SM_PQ_MAX_DEPTH) {
        r.max_depth = SM_PQ_MAX_DEPTH;
    }
    *out = r;
}

void sm_pq_file_free(struct sm_pq_file *f)
{
    if (f == NULL) {
        return;
    }
    sm_pq_schema_free(f->schema);
    sm_arena_cleanup(&f->arena);
    free(f->footer);
    free(f);
}

int64_t sm_pq_file_rows(const struct sm_pq_file *f)
{
    return f->md.num_rows;
}

size_t sm_pq_file_row_groups(const struct sm_pq_file *f)
{
    return f->md.n_row_groups;
}

size_t sm_pq_file_leaf_columns(const struct sm_pq_file *f)
{
    return f->schema ? sm_pq_schema_leaf_count(f->schema) : 0;
}

unsigned sm_pq_file_codecs(const struct sm_pq_file *f)
{
    return f->codecs;
}

size_t sm_pq_file_codec_chunks(const struct sm_pq_file *f, unsigned codec)
{
    return codec <= SM_PQ_CODEC_MAX ? f->codec_chunks[codec] : 0;
}

bool sm_pq_file_has_page_crcs(const struct sm_pq_file *f)
{
    return f->page_crcs;
}

const struct sm_pq_schema *sm_pq_file_schema(const struct sm_pq_file *f)
{
    return f->schema;
}

static void hex4(const uint8_t *p, char *out, size_t size)
{
    (void)snprintf(out, size, "%02x %02x %02x %02x", p[0], p[1], p[2], p[3]);
}

/* Magic, tail and footer length; on success *footer_len is in range. */
static enum sm_code check_frame(const struct sm_pq_src *src, uint32_t *footer_len,
                                struct sm_error *err)
{
    if (src->size < 2 * SM_PQ_MAGIC_LEN + 4) {
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                          "not a parquet file: %llu bytes is too short (a parquet file has at "
                          "least 12: PAR1, footer length, PAR1)",
                          (unsigned long long)src->size);
    }
    uint8_t head[4], tail[8];
    enum sm_code rc = sm_pq_src_read(src, 0, head, sizeof head, err);
    if (rc == SM_OK) {
        rc = sm_pq_src_read(src, src->size - 8, tail, sizeof tail, err);
    }
    if (rc != SM_OK) {
        return rc;
    }
    if (memcmp(head, SM_PQ_MAGIC_ENCRYPTED, 4) == 0 ||
        memcmp(tail + 4, SM_PQ_MAGIC_ENCRYPTED, 4) == 0) {
        return sm_err_set(err, SM_E_UNSUPPORTED, 400, SM_RULE_PARQUET_ONLY,
                          "encrypted parquet file (PARE magic, encrypted footer): encrypted files "
                          "are not accepted");
    }
    char hex[16];
    if (memcmp(head, SM_PQ_MAGIC, 4) != 0) {
        hex4(head, hex, sizeof hex);
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                          "not a parquet file: the first 4 bytes are %s, not PAR1", hex);
    }
    if (memcmp(tail + 4, SM_PQ_MAGIC, 4) != 0) {
        hex4(tail + 4, hex, sizeof hex);
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                          "not a parquet file: the last 4 bytes are %s, not PAR1", hex);
    }
    uint32_t len = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
                   (uint32_t)tail[3] << 24;
    if (len == 0 || len > src->size - 12 || len > SM_PQ_MAX_FOOTER) {
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                          "footer length %u out of range: the file has %llu bytes between the "
                          "magics (limit %u)",
                          len, (unsigned long long)(src->size - 12), SM_PQ_MAX_FOOTER);
    }
    *footer_len = len;
    return SM_OK;
}

static void chunk_path(const struct sm_pq_column_meta *m, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < m->n_path && used + 1 < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%.*s", i ? "." : "", (int)m->path[i].n,
                         (const char *)m->path[i].p);
        if (n < 0) {
            break;
        }
        used += (size_t)n;
    }
}

/* Encryption markers, then codec policy, chunk by chunk in file order. */
static enum sm_code check_chunks(struct sm_pq_file *f, unsigned accepted, struct sm_error *err)
{
    const struct sm_pq_file_meta *md = &f->md;
    for (uint32_t g = 0; g < md->n_row_groups; g++) {
        const struct sm_pq_row_group *rg = &md->row_groups[g];
        for (uint32_t k = 0; k < rg->n_columns; k++) {
            const struct sm_pq_column_chunk *cc = &rg->columns[k];
            if (cc->present & SM_PQ_CCP_META) {
                unsigned codec = (unsigned)cc->meta.codec;
                f->codecs |= SM_PQ_CODEC_BIT(codec);
                f->codec_chunks[codec]++;
            }
        }
    }
    if (md->encryption_present) {
        return sm_err_set(err, SM_E_UNSUPPORTED, 400, SM_RULE_PARQUET_ONLY,
                          "encrypted parquet file (plaintext footer with encryption_algorithm): "
                          "encrypted files are not accepted");
    }
    for (uint32_t g = 0; g < md->n_row_groups; g++) {
        const struct sm_pq_row_group *rg = &md->row_groups[g];
        for (uint32_t k = 0; k < rg->n_columns; k++) {
            const struct sm_pq_column_chunk *cc = &rg->columns[k];
            if (cc->crypto_present || (cc->present & SM_PQ_CCP_ENCRYPTED_META) ||
                !(cc->present & SM_PQ_CCP_META)) {
                return sm_err_set(err, SM_E_UNSUPPORTED, 400, SM_RULE_PARQUET_ONLY,
                                  "encrypted parquet file (row group %u column %u carries "
                                  "encryption metadata): encrypted files are not accepted",
                                  g, k);
            }
        }
    }
    for (uint32_t g = 0; g < md->n_row_groups; g++) {
        const struct sm_pq_row_group *rg = &md->row_groups[g];
        for (uint32_t k = 0; k < rg->n_columns; k++) {
            const struct sm_pq_column_meta *m = &rg->columns[k].meta;
            if ((accepted & SM_PQ_CODEC_BIT(m->codec)) == 0) {
                char path[160];
                chunk_path(m, path, sizeof path);
                return sm_err_set(err, SM_E_UNSUPPORTED, 400, SM_RULE_CODEC,
                                  "column '%s' (row group %u) is compressed with %s; only "
                                  "UNCOMPRESSED and SNAPPY are accepted",
                                  path, g, sm_pq_codec_name((unsigned)m->codec));
            }
        }
    }
    return SM_OK;
}

static enum sm_code check_src(const struct sm_pq_src *src, const struct sm_pq_options *opt,
                              struct sm_pq_file **out, struct sm_error *err)
{
    struct sm_pq_options defaults;
    if (opt == NULL) {
        sm_pq_options_init(&defaults);
        opt = &defaults;
    }
    unsigned accepted = opt->codecs ? opt->codecs : SM_PQ_CODECS_DEFAULT;
    struct sm_pq_limits lim;
    sm_pq_limits_resolve(&opt->limits, &lim);
    if (out != NULL) {
        *out = NULL;
    }
    uint32_t flen = 0;
    enum sm_code rc = check_frame(src, &flen, err);
    if (rc != SM_OK) {
        return rc;
    }
    struct sm_pq_file *f = calloc(1, sizeof *f);
    if (f == NULL || (f->footer = malloc((size_t)flen + 1)) == NULL) {
        free(f);
        return sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_NONE, "no memory for a %u-byte footer",
                          flen);
    }
    f->footer_len = flen;
    sm_arena_init(&f->arena, (size_t)flen * SM_PQ_ARENA_FACTOR + SM_PQ_ARENA_EXTRA);
    uint64_t footer_at = src->size - 8 - flen;
    rc = sm_pq_src_read(src, footer_at, f->footer, flen, err);
    if (rc == SM_OK) {
        rc = sm_pq_footer_parse_lim(f->footer, flen, footer_at, &lim, &f->arena, &f->md, err);
    }
    if (rc != SM_OK) {
        sm_pq_file_free(f);
        return rc;
    }
    rc = sm_pq_schema_build_lim(&f->md, &lim, &f->schema, err);
    if (rc != SM_OK) {
        sm_pq_file_free(f);
        return rc;
    }
    rc = check_chunks(f, accepted, err);
    if (rc == SM_OK && opt->deep) {
        struct sm_pq_page_stats st = {0};
        rc = sm_pq_pages_check(src, &f->md, f->schema, &lim, footer_at, &st, err);
        f->page_crcs = st.saw_crc;
    }
    if (out != NULL) {
        *out = f;
    } else {
        sm_pq_file_free(f);
    }
    return rc;
}

enum sm_code sm_pq_check_fd(int fd, uint64_t size, const struct sm_pq_options *opt,
                            struct sm_pq_file **out, struct sm_error *err)
{
    struct sm_pq_src src = {.fd = fd, .buf = NULL, .size = size};
    return check_src(&src, opt, out, err);
}

enum sm_code sm_pq_check_buf(const uint8_t *buf, size_t len, const struct sm_pq_options *opt,
                             struct sm_pq_file **out, struct sm_error *err)
{
    struct sm_pq_src src = {.fd = -1, .buf = buf, .size = len};
    return check_src(&src, opt, out, err);
}
