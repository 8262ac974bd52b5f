/*
 * sm_json.h - exact integers and valid UTF-8 in the JSON stagemock writes,
 * and exact integers in the JSON it reads back (header-only and static, so
 * the server, the runner, the fixtures and the client CLI share one copy of
 * the rules while each library keeps its own symbol prefix).
 *
 * Why: cJSON keeps numbers as doubles. cJSON_AddNumberToObject prints a
 * value beyond the int range with "%1.15g", so a 16-digit microsecond
 * timestamp can come out as 1.79632631374065e+15, and a 64-bit seed loses
 * its low digits; parsing goes through strtod, so reading one back is lossy
 * as well.
 * What: sm_json_add_i64/_u64 write an integer exactly (within the int range
 * as a cJSON number, which cJSON prints with "%d"; beyond it as a raw
 * literal); sm_json_print prints a tree and replaces any invalid UTF-8 byte
 * (a name or a message from the outside) with U+FFFD; sm_json_parse parses
 * like cJSON but leaves each number's literal text in its valuestring, so
 * sm_json_get_i64/_u64 read integers exactly over the whole 64-bit range.
 * Not here: what the documents contain.
 */
#ifndef SM_JSON_H
#define SM_JSON_H

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sm_utf8.h"

/* An integer item that prints exactly; NULL when out of memory. */
static inline cJSON *sm_json_create_i64(int64_t v)
{
    if (v >= INT_MIN && v <= INT_MAX) {
        return cJSON_CreateNumber((double)v); /* printed with "%d": exact */
    }
    char lit[24];
    (void)snprintf(lit, sizeof lit, "%" PRId64, v);
    return cJSON_CreateRaw(lit);
}

static inline cJSON *sm_json_create_u64(uint64_t v)
{
    if (v <= INT_MAX) {
        return cJSON_CreateNumber((double)v);
    }
    char lit[24];
    (void)snprintf(lit, sizeof lit, "%" PRIu64, v);
    return cJSON_CreateRaw(lit);
}

/* Add name: it to obj, taking it (deleted when it cannot be added); returns
 * it, or NULL when it was NULL or out of memory. */
static inline cJSON *sm_json_add_item(cJSON *obj, const char *name, cJSON *it)
{
    if (it != NULL && !cJSON_AddItemToObject(obj, name, it)) {
        cJSON_Delete(it);
        it = NULL;
    }
    return it;
}

/* Add name: v to obj; returns the item, or NULL when out of memory. */
static inline cJSON *sm_json_add_i64(cJSON *obj, const char *name, int64_t v)
{
    return sm_json_add_item(obj, name, sm_json_create_i64(v));
}

static inline cJSON *sm_json_add_u64(cJSON *obj, const char *name, uint64_t v)
{
    return sm_json_add_item(obj, name, sm_json_create_u64(v));
}

/* Add name: v, or name: null when v is NULL (a field that is always
 * there); returns the item, or NULL when out of memory. */
static inline cJSON *sm_json_add_str_or_null(cJSON *obj, const char *name, const char *v)
{
    return v != NULL ? cJSON_AddStringToObject(obj, name, v) : cJSON_AddNullToObject(obj, name);
}

/* Add name: v when v is not NULL (a field left out when unknown); false
 * only when out of memory. */
static inline bool sm_json_add_str_opt(cJSON *obj, const char *name, const char *v)
{
    return v == NULL || cJSON_AddStringToObject(obj, name, v) != NULL;
}

/* Keep text (from cJSON's allocator) if it is valid UTF-8, else swap it for
 * a repaired copy; NULL when out of memory. Free the result with free(). */
static inline char *sm_json_text_utf8(char *text)
{
    if (text == NULL) {
        return NULL;
    }
    size_t len = strlen(text);
    if (sm_utf8_valid(text, len)) {
        return text;
    }
    /* only string contents can hold bytes >= 0x80: U+FFFD stays inside them */
    char *fixed = sm_utf8_repair(text, len, NULL);
    cJSON_free(text);
    return fixed;
}

/* cJSON_PrintUnformatted with valid UTF-8 guaranteed. */
static inline char *sm_json_print(const cJSON *item)
{
    return sm_json_text_utf8(cJSON_PrintUnformatted(item));
}

/* cJSON_Print (indented) with valid UTF-8 guaranteed. */
static inline char *sm_json_print_pretty(const cJSON *item)
{
    return sm_json_text_utf8(cJSON_Print(item));
}

/* Next number literal in JSON text at or after *pos (strings skipped); its
 * start and length, or false at the end. */
