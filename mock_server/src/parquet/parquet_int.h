/*
 * parquet_int.h - private to the parquet reader: the Thrift compact cursor,
 * the table-driven struct decoder, the arena, and the footer model that
 * footer.c builds and schema.c, pages.c and check.c read.
 *
 * Ownership: every footer object lives in one arena owned by struct
 * sm_pq_file; byte views (struct sm_tc_bin) point into the file's own copy of
 * the footer bytes. Nothing here is thread-shared.
 */
#ifndef SM_PARQUET_INT_H
#define SM_PARQUET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stagemock/error.h"
#include "stagemock/parquet.h"

#define SM_TC_MAX_DEPTH       32          /* footers nest about 6 deep; generous */
#define SM_PQ_MAX_FOOTER      (64u << 20) /* a footer larger than this is refused */
#define SM_PQ_MAX_PAGE_HEADER (16u << 20) /* statistics can be large, not larger */
#define SM_PQ_ARENA_FACTOR    4           /* arena cap = factor x footer + extra */
#define SM_PQ_ARENA_EXTRA     (16u << 20)
#define SM_PQ_LEVEL_SCRATCH   (1u << 20) /* decompressed v1 level bytes judged per page */

/* ---- arena ------------------------------------------------------------ */

struct sm_arena_block;
struct sm_arena {
    struct sm_arena_block *head;
    size_t used;   /* bytes handed out so far */
    size_t cap;    /* refuse to go past this */
    bool over_cap; /* the last refusal was the cap's, not malloc's */
};
void sm_arena_init(struct sm_arena *a, size_t cap);
void sm_arena_cleanup(struct sm_arena *a);
/* Zeroed memory, aligned for any type; NULL when the cap or malloc says no. */
void *sm_arena_alloc(struct sm_arena *a, size_t n);

/* ---- Thrift compact cursor -------------------------------------------- */

struct sm_tc_bin {
    const uint8_t *p;
    uint32_t n;
};

/* A cap on the element count of a list field (sm_tc_field.limit), checked
 * from the list header before anything is allocated. */
struct sm_tc_limit {
    uint64_t max;
    const char *owner; /* "schema" */
    const char *noun;  /* "elements" */
    const char *name;  /* "max_schema_elements" */
};

struct sm_tc {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    unsigned depth;
    uint64_t base;    /* file offset of buf[0], so messages give file offsets */
    const char *what; /* "footer" or "page header", for messages */
    struct sm_arena *arena;
    struct sm_error *err;
    const struct sm_tc_limit *limits; /* indexed by sm_tc_field.limit - 1 */
    size_t n_limits;
};

void sm_tc_init(struct sm_tc *tc, const uint8_t *buf, size_t len, uint64_t base, const char *what,
                struct sm_arena *arena, struct sm_error *err);
/* Record a parquet-only malformation at the cursor: "<what> byte N: msg". */
enum sm_code sm_tc_fail(struct sm_tc *tc, const char *fmt, ...) SM_PRINTF(2, 3);
SM_NODISCARD enum sm_code sm_tc_read_varint(struct sm_tc *tc, uint64_t *v);
SM_NODISCARD enum sm_code sm_tc_read_i32(struct sm_tc *tc, int32_t *v);
SM_NODISCARD enum sm_code sm_tc_read_i64(struct sm_tc *tc, int64_t *v);
SM_NODISCARD enum sm_code sm_tc_read_binary(struct sm_tc *tc, struct sm_tc_bin *out);
SM_NODISCARD enum sm_code sm_tc_read_list_header(struct sm_tc *tc, uint8_t *elem_type,
                                                 uint32_t *count);
/* Skip one value of a compact type, recursing into containers (depth-capped). */
SM_NODISCARD enum sm_code sm_tc_skip(struct sm_tc *tc, uint8_t type);

/*
 * Table-driven struct decoding. A struct is described by a static const
 * sm_tc_desc: its C size, where its "present" bitmask lives, and one
 * sm_tc_field per known field id. Unknown ids are skipped; a known id with the
 * wrong wire type, or a missing required field, is a malformation.
 */
