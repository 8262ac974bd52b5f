/*
 * baseline.c - --baseline FILE: adopt the suite before a client is perfect.
 *
 * What: FILE is a JSON report from an earlier run (docs/CONFORMANCE.md, "The JSON report").
 * A result that fails now and failed (or errored) in the baseline for the same
 * case id and adapter name is marked `known`: reported, not counted. Anything
 * that passed in the baseline, or that the baseline does not have, counts as
 * usual, so a new failure still fails the run.
 * Not here: tallying (run.c).
 */
#include "run.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/sm_file.h"

/* The baseline's outcome for (case, adapter), or NULL. */
static const char *baseline_outcome(const cJSON *cases, const char *id, const char *adapter)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const cJSON *cid = cJSON_GetObjectItemCaseSensitive(c, "id");
        if (!cJSON_IsString(cid) || strcmp(cid->valuestring, id) != 0) {
            continue;
        }
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(c, "results"))
        {
            const cJSON *an = cJSON_GetObjectItemCaseSensitive(r, "adapter");
            const cJSON *oc = cJSON_GetObjectItemCaseSensitive(r, "outcome");
            if (cJSON_IsString(an) && cJSON_IsString(oc) && strcmp(an->valuestring, adapter) == 0) {
                return oc->valuestring;
            }
        }
    }
    return NULL;
}

enum sm_code conf_baseline_apply(struct conf_run *run, const char *path, struct sm_error *err)
{
    size_t len = 0;
    char *text = smx_file_read(path, CONF_MAX_JSON_BYTES, &len, NULL);
    if (text == NULL) {
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "baseline %s: %s", path, strerror(errno));
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *schema = root ? cJSON_GetObjectItemCaseSensitive(root, "schema") : NULL;
    const cJSON *cases = root ? cJSON_GetObjectItemCaseSensitive(root, "cases") : NULL;
    if (schema == NULL || !cJSON_IsString(schema) ||
        strcmp(schema->valuestring, "stagemock-conform-report") != 0 || !cJSON_IsArray(cases)) {
        cJSON_Delete(root);
        return sm_err_set(err, SM_E_MALFORMED, 0, SM_RULE_NONE,
                          "baseline %s: not a stagemock conform --json report", path);
    }
    for (size_t c = 0; c < run->n_cases; c++) {
        for (size_t a = 0; a < run->n_adapters; a++) {
            struct conf_result *r = conf_run_result(run, c, a);
            const char *was = baseline_outcome(cases, run->cases[c]->id, run->adapters[a].name);
            bool failed_before =
                was != NULL && (strcmp(was, "fail") == 0 || strcmp(was, "error") == 0);
            r->known = failed_before && (r->outcome == CONF_FAIL || r->outcome == CONF_ERROR);
        }
    }
    run->have_baseline = true;
    cJSON_Delete(root);
    return SM_OK;
}
