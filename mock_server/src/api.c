/*
 * api.c - what an embedding program (a test, `stagemock serve`, the admin
 * API) does to a server's state: add stages and keys, preload files, load a
 * profile, reset, and read the stages and the journal.
 *
 * Design: every function takes the server lock for its whole body, so the
 * HTTP threads always see a consistent state; copies handed out (file
 * lists, JSON texts) belong to the caller. A preload is the exception: it
 * goes through sm_ingest (ingest.c), as an upload does, which judges the
 * bytes without the lock.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include "../../common/sm_json.h"

#include "internal.h"
#include "stagemock/har.h"

static enum sm_code oom(struct sm_error *err)
{
    return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
}

enum sm_code sm_server_add_stage(struct sm_server *srv, const char *stage, struct sm_error *err)
{
    pthread_mutex_lock(&srv->lock);
    enum sm_code rc = sm_stage_add(srv, stage, err);
    pthread_mutex_unlock(&srv->lock);
    return rc;
}

enum sm_code sm_server_add_key(struct sm_server *srv, const char *key, const char *const *stages,
                               size_t n_stages, struct sm_error *err)
{
    if (key == NULL || key[0] == '\0' || strlen(key) >= 256 || strchr(key, ' ') != NULL) {
        return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE,
                          "a key is 1 to 255 bytes without spaces");
    }
    if (!sm_utf8_valid(key, strlen(key))) {
        return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE, "a key is valid UTF-8");
    }
    struct sm_key k = {.key = strdup(key), .n_stages = n_stages};
    if (k.key == NULL) {
        return oom(err);
    }
    if (stages != NULL) {
        k.stages = calloc(n_stages ? n_stages : 1, sizeof *k.stages);
        for (size_t i = 0; k.stages != NULL && i < n_stages; i++) {
            k.stages[i] = strdup(stages[i]);
            if (k.stages[i] == NULL) {
                k.n_stages = i;
                break;
            }
        }
        if (k.stages == NULL || k.n_stages != n_stages) {
            for (size_t i = 0; k.stages && i < k.n_stages; i++) {
                free(k.stages[i]);
            }
            free(k.stages);
            free(k.key);
            return oom(err);
        }
    }
    pthread_mutex_lock(&srv->lock);
    enum sm_code rc = SM_OK;
    struct sm_key *slot = NULL;
    for (size_t i = 0; i < srv->n_keys; i++) {
        if (strcmp(srv->keys[i].key, key) == 0) {
            slot = &srv->keys[i];
        }
    }
    if (slot != NULL) {
        for (size_t i = 0; i < slot->n_stages; i++) {
            free(slot->stages[i]);
        }
        free(slot->stages);
        free(slot->key);
        *slot = k;
    } else if (srv->n_keys == srv->cap_keys) {
        size_t cap = srv->cap_keys ? srv->cap_keys * 2 : 4;
        struct sm_key *nk = realloc(srv->keys, cap * sizeof *nk);
        if (nk == NULL) {
            rc = oom(err);
        } else {
            srv->keys = nk;
            srv->cap_keys = cap;
        }
    }
    if (slot == NULL && rc == SM_OK) {
        srv->keys[srv->n_keys++] = k;
    }
    pthread_mutex_unlock(&srv->lock);
    if (rc != SM_OK) {
        for (size_t i = 0; k.stages != NULL && i < k.n_stages; i++) {
            free(k.stages[i]);
        }
        free(k.stages);
        free(k.key);
    }
    return rc;
}

enum sm_code sm_server_preload(struct sm_server *srv, const char *stage, const char *name,
                               const void *data, size_t len, struct sm_error *err)
{
    enum sm_code rc = sm_name_check(name, strlen(name), err);
    if (rc != SM_OK) {
        return rc;
    }
    struct sm_spool sp;
    sm_spool_init(&sp, srv->tmp_dir);
    rc = sm_spool_append(&sp, data, len, err);
    struct sm_ingest in = {.from = SM_INGEST_PRELOAD, .stage = stage, .name = name, .spool = &sp};
    if (rc == SM_OK) {
        rc = sm_ingest(srv, &in, err);
    }
    if (rc == SM_OK && in.durable) {
        rc = sm_store_wait(&in.put, in.ticket, err);
    }
    sm_blob_unref(in.blob);
    sm_spool_cleanup(&sp);
    return rc;
}

enum sm_code sm_server_load_profile(struct sm_server *srv, const char *json, size_t len,
                                    struct sm_error *err)
{
    pthread_mutex_lock(&srv->lock);
    struct sm_profile next = srv->profile;
    enum sm_code rc = sm_profile_parse(&next, json, len, err);
    unsigned cap = srv->cfg.max_connections ? srv->cfg.max_connections : 512u;
    if (rc == SM_OK && next.max_connections > cap) {
        /* MHD's own cap was set from the start value */
        rc = sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE,
                        "profile: 'max_connections' may be lowered while serving, not raised "
                        "above the start value %u (--max-connections)",
                        cap);
    }
    if (rc == SM_OK) {
        srv->profile = next;
        sm_conns_set_limits(&srv->conns, next.max_connections, next.max_connections_per_ip,
                            next.head_timeout_s, next.min_body_rate);
    }
    pthread_mutex_unlock(&srv->lock);
    return rc;
}