static inline bool sm_json_next_number(const char *text, size_t len, size_t *pos, size_t *start,
                                       size_t *n)
{
    size_t i = *pos;
    while (i < len) {
        char c = text[i];
        if (c == '"') {
            for (i++; i < len && text[i] != '"'; i++) {
                i += text[i] == '\\'; /* the escaped byte is never the closing quote */
            }
            i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t b = i;
            while (i < len && strchr("0123456789+-.eE", text[i]) != NULL && text[i] != '\0') {
                i++;
            }
            *start = b;
            *n = i - b;
            *pos = i;
            return true;
        } else {
            i++;
        }
    }
    *pos = len;
    return false;
}

/* Give each number item under it, in document order, its literal. */
static inline bool sm_json_attach_literals(cJSON *it, const char *text, size_t len, size_t *pos)
{
    for (; it != NULL; it = it->next) {
        if (cJSON_IsNumber(it)) {
            size_t b, n;
            if (!sm_json_next_number(text, len, pos, &b, &n)) {
                return false;
            }
            char *lit = cJSON_malloc(n + 1);
            if (lit == NULL) {
                return false;
            }
            memcpy(lit, text + b, n);
            lit[n] = '\0';
            it->valuestring = lit; /* cJSON_Delete frees it */
        } else if (it->child != NULL && !sm_json_attach_literals(it->child, text, len, pos)) {
            return false;
        }
    }
    return true;
}

/* Parse like cJSON_ParseWithLength; number items keep their literal text in
 * valuestring for sm_json_get_i64/_u64. NULL when the text does not parse or
 * memory is short. */
static inline cJSON *sm_json_parse(const char *text, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    size_t pos = 0;
    if (root != NULL && !sm_json_attach_literals(root, text, len, &pos)) {
        cJSON_Delete(root);
        root = NULL;
    }
    return root;
}

static inline void sm_json_numbers_to_raw(cJSON *it)
{
    for (; it != NULL; it = it->next) {
        if (cJSON_IsNumber(it) && it->valuestring != NULL) {
            it->type = cJSON_Raw | (it->type & cJSON_StringIsConst); /* prints its literal */
        } else if (it->child != NULL) {
            sm_json_numbers_to_raw(it->child);
        }
    }
}

/* Parse a document only to embed it in another one: every number becomes a
 * raw item holding its literal, so it prints exactly as it was written. */
static inline cJSON *sm_json_parse_verbatim(const char *text, size_t len)
{
    cJSON *root = sm_json_parse(text, len);
    sm_json_numbers_to_raw(root);
    return root;
}

/* The literal of an integer item ("-"? digits), or NULL: a parsed number
 * (sm_json_parse) or a raw item as sm_json_create_i64/_u64 make, so a tree
 * built in memory reads back like a parsed one. */
static inline const char *sm_json_int_literal(const cJSON *it)
{
    if (!(cJSON_IsNumber(it) || cJSON_IsRaw(it)) || it->valuestring == NULL) {
        return NULL;
    }
    const char *s = it->valuestring;
    const char *d = s + (s[0] == '-');
    if (*d == '\0' || strspn(d, "0123456789") != strlen(d)) {
        return NULL; /* a fraction or an exponent: not an integer as written */
    }
    return s;
}

/* The value of an integer item, exactly: true and *out, or false when it is
 * not a number, not written as an integer, or out of range. Items from
 * cJSON_Parse (no literal) fall back to the double when it is an integer of
 * at most 2^53. */
static inline bool sm_json_get_i64(const cJSON *it, int64_t *out)
{
    const char *lit = sm_json_int_literal(it);
    if (lit != NULL) {
        errno = 0;
        char *end = NULL;
        long long v = strtoll(lit, &end, 10);
        if (errno != 0 || *end != '\0') {
            return false;
        }
        *out = (int64_t)v;
        return true;
    }
    if (!cJSON_IsNumber(it) || it->valuestring != NULL) {
        return false;
    }
    double d = it->valuedouble;
    if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || (double)(int64_t)d != d) {
        return false;
    }
    *out = (int64_t)d;
    return true;
}

static inline bool sm_json_get_u64(const cJSON *it, uint64_t *out)
{
    const char *lit = sm_json_int_literal(it);
    if (lit != NULL) {
        if (lit[0] == '-') {
            return false;
        }
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(lit, &end, 10);
        if (errno != 0 || *end != '\0') {
            return false;
        }
        *out = (uint64_t)v;
        return true;
    }
    int64_t v = 0; /* gcc -O1 (MODE=tsan) cannot see sm_json_get_i64 set it */
    if (!sm_json_get_i64(it, &v) || v < 0) {
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

#endif
