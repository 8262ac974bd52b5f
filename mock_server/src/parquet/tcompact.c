/*
 * tcompact.c - reader for the subset of the Thrift compact protocol that
 * parquet footers and page headers use, and the table-driven struct decoder
 * built on it.
 *
 * What: varints, zigzag ints, field headers (short and long form), lists and
 * sets, maps, binary, doubles, nested structs; unknown fields are skipped, not
 * rejected. sm_tc_read_struct decodes a struct described by a static const
 * table (struct sm_tc_desc) into a C struct, allocating lists in an arena.
 * Design: a cursor {buf, len, pos, depth}; every read checks the remaining
 * length first; nesting is capped at SM_TC_MAX_DEPTH; list counts are bounded
 * by the bytes that remain (every element takes at least one byte); strings
 * are (ptr, len) views into the caller's buffer, which must outlive them.
 * Errors: SM_E_MALFORMED with rule "parquet-only" and a message that gives the
 * file offset and what was expected there; SM_E_NOMEM when the arena says no.
 * Not here: what the fields mean (footer.c), schema rules (schema.c).
 * Reference: the Thrift compact protocol spec; parquet.thrift field ids.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../error_int.h"
#include "parquet_int.h"

/* ---- arena ------------------------------------------------------------ */

struct sm_arena_block {
    struct sm_arena_block *next;
    size_t size;
    size_t used;
    max_align_t data[];
};

/* Blocks start small (a 4 KiB file's footer fits the first) and double up to
 * a megabyte, so small footers never pay for pages they do not touch. */
#define ARENA_FIRST     (4u * 1024u)
#define ARENA_MAX_BLOCK (1024u * 1024u)

void sm_arena_init(struct sm_arena *a, size_t cap)
{
    a->head = NULL;
    a->used = 0;
    a->cap = cap;
    a->over_cap = false;
}

void sm_arena_cleanup(struct sm_arena *a)
{
    struct sm_arena_block *b = a->head;
    while (b != NULL) {
        struct sm_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}

void *sm_arena_alloc(struct sm_arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    if (n == 0) {
        n = align;
    }
    a->over_cap = false;
    if (n > a->cap || a->used > a->cap - n) {
        a->over_cap = true;
        return NULL;
    }
    struct sm_arena_block *b = a->head;
    if (b == NULL || b->size - b->used < n) {
        size_t size = b == NULL ? ARENA_FIRST : b->size < ARENA_MAX_BLOCK ? 2 * b->size : b->size;
        if (size < n) {
            size = n;
        }
        b = malloc(sizeof *b + size);
        if (b == NULL) {
            return NULL;
        }
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = (unsigned char *)b->data + b->used;
    b->used += n;
    a->used += n;
    memset(p, 0, n);
    return p;
}

/* ---- primitives ------------------------------------------------------- */

void sm_tc_init(struct sm_tc *tc, const uint8_t *buf, size_t len, uint64_t base, const char *what,
                struct sm_arena *arena, struct sm_error *err)
{
    tc->buf = buf;
    tc->len = len;
    tc->pos = 0;
    tc->depth = 0;
    tc->base = base;
    tc->what = what;
    tc->arena = arena;
    tc->err = err;
    tc->limits = NULL;
    tc->n_limits = 0;
}

enum sm_code sm_tc_fail(struct sm_tc *tc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)sm_err_vset(tc->err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY, fmt, ap);
    va_end(ap);
    sm_err_prefix(tc->err, "%s byte %llu: ", tc->what, (unsigned long long)tc->base + tc->pos);
    return SM_E_MALFORMED;
}

static size_t remaining(const struct sm_tc *tc)
{
    return tc->len - tc->pos;
}

static enum sm_code need(struct sm_tc *tc, size_t n, const char *what)
{
    if (remaining(tc) < n) {
        return sm_tc_fail(tc, "%s needs %zu bytes, %zu remain", what, n, remaining(tc));
    }
    return SM_OK;
}

enum sm_code sm_tc_read_varint(struct sm_tc *tc, uint64_t *v)
{
    uint64_t out = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (tc->pos >= tc->len) {
            return sm_tc_fail(tc, "varint runs past the end");
        }
        uint8_t b = tc->buf[tc->pos++];
        if (i == 9 && b > 1) {
            return sm_tc_fail(tc, "varint overflows 64 bits");
        }
        out |= (uint64_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            *v = out;
            return SM_OK;
        }
    }
    return sm_tc_fail(tc, "varint longer than 10 bytes");
}

