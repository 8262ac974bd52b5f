/*
 * store.c - crash-safe persistence of stages in a data directory
 * (`stagemock serve --data-dir DIR`), at a cost per commit that does not
 * depend on how many files a stage holds.
 *
 * What: DIR/stages/<sha256 of the stage name>/log is the stage, an
 * append-only log: a header naming the stage (written once, temp + fsync +
 * rename + directory fsync), then one record per committed file in commit
 * order. A record carries the name, file id, commit sequence and size, and
 * either the file's bytes inline (files the spool kept in memory, up to
 * 1 MiB) or the name of a data file beside the log (e<16 hex>.parquet,
 * larger files), and a CRC32 over all of it. A commit is three steps:
 *   1. sm_store_prepare, without the server lock: a large file's bytes go to
 *      a temp file, fsync, rename, directory fsync (its own durability);
 *      a small file's CRC is computed.
 *   2. sm_store_append, under the server lock (which fixes commit order):
 *      one pwritev of the record at the log's end. O(1): nothing else is
 *      rewritten, whatever the stage's size.
 *   3. without the server lock, group commit: one fdatasync of the log
 *      covers every record appended before it started, and the records
 *      appended during it are covered by the next one. An HTTP upload
 *      suspends its connection (sm_store_wait_async) and the log's syncer
 *      thread leads each round, resuming the connections whose records are
 *      durable: MHD has two threads, and a thread blocked in fdatasync
 *      would cap a group at two uploads and stall every connection it
 *      serves. Other callers (preload) block in sm_store_wait, where the
 *      first waiter leads and the others follow on a condvar.
 *      The upload is acknowledged only when its record is durable.
 * A stage never forgets a file except at reset, so the log holds no dead
 * records and needs no compaction; reset truncates it to its header.
 * Loading: records are read in order until the first one that is cut short
 * or fails its CRC: that is the torn tail of an append a kill interrupted
 * (never acknowledged, since acknowledgement waits for the fdatasync), and
 * the log is truncated there. A damaged record followed by valid ones is not
 * a torn tail but damage, and refuses to load rather than drop
 * acknowledged files. Files the log does not name (temp files, data files
 * of uploads that never committed) are removed. Data dirs of the old format
 * (index.json) are refused with a message saying so.
 * Errors: a full disk or any other write failure is SM_E_IO with status
 * 507/500 and leaves the log as it was; a failed fdatasync makes that
 * stage's log refuse further commits until a restart (what reached the disk
 * is unknown), and the uploads waiting on it are answered 500.
 * Not here: the in-memory stages. The loader hands each stage and record it
 * reads to the caller's callback (sm_ingest_found puts them in the stages
 * through the one ingest path); store.c calls nothing above it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <zlib.h>

#include "internal.h"
#include "../../common/sm_mem.h"

#define LOG_MAGIC   "SMLOG01\n"
#define LOG_MAGIC_N 8
#define REC_MAGIC   0x31524d53u /* "SMR1" */
#define REC_HEAD    12u         /* magic, body length, crc32 of the body */
#define REC_META    32u         /* seq, size, kind, 3 zero bytes, three lengths */
#define NAME_MAX_B  1024u       /* sm_name_check's bound, and the stage name's */
#define ID_MAX      64u
#define EXT_LEN     25u /* "e" + 16 hex + ".parquet" */
#define KIND_INLINE 0
#define KIND_EXT    1

struct sm_store_log {
    struct sm_store_log *next;
    char *stage;
    char *dir;
    int fd;
    uint64_t hdr_len;
    uint64_t end;                    /* valid bytes (the server lock) */
    struct sm_worker syncer;         /* started with the first waiter; its mu guards the
                                      * fields marked (mu), its cv is the log's one condition */
    uint64_t appended, synced;       /* records, monotonic (mu) */
    bool syncing;                    /* a leader is in fdatasync (mu) */
    int err;                         /* errno of a failed write or sync: the log is unusable (mu) */
    struct sm_store_waiter *waiters; /* suspended connections (mu) */
    uint64_t max_waiting;            /* the highest ticket among them (mu) */
};

/* An HTTP upload whose connection is suspended until its record is durable. */
struct sm_store_waiter {
    struct sm_store_waiter *next;
    uint64_t ticket;
    struct MHD_Connection *conn;
    int *err; /* set (0 or an errno) before the connection is resumed */
};

struct sm_store {
    char *root; /* DIR/stages */
    pthread_mutex_t mu;
    struct sm_store_log *logs;
    uint64_t next_ext; /* data file names (atomic) */
    bool async;        /* connections may be suspended (atomic; off while stopping) */
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
    return sm_err_set(err, SM_E_IO, e == ENOSPC || e == EDQUOT ? 507 : 500, SM_RULE_NONE,
                      "data dir: %s %s: %s", what, path, strerror(e));
}

