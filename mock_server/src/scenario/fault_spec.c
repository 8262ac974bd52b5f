/*
 * fault_spec.c - the --fault mini-language: one scenario rule on one line.
 *
 * What: "upload:nth=2:status=503:retry-after=1" becomes the rule
 *   {"match":{"endpoint":"upload","nth":2},
 *    "action":{"status":503,"headers":{"Retry-After":"1"}, "message":...}}.
 * Grammar (docs/SCENARIOS.md has the table):
 *   spec     = endpoints *( ":" item )
 *   endpoints= endpoint *( "," endpoint )   ; upload download list other any
 *   item     = name [ "=" value ]           ; "\:" is a literal colon, "\\" a backslash
 * Design: each item is looked up in one table that says where it goes in the
 * rule JSON and how its value is read; the finished JSON goes through the same
 * sm_scn_rule_parse as scenario files, so a --fault can do nothing a file
 * cannot and both are checked by one validator. A canned status with no body
 * gets {"message": "stagemock fault: ..."} so error-json still holds.
 * Not here: the engine (scenario.c), the command line (mock_server/bin).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "../../../common/sm_json.h"
#include "../../../common/sm_parse.h"

#include "scenario.h"

#define FAULT_MAX 4096

enum item_kind { K_INT, K_STR, K_FLAG, K_PROB, K_HEADER, K_MHEADER, K_DRIBBLE, K_FAULT, K_CONN };

struct item_def {
    const char *name;
    enum item_kind kind;
    bool in_match;     /* else action */
    const char *field; /* JSON field; for K_FAULT "request_fault"/"response_fault" */
    const char *arg;   /* K_FAULT/K_CONN: "reset"/"close"/"stall"; K_HEADER: fixed name */
};

static const struct item_def items[] = {
    {"name", K_STR, false, "name", NULL},
    {"stage", K_STR, true, "stage", NULL},
    {"file", K_STR, true, "file", NULL},
    {"key", K_STR, true, "key", NULL},
    {"state", K_STR, true, "state", NULL},
    {"nth", K_INT, true, "nth", NULL},
    {"times", K_INT, true, "times", NULL},
    {"p", K_PROB, true, "probability", NULL},
    {"probability", K_PROB, true, "probability", NULL},
    {"if-header", K_MHEADER, true, "headers", NULL},
    {"status", K_INT, false, "status", NULL},
    {"message", K_STR, false, "message", NULL},
    {"body", K_STR, false, "body", NULL},
    {"content-type", K_STR, false, "content_type", NULL},
    {"header", K_HEADER, false, "headers", NULL},
    {"retry-after", K_HEADER, false, "headers", "Retry-After"},
    {"real", K_FLAG, false, "real", NULL},
    {"delay", K_INT, false, "delay_ms", NULL},
    {"dribble", K_DRIBBLE, false, "dribble", NULL},
    {"truncate", K_INT, false, "truncate_at", NULL},
    {"content-length", K_INT, false, "content_length", NULL},
    {"close", K_CONN, false, "connection", "close"},
    {"reset", K_CONN, false, "connection", "reset"},
    {"lose-response", K_FLAG, false, "lose_response", NULL},
    {"before-body", K_FLAG, false, "before_body", NULL},
    {"refuse-continue", K_FLAG, false, "refuse_continue", NULL},
    {"read-rate", K_INT, false, "read_rate", NULL},
    {"request-reset", K_FAULT, false, "request_fault", "reset"},
    {"request-close", K_FAULT, false, "request_fault", "close"},
    {"request-stall", K_FAULT, false, "request_fault", "stall"},
    {"response-reset", K_FAULT, false, "response_fault", "reset"},
    {"response-close", K_FAULT, false, "response_fault", "close"},
    {"response-stall", K_FAULT, false, "response_fault", "stall"},
    {"set-state", K_STR, false, "set_state", NULL},
};

/* Split at unescaped ':' in place; returns the next item or NULL at the end. */
static char *next_item(char **cursor)
{
    char *start = *cursor;
    if (start == NULL) {
        return NULL;
    }
    char *w = start;
    for (char *r = start;; r++) {
        if (*r == '\\' && (r[1] == ':' || r[1] == '\\')) {
            *w++ = *++r;
        } else if (*r == ':' || *r == '\0') {
            *cursor = *r == ':' ? r + 1 : NULL;
            *w = '\0';
            return start;
        } else {
            *w++ = *r;
        }
    }
}

