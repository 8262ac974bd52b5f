/*
 * parquet.h - the parquet reader behind the `parquet-only`, `codec` and
 * `same-schema` rules: a verdict on one file, its footer facts, and its schema.
 *
 * The reader works from a file descriptor (pread) or a memory buffer and reads
 * only the tail, the footer and (in deep mode) page headers and the bytes of
 * compressed pages, one page at a time: never the whole file. Objects returned
 * by _open/_dup are owned by the caller and released with the matching _free;
 * _free(NULL) is a no-op. Everything here is reentrant: no shared state, so
 * any number of threads may check files at once.
 */
#ifndef STAGEMOCK_PARQUET_H
#define STAGEMOCK_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stagemock/error.h"
#include "stagemock/parquet_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Limits on what one file may ask of the reader (docs/PARQUET.md "Limits").
 * A file over a limit is refused with SM_E_MALFORMED, rule "parquet-only",
 * status 400 and a message naming the limit and the value, e.g. "schema has
 * 1000001 elements, over the limit of 100000 (max_schema_elements)".
 * 0 in any field means that limit's default (SM_PQ_DEFAULT_*).
 */
struct sm_pq_limits {
    uint64_t max_schema_elements;   /* schema elements, the root included */
    uint64_t max_columns;           /* leaf columns; also column chunks per row group */
    uint64_t max_depth;             /* schema nesting below the root, at most SM_PQ_MAX_DEPTH */
    uint64_t max_name_length;       /* bytes in one schema element's name */
    uint64_t max_page_compressed;   /* a page's compressed_page_size */
    uint64_t max_page_uncompressed; /* a page's uncompressed_page_size */
};
#define SM_PQ_DEFAULT_MAX_SCHEMA_ELEMENTS   200000u
#define SM_PQ_DEFAULT_MAX_COLUMNS           100000u
#define SM_PQ_DEFAULT_MAX_DEPTH             128u
#define SM_PQ_MAX_DEPTH                     1024u /* max_depth cannot go higher */
#define SM_PQ_DEFAULT_MAX_NAME_LENGTH       65536u
#define SM_PQ_DEFAULT_MAX_PAGE_COMPRESSED   (512ull << 20)
#define SM_PQ_DEFAULT_MAX_PAGE_UNCOMPRESSED (1ull << 30)

struct sm_pq_options {
    bool deep;       /* walk every page header and check pages (RULES.md default: true) */
    unsigned codecs; /* accepted codecs, a mask of SM_PQ_CODEC_BIT(); 0 means the default */
    struct sm_pq_limits limits; /* zeroes mean the defaults */
};

/* Defaults: deep on, codecs SM_PQ_CODECS_DEFAULT (UNCOMPRESSED and SNAPPY),
 * every limit at its default. */
SM_API void sm_pq_options_init(struct sm_pq_options *opt);

/* *out = *in with every 0 replaced by its default and max_depth clamped to
 * SM_PQ_MAX_DEPTH (in may be NULL: all defaults). */
SM_API void sm_pq_limits_resolve(const struct sm_pq_limits *in, struct sm_pq_limits *out);

struct sm_pq_file;   /* a parsed footer: facts, row groups, schema */
struct sm_pq_schema; /* a flattened schema, comparable as RULES.md defines */

/*
 * Judge the file in fd (size bytes, read with pread, the offset untouched) or
 * in buf[0..len). opt NULL means defaults.
 * Returns SM_OK when the file is accepted. A rejection returns SM_E_MALFORMED
 * (rule "parquet-only": bad magic, footer length out of range, footer that
 * does not decode - the message gives the byte offset - or a page that fails
 * a deep check), or SM_E_UNSUPPORTED (rule "codec", naming the codec and the
 * column; or rule "parquet-only" for an encrypted file, saying "encrypted").
 * SM_E_IO for a read error, SM_E_NOMEM when memory runs out.
 * out may be NULL. Otherwise *out receives the parsed file whenever the
 * footer decoded, even when the verdict is a rejection (so a caller can still
 * report codecs and schema), and NULL when it did not; the caller frees it.
 */
SM_API SM_NODISCARD enum sm_code sm_pq_check_fd(int fd, uint64_t size,
                                                const struct sm_pq_options *opt,
                                                struct sm_pq_file **out, struct sm_error *err);
