/*
 * profile.c - the defaults of ours that RULES.md lets a user override,
 * read from a JSON profile (docs/PROFILE.md lists every key).
 *
 * What: sm_profile_defaults (RULES.md "Defaults of ours"), and
 * sm_profile_parse, which applies a JSON object on top of a profile: status
 * per rule, the upload answer's file id field, the list answer's field
 * names, validation depth, size limit, accepted codecs, download encoding,
 * the parquet reader's limits ("limits": {"max_columns": N, ...}),
 * connection limits and deadlines.
 * Unknown keys and wrong types are errors naming the key, so a typo in a
 * profile never silently does nothing. On error the profile is unchanged.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "../../common/sm_json.h"

#include "internal.h"

void sm_profile_defaults(struct sm_profile *p, const struct sm_server_config *cfg)
{
    memset(p, 0, sizeof *p);
    (void)snprintf(p->file_id_field, sizeof p->file_id_field, "file_id");
    (void)snprintf(p->list_files_field, sizeof p->list_files_field, "files");
    (void)snprintf(p->list_name_field, sizeof p->list_name_field, "name");
    (void)snprintf(p->list_id_field, sizeof p->list_id_field, "file_id");
    (void)snprintf(p->list_size_field, sizeof p->list_size_field, "size");
    p->deep = cfg->validate_deep;
    p->max_upload = cfg->max_upload ? cfg->max_upload : (1ull << 30);
    p->codecs = SM_PQ_CODECS_DEFAULT;
    p->download_base64 = false;
    p->max_connections = cfg->max_connections ? cfg->max_connections : 512u;
    p->max_connections_per_ip = cfg->max_connections_per_ip ? cfg->max_connections_per_ip : 256u;
    p->head_timeout_s = cfg->head_timeout_s ? cfg->head_timeout_s : 10u;
    p->min_body_rate = cfg->min_body_rate ? cfg->min_body_rate : 1024u;
}

static enum sm_code set_count(unsigned *dst, const cJSON *v, const char *key, double max,
                              struct sm_error *err)
{
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > max ||
        v->valuedouble != (double)(unsigned)v->valuedouble) {
        return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE,
                          "profile: '%s' must be an integer from 1 to %.0f", key, max);
    }
    *dst = (unsigned)v->valuedouble;
    return SM_OK;
}

static enum sm_code bad(struct sm_error *err, const char *key, const char *want)
{
    return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE, "profile: '%s' %s", key, want);
}

/* A field that is one of two words, a or b (named in that order when it is
 * neither): *on says whether it is b (on_b) or a. */
static enum sm_code set_either(bool *on, const cJSON *v, const char *key, const char *a,
                               const char *b, bool on_b, struct sm_error *err)
{
    if (!cJSON_IsString(v) || (strcmp(v->valuestring, a) != 0 && strcmp(v->valuestring, b) != 0)) {
        return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE,
                          "profile: '%s' must be \"%s\" or \"%s\"", key, a, b);
    }
    *on = strcmp(v->valuestring, on_b ? b : a) == 0;
    return SM_OK;
}

static enum sm_code set_name(char *dst, size_t size, const cJSON *v, const char *key,
                             struct sm_error *err)
{
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0' || strlen(v->valuestring) >= size) {
        return bad(err, key, "must be a non-empty string of at most 63 bytes");
    }
    (void)snprintf(dst, size, "%s", v->valuestring);
    return SM_OK;
}

static enum sm_code parse_statuses(struct sm_profile *p, const cJSON *o, struct sm_error *err)
{
    if (!cJSON_IsObject(o)) {
        return bad(err, "status", "must be an object of rule id -> HTTP status");
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        enum sm_rule rule = sm_rule_find(it->string);
        if (sm_rule_kind(rule) != SM_RULE_KIND_DOCUMENTED) {
            /* only the documented rules are answered over HTTP with a status a
             * profile may change (RULES.md); name them, so a typo is plain */
            char known[512];
            (void)sm_rule_list(SM_RULE_KIND_DOCUMENTED, known, sizeof known);
            return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE,
                              "profile: status: unknown rule id '%.100s' (known: %s)", it->string,
                              known);
        }
        if (!cJSON_IsNumber(it) || it->valuedouble < 400 || it->valuedouble > 599) {
            return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE,
                              "profile: status.%s must be an HTTP error status (400-599)",
                              it->string);
        }
        p->status[rule] = it->valueint;
    }
    return SM_OK;
}

static enum sm_code parse_codecs(struct sm_profile *p, const cJSON *a, struct sm_error *err)
{
    if (!cJSON_IsArray(a)) {
        return bad(err, "codecs", "must be an array of codec names");
    }
    unsigned mask = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, a)
    {
        unsigned found = SM_PQ_CODEC_MAX + 1;
        for (unsigned c = 0; cJSON_IsString(it) && c <= SM_PQ_CODEC_MAX; c++) {
            if (strcmp(it->valuestring, sm_pq_codec_name(c)) == 0) {
                found = c;
            }
        }
        if (found > SM_PQ_CODEC_MAX) {
            return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE,
                              "profile: codecs: unknown codec '%s'",
                              cJSON_IsString(it) ? it->valuestring : "(not a string)");
        }
        mask |= SM_PQ_CODEC_BIT(found);
    }
    p->codecs = mask;
    return SM_OK;
}

