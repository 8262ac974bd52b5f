/*
 * schema.c - the flattened parquet schema: built from a footer, compared as
 * RULES.md's `same-schema` rule defines, and printed in the corpus notation.
 *
 * What: sm_pq_schema_build checks that the element list forms a tree (every
 * group's num_children adds up, nothing is left over, leaves have a type) and
 * records for each element its parent and, for leaves, the maximum
 * definition and repetition levels that pages.c needs. Limits: nesting depth
 * (max_depth) and leaf count (max_columns), each refused with a message
 * naming the limit. Equality compares, in
 * order, every element's name, physical type, type length, repetition, child
 * count, converted and logical type, scale and precision; the root's name and
 * field ids are ignored. The first difference is named with its column path,
 * what the stage has and what the upload has.
 * Design: a schema owns its strings (it outlives the footer it came from,
 * since a stage keeps its first file's schema) in one pool; elements are
 * fixed-size and paths are built only when a message prints one, so memory
 * is linear in the footer whatever the names and the tree look like.
 * Not here: decoding the footer (footer.c), the verdict order (check.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../strbuf.h"
#include "parquet_int.h"
#include "../../../common/sm_mem.h"

#define FORMAT_MAX_DEPTH 256 /* sm_pq_schema_format recursion; deeper prints { ... } */

/*
 * One element, fixed size: strings live once in the schema's pool (names and
 * CRS, each NUL-terminated), paths are never stored: an element knows its
 * parent, and a path is built only to print a message (sm_pq_schema_path).
 * So a schema costs about 64 bytes per element plus its names, whatever the
 * names' lengths and the tree's shape.
 */
struct sm_pq_schema_el {
    uint32_t name, name_len; /* pool offset, bytes before the NUL */
    uint32_t crs;            /* pool offset of the GEOMETRY/GEOGRAPHY CRS; NO_CRS if none */
    uint32_t parent;         /* element index of the parent (the root's: 0) */
    int32_t type, type_length, repetition, num_children, converted, scale, precision;
    int32_t lt_kind, dec_scale, dec_precision, bit_width, algorithm;
    int8_t unit;
    bool utc, is_signed, leaf, has_num_children;
    uint16_t max_def, max_rep;
};
#define NO_CRS UINT32_MAX

struct sm_pq_schema {
    size_t n;
    struct sm_pq_schema_el *el;
    size_t n_leaves;
    size_t *leaf; /* element index of each leaf, in order */
    char *pool;   /* every name and CRS, NUL-terminated */
    size_t pool_len;
};

static const char *el_name(const struct sm_pq_schema *s, const struct sm_pq_schema_el *e)
{
    return s->pool + e->name;
}

static const char *el_crs(const struct sm_pq_schema *s, const struct sm_pq_schema_el *e)
{
    return e->crs == NO_CRS ? NULL : s->pool + e->crs;
}

void sm_pq_schema_free(struct sm_pq_schema *s)
{
    if (s == NULL) {
        return;
    }
    SMX_FREE_ALL(s->el, s->leaf, s->pool, s);
}

const char *sm_pq_schema_path(const struct sm_pq_schema *s, size_t i, char *buf, size_t size)
{
    if (size < 8) {
        if (size > 0) {
            buf[0] = '\0';
        }
        return buf;
    }
    size_t pos = size - 1; /* the path is written backwards, ending at buf[size - 1] */
    buf[pos] = '\0';
    while (i != 0 && i < s->n) {
        const struct sm_pq_schema_el *e = &s->el[i];
        const char *nm = el_name(s, e);
        size_t n = e->name_len;
        size_t dot = e->parent != 0;
        if (n + dot > pos) { /* keep the end of the path and mark the cut */
            size_t keep = pos > 3 ? pos - 3 : 0;
            keep = keep < n ? keep : n;
            pos -= keep;
            memcpy(buf + pos, nm + n - keep, keep);
            size_t d = pos >= 3 ? 3 : pos;
            pos -= d;
            memcpy(buf + pos, "...", d);
            break;
        }
        pos -= n;
        memcpy(buf + pos, nm, n);
        if (dot) {
            buf[--pos] = '.';
        }
        i = e->parent;
    }
    memmove(buf, buf + pos, size - pos);
    return buf;
}

static enum sm_code malformed(struct sm_error *err, const char *msg, size_t i)
{
    return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                      "footer: schema element %zu: %s", i, msg);
}