static int64_t unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

enum sm_code sm_tc_read_i64(struct sm_tc *tc, int64_t *v)
{
    uint64_t u = 0;
    enum sm_code rc = sm_tc_read_varint(tc, &u);
    if (rc == SM_OK) {
        *v = unzigzag(u);
    }
    return rc;
}

enum sm_code sm_tc_read_i32(struct sm_tc *tc, int32_t *v)
{
    int64_t w = 0;
    enum sm_code rc = sm_tc_read_i64(tc, &w);
    if (rc != SM_OK) {
        return rc;
    }
    if (w < INT32_MIN || w > INT32_MAX) {
        return sm_tc_fail(tc, "i32 value %lld out of range", (long long)w);
    }
    *v = (int32_t)w;
    return SM_OK;
}

enum sm_code sm_tc_read_binary(struct sm_tc *tc, struct sm_tc_bin *out)
{
    uint64_t n = 0;
    enum sm_code rc = sm_tc_read_varint(tc, &n);
    if (rc != SM_OK) {
        return rc;
    }
    if (n > remaining(tc)) {
        return sm_tc_fail(tc, "binary claims %llu bytes, %zu remain", (unsigned long long)n,
                          remaining(tc));
    }
    out->p = tc->buf + tc->pos;
    out->n = (uint32_t)n;
    tc->pos += (size_t)n;
    return SM_OK;
}

enum sm_code sm_tc_read_list_header(struct sm_tc *tc, uint8_t *elem_type, uint32_t *count)
{
    enum sm_code rc = need(tc, 1, "list header");
    if (rc != SM_OK) {
        return rc;
    }
    uint8_t h = tc->buf[tc->pos++];
    uint64_t n = h >> 4;
    if (n == 15) {
        rc = sm_tc_read_varint(tc, &n);
        if (rc != SM_OK) {
            return rc;
        }
    }
    *elem_type = h & 0x0f;
    /* Every element takes at least one byte on the wire. */
    if (n > remaining(tc)) {
        return sm_tc_fail(tc, "list header claims %llu elements, %zu bytes remain",
                          (unsigned long long)n, remaining(tc));
    }
    *count = (uint32_t)n;
    return SM_OK;
}

static enum sm_code skip_struct(struct sm_tc *tc);

static enum sm_code skip_container(struct sm_tc *tc, uint8_t type)
{
    enum sm_code rc;
    if (type == SM_TC_T_LIST || type == SM_TC_T_SET) {
        uint8_t et = 0;
        uint32_t n = 0;
        rc = sm_tc_read_list_header(tc, &et, &n);
        for (uint32_t i = 0; rc == SM_OK && i < n; i++) {
            /* bools inside containers are one byte each */
            rc = (et == SM_TC_T_TRUE || et == SM_TC_T_FALSE) ? need(tc, 1, "bool")
                                                             : sm_tc_skip(tc, et);
            if (rc == SM_OK && (et == SM_TC_T_TRUE || et == SM_TC_T_FALSE)) {
                tc->pos++;
            }
        }
        return rc;
    }
    /* map: varint size, then a key/value type byte when non-empty */
    uint64_t n = 0;
    rc = sm_tc_read_varint(tc, &n);
    if (rc != SM_OK || n == 0) {
        return rc;
    }
    if (n > remaining(tc)) {
        return sm_tc_fail(tc, "map claims %llu entries, %zu bytes remain", (unsigned long long)n,
                          remaining(tc));
    }
    rc = need(tc, 1, "map types");
    if (rc != SM_OK) {
        return rc;
    }
    uint8_t kv = tc->buf[tc->pos++];
    for (uint64_t i = 0; rc == SM_OK && i < n; i++) {
        rc = sm_tc_skip(tc, (uint8_t)(kv >> 4));
        if (rc == SM_OK) {
            rc = sm_tc_skip(tc, kv & 0x0f);
        }
    }
    return rc;
}