static enum sm_code oom(struct sm_error *err)
{
    return sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
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

/* mkdir, fsyncing the parent when the directory is new. */
static enum sm_code ensure_dir(const char *path, const char *parent, struct sm_error *err)
{
    if (mkdir(path, 0700) == 0) {
        if (parent != NULL && fsync_dir(parent) != 0) {
            return io_fail(err, "cannot sync", parent, errno);
        }
        return SM_OK;
    }
    if (errno == EEXIST) {
        return SM_OK;
    }
    return io_fail(err, "cannot create", path, errno);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static uint32_t crc_of(uint32_t crc, const void *p, uint64_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        uInt step = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, b, step);
        b += step;
        n -= step;
    }
    return crc;
}

/* Write all iov bytes at off; 0 or an errno. */
static int pwrite_all(int fd, struct iovec *iov, int n, uint64_t off)
{
    while (n > 0) {
        ssize_t w = pwritev(fd, iov, n, (off_t)off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return w < 0 ? errno : ENOSPC;
        }
        off += (uint64_t)w;
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

/* Write len bytes from blob (or buf) to a new file at tmp, fsync, rename to path. */
static enum sm_code write_durably(const char *tmp, const char *path, const struct sm_blob *blob,
                                  const void *buf, size_t len, struct sm_error *err)
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

/* ---- the record format ---------------------------------------------------- */

struct rec {
    uint64_t seq, size;
    int kind;
    const char *name, *id, *ext;
    uint32_t name_len, id_len, ext_len;
    const uint8_t *bytes; /* inline */
    uint64_t len;         /* of the whole record */
};

enum rec_verdict { REC_OK, REC_TORN, REC_BAD };

static bool ext_name_ok(const char *s, size_t n, uint64_t *num)
{
    if (n != EXT_LEN || s[0] != 'e' || memcmp(s + 17, ".parquet", 8) != 0) {
        return false;
    }
    uint64_t v = 0;
    for (int i = 1; i <= 16; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) {
            return false;
        }
        v = v << 4 | (uint64_t)d;
    }
    *num = v;
    return true;
}

static bool id_ok(const char *s, size_t n)
{
    if (n == 0 || n > ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

/* The record at p (avail bytes to the end of the log). REC_TORN: cut short
 * or its CRC fails (what an interrupted append leaves); REC_BAD: intact but
 * impossible (why in *why). */
static enum rec_verdict rec_parse(const uint8_t *p, uint64_t avail, struct rec *r, const char **why)
{
    if (avail < REC_HEAD || get_u32(p) != REC_MAGIC) {
        return REC_TORN;
    }
    uint64_t body = get_u32(p + 4);
    if (body > avail - REC_HEAD || crc_of(0, p + REC_HEAD, body) != get_u32(p + 8)) {
        return REC_TORN;
    }
    const uint8_t *m = p + REC_HEAD;
    if (body < REC_META) {
        *why = "shorter than its fields";
        return REC_BAD;
    }
    r->seq = get_u64(m);
    r->size = get_u64(m + 8);
    r->kind = m[16];
    r->name_len = get_u32(m + 20);
    r->id_len = get_u32(m + 24);
    r->ext_len = get_u32(m + 28);
    r->len = REC_HEAD + body;
    uint64_t fixed = (uint64_t)REC_META + r->name_len + r->id_len + r->ext_len;
    const char *s = (const char *)m + REC_META;
    r->name = s;
    r->id = s + r->name_len;
    r->ext = r->id + r->id_len;
    r->bytes = (const uint8_t *)r->ext + r->ext_len;
    uint64_t num;
    struct sm_error ne;
    if (fixed > body || (r->kind == KIND_INLINE && (r->ext_len != 0 || fixed + r->size != body)) ||
        (r->kind == KIND_EXT && (fixed != body || !ext_name_ok(r->ext, r->ext_len, &num))) ||
        r->kind > KIND_EXT) {
        *why = "lengths or kind do not add up";
        return REC_BAD;
    }
    if (r->name_len > NAME_MAX_B || sm_name_check(r->name, r->name_len, &ne) != SM_OK ||
        memchr(r->name, '\0', r->name_len) != NULL) {
        *why = "the file name breaks the name rules";
        return REC_BAD;
    }
    if (!id_ok(r->id, r->id_len)) {
        *why = "the file id is not one of ours";
        return REC_BAD;
    }
    return REC_OK;
}

/* The log header: magic, stage name length and bytes, crc32 of those. */
static size_t header_build(uint8_t *out, const char *stage, size_t len)
{
    static const uint8_t magic[LOG_MAGIC_N] = {'S', 'M', 'L', 'O', 'G', '0', '1', '\n'};
    memcpy(out, magic, LOG_MAGIC_N);
    put_u32(out + LOG_MAGIC_N, (uint32_t)len);
    memcpy(out + LOG_MAGIC_N + 4, stage, len);
    put_u32(out + LOG_MAGIC_N + 4 + len, crc_of(0, out, LOG_MAGIC_N + 4 + len));
    return LOG_MAGIC_N + 4 + len + 4;
}

/* The stage name in a log header, or NULL; *hdr_len its length. */
static const char *header_parse(const uint8_t *p, uint64_t avail, uint32_t *name_len,
                                uint64_t *hdr_len)
{
    if (avail < LOG_MAGIC_N + 8 || memcmp(p, LOG_MAGIC, LOG_MAGIC_N) != 0) {
        return NULL;
    }
    uint32_t n = get_u32(p + LOG_MAGIC_N);
    if (n == 0 || n > NAME_MAX_B || avail < LOG_MAGIC_N + 8 + (uint64_t)n ||
        get_u32(p + LOG_MAGIC_N + 4 + n) != crc_of(0, p, LOG_MAGIC_N + 4 + (uint64_t)n) ||
        memchr(p + LOG_MAGIC_N + 4, '\0', n) != NULL) {
        return NULL;
    }
    *name_len = n;
    *hdr_len = LOG_MAGIC_N + 8 + (uint64_t)n;
    return (const char *)p + LOG_MAGIC_N + 4;
}

/* ---- logs ------------------------------------------------------------------ */

static void stage_dir(const struct sm_store *s, const char *stage, char *out, size_t size)
{
    char hex[65];
    smx_sha256_buf(stage, strlen(stage), hex);
    (void)snprintf(out, size, "%s/%s", s->root, hex);
}

static struct sm_store_log *log_new(struct sm_store *s, const char *stage, const char *dir, int fd,
                                    uint64_t hdr_len, uint64_t end)
{
    struct sm_store_log *l = calloc(1, sizeof *l);
    if (l == NULL || (l->stage = strdup(stage)) == NULL || (l->dir = strdup(dir)) == NULL) {
        if (l != NULL) {
            free(l->stage);
        }
        free(l);
        return NULL;
    }
    l->fd = fd;
    l->hdr_len = hdr_len;
    l->end = end;
    sm_worker_init(&l->syncer);
    l->next = s->logs;
    s->logs = l;
    return l;
}

static void log_free(struct sm_store_log *l)
{
    sm_worker_stop(&l->syncer);
    if (l->fd >= 0) {
        close(l->fd);
    }
    sm_worker_cleanup(&l->syncer);
    SMX_FREE_ALL(l->stage, l->dir, l);
}

/* The stage's log, created (durably, with its directory) on first use. */
static enum sm_code log_get(struct sm_store *s, const char *stage, struct sm_store_log **out,
                            struct sm_error *err)
{
    pthread_mutex_lock(&s->mu);
    struct sm_store_log *l = s->logs;
    while (l != NULL && strcmp(l->stage, stage) != 0) {
        l = l->next;
    }
    enum sm_code rc = SM_OK;
    size_t len = strlen(stage);
    if (l == NULL && (len == 0 || len > NAME_MAX_B)) {
        rc = sm_err_set(err, SM_E_ARG, 400, SM_RULE_NONE, "a stage name is 1 to 1024 bytes");
    }
    char dir[4096], tmp[4200], path[4200];
    if (l == NULL && rc == SM_OK) {
        stage_dir(s, stage, dir, sizeof dir);
        (void)PATH(tmp, dir, "/log.tmp");
        (void)PATH(path, dir, "/log");
        rc = ensure_dir(dir, s->root, err);
    }
    if (l == NULL && rc == SM_OK) {
        uint8_t hdr[LOG_MAGIC_N + 8 + NAME_MAX_B];
        size_t n = header_build(hdr, stage, len);
        rc = write_durably(tmp, path, NULL, hdr, n, err);
        if (rc == SM_OK && fsync_dir(dir) != 0) {
            rc = io_fail(err, "cannot sync", dir, errno);
        }
        int fd = rc == SM_OK ? open(path, O_RDWR | O_CLOEXEC) : -1;
        if (rc == SM_OK && fd < 0) {
            rc = io_fail(err, "cannot open", path, errno);
        }
        if (rc == SM_OK && (l = log_new(s, stage, dir, fd, n, n)) == NULL) {
            close(fd);
            rc = oom(err);
        }
    }
    pthread_mutex_unlock(&s->mu);
    *out = l;
    return rc;
}

enum sm_code sm_store_prepare(struct sm_server *srv, const char *stage, struct sm_blob *blob,
                              struct sm_store_put *sp, struct sm_error *err)
{
    memset(sp, 0, sizeof *sp);
    enum sm_code rc = log_get(srv->store, stage, &sp->log, err);
    if (rc != SM_OK) {
        return rc;
    }
    if (blob->fd < 0) {
        sp->bytes_crc = crc_of(0, blob->mem, blob->size);
        return SM_OK;
    }
    uint64_t num = __atomic_fetch_add(&srv->store->next_ext, 1, __ATOMIC_RELAXED);
    (void)snprintf(sp->ext, sizeof sp->ext, "e%016" PRIx64 ".parquet", num);
    char tmp[4200], path[4200];
    (void)PATH(tmp, sp->log->dir, "/.tmp-", sp->ext);
    (void)PATH(path, sp->log->dir, "/", sp->ext);
    rc = write_durably(tmp, path, blob, NULL, 0, err);
    if (rc == SM_OK && fsync_dir(sp->log->dir) != 0) {
        rc = io_fail(err, "cannot sync", sp->log->dir, errno);
        (void)unlink(path);
    }
    if (rc != SM_OK) {
        sp->ext[0] = '\0';
        return rc;
    }
    /* the blob is the caller's alone: serve it from the data file (a loaded
     * one is served so too) and give the temp file's space back now; if
     * that open fails, the temp file serves, as well */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(blob->fd);
        blob->fd = fd;
    }
    return SM_OK;
}

void sm_store_unprepare(struct sm_store_put *sp)
{
    if (sp->log != NULL && sp->ext[0] != '\0') {
        char path[4200];
        (void)PATH(path, sp->log->dir, "/", sp->ext);
        (void)unlink(path); /* a crash first leaves it to the next load's sweep */
        sp->ext[0] = '\0';
    }
}

enum sm_code sm_store_append(struct sm_store_put *sp, const struct sm_stage_file *f,
                             const struct sm_blob *blob, uint64_t *ticket, struct sm_error *err)
{
    struct sm_store_log *l = sp->log;
    pthread_mutex_lock(&l->syncer.mu);
    int broken = l->err;
    pthread_mutex_unlock(&l->syncer.mu);
    if (broken != 0) {
        return io_fail(err,
                       "stage log unusable after an earlier failure (restart the server):", l->dir,
                       broken);
    }
    size_t nl = strlen(f->name), il = strlen(f->file_id), el = strlen(sp->ext);
    bool ext = el > 0;
    uint8_t stack[REC_HEAD + REC_META + NAME_MAX_B + ID_MAX + EXT_LEN];
    size_t meta = REC_HEAD + REC_META + nl + il + el;
    uint8_t *b = meta <= sizeof stack ? stack : malloc(meta);
    if (b == NULL) {
        return oom(err);
    }
    uint64_t inline_n = ext ? 0 : blob->size;
    put_u32(b, REC_MAGIC);
    put_u32(b + 4, (uint32_t)(meta - REC_HEAD + inline_n));
    uint8_t *m = b + REC_HEAD;
    put_u64(m, f->commit_seq);
    put_u64(m + 8, blob->size);
    memset(m + 16, 0, 4);
    m[16] = ext ? KIND_EXT : KIND_INLINE;
    put_u32(m + 20, (uint32_t)nl);
    put_u32(m + 24, (uint32_t)il);
    put_u32(m + 28, (uint32_t)el);
    memcpy(m + REC_META, f->name, nl);
    memcpy(m + REC_META + nl, f->file_id, il);
    memcpy(m + REC_META + nl + il, sp->ext, el);
    uint32_t crc = crc_of(0, m, meta - REC_HEAD);
    if (!ext) {
        crc = (uint32_t)crc32_combine(crc, sp->bytes_crc, (z_off_t)inline_n);
    }
    put_u32(b + 8, crc);
    struct iovec iov[2] = {{b, meta}, {blob->mem, (size_t)inline_n}};
    int e = pwrite_all(l->fd, iov, inline_n > 0 ? 2 : 1, l->end);
    if (b != stack) {
        free(b);
    }
    if (e != 0) {
        if (ftruncate(l->fd, (off_t)l->end) != 0) { /* the log must end at its last record */
            pthread_mutex_lock(&l->syncer.mu);
            l->err = errno;
            pthread_mutex_unlock(&l->syncer.mu);
        }
        return io_fail(err, "cannot append to", l->dir, e);
    }
    l->end += meta + inline_n;
    pthread_mutex_lock(&l->syncer.mu);
    *ticket = ++l->appended;
    pthread_mutex_unlock(&l->syncer.mu);
    return SM_OK;
}

/* mu held: one round of group commit. If nobody is syncing, fdatasync the
 * log for every record appended so far (mu dropped meanwhile); else wait
 * for the round in progress. Either way the caller looks again after. */
static void sync_round(struct sm_store_log *l)
{
    if (l->syncing) {
        pthread_cond_wait(&l->syncer.cv, &l->syncer.mu);
        return;
    }
    l->syncing = true;
    uint64_t target = l->appended;
    pthread_mutex_unlock(&l->syncer.mu);
    int rc = fdatasync(l->fd);
    int e = errno;
    pthread_mutex_lock(&l->syncer.mu);
    l->syncing = false;
    if (rc != 0) {
        l->err = e;
    } else if (target > l->synced) {
        l->synced = target;
    }
    pthread_cond_broadcast(&l->syncer.cv);
}

enum sm_code sm_store_wait(struct sm_store_put *sp, uint64_t ticket, struct sm_error *err)
{
    struct sm_store_log *l = sp->log;
    pthread_mutex_lock(&l->syncer.mu);
    while (l->synced < ticket && l->err == 0) {
        sync_round(l); /* the first waiter leads, the others follow */
    }
    int e = l->synced >= ticket ? 0 : l->err;
    pthread_mutex_unlock(&l->syncer.mu);
    return e == 0 ? SM_OK : io_fail(err, "cannot sync", l->dir, e);
}

/* mu held: resume the waiters whose records are durable (all, once the log failed). */
static void wake_ready(struct sm_store_log *l)
{
    struct sm_store_waiter **pp = &l->waiters;
    l->max_waiting = 0;
    while (*pp != NULL) {
        struct sm_store_waiter *w = *pp;
        if (w->ticket <= l->synced || l->err != 0) {
            *w->err = w->ticket <= l->synced ? 0 : l->err;
            *pp = w->next;
            MHD_resume_connection(w->conn); /* lock order: mu, then MHD's */
            free(w);
        } else {
            l->max_waiting = w->ticket > l->max_waiting ? w->ticket : l->max_waiting;
            pp = &w->next;
        }
    }
    pthread_cond_broadcast(&l->syncer.cv); /* a drain waits for the list to empty */
}

/* The log's syncer: the leader of every group commit that has suspended
 * connections waiting, so that no MHD thread ever blocks in fdatasync. */
static void *syncer_main(void *arg)
{
    struct sm_store_log *l = arg;
    pthread_mutex_lock(&l->syncer.mu);
    for (;;) {
        wake_ready(l);
        if (l->waiters != NULL && l->synced < l->max_waiting && l->err == 0) {
            sync_round(l);
        } else if (l->syncer.stopping) {
            break;
        } else {
            pthread_cond_wait(&l->syncer.cv, &l->syncer.mu);
        }
    }
    pthread_mutex_unlock(&l->syncer.mu);
    return NULL;
}

/* result is written later, by the syncer, through the waiter it is kept in */
bool sm_store_wait_async(struct sm_server *srv, struct sm_store_put *sp, uint64_t ticket,
                         /* NOLINTNEXTLINE(readability-non-const-parameter) */
                         struct MHD_Connection *conn, int *result)
{
    struct sm_store_log *l = sp->log;
    struct sm_store_waiter *w = malloc(sizeof *w);
    if (w == NULL) {
        return false;
    }
    pthread_mutex_lock(&l->syncer.mu);
    bool ok = __atomic_load_n(&srv->store->async, __ATOMIC_ACQUIRE) && !l->syncer.stopping &&
              l->synced < ticket && l->err == 0;
    if (ok && !l->syncer.running) {
        ok = sm_worker_start(&l->syncer, syncer_main, l);
    }
    if (ok) {
        MHD_suspend_connection(conn); /* before the syncer can see it, so resume follows */
        *w = (struct sm_store_waiter){
            .next = l->waiters, .ticket = ticket, .conn = conn, .err = result};
        l->waiters = w;
        l->max_waiting = ticket > l->max_waiting ? ticket : l->max_waiting;
        pthread_cond_broadcast(&l->syncer.cv);
        w = NULL;
    }
    pthread_mutex_unlock(&l->syncer.mu);
    free(w);
    return ok;
}

void sm_store_async(struct sm_server *srv, bool on)
{
    struct sm_store *s = srv->store;
    if (s == NULL) {
        return;
    }
    __atomic_store_n(&s->async, on, __ATOMIC_RELEASE);
    if (on) {
        return;
    }
    pthread_mutex_lock(&s->mu);
    for (struct sm_store_log *l = s->logs; l != NULL; l = l->next) {
        pthread_mutex_lock(&l->syncer.mu);
        while (l->waiters != NULL) { /* bounded by one fdatasync */
            pthread_cond_wait(&l->syncer.cv, &l->syncer.mu);
        }
        pthread_mutex_unlock(&l->syncer.mu);
    }
    pthread_mutex_unlock(&s->mu);
}

/* ---- loading --------------------------------------------------------------- */

struct ext_set {
    uint64_t *v;
    size_t n, cap;
};

static bool ext_add(struct ext_set *x, uint64_t v)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        uint64_t *nv = realloc(x->v, cap * sizeof *nv);
        if (nv == NULL) {
            return false;
        }
        x->v = nv;
        x->cap = cap;
    }
    x->v[x->n++] = v;
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Remove every file in dir but the log and the data files in keep (sorted);
 * note the highest data file number seen. */
static void sweep(struct sm_store *s, const char *dir, const struct ext_set *keep)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || strcmp(n, "log") == 0) {
            continue;
        }
        uint64_t num;
        if (ext_name_ok(n, strlen(n), &num)) {
            if (num >= s->next_ext) {
                s->next_ext = num + 1;
            }
            if (keep != NULL && keep->n > 0 &&
                bsearch(&num, keep->v, keep->n, sizeof num, cmp_u64) != NULL) {
                continue;
            }
        }
        char p[4400];
        if (PATH(p, dir, "/", n)) {
            (void)unlink(p);
        }
    }
    closedir(d);
}

