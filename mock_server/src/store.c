/*
 * store.c - crash-safe persistence of stages in a data directory
 * (`stagemock serve --data-dir DIR`).
 *
 * What: DIR/stages/<sha256 of the stage name>/ holds one file per stored
 * upload, named by its file id, and index.json, the stage's files in order
 * (name, file id, size, sha256). A commit writes the bytes to a temp file,
 * fsyncs it, renames it into place, then writes the new index the same way
 * (temp, fsync, rename) and fsyncs the directory, all before the upload is
 * acknowledged. After a kill -9 at any moment, a restart therefore finds
 * either the old index or the new one, and removes every file the index
 * does not name (a half-written upload, an unacknowledged one).
 * Errors: a full disk (ENOSPC) or any other write failure is SM_E_IO with
 * status 507/500; nothing half-written stays behind and the stage is
 * unchanged.
 * Not here: the in-memory stage (stage.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "internal.h"

struct sm_store {
    char *root; /* DIR/stages */
};

/* Concatenate parts into out; false (and out empty) when it does not fit,
 * so a long path fails instead of being cut into another path. */
static bool cat_parts(char *out, size_t size, const char *const *parts, size_t n)
{
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(parts[i]);
        if (used + len >= size) {
            out[0] = '\0';
            return false;
        }
        memcpy(out + used, parts[i], len);
        used += len;
    }
    out[used] = '\0';
    return true;
}
#define PATH(out, ...)                                                \
    cat_parts((out), sizeof(out), (const char *const[]){__VA_ARGS__}, \
              sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static enum sm_code io_fail(struct sm_error *err, const char *what, const char *path, int e)
{
    return sm_err_set(err, SM_E_IO, e == ENOSPC || e == EDQUOT ? 507 : 500, NULL,
                      "data dir: %s %s: %s", what, path, strerror(e));
}

static void stage_dir(const struct sm_store *s, const char *stage, char *out, size_t size)
{
    char hex[65];
    sm_sha256_buf(stage, strlen(stage), hex);
    (void)snprintf(out, size, "%s/%s", s->root, hex);
}

static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static enum sm_code ensure_dir(const char *path, struct sm_error *err)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) {
        return SM_OK;
    }
    return io_fail(err, "cannot create", path, errno);
}

/* Write len bytes from blob (or buf) to a new file at tmp, fsync, rename to path. */
static enum sm_code write_durably(const char *tmp, const char *path, const struct sm_blob *blob,
                                  const char *buf, size_t len, struct sm_error *err)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return io_fail(err, "cannot create", tmp, errno);
    }
    uint8_t chunk[65536];
    uint64_t total = blob ? blob->size : len;
    int e = 0;
    for (uint64_t off = 0; off < total && e == 0;) {
        size_t n = total - off < sizeof chunk ? (size_t)(total - off) : sizeof chunk;
        const uint8_t *src = chunk;
        if (blob == NULL) {
            src = (const uint8_t *)buf + off;
        } else if (blob->fd < 0) {
            src = blob->mem + off;
        } else if (pread(blob->fd, chunk, n, (off_t)off) != (ssize_t)n) {
            e = errno ? errno : EIO;
            break;
        }
        ssize_t w = write(fd, src, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            e = w < 0 ? errno : ENOSPC;
            break;
        }
        off += (uint64_t)w;
    }
    if (e == 0 && fsync(fd) != 0) {
        e = errno;
    }
    if (close(fd) != 0 && e == 0) {
        e = errno;
    }
    if (e == 0 && rename(tmp, path) != 0) {
        e = errno;
    }
    if (e != 0) {
        (void)unlink(tmp);
        return io_fail(err, "cannot write", path, e);
    }
    return SM_OK;
}

