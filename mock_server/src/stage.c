/*
 * stage.c - a stage: an append-only sequence of files in commit order, with
 * unique names and the schema of its first accepted file.
 *
 * What: lookups, adding a stage, and sm_stage_commit, the last step of
 * sm_ingest (ingest.c), which is the one way a file enters a stage: under
 * the server lock it checks the schema against the stage's (`same-schema`,
 * 400, the first difference named), then that the name is free
 * (`unique-names`, 409) - the corpus's order of checks - then persists
 * (data dir: one record appended to the stage's log, its fdatasync waited
 * for by the caller after unlocking) and appends.
 * A rejected commit changes nothing, so rejected or interrupted uploads
 * leave no entry and no gap (`order`). Not here: the pipeline before the
 * commit and the validation of the bytes (ingest.c), the disk format
 * (store.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/sm_utf8.h"

#include "internal.h"

enum sm_code sm_stage_add(struct sm_server *srv, const char *stage, struct sm_error *err)
{
    size_t len = strlen(stage);
    if (len == 0 || len > 1024) {
        return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE, "a stage name is 1 to 1024 bytes");
    }
    size_t bad = sm_utf8_check(stage, len);
    if (bad < len) {
        return sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE,
                          "a stage name is valid UTF-8; byte 0x%02x at offset %zu is not",
                          (unsigned char)stage[bad], bad);
    }
    if (sm_stage_find(srv, stage) != NULL) {
        return SM_OK;
    }
    if (srv->n_stages == srv->cap_stages) {
        size_t cap = srv->cap_stages ? srv->cap_stages * 2 : 4;
        struct sm_stage *ns = realloc(srv->stages, cap * sizeof *ns);
        if (ns == NULL) {
            return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
        }
        srv->stages = ns;
        srv->cap_stages = cap;
    }
    struct sm_stage st = {.name = strdup(stage)};
    if (st.name == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
    }
    srv->stages[srv->n_stages++] = st;
    return SM_OK;
}

struct sm_stage *sm_stage_find(struct sm_server *srv, const char *name)
{
    for (size_t i = 0; i < srv->n_stages; i++) {
        if (strcmp(srv->stages[i].name, name) == 0) {
            return &srv->stages[i];
        }
    }
    return NULL;
}

/*
 * A stage's two indexes: over its files' names (unique-names), and over the
 * 64-bit keys of their contents (so a file uploaded again under another name
 * shares the stored bytes, once they compare equal byte for byte).
 * Open addressing with linear probing; a probe looks at a file only when 32
 * bits of the hashes agree. 0 is an empty slot.
 */
enum findex_kind { BY_NAME, BY_CONTENT };

struct fkey {
    uint64_t hash;
    const char *name; /* BY_NAME */
};

static uint64_t name_hash(const char *name)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h = (h ^ *p) * 1099511628211ull;
    }
    return h;
}

static struct fkey file_key(const struct sm_stage_file *f, enum findex_kind kind)
{
    return kind == BY_NAME ? (struct fkey){name_hash(f->name), f->name}
                           : (struct fkey){f->content_key, NULL};
}

static bool has_key(const struct sm_stage_file *f, enum findex_kind kind, struct fkey k)
{
    return kind == BY_NAME ? strcmp(f->name, k.name) == 0 : f->content_key == k.hash;
}

/* A slot: the low 32 bits of the key's hash above the file number + 1. The
 * hash bits also place the slot, so growing the table moves slots without
 * looking at a single file. */
#define SLOT_FILE(v) ((size_t)((v)&0xffffffffu) - 1)
#define SLOT_HASH(v) ((size_t)((v) >> 32))
#define HASH32(h)    ((h)&0xffffffffu)

static struct sm_stage_file *findex_get(const struct sm_findex *x, struct sm_stage_file *files,
                                        enum findex_kind kind, struct fkey k)
{
    if (x->cap == 0) {
        return NULL;
    }
    size_t mask = x->cap - 1;
    for (size_t i = (size_t)k.hash & mask;; i = (i + 1) & mask) {
        uint64_t v = x->slot[i];
        if (v == 0) {
            return NULL;
        }
        if (SLOT_HASH(v) == HASH32(k.hash) && has_key(&files[SLOT_FILE(v)], kind, k)) {
            return &files[SLOT_FILE(v)];
        }
    }
}

static void slot_put(uint64_t *slot, size_t cap, uint64_t v)
{
    size_t mask = cap - 1;
    size_t i = SLOT_HASH(v) & mask;
    while (slot[i] != 0) {
        i = (i + 1) & mask;
    }
    slot[i] = v;
}