/* The blob of a loaded record: inline bytes copied to memory, or the data file. */
static enum sm_code rec_blob(struct sm_server *srv, const char *dir, const struct rec *r,
                             struct sm_blob **out, struct sm_error *err)
{
    struct sm_blob *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return oom(err);
    }
    b->fd = -1;
    b->refs = 1;
    b->size = r->size;
    if (r->kind == KIND_INLINE) {
        uint8_t *mem = r->size > 0 && r->size <= SM_SLAB_MAX_BLOB
                           ? sm_slab_alloc(&srv->slabs, (size_t)r->size, &b->slab)
                           : NULL;
        b->mem = mem != NULL ? mem : malloc(r->size ? (size_t)r->size : 1);
        if (b->mem == NULL) {
            free(b);
            return oom(err);
        }
        memcpy(b->mem, r->bytes, (size_t)r->size);
        *out = b;
        return SM_OK;
    }
    char path[4400], ext[EXT_LEN + 1];
    memcpy(ext, r->ext, EXT_LEN);
    ext[EXT_LEN] = '\0';
    (void)PATH(path, dir, "/", ext);
    b->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    enum sm_code rc = SM_OK;
    if (b->fd < 0 || fstat(b->fd, &sb) != 0) {
        rc = io_fail(err, "missing stored file", path, errno);
    } else if ((uint64_t)sb.st_size != r->size) {
        rc = sm_err_set(err, SM_E_IO, 500, SM_RULE_NONE,
                        "data dir: stored file %s has %" PRIu64 " bytes, its record says %" PRIu64,
                        path, (uint64_t)sb.st_size, r->size);
    }
    if (rc != SM_OK) {
        sm_blob_unref(b);
        return rc;
    }
    *out = b;
    return SM_OK;
}