static uint32_t pool_add(struct sm_pq_schema *s, const uint8_t *p, size_t n)
{
    uint32_t at = (uint32_t)s->pool_len;
    if (n > 0) {
        memcpy(s->pool + at, p, n);
    }
    s->pool[at + n] = '\0';
    s->pool_len += n + 1;
    return at;
}

static void copy_element(struct sm_pq_schema *s, struct sm_pq_schema_el *d,
                         const struct sm_pq_element *e)
{
    d->name = pool_add(s, e->name.p, e->name.n);
    d->name_len = (uint32_t)strlen(s->pool + d->name); /* a NUL ends a name, as before */
    d->crs = NO_CRS;
    d->has_num_children = (e->present & SM_PQ_EP_NUM_CHILDREN) != 0;
    d->type = (e->present & SM_PQ_EP_TYPE) ? e->type : -1;
    d->type_length = (e->present & SM_PQ_EP_TYPE_LENGTH) ? e->type_length : -1;
    d->repetition = (e->present & SM_PQ_EP_REPETITION) ? e->repetition : -1;
    d->num_children = (e->present & SM_PQ_EP_NUM_CHILDREN) ? e->num_children : 0;
    d->converted = (e->present & SM_PQ_EP_CONVERTED) ? e->converted : -1;
    d->scale = (e->present & SM_PQ_EP_SCALE) ? e->scale : -1;
    d->precision = (e->present & SM_PQ_EP_PRECISION) ? e->precision : -1;
    d->lt_kind = SM_PQ_LT_NONE;
    d->algorithm = -1;
    if (e->present & SM_PQ_EP_LOGICAL) {
        const struct sm_pq_logical_type *lt = &e->logical;
        d->lt_kind = lt->kind;
        d->dec_scale = lt->dec_scale;
        d->dec_precision = lt->dec_precision;
        d->utc = lt->utc;
        d->unit = (int8_t)(lt->unit >= 0 && lt->unit <= 3 ? lt->unit : 0);
        d->bit_width = lt->bit_width;
        d->is_signed = lt->is_signed;
        d->algorithm = lt->algorithm;
        if (lt->crs.p != NULL) {
            d->crs = pool_add(s, lt->crs.p, lt->crs.n);
        }
    }
}

struct frame {
    size_t index; /* element index of the group */
    int32_t left; /* children still to come */
};

/* Walk the element list as a tree, filling parents and levels. */
static enum sm_code build_tree(struct sm_pq_schema *s, const struct sm_pq_limits *lim,
                               struct sm_error *err)
{
    struct frame *stack = malloc(((size_t)lim->max_depth + 1) * sizeof *stack);
    if (stack == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_NONE, "out of memory building the schema");
    }
    size_t depth = 0;
    char path[160];
    enum sm_code rc = SM_OK;
    stack[depth++] = (struct frame){0, s->el[0].num_children};
    for (size_t i = 1; rc == SM_OK && i < s->n; i++) {
        while (depth > 0 && stack[depth - 1].left == 0) {
            depth--;
        }
        if (depth == 0) {
            rc = malformed(err, "lies outside the root's children", i);
            break;
        }
        struct frame *top = &stack[depth - 1];
        const struct sm_pq_schema_el *parent = &s->el[top->index];
        struct sm_pq_schema_el *e = &s->el[i];
        top->left--;
        e->parent = (uint32_t)top->index;
        e->max_def = (uint16_t)(parent->max_def + (e->repetition == SM_PQ_OPTIONAL ||
                                                   e->repetition == SM_PQ_REPEATED));
        e->max_rep = (uint16_t)(parent->max_rep + (e->repetition == SM_PQ_REPEATED));
        if (depth > lim->max_depth) { /* e sits depth levels below the root */
            rc = sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                            "schema element '%s' nests %zu levels deep, over the limit of %llu "
                            "(max_depth)",
                            sm_pq_schema_path(s, i, path, sizeof path), depth,
                            (unsigned long long)lim->max_depth);
        } else if (e->num_children > 0) {
            stack[depth++] = (struct frame){i, e->num_children};
        } else if (e->type >= 0) {
            e->leaf = true;
            if (++s->n_leaves > lim->max_columns) {
                rc = sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                                "schema has more than %llu columns, over the limit of %llu "
                                "(max_columns)",
                                (unsigned long long)lim->max_columns,
                                (unsigned long long)lim->max_columns);
            }
        } else if (!e->has_num_children) {
            rc = malformed(err, "has neither a type nor children", i);
        }
    }
    for (size_t d = 0; rc == SM_OK && d < depth; d++) {
        if (stack[d].left > 0) {
            rc = sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                            "footer: schema group '%s' promises %d more children than the "
                            "schema holds",
                            stack[d].index == 0
                                ? "(root)"
                                : sm_pq_schema_path(s, stack[d].index, path, sizeof path),
                            (int)stack[d].left);
        }
    }
    free(stack);
    return rc;
}

