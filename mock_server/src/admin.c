/*
 * admin.c - the admin API under /_stagemock/: what a test in another
 * language (or a person with curl) uses to drive an out-of-process mock.
 *
 *   GET  /_stagemock/journal   the journal (JSON, as sm_server_journal_json)
 *   GET  /_stagemock/stages    stages and their files
 *   POST /_stagemock/reset     forget stored files and the journal
 *   POST /_stagemock/stages    {"name": "S"} adds a stage
 *   POST /_stagemock/keys      {"key": "K", "stages": ["S", ...]} adds a key
 *   POST /_stagemock/profile   a profile (docs/PROFILE.md)
 *
 * Access: with an admin token configured, the header X-Stagemock-Admin must
 * carry it (from anywhere); without one, only loopback clients may use it.
 * Answers follow the same error rules as the stage API (JSON message).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "internal.h"

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa == NULL) {
        return false;
    }
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        static const uint8_t lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const uint8_t v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return memcmp(&in6->sin6_addr, lo, 16) == 0 ||
               (memcmp(&in6->sin6_addr, v4, 12) == 0 && in6->sin6_addr.s6_addr[12] == 127);
    }
    return false;
}

static enum sm_code admin_allowed(struct sm_req *r, struct sm_error *e)
{
    const char *token = r->srv->admin_token;
    if (token != NULL) {
        const char *got =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Stagemock-Admin");
        if (got == NULL || strcmp(got, token) != 0) {
            return sm_err_set(e, SM_E_AUTH, 401, "auth",
                              "admin API: send the admin token in X-Stagemock-Admin");
        }
        return SM_OK;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || !is_loopback(ci->client_addr)) {
        return sm_err_set(e, SM_E_AUTH, 403, "auth",
                          "admin API: only loopback clients, unless an admin token is set");
    }
    return SM_OK;
}

static const char *json_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static enum sm_code add_key(struct sm_server *srv, const cJSON *body, struct sm_error *e)
{
    const char *key = json_str(body, "key");
    const cJSON *stages = cJSON_GetObjectItemCaseSensitive(body, "stages");
    if (key == NULL || (stages != NULL && !cJSON_IsArray(stages))) {
        return sm_err_set(e, SM_E_ARG, 400, "error-json",
                          "admin: expected {\"key\": \"K\", \"stages\": [\"S\", ...]}");
    }
    size_t n = stages ? (size_t)cJSON_GetArraySize(stages) : 0;
    const char **names = n ? calloc(n, sizeof *names) : NULL;
    if (n && names == NULL) {
        return sm_err_set(e, SM_E_NOMEM, 503, NULL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const cJSON *s = cJSON_GetArrayItem(stages, (int)i);
        names[i] = cJSON_IsString(s) ? s->valuestring : "";
    }
    static const char *none[1] = {""};
    enum sm_code rc = sm_server_add_key(srv, key, stages ? (names ? names : none) : NULL, n, e);
    free(names);
    return rc;
}

enum MHD_Result sm_admin_handle(struct sm_req *r, const char *method, const char *url)
{
    struct sm_server *srv = r->srv;
    struct sm_error e;
    if (r->failed) {
        e = r->err;
        return sm_reply_error(r, &e);
    }
    if (admin_allowed(r, &e) != SM_OK) {
        return sm_reply_error(r, &e);
    }
    const char *what = url + strlen("/_stagemock/");
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (get && strcmp(what, "journal") == 0) {
        return sm_reply_json(r, 200, sm_server_journal_json_now(srv));
    }
    if (get && strcmp(what, "stages") == 0) {
        return sm_reply_json(r, 200, sm_server_stages_json(srv));
    }
    if (post && strcmp(what, "reset") == 0) {
        sm_server_reset(srv);
        return sm_reply_json(r, 200, strdup("{\"reset\":true}"));
    }
    if (post && strcmp(what, "profile") == 0) {
        if (sm_server_load_profile(srv, r->raw ? r->raw : "", r->raw_len, &e) != SM_OK) {
            return sm_reply_error(r, &e);
        }
        return sm_reply_json(r, 200, strdup("{\"profile\":\"loaded\"}"));
    }
    if (post && (strcmp(what, "stages") == 0 || strcmp(what, "keys") == 0)) {
        cJSON *body = cJSON_ParseWithLength(r->raw ? r->raw : "", r->raw_len);
        enum sm_code rc;
        if (strcmp(what, "keys") == 0) {
            rc = add_key(srv, body, &e);
        } else {
            const char *name = json_str(body, "name");
            rc = name ? sm_server_add_stage(srv, name, &e)
                      : sm_err_set(&e, SM_E_ARG, 400, "error-json",
                                   "admin: expected {\"name\": \"stage\"}");
        }
        cJSON_Delete(body);
        if (rc != SM_OK) {
            return sm_reply_error(r, &e);
        }
        return sm_reply_json(r, 200, strdup("{\"added\":true}"));
    }
    if (strncmp(what, "scenario", 8) == 0) {
        return sm_scn_admin(r, method, what); /* scenario_api.c */
    }
    (void)sm_err_set(&e, SM_E_NOT_FOUND, 404, "error-json", "no such admin endpoint: %.16s %.200s",
                     method, url);
    return sm_reply_error(r, &e);
}