enum sm_code sm_tc_skip(struct sm_tc *tc, uint8_t type)
{
    uint64_t u;
    struct sm_tc_bin b;
    enum sm_code rc = SM_OK;
    switch (type) {
    case SM_TC_T_TRUE:
    case SM_TC_T_FALSE:
        return SM_OK; /* a bool field's value is in its header */
    case SM_TC_T_BYTE:
        rc = need(tc, 1, "byte");
        if (rc == SM_OK) {
            tc->pos++;
        }
        return rc;
    case SM_TC_T_I16:
    case SM_TC_T_I32:
    case SM_TC_T_I64:
        return sm_tc_read_varint(tc, &u);
    case SM_TC_T_DOUBLE:
        rc = need(tc, 8, "double");
        if (rc == SM_OK) {
            tc->pos += 8;
        }
        return rc;
    case SM_TC_T_UUID:
        rc = need(tc, 16, "uuid");
        if (rc == SM_OK) {
            tc->pos += 16;
        }
        return rc;
    case SM_TC_T_BINARY:
        return sm_tc_read_binary(tc, &b);
    case SM_TC_T_LIST:
    case SM_TC_T_SET:
    case SM_TC_T_MAP:
        if (++tc->depth > SM_TC_MAX_DEPTH) {
            return sm_tc_fail(tc, "nesting deeper than %d", SM_TC_MAX_DEPTH);
        }
        rc = skip_container(tc, type);
        tc->depth--;
        return rc;
    case SM_TC_T_STRUCT:
        return skip_struct(tc);
    default:
        return sm_tc_fail(tc, "unknown compact type %u", type);
    }
}

/* Read a field header: *type SM_TC_T_STOP ends the struct. */
static enum sm_code read_field_header(struct sm_tc *tc, int16_t *last_id, uint8_t *type,
                                      int16_t *id)
{
    enum sm_code rc = need(tc, 1, "field header");
    if (rc != SM_OK) {
        return rc;
    }
    uint8_t h = tc->buf[tc->pos++];
    *type = h & 0x0f;
    if (*type == SM_TC_T_STOP) {
        return SM_OK;
    }
    unsigned delta = h >> 4;
    if (delta != 0) {
        int v = *last_id + (int)delta;
        if (v > INT16_MAX) {
            return sm_tc_fail(tc, "field id overflows");
        }
        *id = (int16_t)v;
    } else {
        int32_t v = 0;
        rc = sm_tc_read_i32(tc, &v);
        if (rc != SM_OK) {
            return rc;
        }
        if (v < INT16_MIN || v > INT16_MAX) {
            return sm_tc_fail(tc, "field id %d out of range", (int)v);
        }
        *id = (int16_t)v;
    }
    *last_id = *id;
    return SM_OK;
}

/* What each_field hands every field of a struct to: its id and wire type,
 * with the cursor on the field's value. Anything but SM_OK stops the loop. */
typedef enum sm_code field_fn(struct sm_tc *tc, void *cls, int16_t id, uint8_t type);

/* The one loop over a struct's fields: the nesting cap, the field headers
 * (delta or long form) up to STOP, each field to fn. */
static enum sm_code each_field(struct sm_tc *tc, field_fn *fn, void *cls)
{
    if (++tc->depth > SM_TC_MAX_DEPTH) {
        return sm_tc_fail(tc, "nesting deeper than %d", SM_TC_MAX_DEPTH);
    }
    int16_t last = 0;
    enum sm_code rc;
    for (;;) {
        uint8_t type;
        int16_t id = 0;
        rc = read_field_header(tc, &last, &type, &id);
        if (rc != SM_OK || type == SM_TC_T_STOP) {
            break;
        }
        rc = fn(tc, cls, id, type);
        if (rc != SM_OK) {
            break;
        }
    }
    tc->depth--;
    return rc;
}

static enum sm_code skip_field(struct sm_tc *tc, void *cls, int16_t id, uint8_t type)
{
    (void)cls;
    (void)id;
    return sm_tc_skip(tc, type);
}

static enum sm_code skip_struct(struct sm_tc *tc)
{
    return each_field(tc, skip_field, NULL);
}

/* ---- table-driven structs -------------------------------------------- */

static const char *const type_names[] = {
    "stop",   "bool",   "bool", "byte", "i16", "i32",    "i64",
    "double", "binary", "list", "set",  "map", "struct", "uuid",
};

static const char *type_name(uint8_t t)
{
    return t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "unknown";
}