enum sm_tc_kind {
    SM_TC_K_I32,         /* int32_t at off (i8/i16/i32 on the wire) */
    SM_TC_K_I64,         /* int64_t at off */
    SM_TC_K_BOOL,        /* bool at off */
    SM_TC_K_BIN,         /* struct sm_tc_bin at off */
    SM_TC_K_STRUCT,      /* nested struct inline at off, described by sub */
    SM_TC_K_LIST_STRUCT, /* pointer at off to an arena array of sub; uint32_t count at aux */
    SM_TC_K_LIST_BIN,    /* pointer at off to sm_tc_bin[]; uint32_t count at aux */
    SM_TC_K_LIST_I32,    /* pointer at off to int32_t[]; uint32_t count at aux */
    SM_TC_K_CUSTOM,      /* fn decodes the value into the object at off */
};

struct sm_tc_desc;
struct sm_tc_field {
    int16_t id;
    uint8_t kind; /* enum sm_tc_kind */
    bool required;
    uint8_t limit; /* lists: 1-based index into sm_tc.limits; 0 for none */
    const char *name;
    size_t off;
    size_t aux;
    const struct sm_tc_desc *sub;
    enum sm_code (*fn)(struct sm_tc *tc, uint8_t type, void *dst);
};

struct sm_tc_desc {
    const char *name;
    size_t size;
    size_t present_off; /* uint32_t bitmask: bit i set when fields[i] was seen */
    const struct sm_tc_field *fields;
    size_t n_fields;
};

SM_NODISCARD enum sm_code sm_tc_read_struct(struct sm_tc *tc, const struct sm_tc_desc *desc,
                                            void *obj);
/* A Thrift union: *which gets the id of the member that is set (0: none).
 * members[id] describes member id's struct (decoded into *member); members
 * not described are skipped but still reported in *which. */
SM_NODISCARD enum sm_code sm_tc_read_union(struct sm_tc *tc,
                                           const struct sm_tc_desc *const *members,
                                           size_t n_members, int32_t *which, void *member);

/* ---- footer model ----------------------------------------------------- */

struct sm_pq_logical_type {
    int32_t kind; /* enum sm_pq_logical member id; SM_PQ_LT_NONE when absent */
    int32_t dec_scale, dec_precision;
    bool utc;
    int32_t unit; /* enum sm_pq_time_unit */
    int32_t bit_width;
    bool is_signed;
    struct sm_tc_bin crs; /* GEOMETRY / GEOGRAPHY */
    int32_t algorithm;    /* GEOGRAPHY; -1 when absent */
};

struct sm_pq_element {
    uint32_t present;
    int32_t type;
    int32_t type_length;
    int32_t repetition;
    struct sm_tc_bin name;
    int32_t num_children;
    int32_t converted;
    int32_t scale;
    int32_t precision;
    int32_t field_id;
    struct sm_pq_logical_type logical;
};
/* bit numbers in sm_pq_element.present, in field-table order */
enum {
    SM_PQ_EP_TYPE = 1u << 0,
    SM_PQ_EP_TYPE_LENGTH = 1u << 1,
    SM_PQ_EP_REPETITION = 1u << 2,
    SM_PQ_EP_NAME = 1u << 3,
    SM_PQ_EP_NUM_CHILDREN = 1u << 4,
    SM_PQ_EP_CONVERTED = 1u << 5,
    SM_PQ_EP_SCALE = 1u << 6,
    SM_PQ_EP_PRECISION = 1u << 7,
    SM_PQ_EP_FIELD_ID = 1u << 8,
    SM_PQ_EP_LOGICAL = 1u << 9,
};

struct sm_pq_column_meta {
    uint32_t present;
    int32_t type;
    int32_t *encodings;
    uint32_t n_encodings;
    struct sm_tc_bin *path;
    uint32_t n_path;
    int32_t codec;
    int64_t num_values;
    int64_t total_uncompressed_size;
    int64_t total_compressed_size;
    int64_t data_page_offset;
    int64_t index_page_offset;
    int64_t dictionary_page_offset;
};
enum {
    SM_PQ_CMP_DICTIONARY_PAGE_OFFSET = 1u << 9,
};

