/*
 * scenario_parse.c - scenario JSON documents into struct sm_scn_doc.
 *
 * What: the top level (seed, initial_state, preload, rules), each rule's
 * match and action, and the checks that make a rule executable (a canned
 * response needs a status; a fault offset needs a kind; a rule decided on body
 * fields cannot act before the body), and reading a document from a file.
 * Design: cJSON parses; every field is read through one checker per type that
 * names the path on failure ("rules[3].match.nth: expected a positive
 * integer"), and unknown fields are errors so a typo never silently matches
 * everything. Rules are built in caller storage and cleaned on failure with
 * scenario_model.c's cleanups: the parser calls down into the model, never
 * the other way.
 * Not here: the structs' lifecycle and the reverse, a rule back to JSON
 * (scenario_model.c), deciding requests (scenario.c), --fault specs
 * (fault_spec.c), touching sockets (scenario_run.c).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "../../../common/sm_base64.h"
#include "../../../common/sm_file.h"
#include "../../../common/sm_json.h"

#include "scenario.h"

#define SCN_MAX_DOC (4u << 20) /* 4 MiB of JSON is far more than any scenario */
#define SCN_RULE    SM_RULE_SCENARIO

static enum sm_code bad(struct sm_error *err, const char *where, const char *field,
                        const char *what)
{
    return sm_err_set(err, SM_E_MALFORMED, 400, SCN_RULE, "%s%s%s: %s", where, *field ? "." : "",
                      field, what);
}

/* "a.b" into dst, cut to fit (paths in messages only). */
static void path_join(char *dst, size_t size, const char *a, const char *b)
{
    int n = snprintf(dst, size, "%s%s%s", a, *a && *b ? "." : "", b);
    if (n < 0) {
        dst[0] = '\0';
    }
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL) {
        memcpy(d, s, n);
    }
    return d;
}

/* Fields allowed in obj; anything else is an error naming it. */
static enum sm_code only_fields(const cJSON *obj, const char *where, const char *const *allowed,
                                struct sm_error *err)
{
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL && !ok; i++) {
            ok = it->string != NULL && strcmp(it->string, allowed[i]) == 0;
        }
        if (!ok) {
            return bad(err, where, it->string ? it->string : "?", "unknown field");
        }
    }
    return SM_OK;
}

static enum sm_code get_u64(const cJSON *obj, const char *where, const char *field, uint64_t min,
                            uint64_t *out, struct sm_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (v == NULL) {
        return SM_OK;
    }
    uint64_t u = 0;
    double d = cJSON_IsNumber(v) ? v->valuedouble : -1.0;
    if (sm_json_get_u64(v, &u)) { /* exact over the whole range (sm_json_parse) */
        d = 0.0;
    } else if (d >= 0.0 && d <= 9007199254740992.0 && floor(d) == d) {
        u = (uint64_t)d; /* written with an exponent, but integral */
    } else {
        d = -1.0;
    }
    if (d < 0.0 || u < min) {
        return bad(err, where, field,
                   min > 0 ? "expected a positive integer" : "expected an integer >= 0");
    }
    *out = u;
    return SM_OK;
}

static enum sm_code get_bool(const cJSON *obj, const char *where, const char *field, bool *out,
                             struct sm_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (v == NULL) {
        return SM_OK;
    }
    if (!cJSON_IsBool(v)) {
        return bad(err, where, field, "expected true or false");
    }
    *out = cJSON_IsTrue(v);
    return SM_OK;
}

/* A non-empty string (copied into *out), or absent. */
static enum sm_code get_str(const cJSON *obj, const char *where, const char *field, char **out,
                            struct sm_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (v == NULL) {
        return SM_OK;
    }
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
        return bad(err, where, field, "expected a non-empty string");
    }
    *out = dup_str(v->valuestring);
    return *out ? SM_OK : sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
}

static bool header_name_ok(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c >= 127 || c == ':') {
            return false;
        }
    }
    return true;
}

static bool header_value_ok(const char *s)
{
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n') {
            return false;
        }
    }
    return true;
}