static bool type_fits(uint8_t kind, uint8_t type)
{
    switch (kind) {
    case SM_TC_K_I32:
        return type == SM_TC_T_BYTE || type == SM_TC_T_I16 || type == SM_TC_T_I32;
    case SM_TC_K_I64:
        return type == SM_TC_T_I64 || type == SM_TC_T_I32 || type == SM_TC_T_I16;
    case SM_TC_K_BOOL:
        return type == SM_TC_T_TRUE || type == SM_TC_T_FALSE;
    case SM_TC_K_BIN:
        return type == SM_TC_T_BINARY;
    case SM_TC_K_STRUCT:
        return type == SM_TC_T_STRUCT;
    case SM_TC_K_LIST_STRUCT:
    case SM_TC_K_LIST_BIN:
    case SM_TC_K_LIST_I32:
        return type == SM_TC_T_LIST || type == SM_TC_T_SET;
    default:
        return true; /* custom decoders check for themselves */
    }
}

static enum sm_code read_int_of_type(struct sm_tc *tc, uint8_t type, int64_t *v)
{
    if (type == SM_TC_T_BYTE) {
        enum sm_code rc = need(tc, 1, "byte");
        if (rc == SM_OK) {
            int b = tc->buf[tc->pos++]; /* Thrift bytes are signed */
            *v = b < 128 ? b : b - 256;
        }
        return rc;
    }
    return sm_tc_read_i64(tc, v);
}

/* An integer of wire type type that must fit an int32, stored at dst;
 * what names it in the error ("value", "element"). */
static enum sm_code read_int32_of_type(struct sm_tc *tc, uint8_t type, const char *name,
                                       const char *what, unsigned char *dst)
{
    int64_t v;
    enum sm_code rc = read_int_of_type(tc, type, &v);
    if (rc == SM_OK && (v < INT32_MIN || v > INT32_MAX)) {
        rc = sm_tc_fail(tc, "%s %s %lld out of range", name, what, (long long)v);
    }
    if (rc == SM_OK) {
        int32_t v32 = (int32_t)v;
        memcpy(dst, &v32, sizeof v32);
    }
    return rc;
}

static enum sm_code read_list(struct sm_tc *tc, const struct sm_tc_field *f, unsigned char *obj)
{
    uint8_t et = 0;
    uint32_t n = 0;
    enum sm_code rc = sm_tc_read_list_header(tc, &et, &n);
    if (rc != SM_OK) {
        return rc;
    }
    uint8_t want = f->kind == SM_TC_K_LIST_STRUCT ? SM_TC_T_STRUCT
                   : f->kind == SM_TC_K_LIST_BIN  ? SM_TC_T_BINARY
                                                  : SM_TC_T_I32;
    bool int_ok =
        want == SM_TC_T_I32 && (et == SM_TC_T_BYTE || et == SM_TC_T_I16 || et == SM_TC_T_I32);
    if (n > 0 && et != want && !int_ok) {
        return sm_tc_fail(tc, "%s elements are %s, expected %s", f->name, type_name(et),
                          type_name(want));
    }
    if (f->limit > 0 && f->limit <= tc->n_limits && n > tc->limits[f->limit - 1].max) {
        const struct sm_tc_limit *l = &tc->limits[f->limit - 1];
        return sm_err_set(tc->err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                          "%s has %u %s, over the limit of %llu (%s)", l->owner, n, l->noun,
                          (unsigned long long)l->max, l->name);
    }
    size_t elem = f->kind == SM_TC_K_LIST_STRUCT ? f->sub->size
                  : f->kind == SM_TC_K_LIST_BIN  ? sizeof(struct sm_tc_bin)
                                                 : sizeof(int32_t);
    unsigned char *arr = NULL;
    if (n > 0) {
        arr = sm_arena_alloc(tc->arena, (size_t)n * elem);
        if (arr == NULL && tc->arena->over_cap) {
            /* the file asks for more than its size allows: the client's fault */
            return sm_err_set(tc->err, SM_E_MALFORMED, 400, SM_RULE_PARQUET_ONLY,
                              "%s byte %llu: a %s list of %u elements would take the decoded "
                              "%s to %zu bytes, over its limit of %zu (%d x its size + %u MiB)",
                              tc->what, (unsigned long long)tc->base + tc->pos, f->name, n,
                              tc->what, tc->arena->used + (size_t)n * elem, tc->arena->cap,
                              SM_PQ_ARENA_FACTOR, SM_PQ_ARENA_EXTRA >> 20);
        }
        if (arr == NULL) {
            return sm_err_set(tc->err, SM_E_NOMEM, 500, SM_RULE_NONE,
                              "%s byte %llu: out of memory for a %s list of %u elements", tc->what,
                              (unsigned long long)tc->base + tc->pos, f->name, n);
        }
    }
    for (uint32_t i = 0; rc == SM_OK && i < n; i++) {
        unsigned char *e = arr + (size_t)i * elem;
        if (f->kind == SM_TC_K_LIST_STRUCT) {
            rc = sm_tc_read_struct(tc, f->sub, e);
        } else if (f->kind == SM_TC_K_LIST_BIN) {
            rc = sm_tc_read_binary(tc, (struct sm_tc_bin *)(void *)e);
        } else {
            rc = read_int32_of_type(tc, et, f->name, "element", e);
        }
    }
    if (rc == SM_OK) {
        memcpy(obj + f->off, &arr, sizeof arr);
        memcpy(obj + f->aux, &n, sizeof n);
    }
    return rc;
}

