/*
 * stage.c - a stage: an append-only sequence of files in commit order, with
 * unique names and the schema of its first accepted file. Plus the key
 * table that says which stages a key may see.
 *
 * What: lookups, and sm_stage_commit, the one place a file enters a stage:
 * under the server lock it checks the schema against the stage's
 * (`same-schema`, 400, the first difference named), then that the name is
 * free (`unique-names`, 409) - the corpus's order of checks - then persists (data dir) and appends.
 * A rejected commit changes nothing, so rejected or interrupted uploads leave no entry and no gap
 * (`order`). Not here: validation of the bytes (upload.c), the disk format (store.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct sm_stage *sm_stage_find(struct sm_server *srv, const char *name)
{
    for (size_t i = 0; i < srv->n_stages; i++) {
        if (strcmp(srv->stages[i].name, name) == 0) {
            return &srv->stages[i];
        }
    }
    return NULL;
}

const struct sm_key *sm_key_find(const struct sm_server *srv, const char *key)
{
    for (size_t i = 0; i < srv->n_keys; i++) {
        if (strcmp(srv->keys[i].key, key) == 0) {
            return &srv->keys[i];
        }
    }
    return NULL;
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

static size_t name_hash(const char *name)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h = (h ^ *p) * 1099511628211ull;
    }
    return (size_t)h;
}

struct sm_stage_file *sm_stage_file_find(struct sm_stage *st, const char *name)
{
    if (st->index_cap == 0) {
        return NULL;
    }
    size_t mask = st->index_cap - 1;
    for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
        size_t slot = st->index[i];
        if (slot == 0) {
            return NULL;
        }
        if (strcmp(st->files[slot - 1].name, name) == 0) {
            return &st->files[slot - 1];
        }
    }
}

static void index_put(size_t *index, size_t cap, const char *name, size_t file_no)
{
    size_t mask = cap - 1;
    size_t i = name_hash(name) & mask;
    while (index[i] != 0) {
        i = (i + 1) & mask;
    }
    index[i] = file_no + 1;
}

/* Make room in the name index for one more file; false when out of memory. */
static bool index_reserve(struct sm_stage *st)
{
    if (st->index_cap >= 2 * (st->n_files + 1)) {
        return true;
    }
    size_t cap = st->index_cap ? st->index_cap * 2 : 16;
    size_t *ni = calloc(cap, sizeof *ni);
    if (ni == NULL) {
        return false;
    }
    for (size_t f = 0; f < st->n_files; f++) {
        index_put(ni, cap, st->files[f].name, f);
    }
    free(st->index);
    st->index = ni;
    st->index_cap = cap;
    return true;
}

bool sm_stage_index_add(struct sm_stage *st)
{
    if (!index_reserve(st)) {
        return false;
    }
    index_put(st->index, st->index_cap, st->files[st->n_files].name, st->n_files);
    return true;
}

enum sm_code sm_stage_commit(struct sm_server *srv, struct sm_stage *st, const char *name,
                             const struct sm_pq_schema *schema, struct sm_blob *blob,
                             const char *sha256, uint64_t seq, const char **file_id,
                             struct sm_error *err)
{
    if (st->schema != NULL) {
        enum sm_code rc = sm_pq_schema_compare(st->schema, schema, err);
        if (rc != SM_OK) {
            return rc;
        }
    }
    if (sm_stage_file_find(st, name) != NULL) {
        return sm_err_set(err, SM_E_CONFLICT, 409, "unique-names",
                          "stage '%s' already has a file named '%s'", st->name, name);
    }
    if (st->n_files == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 8;
        struct sm_stage_file *nf = realloc(st->files, cap * sizeof *nf);
        if (nf == NULL) {
            return sm_err_set(err, SM_E_NOMEM, 503, NULL, "out of memory adding '%s'", name);
        }
        st->files = nf;
        st->cap = cap;
    }
    if (!index_reserve(st)) {
        return sm_err_set(err, SM_E_NOMEM, 503, NULL, "out of memory adding '%s'", name);
    }
    struct sm_pq_schema *copy = st->schema == NULL ? sm_pq_schema_dup(schema) : NULL;
    struct sm_stage_file f = {.name = strdup(name),
                              .file_id = sm_file_id_new(srv),
                              .size = blob->size,
                              .commit_seq = seq,
                              .blob = blob};
    memcpy(f.sha256, sha256, 65);
    if (f.name == NULL || f.file_id == NULL || (st->schema == NULL && copy == NULL)) {
        free(f.name);
        free(f.file_id);
        sm_pq_schema_free(copy);
        return sm_err_set(err, SM_E_NOMEM, 503, NULL, "out of memory adding '%s'", name);
    }
    if (srv->store != NULL) {
        enum sm_code rc = sm_store_commit(srv, st, &f, err);
        if (rc != SM_OK) {
            free(f.name);
            free(f.file_id);
            sm_pq_schema_free(copy);
            return rc;
        }
    }
    sm_blob_ref(blob);
    if (copy != NULL) {
        st->schema = copy;
    }
    st->files[st->n_files] = f;
    index_put(st->index, st->index_cap, f.name, st->n_files);
    st->n_files++;
    *file_id = f.file_id;
    return SM_OK;
}

void sm_stage_clear(struct sm_stage *st)
{
    for (size_t i = 0; i < st->n_files; i++) {
        free(st->files[i].name);
        free(st->files[i].file_id);
        sm_blob_unref(st->files[i].blob);
    }
    st->n_files = 0;
    sm_pq_schema_free(st->schema);
    st->schema = NULL;
    if (st->index != NULL) {
        memset(st->index, 0, st->index_cap * sizeof *st->index);
    }
}

void sm_stage_cleanup(struct sm_stage *st)
{
    sm_stage_clear(st);
    free(st->files);
    free(st->name);
    free(st->index);
    st->index = NULL;
    st->index_cap = 0;
    st->files = NULL;
    st->cap = 0;
    st->name = NULL;
}
