/*
 * scenario_api.c - scenarios on a server: the C API (include/stagemock/
 * scenario.h) and the admin endpoints under /_stagemock/scenario.
 *
 * What: loading a document (its preloaded files go through sm_server_preload,
 * so they are judged like uploads), adding one rule as JSON or as a --fault
 * spec, listing, clearing, and the report of unused rules.
 * Design: the server's engine is created on first use and published with an
 * atomic store, after the request-path hooks (scenario_run.h) that the server
 * then calls for every request; it then lives as long as the server (cleared,
 * never freed while requests may hold it), so the request path reads it with
 * one atomic load and no lock. The engine's seed is the server's --seed when
 * given, else drawn and recorded; a document's "seed" overrides it.
 * Not here: parsing (scenario_parse.c), executing (scenario_run.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "../../../common/sm_file.h"
#include "../../../common/sm_json.h"

#include "../internal.h"
#include "scenario.h"
#include "scenario_run.h"
#include "stagemock/scenario.h"

static struct sm_scn *engine(struct sm_server *srv, struct sm_error *err)
{
    pthread_mutex_lock(&srv->lock);
    struct sm_scn *s = srv->scn;
    if (s == NULL && sm_scn_new(srv->cfg.seeded, srv->cfg.seed, &s, err) == SM_OK) {
        /* the hooks first: whoever sees the engine finds them set */
        __atomic_store_n(&srv->scn_hooks, &sm_scn_run_hooks, __ATOMIC_RELEASE);
        __atomic_store_n(&srv->scn, s, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&srv->lock);
    return s;
}

static enum sm_code preload(struct sm_server *srv, const struct sm_scn_doc *doc,
                            struct sm_error *err)
{
    for (size_t i = 0; i < doc->n_preload; i++) {
        const struct sm_scn_preload *p = &doc->preload[i];
        enum sm_code rc = sm_server_add_stage(srv, p->stage, err);
        for (size_t k = 0; rc == SM_OK && k < p->n_names; k++) {
            size_t n = 0;
            uint8_t *buf = smx_file_read(p->paths[k], SIZE_MAX, &n, NULL); /* the stage judges */
            if (buf != NULL) {
                rc = sm_server_preload(srv, p->stage, p->names[k], buf, n, err);
            } else {
                rc = sm_err_set(err, SM_E_IO, 500, SM_RULE_SCENARIO, "cannot read '%s'",
                                p->paths[k]);
            }
            free(buf);
            if (rc != SM_OK) {
                sm_err_prefix(err, "preload.stages.%s[%zu]: ", p->stage, k);
            }
        }
        if (rc != SM_OK) {
            return rc;
        }
    }
    return SM_OK;
}

static enum sm_code load_doc(struct sm_server *srv, struct sm_scn_doc *doc, struct sm_error *err)
{
    struct sm_scn *s = engine(srv, err);
    enum sm_code rc = s ? preload(srv, doc, err) : SM_E_NOMEM;
    if (rc == SM_OK) {
        rc = sm_scn_load(s, doc, err);
    }
    sm_scn_doc_free(doc);
    return rc;
}

enum sm_code sm_server_load_scenario(struct sm_server *srv, const char *json, size_t len,
                                     const char *base_dir, struct sm_error *err)
{
    struct sm_scn_doc *doc = NULL;
    enum sm_code rc = sm_scn_doc_parse(json, len, base_dir, &doc, err);
    return rc ? rc : load_doc(srv, doc, err);
}

enum sm_code sm_server_load_scenario_file(struct sm_server *srv, const char *path,
                                          struct sm_error *err)
{
    struct sm_scn_doc *doc = NULL;
    enum sm_code rc = sm_scn_doc_load(path, &doc, err);
    return rc ? rc : load_doc(srv, doc, err);
}

static enum sm_code add(struct sm_server *srv, struct sm_scn_rule *rule, struct sm_error *err)
{
    struct sm_scn *s = engine(srv, err);
    enum sm_code rc = s ? sm_scn_add(s, rule, err) : SM_E_NOMEM;
    sm_scn_rule_cleanup(rule);
    return rc;
}

