/*
 * scenario_model.c - the scenario structs' lifecycle: cleanup, copy, JSON out.
 *
 * What: freeing what a rule, an action or a document owns (the parser cleans
 * up through these on failure), a deep copy of an action (a fired rule's action travels with its
 * request, so clearing rules mid-request is safe), the rule -> JSON encoder
 * the list API and reports use (it writes the same field names the parser
 * reads, so a listed rule can be loaded again), and names for action kinds
 * and connection faults as the journal records them.
 * Design: the bottom of scenario/: it calls nothing else in the folder, so
 * the parser and the engine call down into it.
 * Not here: parsing (scenario_parse.c), deciding requests (scenario.c).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "../../../common/sm_base64.h"
#include "../../../common/sm_json.h"
#include "../../../common/sm_utf8.h"

#include "scenario.h"
#include "../../../common/sm_mem.h"

static char *dup_opt(const char *s, bool *ok)
{
    if (s == NULL) {
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d == NULL) {
        *ok = false;
        return NULL;
    }
    memcpy(d, s, n);
    return d;
}

static void headers_free(struct sm_scn_header *h, size_t n)
{
    for (size_t i = 0; h != NULL && i < n; i++) {
        free(h[i].name);
        free(h[i].value);
    }
    free(h);
}

void sm_scn_action_cleanup(struct sm_scn_action *a)
{
    free(a->body);
    free(a->content_type);
    headers_free(a->headers, a->n_headers);
    free(a->set_state);
    memset(a, 0, sizeof *a);
}

void sm_scn_rule_cleanup(struct sm_scn_rule *r)
{
    if (r == NULL) {
        return;
    }
    SMX_FREE_ALL(r->name, r->match.stage, r->match.file, r->match.key, r->match.state);
    headers_free(r->match.headers, r->match.n_headers);
    sm_scn_action_cleanup(&r->action);
    memset(r, 0, sizeof *r);
}

void sm_scn_doc_free(struct sm_scn_doc *doc)
{
    if (doc == NULL) {
        return;
    }
    for (size_t i = 0; i < doc->n_rules; i++) {
        sm_scn_rule_cleanup(&doc->rules[i]);
    }
    free(doc->rules);
    for (size_t i = 0; i < doc->n_preload; i++) {
        for (size_t j = 0; j < doc->preload[i].n_names; j++) {
            free(doc->preload[i].names[j]);
            free(doc->preload[i].paths[j]);
        }
        SMX_FREE_ALL(doc->preload[i].names, doc->preload[i].paths, doc->preload[i].stage);
    }
    SMX_FREE_ALL(doc->preload, doc->initial_state, doc);
}

enum sm_code sm_scn_action_copy(struct sm_scn_action *dst, const struct sm_scn_action *src,
                                struct sm_error *err)
{
    bool ok = true;
    *dst = *src;
    dst->body = NULL;
    dst->content_type = dup_opt(src->content_type, &ok);
    dst->set_state = dup_opt(src->set_state, &ok);
    dst->headers = NULL;
    dst->n_headers = 0;
    if (src->body != NULL) {
        dst->body = malloc(src->body_len + 1);
        if (dst->body != NULL) {
            memcpy(dst->body, src->body, src->body_len + 1);
        }
        ok = ok && dst->body != NULL;
    }
    if (src->n_headers > 0) {
        dst->headers = calloc(src->n_headers, sizeof *dst->headers);
        ok = ok && dst->headers != NULL;
        for (size_t i = 0; dst->headers != NULL && i < src->n_headers; i++) {
            dst->headers[i].name = dup_opt(src->headers[i].name, &ok);
            dst->headers[i].value = dup_opt(src->headers[i].value, &ok);
            dst->n_headers++;
        }
    }
    if (!ok) {
        sm_scn_action_cleanup(dst);
        return sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_SCENARIO, "out of memory");
    }
    return SM_OK;
}

const char *sm_scn_conn_name(enum sm_scn_conn c)
{
    static const char *const names[] = {[SM_SCN_CONN_NONE] = "none",
                                        [SM_SCN_CONN_CLOSE] = "close",
                                        [SM_SCN_CONN_RESET] = "reset",
                                        [SM_SCN_CONN_STALL] = "stall"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "none";
}

/* The one word the journal records as what the rule did; the most drastic
 * part of the action wins. */
const char *sm_scn_action_kind(const struct sm_scn_action *a)
{
    if (a->connection == SM_SCN_CONN_RESET) {
        return "reset";
    }
    if (a->connection == SM_SCN_CONN_CLOSE) {
        return "close";
    }
    if (a->lose_response) {
        return "lose_response";
    }
    if (a->request_fault.what != SM_SCN_CONN_NONE) {
        return "request_fault";
    }
    if (a->response_fault.what != SM_SCN_CONN_NONE) {
        return "response_fault";
    }
    if (a->truncate) {
        return "truncate";
    }
    if (a->before_body) {
        return "respond_before_body";
    }
    if (a->refuse_continue) {
        return "refuse_continue";
    }
    if (a->dribble_bytes > 0) {
        return "dribble";
    }
    if (a->read_rate > 0) {
        return "throttle_read";
    }
    if (a->real) {
        return a->status || a->body || a->n_headers ? "alter" : "real";
    }
    if (a->status != 0) {
        return "respond";
    }
    if (a->delay_ms > 0) {
        return "delay";
    }
    return "set_state";
}