/* "headers": {"Name": "value" | true}; true (presence) only when allow_presence. */
static enum sm_code get_headers(const cJSON *obj, const char *where, bool allow_presence,
                                struct sm_scn_header **out, size_t *n_out, struct sm_error *err)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(obj, "headers");
    if (h == NULL) {
        return SM_OK;
    }
    if (!cJSON_IsObject(h)) {
        return bad(err, where, "headers", "expected an object of header names");
    }
    size_t n = (size_t)cJSON_GetArraySize(h);
    if (n == 0) {
        return SM_OK;
    }
    *out = calloc(n, sizeof **out);
    if (*out == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
    }
    for (const cJSON *it = h->child; it != NULL; it = it->next) {
        struct sm_scn_header *e = &(*out)[*n_out];
        char field[160];
        path_join(field, sizeof field, "headers", it->string ? it->string : "");
        if (it->string == NULL || !header_name_ok(it->string)) {
            return bad(err, where, field, "not a valid header name");
        }
        if (cJSON_IsString(it) && header_value_ok(it->valuestring)) {
            e->value = dup_str(it->valuestring);
        } else if (!(allow_presence && cJSON_IsTrue(it))) {
            return bad(err, where, field,
                       allow_presence ? "expected a string value or true (present)"
                                      : "expected a string without CR or LF");
        }
        e->name = dup_str(it->string);
        (*n_out)++;
        if (e->name == NULL || (cJSON_IsString(it) && e->value == NULL)) {
            return sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
        }
    }
    return SM_OK;
}

static enum sm_code endpoint_bit(const char *name, unsigned *bits)
{
    static const struct {
        const char *name;
        unsigned bit;
    } tab[] = {{"upload", SM_SCN_EP_UPLOAD}, {"download", SM_SCN_EP_DOWNLOAD},
               {"list", SM_SCN_EP_LIST},     {"other", SM_SCN_EP_OTHER},
               {"any", SM_SCN_EP_ALL},       {"*", SM_SCN_EP_ALL}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (strcmp(name, tab[i].name) == 0) {
            *bits |= tab[i].bit;
            return SM_OK;
        }
    }
    return SM_E_MALFORMED;
}

static enum sm_code parse_endpoints(const cJSON *m, const char *where, unsigned *bits,
                                    struct sm_error *err)
{
    static const char msg[] = "expected upload, download, list, other, any, or an array of them";
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "endpoint");
    *bits = 0;
    if (v == NULL) {
        *bits = SM_SCN_EP_ALL;
        return SM_OK;
    }
    if (cJSON_IsString(v)) {
        return endpoint_bit(v->valuestring, bits) ? bad(err, where, "endpoint", msg) : SM_OK;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
        return bad(err, where, "endpoint", msg);
    }
    for (const cJSON *it = v->child; it != NULL; it = it->next) {
        if (!cJSON_IsString(it) || endpoint_bit(it->valuestring, bits) != SM_OK) {
            return bad(err, where, "endpoint", msg);
        }
    }
    return SM_OK;
}

static enum sm_code parse_match(const cJSON *m, const char *where, struct sm_scn_match *out,
                                struct sm_error *err)
{
    static const char *const fields[] = {"endpoint", "stage", "file",  "key",         "headers",
                                         "state",    "nth",   "times", "probability", NULL};
    enum sm_code rc = SM_OK;
    out->probability = 1.0;
    if (!cJSON_IsObject(m)) {
        return bad(err, where, "", "expected an object");
    }
    if ((rc = only_fields(m, where, fields, err)) ||
        (rc = parse_endpoints(m, where, &out->endpoints, err)) ||
        (rc = get_str(m, where, "stage", &out->stage, err)) ||
        (rc = get_str(m, where, "file", &out->file, err)) ||
        (rc = get_str(m, where, "key", &out->key, err)) ||
        (rc = get_str(m, where, "state", &out->state, err)) ||
        (rc = get_headers(m, where, true, &out->headers, &out->n_headers, err)) ||
        (rc = get_u64(m, where, "nth", 1, &out->nth, err)) ||
        (rc = get_u64(m, where, "times", 1, &out->times, err))) {
        return rc;
    }
    if (out->nth > 0 && cJSON_GetObjectItemCaseSensitive(m, "times") == NULL) {
        out->times = 1;
    }
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "probability");
    if (p != NULL) {
        if (!cJSON_IsNumber(p) || !(p->valuedouble >= 0.0 && p->valuedouble <= 1.0)) {
            return bad(err, where, "probability", "expected a number from 0 to 1");
        }
        out->probability = p->valuedouble;
    }
    return SM_OK;
}

