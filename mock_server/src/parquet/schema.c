/*
 * schema.c - the flattened parquet schema: built from a footer, compared as
 * RULES.md's `same-schema` rule defines, and printed in the corpus notation.
 *
 * What: sm_pq_schema_build checks that the element list forms a tree (every
 * group's num_children adds up, nothing is left over, leaves have a type) and
 * records for each element its dotted path and, for leaves, the maximum
 * definition and repetition levels that pages.c needs. Equality compares, in
 * order, every element's name, physical type, type length, repetition, child
 * count, converted and logical type, scale and precision; the root's name and
 * field ids are ignored. The first difference is named with its column path,
 * what the stage has and what the upload has.
 * Design: a schema owns all its strings (it outlives the footer it came from,
 * since a stage keeps its first file's schema); one malloc per string.
 * Not here: decoding the footer (footer.c), the verdict order (check.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_int.h"

#define MAX_SCHEMA_DEPTH 128

struct sm_pq_schema_el {
    char *name;
    char *path; /* dotted, without the root; "" for the root */
    char *crs;  /* GEOMETRY/GEOGRAPHY logical parameter, or NULL */
    uint32_t present;
    int32_t type, type_length, repetition, num_children, converted, scale, precision;
    struct sm_pq_logical_type logical; /* logical.crs unused here: see crs */
    int max_def, max_rep;
    bool leaf;
};

struct sm_pq_schema {
    size_t n;
    struct sm_pq_schema_el *el;
    size_t n_leaves;
    size_t *leaf; /* element index of each leaf, in order */
};

static char *dup_bytes(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s != NULL) {
        if (n > 0) {
            memcpy(s, p, n);
        }
        s[n] = '\0';
    }
    return s;
}

void sm_pq_schema_free(struct sm_pq_schema *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; s->el != NULL && i < s->n; i++) {
        free(s->el[i].name);
        free(s->el[i].path);
        free(s->el[i].crs);
    }
    free(s->el);
    free(s->leaf);
    free(s);
}

static char *join_path(const char *parent, const char *name)
{
    size_t lp = strlen(parent), ln = strlen(name), dot = lp > 0;
    char *p = malloc(lp + dot + ln + 1);
    if (p != NULL) {
        memcpy(p, parent, lp);
        p[lp] = '.'; /* overwritten by name when there is no parent */
        memcpy(p + lp + dot, name, ln);
        p[lp + dot + ln] = '\0';
    }
    return p;
}

static enum sm_code malformed(struct sm_error *err, const char *msg, size_t i)
{
    return sm_err_set(err, SM_E_MALFORMED, 400, "parquet-only", "footer: schema element %zu: %s", i,
                      msg);
}

static enum sm_code copy_element(struct sm_pq_schema_el *d, const struct sm_pq_element *e)
{
    d->name = dup_bytes(e->name.p, e->name.n);
    if (d->name == NULL) {
        return SM_E_NOMEM;
    }
    d->present = e->present;
    d->type = (e->present & SM_PQ_EP_TYPE) ? e->type : -1;
    d->type_length = (e->present & SM_PQ_EP_TYPE_LENGTH) ? e->type_length : -1;
    d->repetition = (e->present & SM_PQ_EP_REPETITION) ? e->repetition : -1;
    d->num_children = (e->present & SM_PQ_EP_NUM_CHILDREN) ? e->num_children : 0;
    d->converted = (e->present & SM_PQ_EP_CONVERTED) ? e->converted : -1;
    d->scale = (e->present & SM_PQ_EP_SCALE) ? e->scale : -1;
    d->precision = (e->present & SM_PQ_EP_PRECISION) ? e->precision : -1;
    if (e->present & SM_PQ_EP_LOGICAL) {
        d->logical = e->logical;
        d->logical.crs = (struct sm_tc_bin){0};
        if (e->logical.crs.p != NULL) {
            d->crs = dup_bytes(e->logical.crs.p, e->logical.crs.n);
            if (d->crs == NULL) {
                return SM_E_NOMEM;
            }
        }
    } else {
        d->logical.kind = SM_PQ_LT_NONE;
        d->logical.algorithm = -1;
    }
    return SM_OK;
}

struct frame {
    size_t index; /* element index of the group */
    int32_t left; /* children still to come */
};