/* Index files[file_no]. Names are unique already. Of files with equal
 * contents only the first is indexed (a run of equal keys would make every
 * later probe walk it), files without a key not at all; `fresh` says the
 * caller knows the key is new, which saves a probe. */
static void findex_add(struct sm_findex *x, struct sm_stage_file *files, enum findex_kind kind,
                       size_t file_no, bool fresh)
{
    if (kind == BY_CONTENT && !files[file_no].keyed) {
        return;
    }
    struct fkey k = file_key(&files[file_no], kind);
    if (kind == BY_CONTENT && !fresh && findex_get(x, files, kind, k) != NULL) {
        return;
    }
    slot_put(x->slot, x->cap, (uint64_t)HASH32(k.hash) << 32 | (uint64_t)(file_no + 1));
}

/* Room for one file more than n (at most half full); false when out of memory. */
static bool findex_reserve(struct sm_findex *x, size_t n)
{
    if (x->cap >= 2 * (n + 1)) {
        return true;
    }
    size_t cap = x->cap ? x->cap * 2 : 16;
    uint64_t *slot = cap <= ((size_t)1 << 32) ? calloc(cap, sizeof *slot) : NULL;
    if (slot == NULL) {
        return false;
    }
    for (size_t i = 0; i < x->cap; i++) {
        if (x->slot[i] != 0) {
            slot_put(slot, cap, x->slot[i]);
        }
    }
    free(x->slot);
    x->slot = slot;
    x->cap = cap;
    return true;
}

static void findex_empty(struct sm_findex *x)
{
    if (x->slot != NULL) {
        memset(x->slot, 0, x->cap * sizeof *x->slot);
    }
}

static void findex_free(struct sm_findex *x)
{
    free(x->slot);
    x->slot = NULL;
    x->cap = 0;
}

static bool indexes_reserve(struct sm_stage *st)
{
    return findex_reserve(&st->by_name, st->n_files) &&
           findex_reserve(&st->by_content, st->n_files);
}

static void indexes_add(struct sm_stage *st, size_t file_no, bool new_content)
{
    findex_add(&st->by_name, st->files, BY_NAME, file_no, true);
    findex_add(&st->by_content, st->files, BY_CONTENT, file_no, new_content);
}

struct sm_stage_file *sm_stage_file_find(struct sm_stage *st, const char *name)
{
    return findex_get(&st->by_name, st->files, BY_NAME, (struct fkey){name_hash(name), name});
}

struct sm_blob *sm_stage_same_bytes(struct sm_stage *st, const struct sm_spool *sp,
                                    uint64_t content_key, const struct sm_pq_options *opt,
                                    struct sm_pq_schema **schema)
{
    if (schema != NULL) {
        *schema = NULL;
    }
    struct sm_stage_file *f =
        findex_get(&st->by_content, st->files, BY_CONTENT, (struct fkey){content_key, NULL});
    if (f == NULL || !sm_spool_holds(sp, f->blob)) {
        return NULL;
    }
    const struct sm_pq_options *judged = &st->judged[f->judged_no];
    if (schema != NULL && judged->deep == opt->deep && judged->codecs == opt->codecs &&
        memcmp(&judged->limits, &opt->limits, sizeof opt->limits) == 0 && st->schema != NULL) {
        *schema = sm_pq_schema_dup(st->schema); /* NULL without memory: judged again */
    }
    return sm_blob_ref(f->blob);
}

const char *sm_stage_file_sha256(struct sm_stage_file *f)
{
    /* a read error leaves it "", to be tried again when next asked */
    if (f->sha256[0] == '\0') {
        (void)sm_blob_sha256(f->blob, f->sha256);
    }
    return f->sha256;
}

/* The number of opt in st->judged, added when new; false when out of memory.
 * A file keeps this number instead of the options themselves (56 bytes a
 * file): a server judges nearly every file the same way. */
static bool judged_no(struct sm_stage *st, const struct sm_pq_options *opt, uint32_t *no)
{
    for (uint32_t i = st->n_judged; i-- > 0;) { /* the newest first: the likeliest */
        const struct sm_pq_options *j = &st->judged[i];
        if (j->deep == opt->deep && j->codecs == opt->codecs &&
            memcmp(&j->limits, &opt->limits, sizeof opt->limits) == 0) {
            *no = i;
            return true;
        }
    }
    if (st->n_judged == UINT32_MAX) {
        return false;
    }
    struct sm_pq_options *nj = realloc(st->judged, (st->n_judged + 1u) * sizeof *nj);
    if (nj == NULL) {
        return false;
    }
    st->judged = nj;
    st->judged[st->n_judged] = *opt;
    *no = st->n_judged++;
    return true;
}