static char *index_json(const struct sm_stage *st, const struct sm_stage_file *extra)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "stage", st->name);
    cJSON *arr = cJSON_AddArrayToObject(root, "files");
    for (size_t i = 0; arr != NULL && i <= st->n_files; i++) {
        const struct sm_stage_file *f = i < st->n_files ? &st->files[i] : extra;
        if (f == NULL) {
            break;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", f->name);
        cJSON_AddStringToObject(o, "file_id", f->file_id);
        cJSON_AddNumberToObject(o, "size", (double)f->size);
        cJSON_AddStringToObject(o, "sha256", f->sha256);
        cJSON_AddItemToArray(arr, o);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

static enum sm_code write_index(const char *dir, const struct sm_stage *st,
                                const struct sm_stage_file *extra, struct sm_error *err)
{
    char tmp[4200], path[4200];
    (void)PATH(tmp, dir, "/index.json.tmp");
    (void)PATH(path, dir, "/index.json");
    char *text = index_json(st, extra);
    if (text == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 503, NULL, "out of memory writing the index");
    }
    enum sm_code rc = write_durably(tmp, path, NULL, text, strlen(text), err);
    free(text);
    if (rc == SM_OK && fsync_dir(dir) != 0) {
        rc = io_fail(err, "cannot sync", dir, errno);
    }
    return rc;
}

enum sm_code sm_store_commit(struct sm_server *srv, struct sm_stage *st, struct sm_stage_file *f,
                             struct sm_error *err)
{
    struct sm_store *s = srv->store;
    char dir[4096], tmp[4200], path[4200];
    stage_dir(s, st->name, dir, sizeof dir);
    bool fresh = access(dir, F_OK) != 0;
    enum sm_code rc = ensure_dir(dir, err);
    if (rc == SM_OK && fresh && fsync_dir(s->root) != 0) {
        rc = io_fail(err, "cannot sync", s->root, errno);
    }
    if (rc != SM_OK) {
        return rc;
    }
    (void)PATH(tmp, dir, "/.tmp-", f->file_id);
    (void)PATH(path, dir, "/", f->file_id, ".parquet");
    rc = write_durably(tmp, path, f->blob, NULL, 0, err);
    if (rc == SM_OK) {
        rc = write_index(dir, st, f, err);
        if (rc != SM_OK) {
            (void)unlink(path);
        }
    }
    return rc;
}

/* Remove everything in dir that index does not name (and temp files). */
static void sweep(const char *dir, const cJSON *files)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || strcmp(n, "index.json") == 0) {
            continue;
        }
        bool keep = false;
        const cJSON *f;
        cJSON_ArrayForEach(f, files)
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "file_id");
            char want[300];
            if (cJSON_IsString(id)) {
                (void)snprintf(want, sizeof want, "%s.parquet", id->valuestring);
                keep = keep || strcmp(n, want) == 0;
            }
        }
        if (!keep) {
            char p[4400];
            (void)PATH(p, dir, "/", n);
            (void)unlink(p);
        }
    }
    closedir(d);
}

static enum sm_code load_file(struct sm_stage *st, const char *dir, const cJSON *f,
                              struct sm_error *err)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "file_id");
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(f, "sha256");
    if (!cJSON_IsString(name) || !cJSON_IsString(id) || !cJSON_IsString(sha) ||
        strlen(sha->valuestring) != 64) {
        return sm_err_set(err, SM_E_IO, 0, NULL, "data dir: malformed index in %s", dir);
    }
    char path[4400];
    (void)PATH(path, dir, "/", id->valuestring, ".parquet");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        return io_fail(err, "missing stored file", path, e);
    }
    struct sm_blob *blob = calloc(1, sizeof *blob);
    if (blob == NULL) {
        close(fd);
        return sm_err_set(err, SM_E_NOMEM, 0, NULL, "out of memory");
    }
    blob->fd = fd;
    blob->size = (uint64_t)sb.st_size;
    blob->refs = 1;
    /* a stored file passed the limits of its day (a profile may have raised them) */
    struct sm_pq_options opt = {.deep = false,
                                .codecs = 0xff,
                                .limits = {.max_schema_elements = UINT32_MAX,
                                           .max_columns = UINT32_MAX,
                                           .max_depth = SM_PQ_MAX_DEPTH,
                                           .max_name_length = UINT32_MAX}};
    struct sm_pq_file *pf = NULL;
    enum sm_code rc = sm_pq_check_fd(fd, blob->size, &opt, &pf, err);
    if (rc == SM_OK && st->n_files == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 8;
        struct sm_stage_file *nf = realloc(st->files, cap * sizeof *nf);
        rc = nf ? SM_OK : sm_err_set(err, SM_E_NOMEM, 0, NULL, "out of memory");
        if (nf) {
            st->files = nf;
            st->cap = cap;
        }
    }
    if (rc == SM_OK) {
        struct sm_stage_file sf = {.name = strdup(name->valuestring),
                                   .file_id = strdup(id->valuestring),
                                   .size = blob->size,
                                   .blob = blob};
        memcpy(sf.sha256, sha->valuestring, 65);
        if (st->schema == NULL) {
            st->schema = sm_pq_schema_dup(sm_pq_file_schema(pf));
        }
        st->files[st->n_files] = sf;
        if (!sm_stage_index_add(st)) {
            free(sf.name);
            free(sf.file_id);
            rc = sm_err_set(err, SM_E_NOMEM, 0, NULL, "out of memory");
        } else {
            st->n_files++;
            blob = NULL;
        }
    }
    sm_pq_file_free(pf);
    sm_blob_unref(blob);
    return rc;
}

