/*
 * upload.c - POST /upload-to-stage: a multipart body with a `stage_id` field
 * and exactly one file part named `file`, streamed through MHD's
 * PostProcessor into a spool (memory, then an unlinked temp file), then put
 * into the stage by sm_ingest (ingest.c), and answered.
 *
 * What: the order of judgement is the corpus's: request shape
 * (`one-file-per-request`: zero or several file parts, a part not named
 * `file`, a missing stage_id), then in sm_ingest the key and stage (`auth`),
 * the bytes (`parquet-only`, `codec`), and at commit time, under the server
 * lock, the schema (`same-schema`) and the name's uniqueness
 * (`unique-names`). With a data dir the answer waits, its connection
 * suspended, for the group fdatasync that makes the record durable
 * (store.c).
 * Design: the parts are told apart, and stage_id kept, by form.c
 * (sm_form_post_processor), which hands the file part here; bytes of extra file parts are counted,
 * not kept. The file part's sha256 (journal, listing) comes from the spool: streamed for large
 * files, computed on first read for the accepted small ones (spool.c), at once for refused ones.
 * Not here: the HTTP plumbing (server.c), the answer's shape (reply.c), the
 * pipeline from spool to stage (ingest.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "../../common/sm_json.h"

#include "internal.h"

/* The file part's bytes, from form.c's PostProcessor. */
static enum MHD_Result upload_file(struct sm_req *r, const char *key, const char *filename,
                                   const char *data, size_t size, bool new_part)
{
    if (new_part) {
        r->file_parts++;
        r->in_file = r->file_parts == 1;
        if (r->in_file) {
            r->filename = strdup(filename);
            r->part_name = strdup(key ? key : "");
            if (r->filename == NULL || r->part_name == NULL) {
                r->failed = true;
                (void)sm_err_set(&r->err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
                return MHD_NO;
            }
        }
    }
    if (!r->in_file || r->failed || size == 0) {
        return MHD_YES;
    }
    if (r->spool.size + size > r->srv->profile.max_upload) {
        r->failed = true;
        (void)sm_err_set(&r->err, SM_E_TOO_LARGE, 413, SM_RULE_ERROR_JSON,
                         "the file is larger than the upload limit of %llu bytes",
                         (unsigned long long)r->srv->profile.max_upload);
        return MHD_NO;
    }
    if (sm_spool_append(&r->spool, data, size, &r->err) != SM_OK) {
        r->failed = true;
        return MHD_NO;
    }
    return MHD_YES;
}

enum MHD_Result sm_upload_body(struct sm_req *r, const char *data, size_t n)
{
    if (r->failed) {
        return MHD_YES; /* drain the body, answer at the end */
    }
    if (r->pp == NULL) {
        sm_spool_init(&r->spool, r->srv->tmp_dir);
        const char *len =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        char *end = NULL;
        unsigned long long hint = len != NULL ? strtoull(len, &end, 10) : 0;
        if (len != NULL && end != len && *end == '\0') {
            sm_spool_expect(&r->spool, hint); /* the file part is at most the whole body */
        }
        r->pp = sm_form_post_processor(r, upload_file);
        if (r->pp == NULL) {
            const char *ct =
                MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
            r->failed = true;
            (void)sm_err_set(&r->err, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                             "an upload must be multipart/form-data with a stage_id field and "
                             "one part named 'file'; Content-Type was '%.100s'",
                             ct ? ct : "(none)");
            return MHD_YES;
        }
    }
    if (MHD_post_process(r->pp, data, n) != MHD_YES && !r->failed) {
        r->failed = true;
        (void)sm_err_set(&r->err, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                         "the multipart body does not parse");
    }
    return MHD_YES;
}

/* Shape of the request: one stage_id, exactly one file part named `file`. */
static enum sm_code check_shape(struct sm_req *r, struct sm_error *e)
{
    const struct sm_form *f = &r->form;
    if (f->field_too_long) {
        return sm_err_set(e, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                          "stage_id is longer than %d bytes", SM_FIELD_MAX - 1);
    }
    if (f->n_stage_id == 0) {
        return sm_err_set(e, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE, "missing field 'stage_id'");
    }
    if (f->n_stage_id > 1) {
        return sm_err_set(e, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                          "%u stage_id fields; send exactly one", f->n_stage_id);
    }
    if (sm_text_check("stage_id", f->stage_id, f->stage_id_len, SM_RULE_ONE_FILE, e) != SM_OK) {
        return e->code;
    }
    if (r->file_parts == 0) {
        return sm_err_set(e, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                          "no file part: send the file as a multipart part named 'file'");
    }
    if (r->file_parts > 1) {
        return sm_err_set(e, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                          "%u file parts in one request; upload one file per request",
                          r->file_parts);
    }
    if (r->filename == NULL) {
        return sm_err_set(e, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                          "the file part has no filename");
    }
    if (strcmp(r->part_name, "file") != 0) {
        return sm_err_set(e, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                          "the file part is named '%.100s'; it must be named 'file'", r->part_name);
    }
    size_t len = sm_form_decode_filename(r->filename, strlen(r->filename));
    if (memchr(r->filename, '\0', len) != NULL) {
        return sm_err_set(e, SM_E_ARG, 400, SM_RULE_UNIQUE_NAMES, "the file name contains NUL");
    }
    return sm_name_check(r->filename, len, e);
}

/* A field name JSON can carry without escaping (printable ASCII, no " or \). */
static bool plain(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\') {
            return false;
        }
    }
    return true;
}