/* The loader's reader: where it is, and whom it hands what it finds. */
struct load {
    struct sm_server *srv;
    sm_store_found_fn *found;
    void *cls;
};

/* Hand a loaded record to the caller, which puts it into its stage. */
static enum sm_code load_rec(const struct load *ld, const char *stage, const char *path,
                             const char *dir, uint64_t off, const struct rec *r,
                             struct sm_error *err)
{
    char *name = smx_strdup_n(r->name, r->name_len);
    char *id = smx_strdup_n(r->id, r->id_len);
    struct sm_blob *blob = NULL;
    enum sm_code rc = name == NULL || id == NULL ? oom(err) : SM_OK;
    if (rc == SM_OK) {
        rc = rec_blob(ld->srv, dir, r, &blob, err);
    }
    if (rc == SM_OK) {
        struct sm_store_found f = {
            .stage = stage, .name = name, .file_id = id, .seq = r->seq, .blob = blob};
        rc = ld->found(ld->cls, &f, err);
    }
    if (rc == SM_E_CONFLICT) { /* unique-names: the log was never written so */
        rc = sm_err_set(err, SM_E_IO, 500, SM_RULE_NONE,
                        "data dir: %s: record at offset %" PRIu64 " repeats the file name '%s'",
                        path, off, name);
    }
    free(name);
    free(id);
    sm_blob_unref(blob);
    return rc;
}