static enum sm_code parse_limits(struct sm_profile *p, const cJSON *o, struct sm_error *err)
{
    static const struct {
        const char *name;
        size_t off;
        double max;
    } keys[] = {
        {"max_schema_elements", offsetof(struct sm_pq_limits, max_schema_elements), 4294967295.0},
        {"max_columns", offsetof(struct sm_pq_limits, max_columns), 4294967295.0},
        {"max_depth", offsetof(struct sm_pq_limits, max_depth), SM_PQ_MAX_DEPTH},
        {"max_name_length", offsetof(struct sm_pq_limits, max_name_length), 4294967295.0},
        {"max_page_compressed", offsetof(struct sm_pq_limits, max_page_compressed), 2147483647.0},
        {"max_page_uncompressed", offsetof(struct sm_pq_limits, max_page_uncompressed),
         2147483647.0},
    };
    if (!cJSON_IsObject(o)) {
        return bad(err, "limits", "must be an object of limit name -> number");
    }
    struct sm_pq_limits next = p->limits;
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        size_t k = 0;
        while (k < sizeof keys / sizeof keys[0] && strcmp(keys[k].name, it->string) != 0) {
            k++;
        }
        if (k == sizeof keys / sizeof keys[0]) {
            return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE,
                              "profile: limits: unknown limit '%s' (docs/PROFILE.md)", it->string);
        }
        double v = cJSON_IsNumber(it) ? it->valuedouble : -1;
        if (v < 1 || v > keys[k].max || v != (double)(uint64_t)v) {
            return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE,
                              "profile: limits.%s must be a whole number from 1 to %.0f",
                              it->string, keys[k].max);
        }
        uint64_t u = (uint64_t)v;
        memcpy((unsigned char *)&next + keys[k].off, &u, sizeof u);
    }
    p->limits = next;
    return SM_OK;
}

static enum sm_code apply_key(struct sm_profile *p, const cJSON *it, struct sm_error *err)
{
    const char *k = it->string;
    if (strcmp(k, "status") == 0) {
        return parse_statuses(p, it, err);
    } else if (strcmp(k, "file_id_field") == 0) {
        return set_name(p->file_id_field, sizeof p->file_id_field, it, k, err);
    } else if (strcmp(k, "list_files_field") == 0) {
        return set_name(p->list_files_field, sizeof p->list_files_field, it, k, err);
    } else if (strcmp(k, "list_name_field") == 0) {
        return set_name(p->list_name_field, sizeof p->list_name_field, it, k, err);
    } else if (strcmp(k, "list_id_field") == 0) {
        return set_name(p->list_id_field, sizeof p->list_id_field, it, k, err);
    } else if (strcmp(k, "list_size_field") == 0) {
        return set_name(p->list_size_field, sizeof p->list_size_field, it, k, err);
    } else if (strcmp(k, "validation") == 0) {
        return set_either(&p->deep, it, k, "deep", "footer", false, err);
    } else if (strcmp(k, "max_upload") == 0) {
        uint64_t n = 0;
        if (!sm_json_get_u64(it, &n)) {
            n = cJSON_IsNumber(it) && it->valuedouble >= 1 && it->valuedouble < 1.8e19
                    ? (uint64_t)it->valuedouble /* written as 1e9 */
                    : 0;
        }
        if (n < 1) {
            return bad(err, k, "must be a positive number of bytes");
        }
        p->max_upload = n;
        return SM_OK;
    } else if (strcmp(k, "codecs") == 0) {
        return parse_codecs(p, it, err);
    } else if (strcmp(k, "limits") == 0) {
        return parse_limits(p, it, err);
    } else if (strcmp(k, "download_encoding") == 0) {
        return set_either(&p->download_base64, it, k, "raw", "base64", true, err);
    } else if (strcmp(k, "max_connections") == 0) {
        return set_count(&p->max_connections, it, k, 65536, err);
    } else if (strcmp(k, "max_connections_per_ip") == 0) {
        return set_count(&p->max_connections_per_ip, it, k, 65536, err);
    } else if (strcmp(k, "head_timeout_s") == 0) {
        return set_count(&p->head_timeout_s, it, k, 86400, err);
    } else if (strcmp(k, "min_body_rate") == 0) {
        return set_count(&p->min_body_rate, it, k, 1e9, err);
    } else if (strcmp(k, "comment") == 0 || strcmp(k, "$schema") == 0) {
        return SM_OK;
    }
    return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE,
                      "profile: unknown key '%s' (docs/PROFILE.md)", k);
}

enum sm_code sm_profile_parse(struct sm_profile *p, const char *json, size_t len,
                              struct sm_error *err)
{
    cJSON *root = sm_json_parse(json, len);
    if (root == NULL || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return sm_err_set(err, SM_E_MALFORMED, 400, SM_RULE_NONE, "profile: not a JSON object");
    }
    struct sm_profile next = *p;
    enum sm_code rc = SM_OK;
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        rc = apply_key(&next, it, err);
        if (rc != SM_OK) {
            break;
        }
    }
    cJSON_Delete(root);
    if (rc == SM_OK) {
        *p = next;
    }
    return rc;
}