SM_API SM_NODISCARD enum sm_code sm_pq_check_buf(const uint8_t *buf, size_t len,
                                                 const struct sm_pq_options *opt,
                                                 struct sm_pq_file **out, struct sm_error *err);

SM_API void sm_pq_file_free(struct sm_pq_file *f);

/* Footer facts. The schema is borrowed: valid until sm_pq_file_free(f). */
SM_API int64_t sm_pq_file_rows(const struct sm_pq_file *f);
SM_API size_t sm_pq_file_row_groups(const struct sm_pq_file *f);
SM_API size_t sm_pq_file_leaf_columns(const struct sm_pq_file *f);
SM_API unsigned sm_pq_file_codecs(const struct sm_pq_file *f); /* mask of codecs used */
SM_API size_t sm_pq_file_codec_chunks(const struct sm_pq_file *f, unsigned codec);
SM_API bool sm_pq_file_has_page_crcs(const struct sm_pq_file *f); /* seen in deep mode */
SM_API const struct sm_pq_schema *sm_pq_file_schema(const struct sm_pq_file *f);

/* "SNAPPY", "ZSTD", ...; "CODEC(<n>)" style text is never returned: unknown
 * values give "UNKNOWN". */
SM_API const char *sm_pq_codec_name(unsigned codec);

/* The words of our schema text (docs/PARQUET.md): "int64", "optional",
 * "UTF8", "MILLIS"; "?" for a value outside the format. The fixture
 * generator writes its manifests with these too, so reader and writer can
 * never spell one schema two ways. */
SM_API const char *sm_pq_type_name(int type);
SM_API const char *sm_pq_repetition_name(int repetition);
SM_API const char *sm_pq_converted_name(int converted);
SM_API const char *sm_pq_time_unit_name(int unit);

/* A logical type as the schema text prints it. The reader fills one from a
 * footer's element, the fixture writer's schema nodes carry one, and both
 * print it with sm_pq_logical_format, so the two cannot drift. */
struct sm_pq_logical_desc {
    int kind;             /* enum sm_pq_logical; SM_PQ_LT_NONE prints nothing */
    int precision, scale; /* DECIMAL */
    int unit;             /* TIME, TIMESTAMP: enum sm_pq_time_unit */
    bool utc;             /* TIME, TIMESTAMP: isAdjustedToUTC */
    int bit_width;        /* INTEGER */
    bool is_signed;       /* INTEGER */
    const char *crs;      /* GEOMETRY, GEOGRAPHY: NULL when absent */
    int algorithm;        /* GEOGRAPHY: edge interpolation, -1 when absent */
};

/* The logical type's text in buf (size > 0; cut to fit, always terminated):
 * "" for none, "STRING", "DECIMAL(9,2)", "TIMESTAMP(MILLIS,utc)",
 * "INT(8,signed)", "GEOMETRY(crs)", "GEOGRAPHY(crs,SPHERICAL)" (a CRS longer
 * than 64 bytes printed as "sha1:" and the first 10 hex digits of its SHA-1),
 * "LOGICAL(n)" for a kind we have no name for. */
SM_API void sm_pq_logical_format(const struct sm_pq_logical_desc *lt, char *buf, size_t size);

/* A copy the caller owns (e.g. a stage keeps its first file's schema);
 * NULL on allocation failure. */
SM_API struct sm_pq_schema *sm_pq_schema_dup(const struct sm_pq_schema *s);
SM_API void sm_pq_schema_free(struct sm_pq_schema *s);

/*
 * Compare an upload's schema with the stage's, as RULES.md defines equality:
 * the flattened elements in order, each element's name, physical type, type
 * length, repetition, child count, converted and logical type, scale and
 * precision; the root's name and field ids ignored.
 * Returns SM_OK when equal, else SM_E_MISMATCH with rule "same-schema" and a
 * message naming the first difference: the column path, what the stage has,
 * what the upload has.
 */
SM_API SM_NODISCARD enum sm_code sm_pq_schema_compare(const struct sm_pq_schema *stage,
                                                      const struct sm_pq_schema *upload,
                                                      struct sm_error *err);

/*
 * The schema as text, in ../shared/corpus/manifest.json's `schema` notation:
 * elements under the root, `repetition type name (CONVERTED|LOGICAL)`, groups
 * as `{ ... }`, separated by "; ". NULL on allocation failure; free with sm_free.
 */
SM_API char *sm_pq_schema_format(const struct sm_pq_schema *s);

#ifdef __cplusplus
}
#endif
#endif