enum sm_code sm_pq_schema_build(const struct sm_pq_file_meta *md, struct sm_pq_schema **out,
                                struct sm_error *err)
{
    return sm_pq_schema_build_lim(md, NULL, out, err);
}

enum sm_code sm_pq_schema_build_lim(const struct sm_pq_file_meta *md,
                                    const struct sm_pq_limits *limits, struct sm_pq_schema **out,
                                    struct sm_error *err)
{
    struct sm_pq_limits lim;
    sm_pq_limits_resolve(limits, &lim);
    *out = NULL;
    if (md->n_schema > lim.max_schema_elements) { /* footer.c checks too; a caller may not */
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                          "schema has %u elements, over the limit of %llu (max_schema_elements)",
                          md->n_schema, (unsigned long long)lim.max_schema_elements);
    }
    size_t pool = 0;
    for (uint32_t i = 0; i < md->n_schema; i++) {
        const struct sm_pq_element *e = &md->schema[i];
        pool += (size_t)e->name.n + 1;
        if ((e->present & SM_PQ_EP_LOGICAL) && e->logical.crs.p != NULL) {
            pool += (size_t)e->logical.crs.n + 1;
        }
    }
    if (pool >= UINT32_MAX) {
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                          "footer: schema names take %zu bytes", pool);
    }
    struct sm_pq_schema *s = calloc(1, sizeof *s);
    if (s != NULL) {
        s->n = md->n_schema;
        s->el = calloc(s->n ? s->n : 1, sizeof *s->el);
        s->pool = malloc(pool ? pool : 1);
    }
    if (s == NULL || s->el == NULL || s->pool == NULL) {
        sm_pq_schema_free(s);
        return sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_NONE, "out of memory building the schema");
    }
    for (size_t i = 0; i < s->n; i++) {
        copy_element(s, &s->el[i], &md->schema[i]);
    }
    enum sm_code rc = build_tree(s, &lim, err);
    if (rc == SM_OK && s->n_leaves > 0) {
        s->leaf = calloc(s->n_leaves, sizeof *s->leaf);
        if (s->leaf == NULL) {
            rc =
                sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_NONE, "out of memory building the schema");
        }
        for (size_t i = 0, k = 0; s->leaf != NULL && i < s->n; i++) {
            if (s->el[i].leaf) {
                s->leaf[k++] = i;
            }
        }
    }
    if (rc != SM_OK) {
        sm_pq_schema_free(s);
        return rc;
    }
    *out = s;
    return SM_OK;
}

struct sm_pq_schema *sm_pq_schema_dup(const struct sm_pq_schema *src)
{
    struct sm_pq_schema *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    s->n = src->n;
    s->n_leaves = src->n_leaves;
    s->pool_len = src->pool_len;
    s->el = malloc((s->n ? s->n : 1) * sizeof *s->el);
    s->leaf = s->n_leaves ? malloc(s->n_leaves * sizeof *s->leaf) : NULL;
    s->pool = malloc(s->pool_len ? s->pool_len : 1);
    if (s->el == NULL || (s->n_leaves && s->leaf == NULL) || s->pool == NULL) {
        sm_pq_schema_free(s);
        return NULL;
    }
    memcpy(s->el, src->el, s->n * sizeof *s->el);
    if (s->n_leaves) {
        memcpy(s->leaf, src->leaf, s->n_leaves * sizeof *s->leaf);
    }
    if (s->pool_len) {
        memcpy(s->pool, src->pool, s->pool_len);
    }
    return s;
}

size_t sm_pq_schema_leaf_count(const struct sm_pq_schema *s)
{
    return s->n_leaves;
}

size_t sm_pq_schema_leaf_element(const struct sm_pq_schema *s, size_t leaf)
{
    return leaf < s->n_leaves ? s->leaf[leaf] : 0;
}