/* Is anything after a damaged record at off a valid record? Then the damage
 * is not a torn tail. */
static bool valid_after(const uint8_t *p, uint64_t size, uint64_t off)
{
    uint8_t magic[4];
    put_u32(magic, REC_MAGIC);
    for (uint64_t i = off + 1; i + REC_HEAD <= size; i++) {
        const uint8_t *hit = memchr(p + i, magic[0], (size_t)(size - REC_HEAD + 1 - i));
        if (hit == NULL) {
            return false;
        }
        i = (uint64_t)(hit - p);
        struct rec r;
        const char *why = NULL;
        if (memcmp(hit, magic, 4) == 0 && rec_parse(hit, size - i, &r, &why) != REC_TORN) {
            return true;
        }
    }
    return false;
}

/* Read one stage's log (mapped at p, size bytes), handing it to ld->found. */
static enum sm_code load_log(const struct load *ld, const char *dir, const char *path, int fd,
                             const uint8_t *p, uint64_t size, struct ext_set *keep,
                             struct sm_error *err)
{
    struct sm_server *srv = ld->srv;
    uint32_t nl = 0;
    uint64_t hdr = 0;
    const char *name = header_parse(p, size, &nl, &hdr);
    char want[4096];
    char *stage = name != NULL ? smx_strdup_n(name, nl) : NULL;
    if (stage != NULL) {
        stage_dir(srv->store, stage, want, sizeof want);
    }
    if (name == NULL || (stage != NULL && strcmp(want, dir) != 0)) {
        free(stage);
        return sm_err_set(err, SM_E_IO, 500, SM_RULE_NONE,
                          "data dir: %s is not a stage log of this directory (bad header or "
                          "another stage's name)",
                          path);
    }
    if (stage == NULL) {
        return oom(err);
    }
    struct sm_store_found log = {.stage = stage};
    enum sm_code rc = ld->found(ld->cls, &log, err);
    uint64_t off = hdr;
    while (rc == SM_OK && off < size) {
        struct rec r;
        const char *why = "";
        enum rec_verdict v = rec_parse(p + off, size - off, &r, &why);
        if (v == REC_TORN) {
            if (valid_after(p, size, off)) {
                rc = sm_err_set(err, SM_E_IO, 500, SM_RULE_NONE,
                                "data dir: %s: damaged record at offset %" PRIu64
                                " followed by intact ones (not a torn tail); refusing to drop "
                                "stored files",
                                path, off);
            }
            break;
        }
        if (v == REC_BAD) {
            rc = sm_err_set(err, SM_E_IO, 500, SM_RULE_NONE,
                            "data dir: %s: record at offset %" PRIu64 " is damaged: %s", path, off,
                            why);
            break;
        }
        uint64_t num;
        if (r.kind == KIND_EXT && (!ext_name_ok(r.ext, r.ext_len, &num) || !ext_add(keep, num))) {
            rc = oom(err);
            break;
        }
        rc = load_rec(ld, stage, path, dir, off, &r, err);
        off += r.len;
    }
    /* The torn tail of an unacknowledged append. No fdatasync: the next
     * append's fdatasync records the new size; a crash before it finds the
     * same tail again and cuts it again. */
    if (rc == SM_OK && off < size) {
        if (ftruncate(fd, (off_t)off) != 0) {
            rc = io_fail(err, "cannot truncate", path, errno);
        }
    }
    if (rc == SM_OK && log_new(srv->store, stage, dir, fd, hdr, off) == NULL) {
        rc = oom(err);
    }
    free(stage);
    return rc;
}

