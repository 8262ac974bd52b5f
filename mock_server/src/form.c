/*
 * form.c - the text fields of a request body (stage_id, file_name), in the
 * three encodings RULES.md allows for downloads and lists:
 * application/x-www-form-urlencoded and multipart/form-data (through MHD's
 * PostProcessor, streaming) and application/json (buffered up to 64 KiB,
 * parsed with cJSON). Also the HTML5 filename escapes of multipart parts.
 *
 * What: every occurrence of a field is counted, so "several files" in one
 * download (a repeated file_name, or a JSON array) is seen and refused by
 * the caller (`one-file-per-request`). Fields longer than 2 KiB are refused.
 * A NUL in a field stays visible: the form encodings hand it over with the
 * field's length, and a JSON "\u0000" (which cJSON's strings cannot hold) is
 * found in the raw text, so the caller refuses it instead of reading a
 * shorter name (sm_text_check).
 * Uploads read their parts through the same PostProcessor
 * (sm_form_post_processor), which tells which part a chunk belongs to
 * (stage_id, the file, another field) and whether it begins a new one, and
 * hands the file part's bytes to upload.c.
 * Not here: the upload's file bytes (upload.c), what the fields mean.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "internal.h"

/* What a PostProcessor call's key and filename make of its part. */
static enum sm_form_part part_of(bool upload, const char *key, const char *filename)
{
    if (upload && filename != NULL) {
        return SM_FORM_PART_FILE;
    }
    if (key != NULL && strcmp(key, "stage_id") == 0) {
        return SM_FORM_PART_STAGE_ID;
    }
    if (!upload && key != NULL && strcmp(key, "file_name") == 0) {
        return SM_FORM_PART_FILE_NAME;
    }
    return SM_FORM_PART_OTHER;
}

/* Add a chunk of a text field; fresh: it begins a new occurrence. */
static void field_add(struct sm_form *f, enum sm_form_part part, const char *data, size_t size,
                      bool fresh)
{
    bool stage = part == SM_FORM_PART_STAGE_ID;
    char *dst = stage ? f->stage_id : f->file_name;
    size_t *len = stage ? &f->stage_id_len : &f->file_name_len;
    unsigned *count = stage ? &f->n_stage_id : &f->n_file_name;
    if (fresh) {
        (*count)++;
        if (*count > 1) {
            return; /* keep the first occurrence; the count tells the rest */
        }
        *len = 0;
    } else if (*count > 1) {
        return;
    }
    if (*len + size >= SM_FIELD_MAX) {
        f->field_too_long = true;
        return;
    }
    memcpy(dst + *len, data, size);
    *len += size;
    dst[*len] = '\0';
}

enum sm_form_part sm_form_chunk(struct sm_form *f, bool upload, const char *key,
                                const char *filename, const char *data, uint64_t off, size_t size,
                                bool *new_part)
{
    enum sm_form_part part = part_of(upload, key, filename);
    *new_part = !(part == f->run_part && off == f->run_next_off);
    f->run_part = part;
    f->run_next_off = off + size;
    if (part == SM_FORM_PART_STAGE_ID || part == SM_FORM_PART_FILE_NAME) {
        field_add(f, part, data, size, *new_part);
    }
    return part;
}

static enum MHD_Result form_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    struct sm_req *r = cls;
    sm_form_file_fn *on_file = r->form.on_file;
    bool new_part;
    if (sm_form_chunk(&r->form, on_file != NULL, key, filename, data, off, size, &new_part) !=
        SM_FORM_PART_FILE) {
        return MHD_YES; /* a field is in r->form now; other fields are ignored */
    }
    return on_file(r, key, filename, data, size, new_part);
}

struct MHD_PostProcessor *sm_form_post_processor(struct sm_req *r, sm_form_file_fn *on_file)
{
    r->form.on_file = on_file;
    return MHD_create_post_processor(r->conn, 16 * 1024, form_iter, r);
}