void sm_pq_schema_leaf_levels(const struct sm_pq_schema *s, size_t leaf, int *max_def, int *max_rep)
{
    const struct sm_pq_schema_el *e = &s->el[s->leaf[leaf]];
    *max_def = e->max_def;
    *max_rep = e->max_rep;
}

/* ---- text ----------------------------------------------------------------- */

static const char *const type_text[] = {
    "boolean", "int32", "int64", "int96", "float", "double", "byte_array", "fixed_len_byte_array",
};
static const char *const rep_text[] = {"required", "optional", "repeated"};
static const char *const converted_text[] = {
    "UTF8",
    "MAP",
    "MAP_KEY_VALUE",
    "LIST",
    "ENUM",
    "DECIMAL",
    "DATE",
    "TIME_MILLIS",
    "TIME_MICROS",
    "TIMESTAMP_MILLIS",
    "TIMESTAMP_MICROS",
    "UINT_8",
    "UINT_16",
    "UINT_32",
    "UINT_64",
    "INT_8",
    "INT_16",
    "INT_32",
    "INT_64",
    "JSON",
    "BSON",
    "INTERVAL",
};
static const char *const unit_text[] = {"?", "MILLIS", "MICROS", "NANOS"};
static const char *const algo_text[] = {"SPHERICAL", "VINCENTY", "THOMAS", "ANDOYER", "KARNEY"};
static const char *const logical_text[] = {
    [SM_PQ_LT_STRING] = "STRING",   [SM_PQ_LT_MAP] = "MAP",         [SM_PQ_LT_LIST] = "LIST",
    [SM_PQ_LT_ENUM] = "ENUM",       [SM_PQ_LT_DATE] = "DATE",       [SM_PQ_LT_UNKNOWN] = "UNKNOWN",
    [SM_PQ_LT_JSON] = "JSON",       [SM_PQ_LT_BSON] = "BSON",       [SM_PQ_LT_UUID] = "UUID",
    [SM_PQ_LT_FLOAT16] = "FLOAT16", [SM_PQ_LT_VARIANT] = "VARIANT",
};

static void converted_str(const struct sm_pq_schema_el *e, char *buf, size_t size)
{
    buf[0] = '\0';
    if (e->converted < 0) {
        return;
    }
    if (e->converted == SM_PQ_CT_DECIMAL) {
        (void)snprintf(buf, size, "DECIMAL(%d,%d)", (int)e->precision, (int)e->scale);
    } else {
        (void)snprintf(buf, size, "%s", converted_text[e->converted]);
    }
}

#define NAME_OF(table, i) \
    ((i) >= 0 && (size_t)(i) < sizeof(table) / sizeof((table)[0]) ? (table)[i] : "?")

const char *sm_pq_type_name(int type)
{
    return NAME_OF(type_text, type);
}

const char *sm_pq_repetition_name(int repetition)
{
    return NAME_OF(rep_text, repetition);
}

const char *sm_pq_converted_name(int converted)
{
    return NAME_OF(converted_text, converted);
}

const char *sm_pq_time_unit_name(int unit)
{
    return unit >= 1 && unit <= 3 ? unit_text[unit] : "?";
}

/* The CRS as printed: itself when short, else sha1:<first 10 hex digits>. */
static void crs_text(const char *crs, char *buf, size_t size)
{
    size_t n = crs ? strlen(crs) : 0;
    if (n <= SM_PQ_CRS_TEXT_MAX) {
        (void)snprintf(buf, size, "%s", n ? crs : "");
        return;
    }
    uint8_t d[20];
    sm_pq_sha1(crs, n, d);
    (void)snprintf(buf, size, "sha1:%02x%02x%02x%02x%02x", d[0], d[1], d[2], d[3], d[4]);
}

