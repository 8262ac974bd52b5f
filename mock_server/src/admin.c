/*
 * admin.c - the admin API under /_stagemock/: what a test in another
 * language (or a person with curl) uses to drive an out-of-process mock.
 *
 *   GET  /_stagemock/journal   the journal (JSON, as sm_server_journal_json)
 *   GET  /_stagemock/har       the journal as HAR 1.2 (as sm_server_har_json)
 *   GET  /_stagemock/stages    stages and their files
 *   POST /_stagemock/reset     forget stored files and the journal
 *   POST /_stagemock/stages    {"name": "S"} adds a stage
 *   POST /_stagemock/keys      {"key": "K", "stages": ["S", ...]} adds a key
 *   POST /_stagemock/profile   a profile (docs/PROFILE.md)
 *   POST /_stagemock/verify    {"expect": "..."} checked against the journal
 *                              (docs/VERIFY.md): 200 {"ok": true}, or 409
 *                              {"ok": false, "message", "diff"}
 *   .../_stagemock/scenario... handed to scenario/scenario_api.c, the one
 *                              place the core names the scenario code
 *
 * Access: with an admin token configured, the header X-Stagemock-Admin must
 * carry it (from anywhere, compared in constant time); without one, only
 * loopback clients whose Host is a loopback name or our address may use it
 * (a DNS-rebinding page sends its own name). Always: an Origin from another
 * site is refused, and every call but GET needs Content-Type:
 * application/json, which a web page cannot send across sites without a
 * CORS preflight (never granted). Refusals are JSON 403 naming the reason.
 * Answers follow the same error rules as the stage API (JSON message).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "internal.h"
#include "../../common/sm_json.h"

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

/* An IP literal: a dotted IPv4 address or a bracketed IPv6 one. */
static bool ip_literal(const char *name, size_t len)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf) {
        return false;
    }
    unsigned char addr[16];
    if (name[0] == '[' && name[len - 1] == ']') {
        memcpy(buf, name + 1, len - 2);
        buf[len - 2] = '\0';
        return inet_pton(AF_INET6, buf, addr) == 1;
    }
    memcpy(buf, name, len);
    buf[len] = '\0';
    return inet_pton(AF_INET, buf, addr) == 1;
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/*
 * A Host header (or an Origin's host part) that may reach the admin API:
 * our port (or none when we listen on 80), and as name a loopback name
 * (localhost, 127.x.x.x, [::1]), the address we are bound to, or, bound to
 * every address, any IP literal. A DNS-rebinding page's requests carry its
 * own domain name, never one of these. NULL is the reason it fails.
 */
static const char *host_refusal(const struct sm_server *srv, const char *host)
{
    size_t len = strlen(host);
    const char *colon = NULL;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (close == NULL) {
            return "malformed";
        }
        colon = close[1] == ':' ? close + 1 : NULL;
        if (close[1] != '\0' && colon == NULL) {
            return "malformed";
        }
    } else {
        colon = strrchr(host, ':');
    }
    size_t nlen = colon ? (size_t)(colon - host) : len;
    uint16_t our_port = sm_server_port(srv);
    if (colon != NULL) {
        char *end = NULL;
        unsigned long port = strtoul(colon + 1, &end, 10);
        if (end == colon + 1 || *end != '\0' || port != our_port) {
            return "not this server's port";
        }
    } else if (our_port != 80) {
        return "no port";
    }
    const char *bound = srv->host;
    bool wildcard = strcmp(bound, "0.0.0.0") == 0 || strcmp(bound, "::") == 0;
    char v4[16];
    bool lo4 = nlen > 4 && nlen < sizeof v4 && strncmp(host, "127.", 4) == 0;
    if (lo4) {
        memcpy(v4, host, nlen);
        v4[nlen] = '\0';
        unsigned char a[4];
        lo4 = inet_pton(AF_INET, v4, a) == 1;
    }
    if (lo4 || name_is(host, nlen, "localhost") || name_is(host, nlen, "[::1]") ||
        name_is(host, nlen, bound) ||
        (host[0] == '[' && nlen == strlen(bound) + 2 &&
         strncasecmp(host + 1, bound, nlen - 2) == 0) ||
        (wildcard && ip_literal(host, nlen))) {
        return NULL;
    }
    return "not a loopback name or this server's address";
}

/* Content-Type application/json (parameters allowed): a page on another site
 * cannot send it without a CORS preflight, which the mock never grants. */
static bool is_json_type(const char *ct)
{
    if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0) {
        return false;
    }
    return ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ';
}

