/*
 * framing_json.c - the multipart lint's record (framing.c) as the journal
 * entry's "framing" object and "lint" array (docs/SERVER.md, "Multipart
 * framing"), written when the journal is read.
 *
 * What: every field is always present (null where the body did not say);
 * strings come from the record's pool (cut on a character boundary when
 * recorded), sizes are written as integers (sm_json_add_u64).
 * Not here: reading the body (framing.c, framing_head.c).
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "../../common/sm_json.h"
#include "framing_int.h"

static void add_pool_str(cJSON *o, const char *k, const struct sm_framing *f, uint16_t off)
{
    sm_json_add_str_or_null(o, k, off != NONE && off < f->pool_len ? f->pool + off : NULL);
}

static cJSON *part_json(const struct sm_framing *f, const struct sm_framing_part *pt)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL) {
        return NULL;
    }
    add_pool_str(o, "name", f, pt->name);
    cJSON_AddBoolToObject(o, "name_quoted", (pt->flags & PF_NAME_QUOTED) != 0);
    add_pool_str(o, "filename", f, pt->filename);
    if (pt->flags & PF_FILENAME) {
        cJSON_AddBoolToObject(o, "filename_quoted", (pt->flags & PF_FILENAME_QUOTED) != 0);
    } else {
        cJSON_AddNullToObject(o, "filename_quoted");
    }
    add_pool_str(o, "filename_star", f, pt->filename_star);
    add_pool_str(o, "content_type", f, pt->content_type);
    cJSON *hs = cJSON_AddArrayToObject(o, "headers");
    if (hs != NULL && pt->headers != NONE && pt->headers < f->pool_len) {
        const char *h = f->pool + pt->headers;
        while (*h != '\0') {
            const char *comma = strchr(h, ',');
            size_t n = comma != NULL ? (size_t)(comma - h) : strlen(h);
            char name[STR_CAP + 1];
            memcpy(name, h, n);
            name[n] = '\0';
            cJSON_AddItemToArray(hs, cJSON_CreateString(name));
            h += n + (comma != NULL ? 1 : 0);
        }
    }
    sm_json_add_u64(o, "size", pt->size);
    return o;
}

void sm_framing_to_json(const struct sm_framing *f, cJSON *entry)
{
    if (f == NULL) {
        return;
    }
    cJSON *o = cJSON_AddObjectToObject(entry, "framing");
    if (o != NULL) {
        static const char *const lengths[] = {"none", "content-length", "chunked"};
        cJSON_AddBoolToObject(o, "multipart", f->multipart);
        add_pool_str(o, "boundary", f, f->boundary);
        cJSON_AddBoolToObject(o, "boundary_quoted", f->boundary_quoted);
        cJSON_AddStringToObject(o, "length", lengths[f->length]);
        cJSON_AddBoolToObject(o, "expect_100", f->expect_100);
        const char *le = f->lines_crlf > 0 && f->lines_lf > 0 ? "mixed"
                         : f->lines_lf > 0                    ? "lf"
                         : f->lines_crlf > 0                  ? "crlf"
                                                              : NULL;
        sm_json_add_str_or_null(o, "line_endings", le);
        sm_json_add_u64(o, "preamble", f->preamble);
        sm_json_add_u64(o, "epilogue", f->epilogue);
        cJSON_AddBoolToObject(o, "closed", f->closed);
        cJSON_AddBoolToObject(o, "complete", f->complete);
        sm_json_add_u64(o, "parts_total", f->n_parts);
        cJSON *parts = cJSON_AddArrayToObject(o, "parts");
        for (unsigned i = 0; parts != NULL && i < f->n_rec; i++) {
            cJSON_AddItemToArray(parts, part_json(f, &f->part[i]));
        }
        cJSON_AddBoolToObject(o, "truncated", f->truncated);
    }
    cJSON *codes = cJSON_AddArrayToObject(entry, "lint");
    for (unsigned l = 0; codes != NULL && l < SM_LINT_COUNT; l++) {
        if (f->lint & (1u << l)) {
            cJSON_AddItemToArray(codes, cJSON_CreateString(sm_lint_name((enum sm_lint)l)));
        }
    }
}