static bool add_headers(cJSON *obj, const struct sm_scn_header *h, size_t n)
{
    if (n == 0) {
        return true;
    }
    cJSON *o = cJSON_AddObjectToObject(obj, "headers");
    for (size_t i = 0; o != NULL && i < n; i++) {
        cJSON *v = h[i].value ? cJSON_CreateString(h[i].value) : cJSON_CreateTrue();
        if (v == NULL || !cJSON_AddItemToObject(o, h[i].name, v)) {
            cJSON_Delete(v);
            return false;
        }
    }
    return o != NULL;
}

static bool add_num(cJSON *o, const char *k, uint64_t v, bool when)
{
    return !when || sm_json_add_u64(o, k, v) != NULL;
}

static bool add_true(cJSON *o, const char *k, bool when)
{
    return !when || cJSON_AddTrueToObject(o, k) != NULL;
}

static bool add_fault(cJSON *o, const char *k, const struct sm_scn_fault *f)
{
    if (f->what == SM_SCN_CONN_NONE) {
        return true;
    }
    cJSON *x = cJSON_AddObjectToObject(o, k);
    return x != NULL && add_num(x, "after_bytes", f->after_bytes, true) &&
           sm_json_add_str_opt(x, "do", sm_scn_conn_name(f->what));
}

static bool match_to_json(cJSON *m, const struct sm_scn_match *x)
{
    static const char *const names[] = {"upload", "download", "list", "other"};
    if (x->endpoints != SM_SCN_EP_ALL) {
        cJSON *eps = cJSON_AddArrayToObject(m, "endpoint");
        for (unsigned i = 0; eps != NULL && i < 4; i++) {
            if ((x->endpoints & (1u << i)) != 0) {
                cJSON_AddItemToArray(eps, cJSON_CreateString(names[i]));
            }
        }
    }
    return sm_json_add_str_opt(m, "stage", x->stage) && sm_json_add_str_opt(m, "file", x->file) &&
           sm_json_add_str_opt(m, "key", x->key) && add_headers(m, x->headers, x->n_headers) &&
           sm_json_add_str_opt(m, "state", x->state) && add_num(m, "nth", x->nth, x->nth > 0) &&
           add_num(m, "times", x->times, x->times > 0) &&
           (x->probability >= 1.0 ||
            cJSON_AddNumberToObject(m, "probability", x->probability) != NULL);
}

/* body as text, or body_base64 for bytes JSON text cannot carry (NULs,
 * invalid UTF-8), so the list reads back as the same rule. */
static bool add_body(cJSON *a, const struct sm_scn_action *x)
{
    if (x->body == NULL ||
        (memchr(x->body, '\0', x->body_len) == NULL && sm_utf8_valid(x->body, x->body_len))) {
        return sm_json_add_str_opt(a, "body", x->body);
    }
    size_t text_len = 0; /* smx_base64_encode needs somewhere to write it */
    char *text = smx_base64_encode(x->body, x->body_len, &text_len);
    bool ok = text != NULL && cJSON_AddStringToObject(a, "body_base64", text) != NULL;
    free(text);
    return ok;
}

static bool action_to_json(cJSON *a, const struct sm_scn_action *x)
{
    bool ok = add_true(a, "real", x->real) &&
              add_num(a, "status", (uint64_t)x->status, x->status != 0) && add_body(a, x) &&
              sm_json_add_str_opt(a, "content_type", x->content_type) &&
              add_headers(a, x->headers, x->n_headers) &&
              add_num(a, "delay_ms", x->delay_ms, x->delay_ms > 0) &&
              add_num(a, "truncate_at", x->truncate_at, x->truncate) &&
              add_num(a, "content_length", x->content_length, x->content_length > 0) &&
              (x->connection == SM_SCN_CONN_NONE ||
               sm_json_add_str_opt(a, "connection", sm_scn_conn_name(x->connection))) &&
              add_true(a, "lose_response", x->lose_response) &&
              add_true(a, "before_body", x->before_body) &&
              add_true(a, "refuse_continue", x->refuse_continue) &&
              add_num(a, "read_rate", x->read_rate, x->read_rate > 0) &&
              add_fault(a, "request_fault", &x->request_fault) &&
              add_fault(a, "response_fault", &x->response_fault) &&
              sm_json_add_str_opt(a, "set_state", x->set_state);
    if (ok && x->dribble_bytes > 0) {
        cJSON *d = cJSON_AddObjectToObject(a, "dribble");
        ok = d != NULL && add_num(d, "chunk_bytes", x->dribble_bytes, true) &&
             add_num(d, "interval_ms", x->dribble_interval_ms, true);
    }
    return ok;
}

cJSON *sm_scn_rule_to_json(const struct sm_scn_rule *rule)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *m = r ? cJSON_AddObjectToObject(r, "match") : NULL;
    cJSON *a = r ? cJSON_AddObjectToObject(r, "action") : NULL;
    if (r == NULL || m == NULL || a == NULL || !sm_json_add_str_opt(r, "name", rule->name) ||
        !match_to_json(m, &rule->match) || !action_to_json(a, &rule->action)) {
        cJSON_Delete(r);
        return NULL;
    }
    return r;
}
