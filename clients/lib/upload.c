/*
 * upload.c - upload files into a stage: one multipart request per file
 * (`stage_id` and one `file` part), streamed from disk, in the caller's order.
 *
 * How: the file part is curl_mime_filedata, so libcurl reads the file in
 * small pieces as the socket takes them and re-reads it from the start on a
 * retry; memory does not grow with the file. The part's filename is set
 * with curl_mime_filename, which escapes `"`, CR and LF the HTML5 way the
 * server decodes; other bytes (UTF-8, `%`, `+`, `&`) go as they are. The
 * answer must be 2xx with a non-empty string `file_id`; anything else is a
 * failure, and a failure never reports an id. When the answer is lost after
 * the request left (reset, close, truncated answer), the stage is listed: if
 * it holds a file of this name and size, the upload committed and its id is
 * reported; if not, the upload is retried; if the list fails too, the upload
 * fails without a retry, so a file is never stored twice.
 * Every upload opens a new connection: on a reused one libcurl would re-send
 * the request by itself if the connection died before an answer, and that
 * hidden retry is exactly the double upload this file exists to prevent.
 * Not here: retry timing (http.c), the listing itself (list.c).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "smc_internal.h"

struct lost_ctx {
    struct smc_client *c;
    const char *stage;
    const char *name;
    uint64_t size;
    char *found_id;
};

static enum smc_lost check_stage(void *cls, struct smc_error *err)
{
    struct lost_ctx *l = cls;
    struct smc_file_list list;
    if (smc_list(l->c, l->stage, &list, err) != SMC_OK) {
        return SMC_LOST_FAIL;
    }
    enum smc_lost v = SMC_LOST_RETRY;
    for (size_t i = 0; i < list.n; i++) {
        if (strcmp(list.files[i].name, l->name) != 0) {
            continue;
        }
        if (list.files[i].size != l->size) {
            (void)smc_err_set(err, SMC_E_REJECTED,
                              "the stage holds another file named '%s' (%llu bytes)", l->name,
                              (unsigned long long)list.files[i].size);
            v = SMC_LOST_FAIL;
        } else {
            l->found_id = list.files[i].file_id;
            list.files[i].file_id = NULL;
            v = SMC_LOST_DONE;
        }
        break;
    }
    smc_file_list_cleanup(&list);
    return v;
}

struct body_ctx {
    const char *stage;
    const char *path;
    const char *name;
};

static curl_mime *upload_body(void *cls, CURL *curl)
{
    const struct body_ctx *b = cls;
    const char *stage = b->stage;
    const char *path = b->path;
    const char *name = b->name;
    curl_mime *mime = curl_mime_init(curl);
    if (mime == NULL) {
        return NULL;
    }
    curl_mimepart *sp = curl_mime_addpart(mime);
    curl_mimepart *fp = curl_mime_addpart(mime);
    if (sp == NULL || fp == NULL || curl_mime_name(sp, "stage_id") != CURLE_OK ||
        curl_mime_data(sp, stage, CURL_ZERO_TERMINATED) != CURLE_OK ||
        curl_mime_name(fp, "file") != CURLE_OK || curl_mime_filedata(fp, path) != CURLE_OK ||
        curl_mime_filename(fp, name) != CURLE_OK ||
        curl_mime_type(fp, "application/octet-stream") != CURLE_OK) {
        return NULL;
    }
    return mime;
}

/* The file id of a 2xx upload answer into *out (smc_free), or an error. */
static enum smc_code answer_id(const struct smc_response *r, char **out, struct smc_error *err)
{
    cJSON *doc = r->body != NULL ? cJSON_ParseWithLength(r->body, r->len) : NULL;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "file_id");
    enum smc_code rc = SMC_OK;
    *out = NULL;
    if (cJSON_IsString(id) && id->valuestring[0] != '\0') {
        *out = strdup(id->valuestring);
        if (*out == NULL) {
            rc = smc_err_set(err, SMC_E_NOMEM, "out of memory");
        }
    } else {
        rc = smc_err_set(err, SMC_E_PROTOCOL,
                         doc == NULL ? "HTTP %ld answer to an upload is not JSON"
                                     : "HTTP %ld answer to an upload has no file_id",
                         r->status);
        if (err != NULL) {
            err->status = r->status;
        }
    }
    cJSON_Delete(doc);
    return rc;
}

static enum smc_code check_file(const char *path, uint64_t *size, struct smc_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        return smc_err_set(err, SMC_E_IO, "%s: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return smc_err_set(err, SMC_E_IO, "%s: not a regular file", path);
    }
    *size = (uint64_t)st.st_size;
    return SMC_OK;
}

enum smc_code smc_upload(struct smc_client *c, const char *stage, const char *path,
                         const char *name, char **file_id, struct smc_error *err)
{
    smc_err_clear(err);
    if (file_id != NULL) {
        *file_id = NULL;
    }
    if (c == NULL || stage == NULL || path == NULL) {
        return smc_err_set(err, SMC_E_ARG, "upload needs a client, a stage and a path");
    }
    name = name != NULL ? name : smc_basename(path);
    if (name[0] == '\0') {
        return smc_err_set(err, SMC_E_ARG, "upload of '%s': empty file name", path);
    }
    struct lost_ctx lost = {.c = c, .stage = stage, .name = name};
    enum smc_code rc = check_file(path, &lost.size, err);
    if (rc != SMC_OK) {
        return rc;
    }
    struct body_ctx body = {.stage = stage, .path = path, .name = name};
    struct smc_request rq = {.path = "/upload-to-stage",
                             .name = name,
                             .make_mime = upload_body,
                             .fresh_connection = true,
                             .mime_cls = &body,
                             .on_lost = check_stage,
                             .lost_cls = &lost};
    struct smc_response resp;
    rc = smc_http_call(c, &rq, &resp, err);
    char *id = NULL;
    if (rc == SMC_OK && lost.found_id != NULL) {
        id = lost.found_id;
        lost.found_id = NULL;
    } else if (rc == SMC_OK) {
        rc = answer_id(&resp, &id, err);
    }
    free(lost.found_id);
    smc_response_cleanup(&resp);
    if (file_id != NULL) {
        *file_id = id;
    } else {
        free(id);
    }
    return rc;
}

enum smc_code smc_upload_many(struct smc_client *c, const char *stage, const char *const *paths,
                              size_t n, smc_upload_result_fn *done, void *cls)
{
    enum smc_code first = SMC_OK;
    for (size_t i = 0; i < n; i++) {
        struct smc_error err;
        char *id = NULL;
        enum smc_code rc = smc_upload(c, stage, paths[i], NULL, &id, &err);
        if (done != NULL) {
            done(cls, i, paths[i], smc_basename(paths[i]), rc, id, &err);
        }
        free(id);
        if (rc != SMC_OK && first == SMC_OK) {
            first = rc;
        }
    }
    return first;
}