/* The name, its NUL, the file id and its NUL in one allocation (NULL without memory). */
static char *name_and_id(struct sm_server *srv, const char *name, const char *loaded_id)
{
    char fresh[SM_FILE_ID_SIZE];
    if (loaded_id == NULL) {
        sm_file_id_new(srv, fresh);
        loaded_id = fresh;
    }
    size_t nl = strlen(name) + 1, il = strlen(loaded_id) + 1;
    char *both = malloc(nl + il);
    if (both != NULL) {
        memcpy(both, name, nl);
        memcpy(both + nl, loaded_id, il);
    }
    return both;
}

enum sm_code sm_stage_commit(struct sm_server *srv, struct sm_stage *st,
                             const struct sm_stage_put *put, const char **file_id, uint64_t *ticket,
                             struct sm_error *err)
{
    const char *name = put->name;
    if (st->schema == NULL && put->schema == NULL) {
        return sm_err_set(err, SM_E_INTERNAL, 500, SM_RULE_NONE, "'%s' comes without a schema",
                          name);
    }
    if (st->schema != NULL && put->schema != NULL) {
        enum sm_code rc = sm_pq_schema_compare(st->schema, put->schema, err);
        if (rc != SM_OK) {
            return rc;
        }
    }
    if (sm_stage_file_find(st, name) != NULL) {
        return sm_err_set(err, SM_E_CONFLICT, 409, SM_RULE_UNIQUE_NAMES,
                          "stage '%s' already has a file named '%s'", st->name, name);
    }
    if (st->n_files == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 8;
        struct sm_stage_file *nf = realloc(st->files, cap * sizeof *nf);
        if (nf == NULL) {
            return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory adding '%s'",
                              name);
        }
        st->files = nf;
        st->cap = cap;
    }
    if (!indexes_reserve(st)) {
        return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory adding '%s'", name);
    }
    uint32_t jn = 0;
    if (!judged_no(st, &put->judged, &jn)) {
        return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory adding '%s'", name);
    }
    struct sm_pq_schema *copy = st->schema == NULL ? sm_pq_schema_dup(put->schema) : NULL;
    struct sm_stage_file f = {.name = name_and_id(srv, name, put->file_id),
                              .size = put->blob->size,
                              .commit_seq = put->seq,
                              .blob = put->blob,
                              .keyed = put->keyed,
                              .judged_no = jn,
                              .content_key = put->content_key};
    f.file_id = f.name != NULL ? f.name + strlen(f.name) + 1 : NULL;
    size_t hl = strnlen(put->sha256, 64);
    memcpy(f.sha256, put->sha256, hl);
    f.sha256[hl] = '\0';
    if (f.name == NULL || (st->schema == NULL && copy == NULL)) {
        free(f.name);
        sm_pq_schema_free(copy);
        return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory adding '%s'", name);
    }
    *ticket = 0;
    if (srv->store != NULL && !put->stored) {
        enum sm_code rc =
            put->store != NULL
                ? sm_store_append(put->store, &f, put->blob, ticket, err)
                : sm_err_set(err, SM_E_INTERNAL, 500, SM_RULE_NONE, "data-dir commit not prepared");
        if (rc != SM_OK) {
            free(f.name);
            sm_pq_schema_free(copy);
            return rc;
        }
    }
    sm_blob_ref(put->blob);
    if (copy != NULL) {
        st->schema = copy;
    }
    st->files[st->n_files] = f;
    indexes_add(st, st->n_files, put->new_content);
    st->n_files++;
    *file_id = f.file_id;
    return SM_OK;
}

void sm_stage_clear(struct sm_stage *st)
{
    for (size_t i = 0; i < st->n_files; i++) {
        free(st->files[i].name); /* the file id with it */
        sm_blob_unref(st->files[i].blob);
    }
    st->n_files = 0;
    st->clears++;
    st->list_counted = 0;
    st->list_bytes = 0;
    sm_pq_schema_free(st->schema);
    st->schema = NULL;
    findex_empty(&st->by_name); /* the tables stay: a suite that resets refills them */
    findex_empty(&st->by_content);
}

void sm_stage_cleanup(struct sm_stage *st)
{
    sm_stage_clear(st);
    free(st->files);
    free(st->name);
    findex_free(&st->by_name);
    findex_free(&st->by_content);
    free(st->judged);
    st->judged = NULL;
    st->n_judged = 0;
    st->files = NULL;
    st->cap = 0;
    st->name = NULL;
}