static cJSON *section(cJSON *rule, const char *name)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(rule, name);
    return o ? o : cJSON_AddObjectToObject(rule, name);
}

static enum sm_code item_err(struct sm_error *err, size_t n, const char *item, const char *what)
{
    return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_SCENARIO, "--fault item %zu '%s': %s", n,
                      item, what);
}

static bool add_header(cJSON *obj, const char *name, const char *value)
{
    cJSON *h = section(obj, "headers");
    cJSON_DeleteItemFromObjectCaseSensitive(h, name);
    return h != NULL && (value ? cJSON_AddStringToObject(h, name, value)
                               : cJSON_AddTrueToObject(h, name)) != NULL;
}

/* An item's value, parsed by its kind, into dst (its rule's match or action). */
static enum sm_code add_value(cJSON *dst, const struct item_def *d, char *value, size_t n,
                              const char *item, struct sm_error *err)
{
    uint64_t u = 0;
    bool ok = dst != NULL;
    switch (d->kind) {
    case K_INT:
    case K_FAULT:
        if (!smx_parse_u64(value, UINT64_MAX, &u)) {
            return item_err(err, n, item, "expected a non-negative integer");
        }
        if (d->kind == K_INT) {
            ok = ok && sm_json_add_u64(dst, d->field, u) != NULL;
        } else {
            cJSON *f = cJSON_AddObjectToObject(dst, d->field);
            ok = ok && f && sm_json_add_u64(f, "after_bytes", u) &&
                 cJSON_AddStringToObject(f, "do", d->arg);
        }
        break;
    case K_STR:
        ok = ok && cJSON_AddStringToObject(dst, d->field, value) != NULL;
        break;
    case K_FLAG:
        ok = ok && cJSON_AddTrueToObject(dst, d->field) != NULL;
        break;
    case K_CONN:
        ok = ok && cJSON_AddStringToObject(dst, d->field, d->arg) != NULL;
        break;
    case K_PROB: {
        char *end = NULL;
        double p = strtod(value, &end);
        if (end == value || *end != '\0' || !(p >= 0.0 && p <= 1.0)) {
            return item_err(err, n, item, "expected a number from 0 to 1");
        }
        ok = ok && cJSON_AddNumberToObject(dst, d->field, p) != NULL;
        break;
    }
    case K_HEADER:
    case K_MHEADER: {
        char *eq = d->arg ? NULL : strchr(value, '=');
        if (d->arg == NULL && d->kind == K_HEADER && eq == NULL) {
            return item_err(err, n, item, "expected header=Name=Value");
        }
        if (eq != NULL) {
            *eq = '\0';
        }
        ok = ok && add_header(dst, d->arg ? d->arg : value, d->arg ? value : eq ? eq + 1 : NULL);
        break;
    }
    case K_DRIBBLE: {
        char *slash = strchr(value, '/');
        uint64_t ms = 0;
        if (slash == NULL || (*slash = '\0', !smx_parse_u64(value, UINT64_MAX, &u)) ||
            !smx_parse_u64(slash + 1, UINT64_MAX, &ms)) {
            return item_err(err, n, item, "expected dribble=CHUNK_BYTES/INTERVAL_MS");
        }
        cJSON *o = cJSON_AddObjectToObject(dst, d->field);
        ok = ok && o && sm_json_add_u64(o, "chunk_bytes", u) &&
             sm_json_add_u64(o, "interval_ms", ms);
        break;
    }
    }
    return ok ? SM_OK : sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_SCENARIO, "out of memory");
}

/* One item into the rule JSON. */
static enum sm_code apply_item(cJSON *rule, const struct item_def *d, char *value, size_t n,
                               const char *item, struct sm_error *err)
{
    cJSON *dst = d->kind == K_STR && strcmp(d->field, "name") == 0
                     ? rule
                     : section(rule, d->in_match ? "match" : "action");
    if ((d->kind == K_FLAG || d->kind == K_CONN) != (value == NULL)) {
        return item_err(err, n, item, value ? "takes no value" : "needs a value (name=value)");
    }
    if (d->kind != K_HEADER && d->kind != K_MHEADER) {
        cJSON_DeleteItemFromObjectCaseSensitive(dst, d->field); /* the last one given wins */
    }
    return add_value(dst, d, value, n, item, err);
}