static enum sm_code parse_conn(const char *s, enum sm_scn_conn *out, bool allow_stall)
{
    if (strcmp(s, "close") == 0) {
        *out = SM_SCN_CONN_CLOSE;
    } else if (strcmp(s, "reset") == 0) {
        *out = SM_SCN_CONN_RESET;
    } else if (allow_stall && strcmp(s, "stall") == 0) {
        *out = SM_SCN_CONN_STALL;
    } else {
        return SM_E_MALFORMED;
    }
    return SM_OK;
}

/* {"after_bytes": N, "do": "reset"|"close"|"stall"} */
static enum sm_code parse_fault(const cJSON *a, const char *where, const char *field,
                                struct sm_scn_fault *out, struct sm_error *err)
{
    static const char *const fields[] = {"after_bytes", "do", NULL};
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(a, field);
    char sub[160];
    enum sm_code rc;
    if (f == NULL) {
        return SM_OK;
    }
    path_join(sub, sizeof sub, where, field);
    if (!cJSON_IsObject(f)) {
        return bad(err, where, field, "expected {\"after_bytes\": N, \"do\": \"reset\"}");
    }
    if ((rc = only_fields(f, sub, fields, err)) ||
        (rc = get_u64(f, sub, "after_bytes", 0, &out->after_bytes, err))) {
        return rc;
    }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(f, "do");
    if (!cJSON_IsString(d) || parse_conn(d->valuestring, &out->what, true) != SM_OK) {
        return bad(err, sub, "do", "expected reset, close or stall");
    }
    if (cJSON_GetObjectItemCaseSensitive(f, "after_bytes") == NULL) {
        return bad(err, sub, "after_bytes", "missing (the byte offset where the fault fires)");
    }
    return SM_OK;
}

/* body_base64's text, strictly: the standard alphabet with padding, a
 * multiple of 4 long, no whitespace (smx_base64_decode alone would accept
 * the URL-safe alphabet, line breaks and an unpadded tail). A fresh
 * NUL-terminated buffer (*n bytes before the NUL), or NULL. */
static char *decode_strict_base64(const char *text, size_t *n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    size_t len = strlen(text);
    if (len % 4 != 0 || strspn(text, alphabet) != len) {
        return NULL;
    }
    uint8_t *out = malloc(len / 4 * 3 + 3);
    if (out == NULL) {
        return NULL;
    }
    struct smx_base64_dec d = {0};
    size_t got = smx_base64_decode(&d, text, len, out);
    size_t tail = 0;
    if (!smx_base64_finish(&d, out + got, &tail)) {
        free(out);
        return NULL;
    }
    *n = got + tail;
    out[*n] = 0;
    return (char *)out;
}