/* Walk the element list as a tree, filling paths and levels. */
static enum sm_code build_tree(struct sm_pq_schema *s, struct sm_error *err)
{
    struct frame stack[MAX_SCHEMA_DEPTH];
    size_t depth = 0;
    struct sm_pq_schema_el *root = &s->el[0];
    root->path = dup_bytes("", 0);
    if (root->path == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 500, NULL, "out of memory building the schema");
    }
    stack[depth++] = (struct frame){0, root->num_children};
    for (size_t i = 1; i < s->n; i++) {
        while (depth > 0 && stack[depth - 1].left == 0) {
            depth--;
        }
        if (depth == 0) {
            return malformed(err, "lies outside the root's children", i);
        }
        struct frame *top = &stack[depth - 1];
        const struct sm_pq_schema_el *parent = &s->el[top->index];
        struct sm_pq_schema_el *e = &s->el[i];
        top->left--;
        e->path = join_path(parent->path, e->name);
        if (e->path == NULL) {
            return sm_err_set(err, SM_E_NOMEM, 500, NULL, "out of memory building the schema");
        }
        e->max_def =
            parent->max_def + (e->repetition == SM_PQ_OPTIONAL || e->repetition == SM_PQ_REPEATED);
        e->max_rep = parent->max_rep + (e->repetition == SM_PQ_REPEATED);
        if (e->num_children > 0) {
            if (depth == MAX_SCHEMA_DEPTH) {
                return malformed(err, "nests deeper than 128 levels", i);
            }
            stack[depth++] = (struct frame){i, e->num_children};
        } else if (e->type >= 0) {
            e->leaf = true;
            s->n_leaves++;
        } else if (!(e->present & SM_PQ_EP_NUM_CHILDREN)) {
            return malformed(err, "has neither a type nor children", i);
        }
    }
    for (size_t d = 0; d < depth; d++) {
        if (stack[d].left > 0) {
            return sm_err_set(err, SM_E_MALFORMED, 400, "parquet-only",
                              "footer: schema group '%s' promises %d more children than the "
                              "schema holds",
                              stack[d].index == 0 ? "(root)" : s->el[stack[d].index].path,
                              (int)stack[d].left);
        }
    }
    return SM_OK;
}