static enum sm_code load_stage(const struct load *ld, const char *dir, struct sm_error *err)
{
    struct sm_server *srv = ld->srv;
    char path[4400];
    (void)PATH(path, dir, "/index.json");
    if (access(path, F_OK) == 0) {
        return sm_err_set(err, SM_E_IO, 500, SM_RULE_NONE,
                          "data dir: %s is the old format (index.json, before the append-only "
                          "log); this stagemock cannot read it: move the data dir aside and start "
                          "with an empty one",
                          path);
    }
    (void)PATH(path, dir, "/log");
    struct ext_set keep = {0};
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) {
            return io_fail(err, "cannot open", path, errno);
        }
        sweep(srv->store, dir, NULL); /* created, but nothing was ever committed */
        return SM_OK;
    }
    struct stat sb;
    enum sm_code rc = fstat(fd, &sb) == 0 ? SM_OK : io_fail(err, "cannot read", path, errno);
    uint64_t size = rc == SM_OK ? (uint64_t)sb.st_size : 0;
    void *map = size > 0 ? mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    if (rc == SM_OK && size > 0 && map == MAP_FAILED) {
        rc = io_fail(err, "cannot map", path, errno);
        map = NULL;
    }
    if (rc == SM_OK) {
        rc = load_log(ld, dir, path, fd, map != NULL ? map : "", size, &keep, err);
    }
    if (map != NULL) {
        munmap(map, (size_t)size);
    }
    if (rc != SM_OK) {
        close(fd); /* on success the log keeps it */
    } else {
        if (keep.n > 1) {
            qsort(keep.v, keep.n, sizeof *keep.v, cmp_u64);
        }
        sweep(srv->store, dir, &keep);
    }
    free(keep.v);
    return rc;
}

