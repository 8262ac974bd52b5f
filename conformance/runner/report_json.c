/*
 * report_json.c - the machine-readable report (docs/CONFORMANCE.md, "The JSON report",
 * "schema": "stagemock-conform-report", "version": CONF_REPORT_SCHEMA_VERSION).
 *
 * What: run facts (seed, strictness, adapters, timing), the summary and exit
 * status, a per-rule tally, and every case with one result per adapter:
 * outcome, whether it counts, whether a baseline knew it, evidence lines, the
 * journal (as JSON, not text), the fault schedule and the adapter's output.
 * The same document is what --baseline reads back (baseline.c).
 * Design: built with cJSON and printed formatted; a field is never omitted,
 * only null, so consumers need no existence checks.
 */
#include "report.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/sm_json.h"

static cJSON *json_or_null(const char *text)
{
    cJSON *j = text ? sm_json_parse_verbatim(text, strlen(text)) : NULL;
    return j ? j : cJSON_CreateNull();
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *lines_array(const char *text)
{
    cJSON *arr = cJSON_CreateArray();
    const char *p = text;
    while (arr != NULL && p != NULL && *p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = malloc(len + 1);
        if (line != NULL) {
            memcpy(line, p, len);
            line[len] = '\0';
            cJSON_AddItemToArray(arr, cJSON_CreateString(line));
            free(line);
        }
        p = nl ? nl + 1 : NULL;
    }
    return arr;
}

static cJSON *result_json(const struct conf_run *run, size_t c, size_t a)
{
    const struct conf_result *r = conf_run_result(run, c, a);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "adapter", run->adapters[a].name);
    cJSON_AddStringToObject(o, "outcome", conf_outcome_name(r->outcome));
    cJSON_AddBoolToObject(o, "counts", r->counts);
    cJSON_AddBoolToObject(o, "known", r->known);
    sm_json_add_i64(o, "ms", llround(r->ms));
    sm_json_add_u64(o, "seed", r->seed);
    cJSON_AddItemToObject(o, "evidence", lines_array(r->evidence));
    cJSON_AddItemToObject(o, "journal", json_or_null(r->journal));
    cJSON_AddItemToObject(o, "fault_schedule", json_or_null(r->schedule));
    cJSON_AddItemToObject(o, "scenario_report", json_or_null(r->scenario_report));
    cJSON_AddItemToObject(o, "adapter_stdout", str_or_null(r->adapter_out));
    cJSON_AddItemToObject(o, "adapter_stderr", str_or_null(r->adapter_err));
    return o;
}

static cJSON *rules_json(const struct conf_run *run)
{
    const char *rules[64];
    size_t nr = conf_report_rules(run, rules, 64);
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && i < nr; i++) {
        size_t tot = 0, pass = 0, fail = 0, skip = 0;
        for (size_t c = 0; c < run->n_cases; c++) {
            if (strcmp(run->cases[c]->rule, rules[i]) != 0) {
                continue;
            }
            for (size_t a = 0; a < run->n_adapters; a++) {
                enum conf_outcome o = conf_run_result(run, c, a)->outcome;
                tot++;
                pass += o == CONF_PASS;
                skip += o == CONF_SKIP;
                fail += o == CONF_FAIL || o == CONF_ERROR;
            }
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", rules[i]);
        sm_json_add_u64(o, "results", tot);
        sm_json_add_u64(o, "passed", pass);
        sm_json_add_u64(o, "failed", fail);
        sm_json_add_u64(o, "skipped", skip);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

enum sm_code conf_report_json(const struct conf_run *run, const char *path, struct sm_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "stagemock-conform-report");
    sm_json_add_i64(root, "version", CONF_REPORT_SCHEMA_VERSION);
    cJSON_AddStringToObject(root, "started", run->started);
    sm_json_add_i64(root, "elapsed_ms", llround(run->elapsed_ms));
    sm_json_add_u64(root, "seed", run->seed);
    cJSON_AddBoolToObject(root, "strict", run->strict);
    sm_json_add_u64(root, "jobs", run->jobs);
    cJSON_AddBoolToObject(root, "baseline", run->have_baseline);
    cJSON *ad = cJSON_AddArrayToObject(root, "adapters");
    for (size_t a = 0; ad != NULL && a < run->n_adapters; a++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", run->adapters[a].name);
        cJSON_AddStringToObject(o, "command", run->adapters[a].cmd);
        cJSON_AddItemToArray(ad, o);
    }
    cJSON *sum = cJSON_AddObjectToObject(root, "summary");
    const struct {
        const char *name;
        uint64_t n;
    } counts[] = {
        {"results", run->n_cases * run->n_adapters},
        {"passed", run->n_pass},
        {"failed", run->n_fail},
        {"skipped", run->n_skip},
        {"errors", run->n_error},
        {"known", run->n_known},
        {"counted", run->n_counted},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        sm_json_add_u64(sum, counts[i].name, counts[i].n);
    }
    sm_json_add_i64(sum, "exit_status", conf_run_exit_status(run));
    cJSON_AddItemToObject(root, "rules", rules_json(run));
    cJSON *cases = cJSON_AddArrayToObject(root, "cases");
    for (size_t c = 0; cases != NULL && c < run->n_cases; c++) {
        const struct conf_case *k = run->cases[c];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", k->id);
        cJSON_AddStringToObject(o, "rule", k->rule);
        cJSON_AddStringToObject(o, "level", conf_level_name(k->level));
        cJSON_AddStringToObject(o, "title", k->title);
        cJSON_AddStringToObject(o, "why", k->why);
        cJSON_AddStringToObject(o, "file", k->path);
        cJSON *rs = cJSON_AddArrayToObject(o, "results");
        for (size_t a = 0; rs != NULL && a < run->n_adapters; a++) {
            cJSON_AddItemToArray(rs, result_json(run, c, a));
        }
        cJSON_AddItemToArray(cases, o);
    }
    char *text = sm_json_print_pretty(root);
    cJSON_Delete(root);
    if (text == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    FILE *f = conf_report_open(path, err);
    if (f == NULL) {
        cJSON_free(text);
        return SM_E_IO;
    }
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return conf_report_close(f, path, err);
}