static enum sm_code read_field(struct sm_tc *tc, const struct sm_tc_field *f, uint8_t type,
                               unsigned char *obj)
{
    int64_t v;
    enum sm_code rc;
    switch (f->kind) {
    case SM_TC_K_I32:
        return read_int32_of_type(tc, type, f->name, "value", obj + f->off);
    case SM_TC_K_I64:
        rc = read_int_of_type(tc, type, &v);
        if (rc == SM_OK) {
            memcpy(obj + f->off, &v, sizeof v);
        }
        return rc;
    case SM_TC_K_BOOL: {
        bool b = type == SM_TC_T_TRUE;
        memcpy(obj + f->off, &b, sizeof b);
        return SM_OK;
    }
    case SM_TC_K_BIN: {
        struct sm_tc_bin bin;
        rc = sm_tc_read_binary(tc, &bin);
        if (rc == SM_OK) {
            memcpy(obj + f->off, &bin, sizeof bin);
        }
        return rc;
    }
    case SM_TC_K_STRUCT:
        return sm_tc_read_struct(tc, f->sub, obj + f->off);
    case SM_TC_K_CUSTOM:
        return f->fn(tc, type, obj + f->off);
    default:
        return read_list(tc, f, obj);
    }
}

struct struct_read {
    const struct sm_tc_desc *desc;
    unsigned char *obj;
    uint32_t present; /* bit i: desc->fields[i] was seen */
};

static enum sm_code struct_field(struct sm_tc *tc, void *cls, int16_t id, uint8_t type)
{
    struct struct_read *sr = cls;
    const struct sm_tc_desc *desc = sr->desc;
    for (size_t idx = 0; idx < desc->n_fields; idx++) {
        const struct sm_tc_field *f = &desc->fields[idx];
        if (f->id != id) {
            continue;
        }
        if (!type_fits(f->kind, type)) {
            return sm_tc_fail(tc, "%s.%s has wire type %s", desc->name, f->name, type_name(type));
        }
        sr->present |= 1u << idx;
        return read_field(tc, f, type, sr->obj);
    }
    return sm_tc_skip(tc, type); /* a field we do not model */
}

enum sm_code sm_tc_read_struct(struct sm_tc *tc, const struct sm_tc_desc *desc, void *objv)
{
    struct struct_read sr = {.desc = desc, .obj = objv};
    enum sm_code rc = each_field(tc, struct_field, &sr);
    if (rc != SM_OK) {
        return rc;
    }
    for (size_t i = 0; i < desc->n_fields; i++) {
        if (desc->fields[i].required && (sr.present & (1u << i)) == 0) {
            return sm_tc_fail(tc, "%s ends without its required field %s", desc->name,
                              desc->fields[i].name);
        }
    }
    memcpy(sr.obj + desc->present_off, &sr.present, sizeof sr.present);
    return SM_OK;
}

struct union_read {
    const struct sm_tc_desc *const *members;
    size_t n_members;
    int32_t *which;
    void *member;
};

static enum sm_code union_field(struct sm_tc *tc, void *cls, int16_t id, uint8_t type)
{
    struct union_read *ur = cls;
    if (id > 0 && (size_t)id < ur->n_members && ur->members[id] != NULL && type == SM_TC_T_STRUCT &&
        *ur->which == 0) {
        *ur->which = id;
        return sm_tc_read_struct(tc, ur->members[id], ur->member);
    }
    if (*ur->which == 0 && id > 0) {
        *ur->which = id; /* a member we do not model: remember which */
    }
    return sm_tc_skip(tc, type);
}

enum sm_code sm_tc_read_union(struct sm_tc *tc, const struct sm_tc_desc *const *members,
                              size_t n_members, int32_t *which, void *member)
{
    struct union_read ur = {members, n_members, which, member};
    *which = 0;
    return each_field(tc, union_field, &ur);
}
