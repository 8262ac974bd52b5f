/*
 * list.c - list a stage: POST /list-stage-files with `stage_id` as a
 * urlencoded form, answer {"files":[{"name","file_id","size"}, ...]} in
 * stage order (RULES.md's default shape).
 *
 * How: the answer is held in memory (capped in http.c) and parsed with cJSON;
 * an entry without a string name is a protocol error, a missing file_id is
 * kept as "" and a missing size as 0, so a listing from a server that leaves
 * those out still names the files.
 * Not here: retries (http.c).
 */
#include <cjson/cJSON.h>
#include "../../common/sm_json.h"
#include <stdlib.h>
#include <string.h>

#include "smc_internal.h"

void smc_file_list_cleanup(struct smc_file_list *list)
{
    if (list == NULL) {
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        free(list->files[i].name);
        free(list->files[i].file_id);
    }
    free(list->files);
    list->files = NULL;
    list->n = 0;
}

static enum smc_code take_entry(const cJSON *e, struct smc_file *f, struct smc_error *err)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "file_id");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(e, "size");
    if (!cJSON_IsString(name)) {
        return smc_err_set(err, SMC_E_PROTOCOL, "list answer: an entry has no name");
    }
    f->name = strdup(name->valuestring);
    f->file_id = strdup(cJSON_IsString(id) ? id->valuestring : "");
    if (!sm_json_get_u64(size, &f->size)) {
        f->size = 0; /* absent, or not a non-negative integer */
    }
    if (f->name == NULL || f->file_id == NULL) {
        return smc_err_set(err, SMC_E_NOMEM, "out of memory (list)");
    }
    return SMC_OK;
}

static enum smc_code parse_list(const struct smc_response *r, struct smc_file_list *out,
                                struct smc_error *err)
{
    cJSON *doc = r->body != NULL ? sm_json_parse(r->body, r->len) : NULL;
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(doc, "files");
    if (!cJSON_IsArray(files)) {
        cJSON_Delete(doc);
        return smc_err_set(err, SMC_E_PROTOCOL, "list answer (HTTP %ld) has no files array",
                           r->status);
    }
    size_t n = (size_t)cJSON_GetArraySize(files);
    if (n == 0) {
        cJSON_Delete(doc);
        return SMC_OK;
    }
    enum smc_code rc = SMC_OK;
    out->files = calloc(n, sizeof *out->files);
    if (out->files == NULL) {
        cJSON_Delete(doc);
        return smc_err_set(err, SMC_E_NOMEM, "out of memory (list)");
    }
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, files)
    {
        if (rc != SMC_OK || out->n == n) {
            break;
        }
        rc = take_entry(e, &out->files[out->n], err);
        out->n++;
    }
    cJSON_Delete(doc);
    if (rc != SMC_OK) {
        smc_file_list_cleanup(out);
    }
    return rc;
}

enum smc_code smc_list(struct smc_client *c, const char *stage, struct smc_file_list *out,
                       struct smc_error *err)
{
    smc_err_clear(err);
    memset(out, 0, sizeof *out);
    if (c == NULL || stage == NULL) {
        return smc_err_set(err, SMC_E_ARG, "list needs a client and a stage");
    }
    char *form = smc_form(c->curl, stage, NULL);
    if (form == NULL) {
        return smc_err_set(err, SMC_E_NOMEM, "out of memory (form)");
    }
    struct smc_request rq = {.path = "/list-stage-files", .name = stage, .form = form};
    struct smc_response resp;
    enum smc_code rc = smc_http_call(c, &rq, &resp, err);
    if (rc == SMC_OK) {
        rc = parse_list(&resp, out, err);
    }
    smc_response_cleanup(&resp);
    free(form);
    return rc;
}
