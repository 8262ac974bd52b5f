/*
 * download.c - POST /download-from-stage.
 *
 * What: a download names one stage and one file (`one-file-per-request`:
 * zero or several file names are refused), and gets the stored bytes exactly
 * (`bytes`) as application/octet-stream with Content-Length: from a fresh
 * file descriptor (MHD sends it with sendfile) for disk-backed files, from
 * the blob's memory otherwise, holding a blob reference until MHD is done.
 * A profile may ask for base64 text instead (download_encoding).
 * sm_form_prologue, the common start of a download and a list (the form
 * parsed, the journal told the names, exactly one of each), lives here too.
 * Not here: the list (list.c), the body's encodings (form.c), auth (auth.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "../../common/sm_base64.h"

#include "internal.h"

static void blob_release(void *cls)
{
    sm_blob_unref(cls);
}

/* Read a whole blob into memory (base64 answers only). */
static uint8_t *blob_read_all(const struct sm_blob *b)
{
    uint8_t *buf = malloc(b->size ? b->size : 1);
    if (buf == NULL) {
        return NULL;
    }
    if (b->fd < 0) {
        memcpy(buf, b->mem, b->size);
        return buf;
    }
    for (uint64_t off = 0; off < b->size;) {
        ssize_t got = pread(b->fd, buf + off, b->size - off, (off_t)off);
        if (got <= 0) {
            free(buf);
            return NULL;
        }
        off += (uint64_t)got;
    }
    return buf;
}

static struct MHD_Response *blob_response(struct sm_blob *b, bool as_base64, uint64_t *len)
{
    *len = b->size;
    if (as_base64) {
        uint8_t *raw = b->size <= (256u << 20) ? blob_read_all(b) : NULL;
        size_t n = 0;
        char *text = raw ? smx_base64_encode(raw, b->size, &n) : NULL;
        free(raw);
        sm_blob_unref(b);
        if (text == NULL) {
            return NULL;
        }
        *len = n;
        return MHD_create_response_from_buffer_with_free_callback(n, text, free);
    }
    if (b->fd >= 0) {
        char path[64];
        (void)snprintf(path, sizeof path, "/proc/self/fd/%d", b->fd);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        sm_blob_unref(b);
        if (fd < 0) {
            return NULL;
        }
        struct MHD_Response *resp = MHD_create_response_from_fd_at_offset64(*len, fd, 0);
        if (resp == NULL) {
            close(fd);
        }
        return resp;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
        (size_t)b->size, b->mem, blob_release, b);
    if (resp == NULL) {
        sm_blob_unref(b);
    }
    return resp;
}

static enum sm_code want_one(const struct sm_form *f, bool need_file, enum sm_rule rule,
                             struct sm_error *e)
{
    if (f->field_too_long) {
        return sm_err_set(e, SM_E_MALFORMED, 400, rule, "a field is longer than %d bytes",
                          SM_FIELD_MAX - 1);
    }
    if (f->n_stage_id != 1) {
        return sm_err_set(e, SM_E_MALFORMED, 400, rule,
                          f->n_stage_id ? "%u stage_id fields; send exactly one"
                                        : "missing field 'stage_id'%.0u",
                          f->n_stage_id);
    }
    if (need_file && f->n_file_name == 0) {
        return sm_err_set(e, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                          "missing field 'file_name': name the one file to download");
    }
    if (need_file && f->n_file_name > 1) {
        return sm_err_set(e, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                          "%u file names in one request; download one file per request",
                          f->n_file_name);
    }
    if (sm_text_check("stage_id", f->stage_id, f->stage_id_len, rule, e) != SM_OK) {
        return e->code;
    }
    if (need_file && sm_text_check("file_name", f->file_name, f->file_name_len,
                                   SM_RULE_UNIQUE_NAMES, e) != SM_OK) {
        return e->code;
    }
    return SM_OK;
}

/* The body parsed, its stage and file name journaled, and exactly the fields
 * the endpoint needs present; else the error to answer with is in *e. */
enum sm_code sm_form_prologue(struct sm_req *r, bool need_file, enum sm_rule rule,
                              struct sm_error *e)
{
    if (r->failed || sm_form_finish(r) != SM_OK) {
        *e = r->err;
        return e->code;
    }
    if (r->form.n_stage_id > 0) {
        r->je.stage = strdup(r->form.stage_id);
    }
    if (need_file && r->form.n_file_name > 0) {
        r->je.file_name = strdup(r->form.file_name);
    }
    return want_one(&r->form, need_file, rule, e);
}

enum MHD_Result sm_download_finish(struct sm_req *r)
{
    struct sm_server *srv = r->srv;
    struct sm_error e;
    if (sm_form_prologue(r, true, SM_RULE_ONE_FILE, &e) != SM_OK) {
        return sm_reply_error(r, &e);
    }
    struct sm_stage *st;
    struct sm_blob *blob = NULL;
    pthread_mutex_lock(&srv->lock);
    enum sm_code rc = sm_auth_stage(srv, r, r->form.stage_id, &st, &e);
    if (rc == SM_OK) {
        struct sm_stage_file *f = sm_stage_file_find(st, r->form.file_name);
        if (f == NULL) {
            rc = sm_err_set(&e, SM_E_NOT_FOUND, 404, SM_RULE_BYTES,
                            "stage '%.200s' has no file '%.200s'", r->form.stage_id,
                            r->form.file_name);
        } else {
            blob = sm_blob_ref(f->blob);
            memcpy(r->je.sha256, sm_stage_file_sha256(f), sizeof r->je.sha256);
        }
    }
    bool b64 = srv->profile.download_base64;
    pthread_mutex_unlock(&srv->lock);
    if (rc != SM_OK || blob == NULL) {
        return sm_reply_error(r, &e);
    }
    r->je.size = blob->size;
    if (!b64) {
        sm_har_cap_blob(r->je.har, blob); /* base64 answers: not kept */
    }
    if (r->scn_run != NULL) {
        /* a scenario may re-serve the bytes */
        sm_server_scn_hooks(r->srv)->note_blob(r, blob);
    }
    uint64_t len = 0;
    struct MHD_Response *resp = blob_response(blob, b64, &len);
    if (resp == NULL) {
        (void)sm_err_set(&e, SM_E_IO, 500, SM_RULE_BYTES, "cannot read the stored file");
        return sm_reply_error(r, &e);
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            b64 ? "text/plain" : "application/octet-stream");
    return sm_reply_queue(r, 200, resp, len);
}
