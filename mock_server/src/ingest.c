/*
 * ingest.c - the one way a file enters a stage: an HTTP upload (upload.c),
 * a preload by the embedding program (api.c) and a file the data-dir loader
 * found (store.c, through sm_ingest_found) all go through sm_ingest.
 *
 * What: the pipeline, in this order: the spooled bytes' content key (or,
 * for a spool on disk, their streamed sha256); under the server lock the
 * stage (for an upload: the request's key must see it) and a stored copy of
 * equal bytes; without the lock the parquet verdict, unless equal bytes
 * already passed the same validation (uploads only: preloads are judged
 * every time); the bytes become a blob (or share the stored copy); with a
 * data dir the bytes are prepared on disk, unlocked; under the lock the
 * stage is looked up again and sm_stage_commit applies the commit-time
 * rules and appends. The caller then waits for the record to be durable
 * (sm_store_wait, or suspended with sm_store_wait_async).
 * Loaded files skip what they passed on the day they were uploaded: they
 * are not keyed, only a stage's first file is read (for the stage's schema,
 * with limits wide open), and they are not persisted again.
 * Not here: the request's shape and name (upload.c, api.c), the stage's
 * rules and indexes (stage.c), the disk format (store.c), the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Room for a file id (sm_file_id_new: "f_" and 24 hex digits) and its NUL. */
#define ID_MAX 32

/* The stage the file goes to, lock held. A preload's stage may be missing
 * until its commit (its bytes are judged first: the order preloads always had). */
static enum sm_code find_stage(struct sm_server *srv, const struct sm_ingest *in, bool at_commit,
                               struct sm_stage **st, struct sm_error *err)
{
    if (in->from == SM_INGEST_UPLOAD) {
        return sm_auth_stage(srv, in->req, in->stage, st, err);
    }
    *st = sm_stage_find(srv, in->stage);
    if (*st == NULL && (at_commit || in->from == SM_INGEST_LOAD)) {
        return sm_err_set(err, SM_E_NOT_FOUND, 404, SM_RULE_AUTH, "stage '%s' not found",
                          in->stage);
    }
    return SM_OK;
}

/* A loaded file's parquet verdict: it passed the limits of its day (a
 * profile may have raised them since), so only its schema is wanted. */
static enum sm_code check_loaded(const struct sm_blob *b, struct sm_pq_file **pf,
                                 struct sm_error *err)
{
    const struct sm_pq_options opt = {.deep = false,
                                      .codecs = 0xff,
                                      .limits = {.max_schema_elements = UINT32_MAX,
                                                 .max_columns = UINT32_MAX,
                                                 .max_depth = SM_PQ_MAX_DEPTH,
                                                 .max_name_length = UINT32_MAX}};
    return b->fd >= 0 ? sm_pq_check_fd(b->fd, b->size, &opt, pf, err)
                      : sm_pq_check_buf(b->mem, (size_t)b->size, &opt, pf, err);
}

/* Before the commit, unlocked: the bytes judged (or their verdict kept), and
 * made the blob put->blob (a new reference). */
static enum sm_code judge(struct sm_server *srv, struct sm_ingest *in, struct sm_stage_put *put,
                          bool need_schema, struct sm_blob *same, struct sm_pq_schema *known,
                          struct sm_pq_file **pf, struct sm_error *err)
{
    enum sm_code rc = SM_OK;
    if (in->from == SM_INGEST_LOAD) {
        put->blob = sm_blob_ref(in->loaded);
        rc = need_schema ? check_loaded(in->loaded, pf, err) : SM_OK;
    } else if (known == NULL) {
        rc = sm_spool_check(in->spool, &put->judged, pf, err);
    }
    if (rc == SM_OK && put->blob == NULL) {
        put->blob = same != NULL ? sm_blob_ref(same) : sm_spool_to_blob(in->spool, &srv->slabs);
        if (put->blob == NULL) {
            rc = sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
        }
    }
    put->schema = known != NULL ? known : *pf != NULL ? sm_pq_file_schema(*pf) : NULL;
    return rc;
}

/* Under the lock: the stage looked up again, the commit, the order. */
static enum sm_code commit_locked(struct sm_server *srv, struct sm_ingest *in,
                                  struct sm_stage_put *put, struct sm_error *err)
{
    struct sm_stage *st = NULL;
    enum sm_code rc = find_stage(srv, in, true, &st, err);
    if (rc != SM_OK) {
        return rc;
    }
    put->seq = in->from == SM_INGEST_UPLOAD ? srv->commit_seq + 1
               : in->from == SM_INGEST_LOAD ? in->loaded_seq
                                            : 0;
    const char *id = NULL;
    rc = sm_stage_commit(srv, st, put, &id, &in->ticket, err);
    if (rc != SM_OK) {
        return rc;
    }
    sm_list_count(st);                  /* the list's length kept current: O(1) lists */
    if (in->from == SM_INGEST_UPLOAD) { /* commit order: 1, 2, 3, ... across the server */
        (void)snprintf(in->file_id, ID_MAX, "%s", id);
        in->commit_seq = ++srv->commit_seq;
    } else if (in->from == SM_INGEST_LOAD && in->loaded_seq > srv->commit_seq) {
        srv->commit_seq = in->loaded_seq;
    }
    return SM_OK;
}