static enum sm_code parse_endpoints(cJSON *rule, char *list, struct sm_error *err)
{
    cJSON *m = section(rule, "match");
    cJSON *eps = m ? cJSON_AddArrayToObject(m, "endpoint") : NULL;
    if (eps == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_SCENARIO, "out of memory");
    }
    for (char *p = list; p != NULL;) {
        char *comma = strchr(p, ',');
        if (comma != NULL) {
            *comma = '\0';
        }
        if (*p == '\0') {
            return item_err(err, 1, p, "expected upload, download, list, other or any");
        }
        cJSON *ep = cJSON_CreateString(p);
        if (ep == NULL || !cJSON_AddItemToArray(eps, ep)) {
            cJSON_Delete(ep); /* never lose an endpoint: a narrower rule would load */
            return sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_SCENARIO, "out of memory");
        }
        p = comma ? comma + 1 : NULL;
    }
    return SM_OK;
}

/* A canned answer without a body gets a JSON message naming the fault. */
static enum sm_code default_message(cJSON *rule, const char *spec, struct sm_error *err)
{
    cJSON *a = cJSON_GetObjectItemCaseSensitive(rule, "action");
    if (a == NULL || cJSON_GetObjectItemCaseSensitive(a, "status") == NULL ||
        cJSON_GetObjectItemCaseSensitive(a, "real") != NULL ||
        cJSON_GetObjectItemCaseSensitive(a, "body") != NULL ||
        cJSON_GetObjectItemCaseSensitive(a, "message") != NULL) {
        return SM_OK;
    }
    char msg[FAULT_MAX + 32];
    snprintf(msg, sizeof msg, "stagemock fault: %s", spec);
    return cJSON_AddStringToObject(a, "message", msg)
               ? SM_OK
               : sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_SCENARIO, "out of memory");
}

static enum sm_code build(cJSON *rule, char *copy, const char *spec, struct sm_error *err)
{
    char *cursor = copy;
    enum sm_code rc = parse_endpoints(rule, next_item(&cursor), err);
    size_t n = 1;
    for (char *item; rc == SM_OK && (item = next_item(&cursor)) != NULL;) {
        n++;
        char shown[128];
        snprintf(shown, sizeof shown, "%s", item);
        char *eq = strchr(item, '=');
        if (eq != NULL) {
            *eq = '\0';
        }
        const struct item_def *d = NULL;
        for (size_t i = 0; i < sizeof items / sizeof items[0] && d == NULL; i++) {
            d = strcmp(items[i].name, item) == 0 ? &items[i] : NULL;
        }
        rc = d ? apply_item(rule, d, eq ? eq + 1 : NULL, n, shown, err)
               : item_err(err, n, shown, "unknown item (docs/SCENARIOS.md lists them)");
    }
    return rc ? rc : default_message(rule, spec, err);
}

enum sm_code sm_scn_fault_parse(const char *spec, struct sm_scn_rule *out, struct sm_error *err)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(spec);
    if (len == 0 || len > FAULT_MAX) {
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_SCENARIO,
                          "--fault: expected ENDPOINT[:ITEM...] of 1..%d bytes", FAULT_MAX);
    }
    char *copy = malloc(len + 1);
    cJSON *rule = cJSON_CreateObject();
    enum sm_code rc = SM_E_NOMEM;
    if (copy == NULL || rule == NULL) {
        rc = sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_SCENARIO, "out of memory");
        goto done;
    }
    memcpy(copy, spec, len + 1);
    rc = build(rule, copy, spec, err);
    if (rc == SM_OK && cJSON_GetObjectItemCaseSensitive(rule, "name") == NULL) {
        char name[FAULT_MAX + 16]; /* reports name the rule by its whole spec */
        snprintf(name, sizeof name, "--fault %s", spec);
        rc = cJSON_AddStringToObject(rule, "name", name)
                 ? SM_OK
                 : sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_SCENARIO, "out of memory");
    }
    if (rc == SM_OK && (rc = sm_scn_rule_parse(rule, "--fault", out, err)) != SM_OK) {
        sm_err_prefix(err, "'%s': ", spec);
    }
done:
    free(copy);
    cJSON_Delete(rule);
    return rc;
}