static enum sm_code parse_body(const cJSON *a, const char *where, struct sm_scn_action *out,
                               struct sm_error *err)
{
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(a, "message");
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(a, "body");
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(a, "body_base64");
    if (msg != NULL && body != NULL) {
        return bad(err, where, "message", "give either message or body, not both");
    }
    if (b64 != NULL && (msg != NULL || body != NULL)) {
        return bad(err, where, "body_base64", "give it alone, without message or body");
    }
    if (b64 != NULL) {
        /* any bytes, NULs and non-UTF-8 included (a recorded download) */
        size_t n = 0;
        if (!cJSON_IsString(b64) ||
            (out->body = decode_strict_base64(b64->valuestring, &n)) == NULL) {
            return bad(err, where, "body_base64", "expected base64 text (RFC 4648, padded)");
        }
        out->body_len = n;
        return SM_OK;
    }
    if (msg != NULL) {
        if (!cJSON_IsString(msg)) {
            return bad(err, where, "message", "expected a string");
        }
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || cJSON_AddStringToObject(o, "message", msg->valuestring) == NULL ||
            (out->body = sm_json_print(o)) == NULL) {
            cJSON_Delete(o);
            return sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
        }
        cJSON_Delete(o);
        out->body_len = strlen(out->body);
        if (out->content_type == NULL &&
            (out->content_type = dup_str("application/json")) == NULL) {
            return sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
        }
    } else if (body != NULL) {
        if (!cJSON_IsString(body)) {
            return bad(err, where, "body", "expected a string");
        }
        if ((out->body = dup_str(body->valuestring)) == NULL) {
            return sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
        }
        out->body_len = strlen(out->body);
    }
    return SM_OK;
}

static enum sm_code parse_dribble(const cJSON *a, const char *where, struct sm_scn_action *out,
                                  struct sm_error *err)
{
    static const char *const fields[] = {"chunk_bytes", "interval_ms", NULL};
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(a, "dribble");
    char sub[160];
    enum sm_code rc;
    if (d == NULL) {
        return SM_OK;
    }
    path_join(sub, sizeof sub, where, "dribble");
    if (!cJSON_IsObject(d)) {
        return bad(err, where, "dribble", "expected {\"chunk_bytes\": N, \"interval_ms\": M}");
    }
    if ((rc = only_fields(d, sub, fields, err)) ||
        (rc = get_u64(d, sub, "chunk_bytes", 1, &out->dribble_bytes, err)) ||
        (rc = get_u64(d, sub, "interval_ms", 0, &out->dribble_interval_ms, err))) {
        return rc;
    }
    if (out->dribble_bytes == 0) {
        return bad(err, sub, "chunk_bytes", "expected a positive integer");
    }
    return SM_OK;
}

static enum sm_code parse_action_fields(const cJSON *a, const char *where,
                                        struct sm_scn_action *out, struct sm_error *err)
{
    enum sm_code rc;
    uint64_t status = 0;
    const cJSON *conn = cJSON_GetObjectItemCaseSensitive(a, "connection");
    if ((rc = get_bool(a, where, "real", &out->real, err)) ||
        (rc = get_u64(a, where, "status", 1, &status, err)) ||
        (rc = get_str(a, where, "content_type", &out->content_type, err)) ||
        (rc = parse_body(a, where, out, err)) ||
        (rc = get_headers(a, where, false, &out->headers, &out->n_headers, err)) ||
        (rc = get_u64(a, where, "delay_ms", 0, &out->delay_ms, err)) ||
        (rc = parse_dribble(a, where, out, err)) ||
        (rc = get_u64(a, where, "truncate_at", 0, &out->truncate_at, err)) ||
        (rc = get_u64(a, where, "content_length", 1, &out->content_length, err)) ||
        (rc = get_bool(a, where, "lose_response", &out->lose_response, err)) ||
        (rc = get_bool(a, where, "before_body", &out->before_body, err)) ||
        (rc = get_bool(a, where, "refuse_continue", &out->refuse_continue, err)) ||
        (rc = get_u64(a, where, "read_rate", 1, &out->read_rate, err)) ||
        (rc = parse_fault(a, where, "request_fault", &out->request_fault, err)) ||
        (rc = parse_fault(a, where, "response_fault", &out->response_fault, err)) ||
        (rc = get_str(a, where, "set_state", &out->set_state, err))) {
        return rc;
    }
    if (cJSON_GetObjectItemCaseSensitive(a, "status") != NULL && (status < 100 || status > 599)) {
        return bad(err, where, "status", "expected an HTTP status from 100 to 599");
    }
    out->status = (int)status;
    out->truncate = cJSON_GetObjectItemCaseSensitive(a, "truncate_at") != NULL;
    if (conn != NULL && (!cJSON_IsString(conn) ||
                         parse_conn(conn->valuestring, &out->connection, false) != SM_OK)) {
        return bad(err, where, "connection", "expected close or reset");
    }
    return SM_OK;
}