void sm_pq_logical_format(const struct sm_pq_logical_desc *lt, char *buf, size_t size)
{
    char crs[SM_PQ_CRS_TEXT_MAX + 1];
    buf[0] = '\0';
    switch (lt->kind) {
    case SM_PQ_LT_NONE:
        return;
    case SM_PQ_LT_DECIMAL:
        (void)snprintf(buf, size, "DECIMAL(%d,%d)", lt->precision, lt->scale);
        return;
    case SM_PQ_LT_TIME:
    case SM_PQ_LT_TIMESTAMP:
        (void)snprintf(buf, size, "%s(%s,%s)", lt->kind == SM_PQ_LT_TIME ? "TIME" : "TIMESTAMP",
                       sm_pq_time_unit_name(lt->unit), lt->utc ? "utc" : "local");
        return;
    case SM_PQ_LT_INTEGER:
        (void)snprintf(buf, size, "INT(%d,%s)", lt->bit_width,
                       lt->is_signed ? "signed" : "unsigned");
        return;
    case SM_PQ_LT_GEOMETRY:
        crs_text(lt->crs, crs, sizeof crs);
        (void)snprintf(buf, size, "GEOMETRY(%s)", crs);
        return;
    case SM_PQ_LT_GEOGRAPHY:
        crs_text(lt->crs, crs, sizeof crs);
        (void)snprintf(buf, size, "GEOGRAPHY(%s,%s)", crs,
                       lt->algorithm >= 0 && lt->algorithm <= 4 ? algo_text[lt->algorithm] : "");
        return;
    default:
        if (lt->kind >= 0 && (size_t)lt->kind < sizeof logical_text / sizeof logical_text[0] &&
            logical_text[lt->kind] != NULL) {
            (void)snprintf(buf, size, "%s", logical_text[lt->kind]);
        } else {
            (void)snprintf(buf, size, "LOGICAL(%d)", lt->kind);
        }
        return;
    }
}

static void logical_str(const struct sm_pq_schema *s, const struct sm_pq_schema_el *e, char *buf,
                        size_t size)
{
    const struct sm_pq_logical_desc lt = {.kind = e->lt_kind,
                                          .precision = e->dec_precision,
                                          .scale = e->dec_scale,
                                          .unit = e->unit,
                                          .utc = e->utc,
                                          .bit_width = e->bit_width,
                                          .is_signed = e->is_signed,
                                          .crs = el_crs(s, e),
                                          .algorithm = e->algorithm};
    sm_pq_logical_format(&lt, buf, size);
}

/* "optional int32 name (CONVERTED|LOGICAL)" for one element, no children. */
static void element_str(const struct sm_pq_schema *s, const struct sm_pq_schema_el *e, char *buf,
                        size_t size)
{
    char conv[64], logi[160], type[48];
    converted_str(e, conv, sizeof conv);
    logical_str(s, e, logi, sizeof logi);
    if (e->type == SM_PQ_FIXED_LEN_BYTE_ARRAY) {
        (void)snprintf(type, sizeof type, "fixed_len_byte_array(%d)", (int)e->type_length);
    } else if (e->type >= 0) {
        (void)snprintf(type, sizeof type, "%s", type_text[e->type]);
    } else {
        (void)snprintf(type, sizeof type, "group");
    }
    const char *rep = e->repetition >= 0 ? rep_text[e->repetition] : "required";
    char annot[240] = "";
    if (conv[0] && logi[0] && strcmp(conv, logi) != 0) {
        (void)snprintf(annot, sizeof annot, " (%s|%s)", conv, logi);
    } else if (conv[0] || logi[0]) {
        (void)snprintf(annot, sizeof annot, " (%s)", conv[0] ? conv : logi);
    }
    (void)snprintf(buf, size, "%s %s %s%s", rep, type, el_name(s, e), annot);
}

/* Print element i and its subtree; returns the index after the subtree. */
static size_t format_el(const struct sm_pq_schema *s, size_t i, struct sm_strbuf *b, unsigned depth)
{
    char line[512];
    const struct sm_pq_schema_el *e = &s->el[i];
    element_str(s, e, line, sizeof line);
    sm_strbuf_printf(b, "%s", line);
    size_t next = i + 1;
    if (e->num_children > 0 && depth >= FORMAT_MAX_DEPTH) {
        sm_strbuf_printf(b, " { ... }"); /* deeper than we print: skip the subtree */
        for (uint64_t left = (uint64_t)e->num_children; left > 0 && next < s->n; next++) {
            left += (uint64_t)s->el[next].num_children;
            left--;
        }
    } else if (e->num_children > 0) {
        sm_strbuf_printf(b, " { ");
        for (int32_t c = 0; c < e->num_children && next < s->n; c++) {
            if (c > 0) {
                sm_strbuf_printf(b, "; ");
            }
            next = format_el(s, next, b, depth + 1);
        }
        sm_strbuf_printf(b, " }");
    }
    return next;
}