enum sm_code sm_pq_schema_build(const struct sm_pq_file_meta *md, struct sm_pq_schema **out,
                                struct sm_error *err)
{
    *out = NULL;
    struct sm_pq_schema *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 500, NULL, "out of memory building the schema");
    }
    s->n = md->n_schema;
    s->el = calloc(s->n, sizeof *s->el);
    enum sm_code rc = s->el == NULL ? SM_E_NOMEM : SM_OK;
    for (size_t i = 0; rc == SM_OK && i < s->n; i++) {
        rc = copy_element(&s->el[i], &md->schema[i]);
    }
    if (rc != SM_OK) {
        sm_pq_schema_free(s);
        return sm_err_set(err, SM_E_NOMEM, 500, NULL, "out of memory building the schema");
    }
    rc = build_tree(s, err);
    if (rc == SM_OK && s->n_leaves > 0) {
        s->leaf = calloc(s->n_leaves, sizeof *s->leaf);
        if (s->leaf == NULL) {
            rc = sm_err_set(err, SM_E_NOMEM, 500, NULL, "out of memory building the schema");
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
    s->el = calloc(s->n, sizeof *s->el);
    s->leaf = s->n_leaves ? calloc(s->n_leaves, sizeof *s->leaf) : NULL;
    if (s->el == NULL || (s->n_leaves && s->leaf == NULL)) {
        sm_pq_schema_free(s);
        return NULL;
    }
    if (s->n_leaves) {
        memcpy(s->leaf, src->leaf, s->n_leaves * sizeof *s->leaf);
    }
    for (size_t i = 0; i < s->n; i++) {
        const struct sm_pq_schema_el *a = &src->el[i];
        struct sm_pq_schema_el *b = &s->el[i];
        *b = *a;
        b->name = dup_bytes(a->name, strlen(a->name));
        b->path = a->path ? dup_bytes(a->path, strlen(a->path)) : NULL;
        b->crs = a->crs ? dup_bytes(a->crs, strlen(a->crs)) : NULL;
        if (b->name == NULL || (a->path && !b->path) || (a->crs && !b->crs)) {
            sm_pq_schema_free(s);
            return NULL;
        }
    }
    return s;
}

size_t sm_pq_schema_leaf_count(const struct sm_pq_schema *s)
{
    return s->n_leaves;
}

const char *sm_pq_schema_leaf_path(const struct sm_pq_schema *s, size_t leaf)
{
    return leaf < s->n_leaves ? s->el[s->leaf[leaf]].path : "?";
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

static void logical_str(const struct sm_pq_schema_el *e, char *buf, size_t size)
{
    char crs[SM_PQ_CRS_TEXT_MAX + 1];
    const struct sm_pq_logical_type *lt = &e->logical;
    buf[0] = '\0';
    switch (lt->kind) {
    case SM_PQ_LT_NONE:
        return;
    case SM_PQ_LT_DECIMAL:
        (void)snprintf(buf, size, "DECIMAL(%d,%d)", (int)lt->dec_precision, (int)lt->dec_scale);
        return;
    case SM_PQ_LT_TIME:
    case SM_PQ_LT_TIMESTAMP:
        (void)snprintf(buf, size, "%s(%s,%s)", lt->kind == SM_PQ_LT_TIME ? "TIME" : "TIMESTAMP",
                       sm_pq_time_unit_name(lt->unit), lt->utc ? "utc" : "local");
        return;
    case SM_PQ_LT_INTEGER:
        (void)snprintf(buf, size, "INT(%d,%s)", (int)lt->bit_width,
                       lt->is_signed ? "signed" : "unsigned");
        return;
    case SM_PQ_LT_GEOMETRY:
        crs_text(e->crs, crs, sizeof crs);
        (void)snprintf(buf, size, "GEOMETRY(%s)", crs);
        return;
    case SM_PQ_LT_GEOGRAPHY:
        crs_text(e->crs, crs, sizeof crs);
        (void)snprintf(buf, size, "GEOGRAPHY(%s,%s)", crs,
                       lt->algorithm >= 0 && lt->algorithm <= 4 ? algo_text[lt->algorithm] : "");
        return;
    default:
        if ((size_t)lt->kind < sizeof logical_text / sizeof logical_text[0] &&
            logical_text[lt->kind] != NULL) {
            (void)snprintf(buf, size, "%s", logical_text[lt->kind]);
        } else {
            (void)snprintf(buf, size, "LOGICAL(%d)", (int)lt->kind);
        }
        return;
    }
}

/* "optional int32 name (CONVERTED|LOGICAL)" for one element, no children. */
static void element_str(const struct sm_pq_schema_el *e, char *buf, size_t size)
{
    char conv[64], logi[160], type[48];
    converted_str(e, conv, sizeof conv);
    logical_str(e, logi, sizeof logi);
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
    (void)snprintf(buf, size, "%s %s %s%s", rep, type, e->name, annot);
}

struct strbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void sb_add(struct strbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->oom) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *np = realloc(b->p, cap);
        if (np == NULL) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

/* Print element i and its subtree; returns the index after the subtree. */
static size_t format_el(const struct sm_pq_schema *s, size_t i, struct strbuf *b, unsigned depth)
{
    char line[512];
    const struct sm_pq_schema_el *e = &s->el[i];
    element_str(e, line, sizeof line);
    sb_add(b, line);
    size_t next = i + 1;
    if (e->num_children > 0 && depth < MAX_SCHEMA_DEPTH) {
        sb_add(b, " { ");
        for (int32_t c = 0; c < e->num_children && next < s->n; c++) {
            if (c > 0) {
                sb_add(b, "; ");
            }
            next = format_el(s, next, b, depth + 1);
        }
        sb_add(b, " }");
    }
    return next;
}

char *sm_pq_schema_format(const struct sm_pq_schema *s)
{
    struct strbuf b = {0};
    sb_add(&b, "");
    size_t i = 1;
    for (int32_t c = 0; c < s->el[0].num_children && i < s->n; c++) {
        if (c > 0) {
            sb_add(&b, "; ");
        }
        i = format_el(s, i, &b, 1);
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---- equality ------------------------------------------------------------- */

static bool logical_equal(const struct sm_pq_schema_el *a, const struct sm_pq_schema_el *b)
{
    const struct sm_pq_logical_type *x = &a->logical, *y = &b->logical;
    if (x->kind != y->kind) {
        return false;
    }
    switch (x->kind) {
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
               strcmp(a->crs ? a->crs : "", b->crs ? b->crs : "") == 0;
    default:
        return true;
    }
}

static bool element_equal(const struct sm_pq_schema_el *a, const struct sm_pq_schema_el *b,
                          bool root)
{
    return (root || strcmp(a->name, b->name) == 0) && a->type == b->type &&
           a->type_length == b->type_length && (root || a->repetition == b->repetition) &&
           a->num_children == b->num_children && a->converted == b->converted &&
           a->scale == b->scale && a->precision == b->precision && logical_equal(a, b);
}

static void describe(const struct sm_pq_schema_el *e, char *buf, size_t size)
{
    char one[400];
    element_str(e, one, sizeof one);
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
    char a[512], b[512];
    size_t n = stage->n < upload->n ? stage->n : upload->n;
    for (size_t i = 1; i < n; i++) {
        const struct sm_pq_schema_el *x = &stage->el[i], *y = &upload->el[i];
        if (!element_equal(x, y, false)) {
            describe(x, a, sizeof a);
            describe(y, b, sizeof b);
            return sm_err_set(err, SM_E_MISMATCH, 400, "same-schema",
                              "schema differs at column '%s': the stage has %s, the upload has %s",
                              x->path, a, b);
        }
    }
    if (upload->n > stage->n) {
        describe(&upload->el[n], b, sizeof b);
        return sm_err_set(err, SM_E_MISMATCH, 400, "same-schema",
                          "the upload has an extra column '%s' (%s) that the stage does not have",
                          upload->el[n].path, b);
    }
    if (stage->n > upload->n) {
        describe(&stage->el[n], a, sizeof a);
        return sm_err_set(err, SM_E_MISMATCH, 400, "same-schema",
                          "the upload lacks column '%s' (%s) that the stage has", stage->el[n].path,
                          a);
    }
    if (!element_equal(&stage->el[0], &upload->el[0], true)) {
        return sm_err_set(err, SM_E_MISMATCH, 400, "same-schema",
                          "schema root differs: the stage has %d top-level columns, the upload "
                          "has %d",
                          (int)stage->el[0].num_children, (int)upload->el[0].num_children);
    }
    return SM_OK;
}