/* Combinations that cannot be executed. */
static enum sm_code check_action(const struct sm_scn_action *a, const struct sm_scn_match *m,
                                 const char *where, struct sm_error *err)
{
    bool responds = a->status != 0 || a->real || a->lose_response;
    bool faults = a->connection != SM_SCN_CONN_NONE || a->request_fault.what != SM_SCN_CONN_NONE;
    if (a->real && a->lose_response) {
        return bad(err, where, "lose_response", "already runs the real behaviour; drop real");
    }
    if (a->connection != SM_SCN_CONN_NONE && (a->status != 0 || a->real || a->lose_response)) {
        return bad(err, where, "connection", "closes instead of answering; drop status/real");
    }
    if ((a->body != NULL || a->n_headers > 0 || a->content_type != NULL) && !responds) {
        return bad(err, where, a->body ? "body" : "headers",
                   "needs status (a canned answer) or real (alter the real one)");
    }
    if (!responds && !faults && a->set_state == NULL && a->delay_ms == 0 && a->read_rate == 0 &&
        !a->refuse_continue && !a->truncate && a->dribble_bytes == 0 &&
        a->response_fault.what == SM_SCN_CONN_NONE) {
        return bad(err, where, "",
                   "does nothing: give status, real, connection, lose_response, a fault, "
                   "delay_ms, dribble, truncate_at, read_rate, refuse_continue or set_state");
    }
    if (a->before_body && (a->real || a->lose_response)) {
        return bad(err, where, "before_body", "cannot run the real behaviour without the body");
    }
    if (a->before_body && a->status == 0 && a->connection == SM_SCN_CONN_NONE) {
        return bad(err, where, "before_body", "needs status or connection");
    }
    if (a->truncate && a->content_length != 0 && a->content_length <= a->truncate_at) {
        return bad(err, where, "content_length", "must be larger than truncate_at");
    }
    if (sm_scn_match_needs_body(m) && (a->before_body || a->refuse_continue || a->read_rate != 0 ||
                                       a->request_fault.what != SM_SCN_CONN_NONE)) {
        return bad(err, where, "before_body",
                   "request-side actions cannot match on stage or file (known only from the body)");
    }
    return SM_OK;
}

static enum sm_code parse_action(const cJSON *a, const char *where, const struct sm_scn_match *m,
                                 struct sm_scn_action *out, struct sm_error *err)
{
    static const char *const fields[] = {
        "real",           "status",        "message",        "body",        "body_base64",
        "content_type",   "headers",       "delay_ms",       "dribble",     "truncate_at",
        "content_length", "connection",    "lose_response",  "before_body", "refuse_continue",
        "read_rate",      "request_fault", "response_fault", "set_state",   NULL};
    enum sm_code rc;
    if (!cJSON_IsObject(a)) {
        return bad(err, where, "", "expected an object");
    }
    if ((rc = only_fields(a, where, fields, err)) ||
        (rc = parse_action_fields(a, where, out, err))) {
        return rc;
    }
    return check_action(out, m, where, err);
}

enum sm_code sm_scn_rule_parse(const cJSON *obj, const char *where, struct sm_scn_rule *out,
                               struct sm_error *err)
{
    static const char *const fields[] = {"name", "match", "action", NULL};
    char sub[160];
    enum sm_code rc;
    memset(out, 0, sizeof *out);
    out->match.endpoints = SM_SCN_EP_ALL;
    out->match.probability = 1.0;
    if (!cJSON_IsObject(obj)) {
        rc = bad(err, where, "", "expected an object with match and action");
        goto fail;
    }
    if ((rc = only_fields(obj, where, fields, err)) ||
        (rc = get_str(obj, where, "name", &out->name, err))) {
        goto fail;
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "match");
    path_join(sub, sizeof sub, where, "match");
    if (m != NULL && (rc = parse_match(m, sub, &out->match, err)) != SM_OK) {
        goto fail;
    }
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, "action");
    if (a == NULL) {
        rc = bad(err, where, "action", "missing");
        goto fail;
    }
    path_join(sub, sizeof sub, where, "action");
    if ((rc = parse_action(a, sub, &out->match, &out->action, err)) != SM_OK) {
        goto fail;
    }
    return SM_OK;