enum sm_code sm_server_add_rule(struct sm_server *srv, const char *json, struct sm_error *err)
{
    struct sm_scn_rule rule;
    cJSON *j = sm_json_parse(json, strlen(json));
    if (j == NULL) {
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_SCENARIO, "rule: not valid JSON");
    }
    pthread_mutex_lock(&srv->lock);
    struct sm_scn *s = srv->scn;
    pthread_mutex_unlock(&srv->lock);
    char where[32];
    (void)snprintf(where, sizeof where, "rules[%zu]", s ? sm_scn_count(s) : (size_t)0);
    enum sm_code rc = sm_scn_rule_parse(j, where, &rule, err);
    cJSON_Delete(j);
    return rc ? rc : add(srv, &rule, err);
}

enum sm_code sm_server_add_fault(struct sm_server *srv, const char *spec, struct sm_error *err)
{
    struct sm_scn_rule rule;
    enum sm_code rc = sm_scn_fault_parse(spec, &rule, err);
    return rc ? rc : add(srv, &rule, err);
}

static char *print(cJSON *j)
{
    char *t = j ? sm_json_print(j) : NULL;
    cJSON_Delete(j);
    return t;
}

char *sm_server_list_rules(struct sm_server *srv)
{
    struct sm_scn *s = sm_server_scn(srv);
    return s ? print(sm_scn_list(s)) : print(cJSON_CreateArray());
}

void sm_server_clear_rules(struct sm_server *srv)
{
    struct sm_scn *s = sm_server_scn(srv);
    if (s != NULL) {
        sm_scn_clear(s);
    }
}

char *sm_server_scenario_report(struct sm_server *srv)
{
    struct sm_scn *s = sm_server_scn(srv);
    return s ? print(sm_scn_report(s)) : NULL;
}

/* /_stagemock/scenario[/rules|/fault|/clear|/report]; what is after the prefix. */
enum MHD_Result sm_scn_admin(struct sm_req *r, const char *method, const char *what)
{
    struct sm_server *srv = r->srv;
    struct sm_error e;
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    enum sm_code rc = SM_OK;
    char *body = calloc(1, r->raw_len + 1);
    if (body == NULL) {
        (void)sm_err_set(&e, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
        return sm_reply_error(r, &e);
    }
    if (r->raw_len > 0) {
        memcpy(body, r->raw, r->raw_len);
    }
    body[r->raw_len] = '\0';
    char *answer = NULL;
    if (get && strcmp(what, "scenario") == 0) {
        answer = sm_server_list_rules(srv);
    } else if (get && strcmp(what, "scenario/report") == 0) {
        answer = sm_server_scenario_report(srv);
        answer = answer ? answer : strdup("{\"rules\":[],\"unused_rules\":[]}");
    } else if (post && strcmp(what, "scenario") == 0) {
        rc = sm_server_load_scenario(srv, body, r->raw_len, ".", &e);
        answer = rc ? NULL : strdup("{\"scenario\":\"loaded\"}");
    } else if (post && strcmp(what, "scenario/rules") == 0) {
        rc = sm_server_add_rule(srv, body, &e);
        answer = rc ? NULL : strdup("{\"added\":true}");
    } else if (post && strcmp(what, "scenario/fault") == 0) {
        rc = sm_server_add_fault(srv, body, &e);
        answer = rc ? NULL : strdup("{\"added\":true}");
    } else if (post && strcmp(what, "scenario/clear") == 0) {
        sm_server_clear_rules(srv);
        answer = strdup("{\"cleared\":true}");
    } else {
        rc = sm_err_set(&e, SM_E_NOT_FOUND, 404, SM_RULE_ERROR_JSON,
                        "no such admin endpoint: %.16s /_stagemock/%.200s", method, what);
    }
    free(body);
    if (rc != SM_OK) {
        return sm_reply_error(r, &e);
    }
    return sm_reply_json(r, 200, answer);
}