static enum sm_code admin_allowed(struct sm_req *r, const char *method, struct sm_error *e)
{
    struct sm_server *srv = r->srv;
    const char *token = srv->admin_token;
    if (token != NULL) {
        const char *got =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Stagemock-Admin");
        if (got == NULL || !sm_secret_equal(got, strlen(got), token, strlen(token))) {
            return sm_err_set(e, SM_E_AUTH, 401, SM_RULE_AUTH,
                              "admin API: send the admin token in X-Stagemock-Admin");
        }
    } else {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci == NULL || !is_loopback(ci->client_addr)) {
            return sm_err_set(e, SM_E_AUTH, 403, SM_RULE_AUTH,
                              "admin API: only loopback clients, unless an admin token is set");
        }
        /* without a token, a browser page must not reach us by a name of its own */
        const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
        const char *why = host ? host_refusal(srv, host) : NULL;
        if (why != NULL) {
            return sm_err_set(e, SM_E_AUTH, 403, SM_RULE_AUTH,
                              "admin API: Host '%.100s' refused (%s); use 127.0.0.1, localhost "
                              "or [::1] with port %u",
                              host, why, (unsigned)sm_server_port(srv));
        }
    }
    const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
    if (origin != NULL) {
        const char *o = origin;
        if (strncasecmp(o, "http://", 7) == 0) {
            o += 7;
        } else if (strncasecmp(o, "https://", 8) == 0) {
            o += 8;
        } else {
            o = NULL;
        }
        if (o == NULL || strchr(o, '/') != NULL || host_refusal(srv, o) != NULL) {
            return sm_err_set(e, SM_E_AUTH, 403, SM_RULE_AUTH,
                              "admin API: cross-site Origin '%.100s' refused", origin);
        }
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        const char *ct =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!is_json_type(ct)) {
            return sm_err_set(e, SM_E_AUTH, 403, SM_RULE_AUTH,
                              "admin API: a %.16s needs Content-Type: application/json (got "
                              "'%.100s')",
                              method, ct ? ct : "none");
        }
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
        return sm_err_set(e, SM_E_ARG, 400, SM_RULE_ERROR_JSON,
                          "admin: expected {\"key\": \"K\", \"stages\": [\"S\", ...]}");
    }
    size_t n = stages ? (size_t)cJSON_GetArraySize(stages) : 0;
    const char **names = n ? calloc(n, sizeof *names) : NULL;
    if (n && names == NULL) {
        return sm_err_set(e, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
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

/* POST verify: the journal checked against {"expect": "..."}. The server's
 * own threads may not wait long for answers in flight (one may be this
 * thread's), so the wait is short: VERIFY_WAIT_MS. */
#define VERIFY_WAIT_MS 100
static enum MHD_Result verify(struct sm_req *r)
{
    struct sm_error e;
    cJSON *body = cJSON_ParseWithLength(r->raw ? r->raw : "", r->raw_len);
    const char *text = json_str(body, "expect");
    if (text == NULL) {
        cJSON_Delete(body);
        (void)sm_err_set(&e, SM_E_ARG, 400, SM_RULE_ERROR_JSON,
                         "admin: expected {\"expect\": \"<expectation, docs/VERIFY.md>\"}");
        return sm_reply_error(r, &e);
    }
    char *diff = NULL;
    enum sm_code rc = sm_verify_run(r->srv, text, VERIFY_WAIT_MS, &diff, &e);
    cJSON_Delete(body);
    if (rc != SM_OK && rc != SM_E_MISMATCH) {
        return sm_reply_error(r, &e);
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddBoolToObject(out, "ok", rc == SM_OK);
    if (rc != SM_OK) {
        cJSON_AddStringToObject(out, "message", e.message);
        cJSON_AddStringToObject(out, "diff", diff);
    }
    free(diff);
    char *json = sm_json_print(out);
    cJSON_Delete(out);
    return sm_reply_json(r, rc == SM_OK ? 200 : 409, json);
}

enum MHD_Result sm_admin_handle(struct sm_req *r, const char *method, const char *url)
{
    struct sm_server *srv = r->srv;
    struct sm_error e;
    if (r->failed) {
        e = r->err;
        return sm_reply_error(r, &e);
    }
    if (admin_allowed(r, method, &e) != SM_OK) {
        return sm_reply_error(r, &e);
    }
    const char *what = url + strlen("/_stagemock/");
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (get && strcmp(what, "journal") == 0) {
        return sm_reply_json(r, 200, sm_server_journal_json_now(srv));
    }
    if (get && strcmp(what, "har") == 0) {
        const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
        return sm_reply_json(r, 200, sm_server_har_json_now(srv, host));
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
                      : sm_err_set(&e, SM_E_ARG, 400, SM_RULE_ERROR_JSON,
                                   "admin: expected {\"name\": \"stage\"}");
        }
        cJSON_Delete(body);
        if (rc != SM_OK) {
            return sm_reply_error(r, &e);
        }
        return sm_reply_json(r, 200, strdup("{\"added\":true}"));
    }
    if (post && strcmp(what, "verify") == 0) {
        return verify(r);
    }
    if (strncmp(what, "scenario", 8) == 0) {
        return sm_scn_admin(r, method, what); /* scenario_api.c */
    }
    (void)sm_err_set(&e, SM_E_NOT_FOUND, 404, SM_RULE_ERROR_JSON,
                     "no such admin endpoint: %.16s %.200s", method, url);
    return sm_reply_error(r, &e);
}