fail:
    sm_scn_rule_cleanup(out);
    return rc;
}

static bool plain_name(const char *s)
{
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strlen(s) > 1024) {
        return false;
    }
    for (; *s; s++) {
        if (*s == '/' || (unsigned char)*s < 0x20) {
            return false;
        }
    }
    return true;
}

static char *join_path(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
    char *p = malloc(n);
    if (p != NULL) {
        snprintf(p, n, "%s/%s/%s", a, b, c);
    }
    return p;
}

/* "preload": {"dir": "files", "stages": {"s1": ["a.parquet", ...]}} */
static enum sm_code parse_preload(const cJSON *p, const char *base_dir, struct sm_scn_doc *doc,
                                  struct sm_error *err)
{
    static const char *const fields[] = {"dir", "stages", NULL};
    enum sm_code rc;
    if (!cJSON_IsObject(p)) {
        return bad(err, "preload", "", "expected {\"dir\": DIR, \"stages\": {STAGE: [names]}}");
    }
    if ((rc = only_fields(p, "preload", fields, err)) != SM_OK) {
        return rc;
    }
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(p, "dir");
    const cJSON *stages = cJSON_GetObjectItemCaseSensitive(p, "stages");
    if (dir != NULL && (!cJSON_IsString(dir) || dir->valuestring[0] == '\0')) {
        return bad(err, "preload", "dir", "expected a non-empty string");
    }
    if (!cJSON_IsObject(stages)) {
        return bad(err, "preload", "stages", "expected an object of stage name to file names");
    }
    const char *d = dir ? dir->valuestring : ".";
    size_t n = (size_t)cJSON_GetArraySize(stages);
    doc->preload = calloc(n ? n : 1, sizeof *doc->preload);
    if (doc->preload == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
    }
    for (const cJSON *st = stages->child; st != NULL; st = st->next) {
        struct sm_scn_preload *pl = &doc->preload[doc->n_preload++];
        char where[160];
        path_join(where, sizeof where, "preload.stages", st->string);
        if (!cJSON_IsArray(st) || (pl->stage = dup_str(st->string)) == NULL) {
            return bad(err, where, "", "expected an array of file names");
        }
        size_t k = (size_t)cJSON_GetArraySize(st);
        pl->names = calloc(k ? k : 1, sizeof *pl->names);
        pl->paths = calloc(k ? k : 1, sizeof *pl->paths);
        if (pl->names == NULL || pl->paths == NULL) {
            return sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
        }
        for (const cJSON *f = st->child; f != NULL; f = f->next) {
            char idx[32];
            snprintf(idx, sizeof idx, "[%zu]", pl->n_names);
            if (!cJSON_IsString(f) || !plain_name(f->valuestring)) {
                return sm_err_set(err, SM_E_MALFORMED, 400, SCN_RULE,
                                  "%s%s: expected a file name without '/' or control characters",
                                  where, idx);
            }
            pl->names[pl->n_names] = dup_str(f->valuestring);
            pl->paths[pl->n_names] = join_path(base_dir, d, f->valuestring);
            if (pl->names[pl->n_names++] == NULL || pl->paths[pl->n_names - 1] == NULL) {
                return sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
            }
        }
    }
    return SM_OK;
}