static enum sm_code load_stage(struct sm_server *srv, const char *dir, struct sm_error *err)
{
    char path[4400];
    (void)PATH(path, dir, "/index.json");
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        sweep(dir, NULL); /* created, but nothing was ever acknowledged */
        return SM_OK;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *nt = realloc(text, cap);
            if (nt == NULL) {
                free(text);
                fclose(fp);
                return sm_err_set(err, SM_E_NOMEM, 0, NULL, "out of memory");
            }
            text = nt;
        }
        size_t got = fread(text + len, 1, cap - len, fp);
        len += got;
        if (got == 0) {
            break;
        }
    }
    fclose(fp);
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "stage");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    enum sm_code rc = SM_OK;
    if (!cJSON_IsString(name) || !cJSON_IsArray(files)) {
        rc = sm_err_set(err, SM_E_IO, 0, NULL, "data dir: malformed %s", path);
    }
    if (rc == SM_OK) {
        sweep(dir, files);
        rc = sm_server_add_stage_locked(srv, name->valuestring, err);
    }
    struct sm_stage *st = rc == SM_OK ? sm_stage_find(srv, name->valuestring) : NULL;
    const cJSON *f = st != NULL ? files->child : NULL;
    for (; f != NULL && rc == SM_OK; f = f->next) {
        rc = load_file(st, dir, f, err);
    }
    cJSON_Delete(root);
    return rc;
}

enum sm_code sm_store_open(struct sm_server *srv, struct sm_error *err)
{
    struct sm_store *s = calloc(1, sizeof *s);
    size_t n = strlen(srv->data_dir) + 16;
    if (s == NULL || (s->root = malloc(n)) == NULL) {
        free(s);
        return sm_err_set(err, SM_E_NOMEM, 0, NULL, "out of memory");
    }
    (void)snprintf(s->root, n, "%s/stages", srv->data_dir);
    srv->store = s;
    enum sm_code rc = ensure_dir(srv->data_dir, err);
    if (rc == SM_OK) {
        rc = ensure_dir(s->root, err);
    }
    DIR *d = rc == SM_OK ? opendir(s->root) : NULL;
    if (rc == SM_OK && d == NULL) {
        rc = io_fail(err, "cannot open", s->root, errno);
    }
    struct dirent *de;
    pthread_mutex_lock(&srv->lock);
    while (d != NULL && rc == SM_OK && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char dir[4400];
        (void)PATH(dir, s->root, "/", de->d_name);
        rc = load_stage(srv, dir, err);
    }
    pthread_mutex_unlock(&srv->lock);
    if (d != NULL) {
        closedir(d);
    }
    return rc;
}

enum sm_code sm_store_clear(struct sm_server *srv, struct sm_error *err)
{
    struct sm_store *s = srv->store;
    for (size_t i = 0; i < srv->n_stages; i++) {
        char dir[4096];
        stage_dir(s, srv->stages[i].name, dir, sizeof dir);
        if (access(dir, F_OK) != 0) {
            continue;
        }
        enum sm_code rc = write_index(dir, &srv->stages[i], NULL, err);
        if (rc != SM_OK) {
            return rc;
        }
        cJSON *none = cJSON_CreateArray();
        sweep(dir, none);
        cJSON_Delete(none);
    }
    return SM_OK;
}

void sm_store_close(struct sm_store *store)
{
    if (store == NULL) {
        return;
    }
    free(store->root);
    free(store);
}
