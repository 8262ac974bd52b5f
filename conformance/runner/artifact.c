/*
 * artifact.c - the run artifact that makes a failure reproducible.
 *
 * What: every run writes its seed, each case's seed, the fault schedule the
 * server had loaded (the scenario rules as JSON, and which of them fired) and
 * the whole journal, per case and adapter. `--replay ARTIFACT --case ID`
 * reads back the run seed and one result of that case: the adapter --adapter
 * names, else the first that failed; its name and command, so the replay runs
 * and labels the same adapter, and which adapters failed. The per-case seed is a
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
#include "../../common/sm_mem.h"

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
               : sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "artifact %s: cannot write", path);
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

/* Whether the artifact's result (adapter name, command) is the adapter
 * --adapter gave: "NAME=CMD" as written, the command, or the name alone. */
static bool same_adapter(const char *name, const char *cmd, const char *want)
{
    size_t nl = strlen(name);
    return strcmp(want, cmd) == 0 || strcmp(want, name) == 0 ||
           (strncmp(want, name, nl) == 0 && want[nl] == '=' && strcmp(want + nl + 1, cmd) == 0);
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Append name to a ", "-joined list held in buf. */
static void list_add(char *buf, size_t size, const char *name)
{
    size_t n = strlen(buf);
    (void)snprintf(buf + n, size - n, "%s%s", n ? ", " : "", name);
}

/* The result to replay: the one of adapter want, else the first that failed,
 * else the first; also the names of every adapter the case failed or ran with. */
static const cJSON *pick_result(const cJSON *root, const char *case_id, const char *want,
                                char *failed, char *ran, size_t size)
{
    const cJSON *r, *found = NULL;
    bool found_fails = false;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(root, "results"))
    {
        if (strcmp(str_of(r, "case"), case_id) != 0) {
            continue;
        }
        bool fails = strcmp(str_of(r, "outcome"), "fail") == 0;
        list_add(ran, size, str_of(r, "adapter"));
        if (fails) {
            list_add(failed, size, str_of(r, "adapter"));
        }
        if (want != NULL) {
            found = found                                                                    ? found
                    : same_adapter(str_of(r, "adapter"), str_of(r, "adapter_command"), want) ? r
                                                                                             : NULL;
        } else if (found == NULL || (fails && !found_fails)) {
            found = r;
            found_fails = fails;
        }
    }
    return found;
}

enum sm_code conf_artifact_read(const char *path, const char *case_id, const char *want,
                                struct conf_replay *out, struct sm_error *err)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    int e = 0;
    char *text = smx_file_read(path, CONF_MAX_JSON_BYTES, &n, &e);
    if (text == NULL && e != ENOMEM) {
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "artifact %s: %s", path, strerror(e));
    }
    cJSON *root = text ? sm_json_parse(text, n) : NULL;
    free(text);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "seed");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, "stagemock-conform-artifact") != 0 ||
        !sm_json_get_u64(s, &out->seed)) {
        cJSON_Delete(root);
        return sm_err_set(err, SM_E_MALFORMED, 0, SM_RULE_NONE,
                          "%s: not a stagemock conform artifact", path);
    }
    char failed[1024] = "", ran[1024] = "";
    const cJSON *found = pick_result(root, case_id, want, failed, ran, sizeof failed);
    enum sm_code rc = SM_OK;
    if (found == NULL && ran[0] == '\0') {
        rc = sm_err_set(err, SM_E_NOT_FOUND, 0, SM_RULE_NONE, "%s: no case '%s'", path, case_id);
    } else if (found == NULL) {
        rc = sm_err_set(err, SM_E_NOT_FOUND, 0, SM_RULE_NONE,
                        "%s: case '%s' has no result for adapter '%.200s' (it ran with: %.400s)",
                        path, case_id, want, ran);
    } else {
        out->adapter = strdup(str_of(found, "adapter"));
        out->cmd = strdup(str_of(found, "adapter_command"));
        out->outcome = strdup(str_of(found, "outcome"));
        out->failed = strdup(failed);
        if (!out->adapter || !out->cmd || !out->outcome || !out->failed) {
            conf_replay_cleanup(out);
            rc = sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
        }
    }
    cJSON_Delete(root);
    return rc;
}

void conf_replay_cleanup(struct conf_replay *r)
{
    SMX_FREE_ALL(r->adapter, r->cmd, r->outcome, r->failed);
    r->adapter = r->cmd = r->outcome = r->failed = NULL;
}
