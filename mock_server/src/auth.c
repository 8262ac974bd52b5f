/*
 * auth.c - RULES.md `auth`: every request carries `Authorization: Key <k>`;
 * a missing, malformed (`Bearer …`) or unknown key is 401; a stage the key
 * may not see is answered exactly like a stage that does not exist (404,
 * same message, same rule id), so no stage name leaks to other keys.
 * Secrets (keys, the admin token) are compared in constant time. The key
 * table's lookups (which key, which stages it sees) live here too.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

const struct sm_key *sm_key_find(const struct sm_server *srv, const char *key)
{
    const struct sm_key *found = NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i < srv->n_keys; i++) { /* every key, in constant time each */
        const char *k = srv->keys[i].key;
        if (sm_secret_equal(k, strlen(k), key, len) && found == NULL) {
            found = &srv->keys[i];
        }
    }
    return found;
}

bool sm_key_sees(const struct sm_key *k, const char *stage)
{
    if (k->stages == NULL) {
        return true;
    }
    for (size_t i = 0; i < k->n_stages; i++) {
        if (strcmp(k->stages[i], stage) == 0) {
            return true;
        }
    }
    return false;
}

enum sm_code sm_auth_header(struct sm_req *r, const char *value, struct sm_error *err)
{
    if (value == NULL) {
        return sm_err_set(err, SM_E_AUTH, 401, SM_RULE_AUTH,
                          "missing Authorization header: send 'Authorization: Key <api key>'");
    }
    if (strncasecmp(value, "Key ", 4) != 0) {
        char scheme[32];
        size_t n = strcspn(value, " ");
        (void)snprintf(scheme, sizeof scheme, "%.*s", (int)(n < 31 ? n : 31), value);
        return sm_err_set(err, SM_E_AUTH, 401, SM_RULE_AUTH,
                          "malformed Authorization header: scheme '%s' is not 'Key'", scheme);
    }
    const char *k = value + 4;
    while (*k == ' ') {
        k++;
    }
    size_t len = strlen(k);
    while (len > 0 && k[len - 1] == ' ') {
        len--;
    }
    if (len == 0 || len >= sizeof r->key) {
        return sm_err_set(err, SM_E_AUTH, 401, SM_RULE_AUTH,
                          "malformed Authorization header: the key is %s",
                          len == 0 ? "empty" : "too long");
    }
    memcpy(r->key, k, len);
    r->key[len] = '\0';
    r->have_key = true;
    return SM_OK;
}

enum sm_code sm_auth_stage(struct sm_server *srv, const struct sm_req *r, const char *stage,
                           struct sm_stage **out, struct sm_error *err)
{
    *out = NULL;
    const struct sm_key *k = r->have_key ? sm_key_find(srv, r->key) : NULL;
    if (k == NULL) {
        return sm_err_set(err, SM_E_AUTH, 401, SM_RULE_AUTH, "unknown API key");
    }
    struct sm_stage *st = sm_stage_find(srv, stage);
    if (st == NULL || !sm_key_sees(k, stage)) {
        return sm_err_set(err, SM_E_NOT_FOUND, 404, SM_RULE_AUTH, "stage '%.200s' not found",
                          stage);
    }
    *out = st;
    return SM_OK;
}

bool sm_secret_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    /* time depends on blen (what the client sent) only, never on where the
     * bytes differ or on the stored secret */
    unsigned diff = alen != blen;
    for (size_t i = 0; i < blen; i++) {
        unsigned char x = alen ? (unsigned char)a[i % alen] : 0;
        diff |= (unsigned)(x ^ (unsigned char)b[i]);
    }
    return diff == 0;
}