enum sm_code sm_store_open(struct sm_server *srv, sm_store_found_fn *found, void *cls,
                           struct sm_error *err)
{
    const struct load ld = {.srv = srv, .found = found, .cls = cls};
    struct sm_store *s = calloc(1, sizeof *s);
    size_t n = strlen(srv->data_dir) + 16;
    if (s == NULL || (s->root = malloc(n)) == NULL) {
        free(s);
        return oom(err);
    }
    (void)snprintf(s->root, n, "%s/stages", srv->data_dir);
    pthread_mutex_init(&s->mu, NULL);
    srv->store = s;
    enum sm_code rc = ensure_dir(srv->data_dir, NULL, err);
    if (rc == SM_OK) {
        rc = ensure_dir(s->root, srv->data_dir, err);
    }
    DIR *d = rc == SM_OK ? opendir(s->root) : NULL;
    if (rc == SM_OK && d == NULL) {
        rc = io_fail(err, "cannot open", s->root, errno);
    }
    struct dirent *de;
    while (d != NULL && rc == SM_OK && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char dir[4400];
        (void)PATH(dir, s->root, "/", de->d_name);
        rc = load_stage(&ld, dir, err);
    }
    if (d != NULL) {
        closedir(d);
    }
    return rc;
}

/* The data files a log's records name (the log is ours and intact up to end). */
static void log_data_files(struct sm_store_log *l, struct ext_set *out)
{
    uint8_t m[REC_HEAD + REC_META];
    for (uint64_t off = l->hdr_len; off < l->end;) {
        if (pread(l->fd, m, sizeof m, (off_t)off) != (ssize_t)sizeof m) {
            return;
        }
        const uint8_t *meta = m + REC_HEAD;
        uint64_t skip = REC_META + (uint64_t)get_u32(meta + 20) + get_u32(meta + 24);
        char ext[EXT_LEN];
        uint64_t num;
        if (meta[16] == KIND_EXT &&
            pread(l->fd, ext, EXT_LEN, (off_t)(off + REC_HEAD + skip)) == (ssize_t)EXT_LEN &&
            ext_name_ok(ext, EXT_LEN, &num) && !ext_add(out, num)) {
            return;
        }
        off += REC_HEAD + get_u32(m + 4);
    }
}