static enum sm_code parse_doc(const cJSON *root, const char *base_dir, struct sm_scn_doc *doc,
                              struct sm_error *err)
{
    static const char *const fields[] = {"description", "seed",  "initial_state",
                                         "preload",     "rules", NULL};
    enum sm_code rc;
    if (!cJSON_IsObject(root)) {
        return bad(err, "scenario", "", "expected a JSON object with \"rules\"");
    }
    if ((rc = only_fields(root, "scenario", fields, err)) ||
        (rc = get_u64(root, "scenario", "seed", 0, &doc->seed, err)) ||
        (rc = get_str(root, "scenario", "initial_state", &doc->initial_state, err))) {
        return rc;
    }
    doc->has_seed = cJSON_GetObjectItemCaseSensitive(root, "seed") != NULL;
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "preload");
    if (pre != NULL && (rc = parse_preload(pre, base_dir, doc, err)) != SM_OK) {
        return rc;
    }
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(root, "rules");
    if (rules == NULL) {
        return SM_OK;
    }
    if (!cJSON_IsArray(rules)) {
        return bad(err, "rules", "", "expected an array of rules");
    }
    size_t n = (size_t)cJSON_GetArraySize(rules);
    doc->rules = calloc(n ? n : 1, sizeof *doc->rules);
    if (doc->rules == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
    }
    for (const cJSON *r = rules->child; r != NULL; r = r->next) {
        char where[32];
        snprintf(where, sizeof where, "rules[%zu]", doc->n_rules);
        if ((rc = sm_scn_rule_parse(r, where, &doc->rules[doc->n_rules], err)) != SM_OK) {
            return rc;
        }
        doc->n_rules++;
    }
    return SM_OK;
}

enum sm_code sm_scn_doc_parse(const char *json, size_t len, const char *base_dir,
                              struct sm_scn_doc **out, struct sm_error *err)
{
    *out = NULL;
    if (len > SCN_MAX_DOC) {
        return sm_err_set(err, SM_E_TOO_LARGE, 413, SCN_RULE, "scenario: over %u bytes",
                          SCN_MAX_DOC);
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
    size_t lit_pos = 0;
    if (root != NULL && !sm_json_attach_literals(root, json, len, &lit_pos)) {
        cJSON_Delete(root);
        return sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "scenario: out of memory");
    }
    if (root == NULL) {
        size_t off = end && end >= json ? (size_t)(end - json) : 0;
        size_t line = 1;
        for (size_t i = 0; i < off && i < len; i++) {
            line += json[i] == '\n';
        }
        return sm_err_set(err, SM_E_MALFORMED, 400, SCN_RULE,
                          "scenario: not valid JSON near line %zu (byte %zu)", line, off);
    }
    struct sm_scn_doc *doc = calloc(1, sizeof *doc);
    enum sm_code rc = doc ? parse_doc(root, base_dir ? base_dir : ".", doc, err)
                          : sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
    cJSON_Delete(root);
    if (rc != SM_OK) {
        sm_scn_doc_free(doc);
        return rc;
    }
    *out = doc;
    return SM_OK;
}

enum sm_code sm_scn_doc_load(const char *path, struct sm_scn_doc **out, struct sm_error *err)
{
    *out = NULL;
    size_t n = 0;
    int e = 0;
    char *buf = smx_file_read(path, SCN_MAX_DOC, &n, &e);
    char *dir = NULL;
    enum sm_code rc = SM_OK;
    if (buf == NULL) {
        return e == ENOMEM  ? sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory")
               : e == EFBIG ? sm_err_set(err, SM_E_TOO_LARGE, 413, SCN_RULE,
                                         "%s: scenario: over %u bytes", path, SCN_MAX_DOC)
                            : sm_err_set(err, SM_E_IO, 500, SCN_RULE,
                                         "scenario '%s': cannot open (%s)", path, strerror(e));
    }
    dir = dup_str(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (dir == NULL) {
        rc = sm_err_set(err, SM_E_NOMEM, 500, SCN_RULE, "out of memory");
        goto done;
    }
    if (slash != NULL) {
        *slash = '\0';
    }
    rc = sm_scn_doc_parse(buf, n, slash ? (*dir ? dir : "/") : ".", out, err);
    if (rc != SM_OK) {
        sm_err_prefix(err, "%s: ", path);
    }
done:
    free(buf);
    free(dir);
    return rc;
}