/* The answer to a committed upload: its file id; or, when rc says the commit
 * failed after it, the error, with the file's digest taken from blob. Takes
 * blob's reference and id. */
static enum MHD_Result answer(struct sm_req *r, enum sm_code rc, const struct sm_error *e,
                              struct sm_blob *blob, char *id, const char *field)
{
    if (rc != SM_OK) {
        free(id);
        if (r->je.sha256[0] == '\0') {
            (void)sm_blob_sha256(blob, r->je.sha256);
        }
        sm_blob_unref(blob);
        return sm_reply_error(r, e);
    }
    if (r->je.sha256[0] == '\0') {
        r->je.digest_of = blob; /* our reference: the journal computes the digest when read */
    } else {
        sm_blob_unref(blob);
    }
    r->je.file_id = id;
    if (id != NULL && plain(field)) {
        /* the file is stored: no allocation of ours may turn that into a 503 */
        char text[128];
        int n = snprintf(text, sizeof text, "{\"%s\":\"%s\"}", field, id);
        sm_har_cap_response_body(r->je.har, text, (size_t)n);
        struct MHD_Response *resp =
            MHD_create_response_from_buffer((size_t)n, text, MHD_RESPMEM_MUST_COPY);
        if (resp != NULL) {
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        }
        return sm_reply_queue(r, 200, resp, (uint64_t)n);
    }
    cJSON *o = cJSON_CreateObject(); /* a field name that needs escaping */
    char *json = o != NULL && cJSON_AddStringToObject(o, field, id ? id : "") != NULL
                     ? sm_json_print(o)
                     : NULL;
    cJSON_Delete(o);
    return sm_reply_json(r, 200, json);
}

/* A data-dir commit: answer once its record is durable (at once if it is,
 * or when the store resumed the suspended connection). */
static enum MHD_Result answer_durable(struct sm_req *r)
{
    r->durable.waiting = false;
    struct sm_error e;
    enum sm_code rc = sm_store_wait(&r->durable.put, r->durable.ticket, &e);
    return answer(r, rc, &e, r->durable.blob, r->durable.file_id, r->durable.field);
}

enum MHD_Result sm_upload_finish(struct sm_req *r)
{
    struct sm_server *srv = r->srv;
    if (r->durable.waiting) {
        return answer_durable(r); /* resumed by the store */
    }
    if (r->pp != NULL) {
        MHD_destroy_post_processor(r->pp);
        r->pp = NULL;
    } else if (!r->failed) {
        (void)sm_upload_body(r, "", 0); /* empty body: still judge the content type */
        if (r->pp != NULL) {
            MHD_destroy_post_processor(r->pp);
            r->pp = NULL;
        }
    }
    r->je.file_parts = r->file_parts;
    r->je.size = r->spool.size;
    if (r->filename != NULL) {
        r->je.file_name = strdup(r->filename);
    }
    if (r->form.n_stage_id > 0) {
        r->je.stage = strdup(r->form.stage_id);
    }
    struct sm_error e = r->err;
    if (r->failed || check_shape(r, &e) != SM_OK) {
        return sm_reply_error(r, &e); /* no digest: the file part is missing or cut short */
    }
    free(r->je.file_name);
    r->je.file_name = r->filename != NULL ? strdup(r->filename) : NULL; /* now decoded */
    struct sm_ingest in = {.from = SM_INGEST_UPLOAD,
                           .stage = r->form.stage_id,
                           .name = r->filename,
                           .spool = &r->spool,
                           .req = r};
    enum sm_code rc = sm_ingest(srv, &in, &e);
    memcpy(r->je.sha256, in.sha256, sizeof r->je.sha256); /* refused: the digest, if judged */
    if (rc != SM_OK) {
        return sm_reply_error(r, &e);
    }
    r->je.commit_seq = in.commit_seq;
    char field[64];
    pthread_mutex_lock(&srv->lock);
    memcpy(field, srv->profile.file_id_field, sizeof field);
    pthread_mutex_unlock(&srv->lock);
    if (in.durable) { /* committed to the data dir: answer once the record is durable */
        r->durable.put = in.put;
        r->durable.ticket = in.ticket;
        r->durable.blob = in.blob;
        r->durable.file_id = in.file_id;
        memcpy(r->durable.field, field, sizeof field);
        r->durable.waiting = true;
        if (sm_store_wait_async(srv, &r->durable.put, in.ticket, r->conn, &r->durable.err)) {
            return MHD_YES; /* suspended: the store resumes us, and we answer below */
        }
        return answer_durable(r);
    }
    return answer(r, SM_OK, &e, in.blob, in.file_id, field); /* e unused on success */
}