enum sm_code sm_ingest(struct sm_server *srv, struct sm_ingest *in, struct sm_error *err)
{
    bool load = in->from == SM_INGEST_LOAD;
    struct sm_stage_put put = {.name = in->name,
                               .sha256 = in->sha256, /* "": the stage digests on demand */
                               .file_id = load ? in->loaded_id : NULL,
                               .stored = load};
    in->sha256[0] = '\0';
    in->blob = NULL;
    in->file_id = NULL;
    in->commit_seq = 0;
    in->ticket = 0;
    in->durable = false;
    if (!load) {
        put.keyed = sm_spool_content_key(in->spool, &put.content_key);
        if (!put.keyed) {
            sm_spool_sha256(in->spool, in->sha256); /* on disk: streamed, cheap to finish */
        }
    }

    /* 1. the stage, and a stored copy of the same bytes */
    struct sm_stage *st = NULL;
    pthread_mutex_lock(&srv->lock);
    enum sm_code rc = find_stage(srv, in, false, &st, err);
    if (!load) {
        put.judged = (struct sm_pq_options){.deep = srv->profile.deep,
                                            .codecs = srv->profile.codecs,
                                            .limits = srv->profile.limits};
    }
    bool need_schema = load && rc == SM_OK && st->schema == NULL;
    struct sm_pq_schema *known = NULL; /* equal bytes passed the same validation here */
    struct sm_blob *same = rc == SM_OK && st != NULL && put.keyed
                               ? sm_stage_same_bytes(st, in->spool, put.content_key, &put.judged,
                                                     in->from == SM_INGEST_UPLOAD ? &known : NULL)
                               : NULL;
    pthread_mutex_unlock(&srv->lock);
    if (rc != SM_OK) {
        return rc; /* not judged: the file part is not the stage's business */
    }

    /* 2. unlocked: the verdict, the blob, the data dir's copy */
    struct sm_pq_file *pf = NULL;
    rc = judge(srv, in, &put, need_schema, same, known, &pf, err);
    put.new_content = same == NULL; /* a race may add it meanwhile: then it is indexed twice */
    sm_blob_unref(same);
    struct sm_store_put *stored = NULL;
    if (rc == SM_OK && srv->store != NULL && !load && st != NULL) {
        stored = &in->put; /* a large file's bytes reach the disk here, unlocked */
        rc = sm_store_prepare(srv, in->stage, put.blob, stored, err);
        put.store = stored;
    }
    /* the id's copy is allocated before the commit: a stored file is never
     * answered with an empty id for want of memory (tests/oom/) */
    char *id = in->from == SM_INGEST_UPLOAD && rc == SM_OK ? malloc(ID_MAX) : NULL;
    if (in->from == SM_INGEST_UPLOAD && rc == SM_OK && id == NULL) {
        rc = sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
    }

    /* 3. the commit */
    if (rc == SM_OK) {
        in->file_id = id;
        pthread_mutex_lock(&srv->lock);
        rc = commit_locked(srv, in, &put, err);
        pthread_mutex_unlock(&srv->lock);
    }
    sm_pq_file_free(pf);
    sm_pq_schema_free(known);
    if (rc != SM_OK) {
        if (stored != NULL) {
            sm_store_unprepare(stored);
        }
        if (in->from == SM_INGEST_UPLOAD && in->sha256[0] == '\0') {
            /* a refused file's digest is taken now, while its bytes are there */
            if (put.blob != NULL) {
                (void)sm_blob_sha256(put.blob, in->sha256);
            } else {
                sm_spool_sha256(in->spool, in->sha256);
            }
        }
        free(id);
        in->file_id = NULL;
        sm_blob_unref(put.blob);
        return rc;
    }
    in->durable = stored != NULL;
    in->blob = put.blob;
    return SM_OK;
}

enum sm_code sm_ingest_found(void *cls, const struct sm_store_found *found, struct sm_error *err)
{
    struct sm_server *srv = cls;
    if (found->name == NULL) { /* a stage's log: the stage exists, files or not */
        pthread_mutex_lock(&srv->lock);
        enum sm_code rc = sm_stage_add(srv, found->stage, err);
        pthread_mutex_unlock(&srv->lock);
        return rc;
    }
    struct sm_ingest in = {.from = SM_INGEST_LOAD,
                           .stage = found->stage,
                           .name = found->name,
                           .loaded = found->blob,
                           .loaded_id = found->file_id,
                           .loaded_seq = found->seq};
    enum sm_code rc = sm_ingest(srv, &in, err);
    sm_blob_unref(in.blob);
    return rc;
}