enum sm_code sm_store_clear(struct sm_server *srv, struct sm_error *err)
{
    struct sm_store *s = srv->store;
    enum sm_code rc = SM_OK;
    pthread_mutex_lock(&s->mu);
    for (struct sm_store_log *l = s->logs; l != NULL; l = l->next) {
        struct ext_set gone = {0};
        log_data_files(l, &gone);
        if (ftruncate(l->fd, (off_t)l->hdr_len) != 0 || fdatasync(l->fd) != 0) {
            rc = io_fail(err, "cannot truncate", l->dir, errno);
            pthread_mutex_lock(&l->syncer.mu);
            l->err = errno;
            pthread_mutex_unlock(&l->syncer.mu);
        } else {
            l->end = l->hdr_len;
            for (size_t i = 0; i < gone.n; i++) { /* only now: the log no longer names them */
                char path[4200], ext[EXT_LEN + 1];
                (void)snprintf(ext, sizeof ext, "e%016" PRIx64 ".parquet", gone.v[i]);
                (void)PATH(path, l->dir, "/", ext);
                (void)unlink(path);
            }
        }
        free(gone.v);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void sm_store_close(struct sm_store *store)
{
    if (store == NULL) {
        return;
    }
    while (store->logs != NULL) {
        struct sm_store_log *next = store->logs->next;
        log_free(store->logs);
        store->logs = next;
    }
    pthread_mutex_destroy(&store->mu);
    free(store->root);
    free(store);
}