struct sm_pq_column_chunk {
    uint32_t present;
    struct sm_tc_bin file_path;
    int64_t file_offset;
    struct sm_pq_column_meta meta;
    uint32_t crypto_present; /* non-zero when crypto_metadata was set */
    struct sm_tc_bin encrypted_meta;
};
enum {
    SM_PQ_CCP_META = 1u << 2,
    SM_PQ_CCP_CRYPTO = 1u << 3,
    SM_PQ_CCP_ENCRYPTED_META = 1u << 4,
};

struct sm_pq_row_group {
    uint32_t present;
    struct sm_pq_column_chunk *columns;
    uint32_t n_columns;
    int64_t total_byte_size;
    int64_t num_rows;
};

struct sm_pq_file_meta {
    uint32_t present;
    int32_t version;
    struct sm_pq_element *schema;
    uint32_t n_schema;
    int64_t num_rows;
    struct sm_pq_row_group *row_groups;
    uint32_t n_row_groups;
    struct sm_tc_bin created_by;
    uint32_t encryption_present; /* non-zero when encryption_algorithm was set */
};
enum {
    SM_PQ_FMP_ENCRYPTION = 1u << 5,
};

/* Decode a FileMetaData from footer bytes (base = file offset of buf[0]) and
 * check enum ranges and required fields. The model lives in arena. */
SM_NODISCARD enum sm_code sm_pq_footer_parse(const uint8_t *buf, size_t len, uint64_t base,
                                             struct sm_arena *arena, struct sm_pq_file_meta *md,
                                             struct sm_error *err);

/* The same under limits (NULL: the defaults): list counts, name lengths. */
SM_NODISCARD enum sm_code sm_pq_footer_parse_lim(const uint8_t *buf, size_t len, uint64_t base,
                                                 const struct sm_pq_limits *limits,
                                                 struct sm_arena *arena, struct sm_pq_file_meta *md,
                                                 struct sm_error *err);

/* The schema of a decoded footer; SM_E_MALFORMED (parquet-only) when the
 * element tree does not add up, or nests deeper / has more leaves than the
 * limits allow (NULL: the defaults). */
SM_NODISCARD enum sm_code sm_pq_schema_build(const struct sm_pq_file_meta *md,
                                             struct sm_pq_schema **out, struct sm_error *err);
SM_NODISCARD enum sm_code sm_pq_schema_build_lim(const struct sm_pq_file_meta *md,
                                                 const struct sm_pq_limits *limits,
                                                 struct sm_pq_schema **out, struct sm_error *err);
/* The dotted path of element i (the root: ""), written into buf; long
 * paths are cut, keeping their end. Returns buf. */
const char *sm_pq_schema_path(const struct sm_pq_schema *s, size_t i, char *buf, size_t size);
/* Max definition and repetition level of leaf i (in schema order). */
void sm_pq_schema_leaf_levels(const struct sm_pq_schema *s, size_t leaf, int *max_def,
                              int *max_rep);
/* Element index of leaf i (in schema order). */
size_t sm_pq_schema_leaf_element(const struct sm_pq_schema *s, size_t leaf);
size_t sm_pq_schema_leaf_count(const struct sm_pq_schema *s);

/* SHA-1 (sha1.c): only for shortening long CRS strings in the schema text. */
void sm_pq_sha1(const void *data, size_t len, uint8_t out[20]);
/* A CRS longer than this is printed as sha1:<10 hex digits>, as the corpus does. */
#define SM_PQ_CRS_TEXT_MAX 64

/* ---- reading the file --------------------------------------------------- */

struct sm_pq_src {
    int fd;             /* >= 0: read with pread */
    const uint8_t *buf; /* else: this buffer */
    uint64_t size;
};
SM_NODISCARD enum sm_code sm_pq_src_read(const struct sm_pq_src *src, uint64_t off, void *dst,
                                         size_t n, struct sm_error *err);

struct sm_pq_page_stats {
    size_t pages;
    bool saw_crc;
};

/* Deep mode: walk every column chunk's pages and check them (pages.c). */
SM_NODISCARD enum sm_code sm_pq_pages_check(const struct sm_pq_src *src,
                                            const struct sm_pq_file_meta *md,
                                            const struct sm_pq_schema *schema,
                                            const struct sm_pq_limits *lim, uint64_t data_end,
                                            struct sm_pq_page_stats *stats, struct sm_error *err);

#endif