/* Called by the server for the first byte of a download/list body. */
static enum sm_code form_start(struct sm_req *r)
{
    const char *ct =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (ct != NULL && strncasecmp(ct, "application/json", 16) == 0) {
        r->raw = malloc(SM_FORM_MAX);
        r->raw_len = 0;
        if (r->raw == NULL) {
            return sm_err_set(&r->err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
        }
        return SM_OK;
    }
    r->pp = sm_form_post_processor(r, NULL);
    if (r->pp == NULL) {
        return sm_err_set(&r->err, SM_E_MALFORMED, 400,
                          r->route == SM_ROUTE_LIST ? SM_RULE_ORDER : SM_RULE_ONE_FILE,
                          "unsupported Content-Type '%.100s': send stage_id%s as "
                          "application/x-www-form-urlencoded, multipart/form-data or "
                          "application/json",
                          ct ? ct : "(none)",
                          r->route == SM_ROUTE_DOWNLOAD ? " and file_name" : "");
    }
    return SM_OK;
}

enum sm_code sm_form_feed(struct sm_req *r, const char *data, size_t n)
{
    if (r->pp == NULL && r->raw == NULL) {
        enum sm_code rc = form_start(r);
        if (rc != SM_OK) {
            return rc;
        }
    }
    if (r->raw != NULL) {
        if (r->raw_len + n > SM_FORM_MAX) {
            return sm_err_set(&r->err, SM_E_TOO_LARGE, 413, SM_RULE_ERROR_JSON,
                              "request body larger than %u bytes", SM_FORM_MAX);
        }
        memcpy(r->raw + r->raw_len, data, n);
        r->raw_len += n;
        return SM_OK;
    }
    if (MHD_post_process(r->pp, data, n) != MHD_YES) {
        return sm_err_set(&r->err, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                          "the form body does not parse");
    }
    return SM_OK;
}

/* The field (stage_id or file_name) whose JSON string value holds the escape
 * \u0000, or NULL: cJSON would end the value there silently. */
static const char *json_nul_field(const char *text, size_t len)
{
    const char *key = NULL;
    size_t key_len = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '"') {
            continue;
        }
        size_t b = ++i;
        bool nul = false;
        for (; i < len && text[i] != '"'; i++) {
            if (text[i] == '\\') {
                nul = nul || (len - i > 5 && memcmp(text + i + 1, "u0000", 5) == 0);
                i++;
            }
        }
        size_t j = i + 1;
        while (j < len &&
               (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n')) {
            j++;
        }
        if (j < len && text[j] == ':') {
            key = text + b; /* a member's name: the values after it are its */
            key_len = i - b;
        } else if (nul && key != NULL) {
            if (key_len == 8 && memcmp(key, "stage_id", 8) == 0) {
                return "stage_id";
            }
            if (key_len == 9 && memcmp(key, "file_name", 9) == 0) {
                return "file_name";
            }
        }
    }
    return NULL;
}

enum sm_code sm_form_parse_json(struct sm_form *f, const char *text, size_t len,
                                struct sm_error *err)
{
    const char *nul_field = json_nul_field(text, len);
    if (nul_field != NULL) {
        return sm_err_set(err, SM_E_MALFORMED, 400,
                          strcmp(nul_field, "file_name") == 0 ? SM_RULE_UNIQUE_NAMES
                                                              : SM_RULE_ONE_FILE,
                          "%s contains NUL (\\u0000)", nul_field);
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (root == NULL || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE,
                          "the JSON body is not a JSON object");
    }
    enum sm_code rc = SM_OK;
    bool fresh;
    const char *keys[] = {"stage_id", "file_name"};
    for (size_t i = 0; i < 2 && rc == SM_OK; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
        if (v == NULL || cJSON_IsNull(v)) {
            continue;
        }
        if (cJSON_IsArray(v)) {
            int n = cJSON_GetArraySize(v);
            const cJSON *first = cJSON_GetArrayItem(v, 0);
            for (int k = 0; k < n; k++) {
                const cJSON *e = cJSON_GetArrayItem(v, k);
                if (cJSON_IsString(e)) {
                    (void)sm_form_chunk(f, false, keys[i], NULL, e->valuestring, 0,
                                        strlen(e->valuestring), &fresh);
                }
            }
            if (n == 0 || !cJSON_IsString(first)) {
                rc = sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE, "'%s' must be a string",
                                keys[i]);
            }
        } else if (cJSON_IsString(v)) {
            (void)sm_form_chunk(f, false, keys[i], NULL, v->valuestring, 0, strlen(v->valuestring),
                                &fresh);
        } else {
            rc = sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_ONE_FILE, "'%s' must be a string",
                            keys[i]);
        }
    }
    cJSON_Delete(root);
    return rc;
}

enum sm_code sm_form_finish(struct sm_req *r)
{
    if (r->pp == NULL && r->raw == NULL) {
        enum sm_code rc = form_start(r); /* empty body: still judge its type */
        if (rc != SM_OK) {
            return rc;
        }
    }
    if (r->pp != NULL) {
        MHD_destroy_post_processor(r->pp);
        r->pp = NULL;
    }
    if (r->raw != NULL) {
        return sm_form_parse_json(&r->form, r->raw, r->raw_len, &r->err);
    }
    return SM_OK;
}

size_t sm_form_decode_filename(char *name, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '%' && i + 2 < len) {
            char a = name[i + 1], b = name[i + 2];
            char c = 0;
            if (a == '2' && b == '2') {
                c = '"';
            } else if (a == '0' && (b == 'D' || b == 'd')) {
                c = '\r';
            } else if (a == '0' && (b == 'A' || b == 'a')) {
                c = '\n';
            }
            if (c != 0) {
                name[o++] = c;
                i += 2;
                continue;
            }
        }
        name[o++] = name[i];
    }
    if (o < len) {
        name[o] = '\0';
    }
    return o;
}