void sm_server_reset(struct sm_server *srv)
{
    pthread_mutex_lock(&srv->lock);
    for (size_t i = 0; i < srv->n_stages; i++) {
        sm_stage_clear(&srv->stages[i]);
    }
    pthread_mutex_lock(&srv->jlock);
    sm_journal_clear(&srv->journal);
    pthread_mutex_unlock(&srv->jlock);
    if (srv->store != NULL) {
        struct sm_error e;
        enum sm_code rc = sm_store_clear(srv, &e);
        (void)rc; /* the in-memory reset stands; a restart re-sweeps the dir */
    }
    pthread_mutex_unlock(&srv->lock);
}

enum sm_code sm_server_get_files(struct sm_server *srv, const char *stage, struct sm_file_list *out,
                                 struct sm_error *err)
{
    out->files = NULL;
    out->n = 0;
    pthread_mutex_lock(&srv->lock);
    struct sm_stage *st = sm_stage_find(srv, stage);
    enum sm_code rc = SM_OK;
    if (st == NULL) {
        rc = sm_err_set(err, SM_E_NOT_FOUND, 404, SM_RULE_AUTH, "stage '%s' not found", stage);
    } else if (st->n_files > 0) {
        out->files = calloc(st->n_files, sizeof *out->files);
        if (out->files == NULL) {
            rc = oom(err);
        }
        for (size_t i = 0; out->files != NULL && rc == SM_OK && i < st->n_files; i++) {
            struct sm_stage_file *f = &st->files[i];
            struct sm_file_info *fi = &out->files[i];
            fi->name = strdup(f->name);
            fi->file_id = strdup(f->file_id);
            fi->size = f->size;
            fi->commit_seq = f->commit_seq;
            memcpy(fi->sha256, sm_stage_file_sha256(f), sizeof fi->sha256);
            out->n = i + 1;
            if (fi->name == NULL || fi->file_id == NULL) {
                rc = oom(err);
            }
        }
    }
    pthread_mutex_unlock(&srv->lock);
    if (rc != SM_OK) {
        sm_file_list_cleanup(out);
    }
    return rc;
}

void sm_file_list_cleanup(struct sm_file_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->files[i].name);
        free(list->files[i].file_id);
    }
    free(list->files);
    list->files = NULL;
    list->n = 0;
}

/*
 * MHD reports a request complete (and on_completed journals it) a moment
 * after the last byte of its answer went out, so a client can read its answer
 * before the entry exists. Readers from outside the server's threads wait for
 * answers already queued, up to a second (a slow download to a slow client
 * must not hang a reader), so a test that reads the journal as soon as its
 * request returns always finds that request.
 */
void sm_journal_wait_answered_locked(struct sm_server *srv, unsigned timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (__atomic_load_n(&srv->answering, __ATOMIC_ACQUIRE) > 0) {
        if (pthread_cond_timedwait(&srv->answered, &srv->jlock, &until) != 0) {
            break;
        }
    }
}

enum journal_form { JOURNAL_JSON, JOURNAL_HAR };

/* The journal as text, read under jlock; wait: first wait (up to a second)
 * for the answers already queued (sm_journal_wait_answered_locked). */
static char *journal_text(struct sm_server *srv, enum journal_form form, bool wait)
{
    pthread_mutex_lock(&srv->jlock);
    if (wait) {
        sm_journal_wait_answered_locked(srv, 1000);
    }
    char *text = form == JOURNAL_HAR
                     ? sm_har_journal_locked(srv, NULL) /* har_capture.c */
                     : sm_journal_to_json(&srv->journal, srv->cfg.seed, srv->cfg.seeded);
    pthread_mutex_unlock(&srv->jlock);
    return text;
}

char *sm_server_journal_json_now(struct sm_server *srv)
{
    return journal_text(srv, JOURNAL_JSON, false);
}

char *sm_server_journal_json(struct sm_server *srv)
{
    return journal_text(srv, JOURNAL_JSON, true);
}

char *sm_server_har_json(struct sm_server *srv)
{
    return journal_text(srv, JOURNAL_HAR, true);
}

size_t sm_server_journal_count(struct sm_server *srv)
{
    pthread_mutex_lock(&srv->jlock);
    sm_journal_wait_answered_locked(srv, 1000);
    size_t n = srv->journal.n + (size_t)srv->journal.dropped;
    pthread_mutex_unlock(&srv->jlock);
    return n;
}

char *sm_server_stages_json(struct sm_server *srv)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "stages");
    pthread_mutex_lock(&srv->lock);
    for (size_t i = 0; arr != NULL && i < srv->n_stages; i++) {
        struct sm_stage *st = &srv->stages[i];
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "name", st->name);
        cJSON *files = cJSON_AddArrayToObject(s, "files");
        for (size_t k = 0; files != NULL && k < st->n_files; k++) {
            struct sm_stage_file *f = &st->files[k];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", f->name);
            cJSON_AddStringToObject(o, "file_id", f->file_id);
            sm_json_add_u64(o, "size", f->size);
            cJSON_AddStringToObject(o, "sha256", sm_stage_file_sha256(f));
            sm_json_add_u64(o, "commit_seq", f->commit_seq);
            cJSON_AddItemToArray(files, o);
        }
        cJSON_AddItemToArray(arr, s);
    }
    pthread_mutex_unlock(&srv->lock);
    char *text = sm_json_print(root);
    cJSON_Delete(root);
    return text;
}
