/*
 * artifact.c - the run artifact that makes a failure reproducible.
 *
 * What: every run writes its seed, each case's seed, the fault schedule the
 * server had loaded (the scenario rules as JSON, and which of them fired) and
 * the whole journal, per case and adapter. `--replay ARTIFACT --case ID`
 * reads back the run seed and the adapter command: the per-case seed is a
 * function of the run seed and the case id (conf_case_seed), and it seeds both
 * the file ids and the scenario's dice, so the replay meets the same faults.
 * Design: one JSON document ("schema": "stagemock-conform-artifact"),
 * written by conf_json_write, which the probe's --write-profile shares.
 */
#include "run.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/sm_file.h"
#include "../../common/sm_json.h"

static cJSON *json_or_null(const char *text)
{
    cJSON *j = text ? sm_json_parse_verbatim(text, strlen(text)) : NULL;
    return j ? j : cJSON_CreateNull();
}

enum sm_code conf_artifact_write(const struct conf_run *run, const char *path, struct sm_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "stagemock-conform-artifact");
    sm_json_add_i64(root, "version", 1);
    sm_json_add_u64(root, "seed", run->seed);
    cJSON_AddStringToObject(root, "started", run->started);
    cJSON *res = cJSON_AddArrayToObject(root, "results");
    for (size_t c = 0; res != NULL && c < run->n_cases; c++) {
        for (size_t a = 0; a < run->n_adapters; a++) {
            const struct conf_result *r = conf_run_result(run, c, a);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "case", run->cases[c]->id);
            cJSON_AddStringToObject(o, "adapter", run->adapters[a].name);
            cJSON_AddStringToObject(o, "adapter_command", run->adapters[a].cmd);
            cJSON_AddStringToObject(o, "outcome", conf_outcome_name(r->outcome));
            sm_json_add_u64(o, "seed", r->seed);
            cJSON_AddItemToObject(o, "fault_schedule", json_or_null(r->schedule));
            cJSON_AddItemToObject(o, "scenario_report", json_or_null(r->scenario_report));
            cJSON_AddItemToObject(o, "journal", json_or_null(r->journal));
            cJSON_AddItemToArray(res, o);
        }
    }
    return conf_json_write(path, root, false)
               ? SM_OK
               : sm_err_set(err, SM_E_IO, 0, NULL, "artifact %s: cannot write", path);
}

bool conf_json_write(const char *path, cJSON *root, bool pretty)
{
    char *text = pretty ? sm_json_print_pretty(root) : sm_json_print(root);
    cJSON_Delete(root);
    FILE *f = text ? fopen(path, "w") : NULL;
    bool ok = f != NULL && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f != NULL && fclose(f) != 0) {
        ok = false;
    }
    cJSON_free(text);
    return ok;
}

enum sm_code conf_artifact_read(const char *path, const char *case_id, uint64_t *seed,
                                char **adapter_cmd, char **outcome, struct sm_error *err)
{
    *adapter_cmd = NULL;
    *outcome = NULL;
    size_t n = 0;
    int e = 0;
    char *text = smx_file_read(path, CONF_MAX_JSON_BYTES, &n, &e);
    if (text == NULL && e != ENOMEM) {
        return sm_err_set(err, SM_E_IO, 0, NULL, "artifact %s: %s", path, strerror(e));
    }
    cJSON *root = text ? sm_json_parse(text, n) : NULL;
    free(text);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "seed");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, "stagemock-conform-artifact") != 0 ||
        !sm_json_get_u64(s, seed)) {
        cJSON_Delete(root);
        return sm_err_set(err, SM_E_MALFORMED, 0, NULL, "%s: not a stagemock conform artifact",
                          path);
    }
    const cJSON *r, *found = NULL;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(root, "results"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "case");
        const cJSON *oc = cJSON_GetObjectItemCaseSensitive(r, "outcome");
        if (cJSON_IsString(id) && strcmp(id->valuestring, case_id) == 0 &&
            (found == NULL || (cJSON_IsString(oc) && strcmp(oc->valuestring, "fail") == 0))) {
            found = found && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(found, "outcome")) &&
                            strcmp(cJSON_GetObjectItemCaseSensitive(found, "outcome")->valuestring,
                                   "fail") == 0
                        ? found
                        : r; /* the first failing result of that case, else the first */
        }
    }
    if (found == NULL) {
        cJSON_Delete(root);
        return sm_err_set(err, SM_E_NOT_FOUND, 0, NULL, "%s: no case '%s'", path, case_id);
    }
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(found, "adapter_command");
    const cJSON *oc = cJSON_GetObjectItemCaseSensitive(found, "outcome");
    *adapter_cmd = cJSON_IsString(cmd) ? strdup(cmd->valuestring) : NULL;
    *outcome = cJSON_IsString(oc) ? strdup(oc->valuestring) : NULL;
    cJSON_Delete(root);
    return SM_OK;
}