char *sm_pq_schema_format(const struct sm_pq_schema *s)
{
    struct sm_strbuf b = {0};
    sm_strbuf_printf(&b, "%s", ""); /* an empty schema is "" */
    size_t i = 1;
    for (int32_t c = 0; c < s->el[0].num_children && i < s->n; c++) {
        if (c > 0) {
            sm_strbuf_printf(&b, "; ");
        }
        i = format_el(s, i, &b, 1);
    }
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* ---- equality ------------------------------------------------------------- */

static bool logical_equal(const struct sm_pq_schema *sa, const struct sm_pq_schema_el *a,
                          const struct sm_pq_schema *sb, const struct sm_pq_schema_el *b)
{
    const struct sm_pq_schema_el *x = a, *y = b;
    if (x->lt_kind != y->lt_kind) {
        return false;
    }
    switch (x->lt_kind) {
    case SM_PQ_LT_DECIMAL:
        return x->dec_scale == y->dec_scale && x->dec_precision == y->dec_precision;
    case SM_PQ_LT_TIME:
    case SM_PQ_LT_TIMESTAMP:
        return x->utc == y->utc && x->unit == y->unit;
    case SM_PQ_LT_INTEGER:
        return x->bit_width == y->bit_width && x->is_signed == y->is_signed;
    case SM_PQ_LT_GEOMETRY:
    case SM_PQ_LT_GEOGRAPHY:
        return x->algorithm == y->algorithm &&
               strcmp(el_crs(sa, a) ? el_crs(sa, a) : "", el_crs(sb, b) ? el_crs(sb, b) : "") == 0;
    default:
        return true;
    }
}

static bool element_equal(const struct sm_pq_schema *sa, const struct sm_pq_schema_el *a,
                          const struct sm_pq_schema *sb, const struct sm_pq_schema_el *b, bool root)
{
    return (root || strcmp(el_name(sa, a), el_name(sb, b)) == 0) && a->type == b->type &&
           a->type_length == b->type_length && (root || a->repetition == b->repetition) &&
           a->num_children == b->num_children && a->converted == b->converted &&
           a->scale == b->scale && a->precision == b->precision && logical_equal(sa, a, sb, b);
}

static void describe(const struct sm_pq_schema *s, const struct sm_pq_schema_el *e, char *buf,
                     size_t size)
{
    char one[400];
    element_str(s, e, one, sizeof one);
    if (e->num_children > 0) {
        (void)snprintf(buf, size, "%s with %d field%s", one, (int)e->num_children,
                       e->num_children == 1 ? "" : "s");
    } else {
        (void)snprintf(buf, size, "%s", one);
    }
}

enum sm_code sm_pq_schema_compare(const struct sm_pq_schema *stage,
                                  const struct sm_pq_schema *upload, struct sm_error *err)
{
    char a[512], b[512], path[160];
    size_t n = stage->n < upload->n ? stage->n : upload->n;
    for (size_t i = 1; i < n; i++) {
        const struct sm_pq_schema_el *x = &stage->el[i], *y = &upload->el[i];
        if (!element_equal(stage, x, upload, y, false)) {
            describe(stage, x, a, sizeof a);
            describe(upload, y, b, sizeof b);
            return sm_err_set(err, SM_E_MISMATCH, 400, SM_RULE_SAME_SCHEMA,
                              "schema differs at column '%s': the stage has %s, the upload has %s",
                              sm_pq_schema_path(stage, i, path, sizeof path), a, b);
        }
    }
    if (upload->n > stage->n) {
        describe(upload, &upload->el[n], b, sizeof b);
        return sm_err_set(err, SM_E_MISMATCH, 400, SM_RULE_SAME_SCHEMA,
                          "the upload has an extra column '%s' (%s) that the stage does not have",
                          sm_pq_schema_path(upload, n, path, sizeof path), b);
    }
    if (stage->n > upload->n) {
        describe(stage, &stage->el[n], a, sizeof a);
        return sm_err_set(err, SM_E_MISMATCH, 400, SM_RULE_SAME_SCHEMA,
                          "the upload lacks column '%s' (%s) that the stage has",
                          sm_pq_schema_path(stage, n, path, sizeof path), a);
    }
    if (!element_equal(stage, &stage->el[0], upload, &upload->el[0], true)) {
        return sm_err_set(err, SM_E_MISMATCH, 400, SM_RULE_SAME_SCHEMA,
                          "schema root differs: the stage has %d top-level columns, the upload "
                          "has %d",
                          (int)stage->el[0].num_children, (int)upload->el[0].num_children);
    }
    return SM_OK;
}
