/*
 * internal.h - libstagemock's private structures and cross-file functions.
 *
 * The server (struct sm_server) holds the stages, keys, profile and journal
 * behind one mutex (lock); HTTP threads and the embedding thread both go
 * through it. Stored bytes live in refcounted blobs so a download in flight
 * keeps its bytes alive across a reset. Nothing here is exported from the
 * shared library: only include/stagemock/ is public.
 */
#ifndef SM_INTERNAL_H
#define SM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <microhttpd.h>

#include "stagemock/error.h"
#include "stagemock/parquet.h"
#include "stagemock/rules.h"
#include "stagemock/server.h"
#include "../../common/sm_sha256.h"
#include "worker.h"

/* ---- clock (clock.c) ---------------------------------------------------- */

/* Microseconds since the epoch (journal times). */
int64_t sm_clock_now_us(void);

/* ---- stored bytes ------------------------------------------------------- */

/* ---- slabs: memory for small stored files (slab.c) ---------------------- */

#define SM_SLAB_SIZE     ((size_t)32 << 20)
#define SM_SLAB_MAX_BLOB ((size_t)256 << 10)
struct sm_slab;
#define SM_SLAB_CACHE 8
struct sm_slabs {
    pthread_mutex_t lock;
    struct sm_slab *cur;   /* the slab being filled */
    struct sm_slab *cache; /* retired slabs kept for reuse (at most SM_SLAB_CACHE) */
    unsigned n_cache;
};
void sm_slabs_init(struct sm_slabs *s);
void sm_slabs_cleanup(struct sm_slabs *s);
/* n bytes (1..SM_SLAB_MAX_BLOB) holding a reference on *owner; NULL if too
 * big or out of memory. Drop the reference with sm_slab_unref(*owner). */
uint8_t *sm_slab_alloc(struct sm_slabs *s, size_t n, struct sm_slab **owner);
void sm_slab_unref(struct sm_slab *slab);

struct sm_blob {
    int fd;       /* >= 0: the bytes are this file's */
    uint8_t *mem; /* else: these bytes, in slab, mapped (map_len) or malloc'd */
    struct sm_slab *slab;
    size_t map_len; /* > 0: mem is an anonymous mapping of this length */
    uint64_t size;
    unsigned refs; /* atomic */
};
struct sm_blob *sm_blob_ref(struct sm_blob *b);
void sm_blob_unref(struct sm_blob *b);

/* ---- upload spool: memory up to a threshold, then an unlinked temp file --- */

#define SM_SPOOL_MEM_MAX (1u << 20)

struct sm_spool {
    uint8_t *mem;
    size_t mem_len, mem_cap;
    bool mapped; /* mem is an anonymous mapping of mem_cap bytes (sm_spool_expect) */
    int fd;      /* -1 until the spool moves to disk */
    uint64_t size;
    const char *tmp_dir;
    struct smx_sha256 sha; /* of the bytes on disk, streamed as they are written */
};
void sm_spool_init(struct sm_spool *s, const char *tmp_dir);
/* The body is about hint bytes (the request's Content-Length): an empty spool
 * that will stay in memory allocates that once instead of growing. */
void sm_spool_expect(struct sm_spool *s, uint64_t hint);
SM_NODISCARD enum sm_code sm_spool_append(struct sm_spool *s, const void *data, size_t n,
                                          struct sm_error *err);
/* Judge the spooled bytes as parquet. */
SM_NODISCARD enum sm_code sm_spool_check(const struct sm_spool *s, const struct sm_pq_options *opt,
                                         struct sm_pq_file **out, struct sm_error *err);
/* The sha256 of everything appended: finished from the stream for a spool
 * on disk, one pass over the bytes for one in memory (so an upload that
 * nobody asks the digest of never pays for it). At most once per spool. */
void sm_spool_sha256(struct sm_spool *s, char hex[65]);
/* A 64-bit key of the contents of a spool in memory (XXH3), for finding a
 * stored copy of the same bytes; false for a spool on disk. */
bool sm_spool_content_key(const struct sm_spool *s, uint64_t *key);
/* The sha256 of a blob's bytes; false (hex untouched) when reading them failed. */
bool sm_blob_sha256(const struct sm_blob *b, char hex[65]);
/* Hand the spooled bytes to a new blob (small ones copied into a slab when
 * slabs is not NULL); the spool is left empty. */
struct sm_blob *sm_spool_to_blob(struct sm_spool *s, struct sm_slabs *slabs);
/* The spool (in memory) holds exactly b's bytes (in memory). */
bool sm_spool_holds(const struct sm_spool *s, const struct sm_blob *b);
void sm_spool_cleanup(struct sm_spool *s);

/* ---- stages ------------------------------------------------------------ */

/* What a stage keeps per file (a million files cost what this struct, one
 * allocation for both strings and the name index's slots cost: see
 * docs/PERFORMANCE.md, "Per-file memory"). */
struct sm_stage_file {
    char *name;    /* one allocation: the name, its NUL, then the file id */
    char *file_id; /* points into name's allocation; never freed alone */
    uint64_t size;
    char sha256[65]; /* "" until first asked for (sm_stage_file_sha256) */
    uint64_t commit_seq;
    struct sm_blob *blob;
    bool keyed;           /* content_key is set (the bytes are in memory) */
    uint32_t judged_no;   /* the validation the bytes passed: the stage's judged[judged_no] */
    uint64_t content_key; /* sm_spool_content_key of the bytes */
};

/* An index over a stage's files (stage.c): a power of two slots, at most half full. */
struct sm_findex {
    uint64_t *slot;
    size_t cap;
};

struct sm_stage {
    char *name;
    struct sm_stage_file *files;
    size_t n_files, cap;
    struct sm_pq_schema *schema;  /* fixed by the first accepted file */
    struct sm_findex by_name;     /* unique-names */
    struct sm_findex by_content;  /* equal contents share one blob */
    struct sm_pq_options *judged; /* the distinct validations files passed (usually one) */
    uint32_t n_judged;
    uint64_t clears;     /* times cleared: a streamed list stops if this moves */
    size_t list_counted; /* list.c: files whose list text is counted in list_bytes */
    uint64_t list_bytes;
};

struct sm_key {
    char *key;
    char **stages; /* NULL: every stage */
    size_t n_stages;
};

/* ---- profile (docs/PROFILE.md) ------------------------------------------ */

struct sm_profile {
    int status[SM_RULE_COUNT]; /* 0: the default for each error */
    char file_id_field[64];    /* upload answer: {"file_id": …} */
    char list_files_field[64]; /* list answer: {"files": [...]} */
    char list_name_field[64];
    char list_id_field[64];
    char list_size_field[64];
    bool deep;
    uint64_t max_upload;
    unsigned codecs;            /* SM_PQ_CODEC_BIT mask */
    struct sm_pq_limits limits; /* the reader's limits; 0: its default */
    bool download_base64;
    /* connection discipline (conns.c; docs/SERVER.md "Connections") */
    unsigned max_connections, max_connections_per_ip, head_timeout_s, min_body_rate;
};
void sm_profile_defaults(struct sm_profile *p, const struct sm_server_config *cfg);
/* Apply a JSON profile onto *p; on error *p is unchanged. */
SM_NODISCARD enum sm_code sm_profile_parse(struct sm_profile *p, const char *json, size_t len,
                                           struct sm_error *err);

/* ---- journal ------------------------------------------------------------ */

struct sm_framing;      /* framing.h */
struct sm_framing_scan; /* framing.h */

/* The rule a loaded scenario fired on a request (docs/SCENARIOS.md); kept
 * out of line, so that the entries of requests no rule touched stay small. */
struct sm_journal_fired {
    const char *action; /* what it did: "respond", "reset", ... (static) */
    char state_before[64];
    char state_after[64];
    uint64_t firing; /* 1 for the rule's first firing */
    char rule[];     /* its whole name, or "rules[i]" (allocated with the struct) */
};

struct sm_journal_entry {
    uint64_t seq;
    int64_t start_us, end_us;
    int64_t answered_us; /* the answer was queued (0: none) */
    char method[8];
    char *path;
    char *key; /* the key as sent (Authorization: Key …), or NULL */
    char *stage;
    char *file_name;
    unsigned file_parts;
    uint64_t size; /* bytes of the file part (uploads) or sent file (downloads) */
    char sha256[65];
    struct sm_blob *digest_of; /* sha256 still "": compute it from these bytes when read */
    int status;
    enum sm_rule rule; /* SM_RULE_NONE: the answer carried none */
    char *message;
    uint64_t bytes_sent;
    uint64_t commit_seq; /* the upload's place in commit order (1, 2, ...); 0: stored nothing */
    char *file_id;
    /* set only while a scenario is loaded (scenario_run.c) */
    bool scn_seen;
    uint64_t scn_seed;
    uint64_t bytes_received;        /* request-body bytes the server consumed */
    struct sm_journal_fired *fired; /* the rule that fired, or NULL */
    struct sm_framing *framing;     /* uploads: the multipart framing (framing.c), or NULL */
    struct sm_har_cap *har;         /* headers and bodies kept for HAR (cfg.har), or NULL */
};

/* A ring of the last max entries (cfg.journal_max): when it is full the
 * oldest entry goes and dropped counts it. Strings are capped on append. */
#define SM_JOURNAL_MAX_DEFAULT 10000
struct sm_journal {
    struct sm_journal_entry *e;
    size_t n, cap;
    size_t max;       /* 0 until set: SM_JOURNAL_MAX_DEFAULT */
    size_t head;      /* index of the oldest entry once the ring is full */
    uint64_t dropped; /* entries pushed out since the last reset */
    size_t har_bytes; /* bytes the entries' HAR captures hold (at most SM_HAR_BUDGET + one) */
    size_t har_trim;  /* the oldest entries whose HAR bodies were released for the budget */
};
void sm_journal_cleanup(struct sm_journal *j);
/* Forget the entries, keep the array. */
void sm_journal_clear(struct sm_journal *j);
/* Append (takes ownership of the entry's strings, capping their lengths on
 * UTF-8 boundaries), pushing out the oldest entry when the ring is full;
 * false when out of memory. */
bool sm_journal_append(struct sm_journal *j, struct sm_journal_entry *entry);
/* Render the journal (its lock held: pending digests are filled in). */
char *sm_journal_to_json(struct sm_journal *j, uint64_t seed, bool seeded);
/* The i-th entry in request order (0 <= i < j->n), lock held. */
struct sm_journal_entry *sm_journal_at(struct sm_journal *j, size_t i);
/* Under jlock: wait (up to timeout_ms) until every answer already queued is
 * journaled (api.c). */
void sm_journal_wait_answered_locked(struct sm_server *srv, unsigned timeout_ms);
/* sm_server_verify with a chosen wait for answers in flight: the admin API
 * runs on the server's threads and waits briefly (expect_check.c). */
SM_NODISCARD enum sm_code sm_verify_run(struct sm_server *srv, const char *expectation,
                                        unsigned wait_ms, char **diff, struct sm_error *err);
/* The journal as JSON without waiting for answers in flight: for the
 * server's own threads (the admin API), which must never block on them. */
char *sm_server_journal_json_now(struct sm_server *srv);
/* One log line for an entry; caller frees. */
char *sm_journal_entry_line(struct sm_journal_entry *e, enum sm_log_format fmt);

/* ---- HAR capture (har_capture.c; include/stagemock/har.h) --------------- */

struct sm_har_cap;
/* A request's capture when the server keeps HAR (cfg.har), else NULL. */
struct sm_har_cap *sm_har_cap_begin(struct sm_server *srv, struct MHD_Connection *conn,
                                    const char *version);
void sm_har_cap_free(struct sm_har_cap *c);
/* Request-body bytes as they arrive (the first har_body_max are kept); the
 * body is complete. NULL c: no-ops, as for every sm_har_cap_ call. */
void sm_har_cap_request_body(struct sm_har_cap *c, const char *data, size_t n);
void sm_har_cap_sent(struct sm_har_cap *c);
/* The response's headers as queued (replacing any noted before); its body
 * (appended up to the cap), or a stored file's first bytes. */
void sm_har_cap_response(struct sm_har_cap *c, struct MHD_Response *resp);
void sm_har_cap_response_body(struct sm_har_cap *c, const void *data, size_t n);
void sm_har_cap_blob(struct sm_har_cap *c, const struct sm_blob *b);
/* Bytes the capture holds; release its bodies, returning the bytes freed. */
size_t sm_har_cap_bytes(const struct sm_har_cap *c);
size_t sm_har_cap_drop_bodies(struct sm_har_cap *c);
/* The journal as HAR, jlock held / taken here without waiting (admin API).
 * host: the Host the reader used, for entries kept without their own; NULL
 * (the embedding thread only) uses the server's URL. */
char *sm_har_journal_locked(struct sm_server *srv, const char *host);
char *sm_server_har_json_now(struct sm_server *srv, const char *host);

/* ---- connection discipline (conns.c) ----------------------------------- */

struct sm_conn; /* one tracked TCP connection */
struct sm_conns {
    struct sm_worker sweeper; /* its mu guards the list and the sweeper's fields */
    struct sm_conn *head;
    unsigned n;
    /* limits (atomic: a profile may change them while serving) */
    unsigned max_total, max_per_ip, head_timeout_s, min_body_rate;
    bool tls; /* HTTPS: nothing is written to a socket past the TLS layer (set at start) */
};
/* Milliseconds on the monotonic clock. */
int64_t sm_clock_mono_ms(void);
void sm_conns_init(struct sm_conns *cs, const struct sm_server_config *cfg);
void sm_conns_cleanup(struct sm_conns *cs);
/* MHD_OPTION_NOTIFY_CONNECTION callback (cls: the struct sm_conns). */
void sm_conns_notify(void *cls, struct MHD_Connection *mc, void **ctx,
                     enum MHD_ConnectionNotificationCode toe);
struct sm_conn *sm_conn_of(struct MHD_Connection *mc);
/* A request's first handler call: false when the connection was closed by
 * a limit or deadline meanwhile (answer MHD_NO). */
bool sm_conn_begin(struct sm_conn *c);
/* n more body bytes; true when the body is slower than the minimum rate. */
bool sm_conn_body(struct sm_conns *cs, struct sm_conn *c, size_t n, int64_t *elapsed_ms);
/* The body is complete, or its pace is the server's own (a scenario). */
void sm_conn_body_done(struct sm_conn *c);
/* The request is over (NOTIFY_COMPLETED): the connection waits for a head. */
void sm_conn_end(struct sm_conn *c);
bool sm_conns_sweeper_start(struct sm_conns *cs);
void sm_conns_sweeper_stop(struct sm_conns *cs);
/* Shut down every connection waiting for a request head; returns how many
 * are busy with a request. */
unsigned sm_conns_close_idle(struct sm_conns *cs);
/* New limits (0 keeps a value). */
void sm_conns_set_limits(struct sm_conns *cs, unsigned max_total, unsigned max_per_ip,
                         unsigned head_timeout_s, unsigned min_body_rate);

/* ---- TLS (tls.c) -------------------------------------------------------- */

/* What an HTTPS server presents; every pointer NULL when unused. */
struct sm_tls {
    char *cert_pem; /* the certificate (chain), PEM */
    char *key_pem;  /* its unencrypted private key, PEM */
    char *dir;      /* generated: the directory of ca.pem, cert.pem, key.pem */
    char *ca_path;  /* generated: dir/ca.pem, what clients trust */
};
/* A fresh CA and a server certificate it signed for localhost, 127.0.0.1,
 * ::1 (and host, when another specific name), written under $TMPDIR. */
enum sm_code sm_tls_generate(struct sm_tls *t, const char *host, struct sm_error *err);
/* The certificate and key from PEM files, checked to parse and to match. */
enum sm_code sm_tls_load(struct sm_tls *t, const char *cert_file, const char *key_file,
                         struct sm_error *err);
/* Forget it all and remove a generated directory; t may be all NULL. */
void sm_tls_cleanup(struct sm_tls *t);

/* ---- the server -------------------------------------------------------- */

struct sm_store; /* persistence in the data dir (store.c) */

struct sm_server {
    struct sm_server_config cfg; /* strings below are owned copies */
    char *host, *data_dir, *tmp_dir, *admin_token;
    pthread_mutex_t lock;
    struct MHD_Daemon *daemon;
    uint16_t port;
    char url[96];
    struct sm_stage *stages;
    size_t n_stages, cap_stages;
    struct sm_key *keys;
    size_t n_keys, cap_keys;
    struct sm_profile profile;
    /* The journal has its own lock, so completing requests never wait for an
     * upload's commit; lock order: lock, then jlock. */
    pthread_mutex_t jlock;
    struct sm_journal journal;
    unsigned answering;      /* answers queued, not yet journaled (atomic; drops under jlock) */
    pthread_cond_t answered; /* signalled under jlock as answering drops */
    struct sm_slabs slabs;
    uint64_t next_seq;   /* request sequence numbers */
    uint64_t commit_seq; /* commits so far: a stored file's place in commit order */
    uint64_t id_state;   /* file id generator */
    struct sm_store *store;
    struct sm_scn *scn;             /* NULL until a scenario rule is loaded (atomic) */
    struct sm_scn_waker *scn_waker; /* resumes suspended connections (lock) */
    bool scn_stopped;               /* stopping: no new waker (lock) */
    struct sm_conns conns;          /* tracked connections, limits, deadlines */
    bool stopping;                  /* atomic: new requests are answered 503 */
    /* The scenario's hooks (scenario/): set with scn, atomically, before it. */
    const struct sm_scn_hooks *scn_hooks;
    struct sm_tls tls; /* HTTPS when tls.cert_pem is set */
};

/* Lookups (stage.c; the key table's in auth.c); call with srv->lock held. */
struct sm_stage *sm_stage_find(struct sm_server *srv, const char *name);
const struct sm_key *sm_key_find(const struct sm_server *srv, const char *key);
bool sm_key_sees(const struct sm_key *k, const char *stage);
struct sm_stage_file *sm_stage_file_find(struct sm_stage *st, const char *name);
/* Add an empty stage (nothing when it exists); 400 for a name that is not
 * 1 to 1024 bytes of valid UTF-8. Lock held. */
SM_NODISCARD enum sm_code sm_stage_add(struct sm_server *srv, const char *stage,
                                       struct sm_error *err);
/* A stored copy of exactly sp's bytes (content_key: sm_spool_content_key
 * of them), as a new reference, or NULL: a file uploaded again under another
 * name shares it instead of taking more memory. When that copy passed the
 * validation opt asks for and schema is not NULL, *schema is a copy of the
 * stage's schema (caller frees): equal bytes get the same verdict, so they
 * need not be judged again. Lock held. */
struct sm_blob *sm_stage_same_bytes(struct sm_stage *st, const struct sm_spool *sp,
                                    uint64_t content_key, const struct sm_pq_options *opt,
                                    struct sm_pq_schema **schema);
/* A stored file's sha256 in hex, computed on first use (lock held). */
const char *sm_stage_file_sha256(struct sm_stage_file *f);

/*
 * Commit an accepted file into a stage (lock held; called by sm_ingest
 * only): first schema wins, then the unique name, then persist (data dir:
 * append the record, *ticket to wait for with sm_store_wait after unlocking)
 * and append. Takes a reference on blob only on success. On success
 * *file_id points at the stored id.
 */
struct sm_stage_put {
    const char *name;
    const struct sm_pq_schema *schema; /* NULL: a loaded file, compared on its day */
    const char *file_id;               /* a loaded file's id; NULL: a new one */
    bool stored;                       /* loaded from the data dir: not appended there again */
    struct sm_blob *blob;
    const char *sha256; /* hex, or "" for the stage to compute when first asked */
    bool keyed;         /* content_key is set */
    uint64_t content_key;
    bool new_content;            /* no stored copy of the bytes was found a moment ago */
    struct sm_pq_options judged; /* the validation the bytes passed */
    uint64_t seq;                /* place in commit order; 0 for preloaded files */
    struct sm_store_put *store;  /* data dir: prepared (sm_store_prepare); else NULL */
};
SM_NODISCARD enum sm_code sm_stage_commit(struct sm_server *srv, struct sm_stage *st,
                                          const struct sm_stage_put *put, const char **file_id,
                                          uint64_t *ticket, struct sm_error *err);
void sm_stage_clear(struct sm_stage *st);
void sm_stage_cleanup(struct sm_stage *st);

/* Names a stage file may have: not empty, <= 1 KiB, valid UTF-8, no '/',
 * NUL, control characters, and not "." or "..". */
SM_NODISCARD enum sm_code sm_name_check(const char *name, size_t len, struct sm_error *err);
/* A text field as received (s[0..len), NULs included): 400 under rule, naming
 * the field, when it holds a NUL or is not valid UTF-8. */
SM_NODISCARD enum sm_code sm_text_check(const char *field, const char *s, size_t len,
                                        enum sm_rule rule, struct sm_error *err);

/* A new opaque file id written to id (lock held): "f_", 24 hex digits, NUL. */
#define SM_FILE_ID_SIZE 27
void sm_file_id_new(struct sm_server *srv, char id[SM_FILE_ID_SIZE]);

/* ---- persistence (store.c) ---------------------------------------------- */

/* What the loader found in the data dir, handed to the caller's callback in
 * commit order: first each stage's log (name NULL), then its files. The
 * store knows nothing of the stages in memory: the callback puts the files
 * there (sm_ingest_found). blob is borrowed for the call. */
struct sm_store_found {
    const char *stage;
    const char *name; /* NULL: the stage's log, before its files */
    const char *file_id;
    uint64_t seq;
    struct sm_blob *blob; /* the bytes: in memory, or the data file (large files) */
};
typedef enum sm_code sm_store_found_fn(void *cls, const struct sm_store_found *found,
                                       struct sm_error *err);
/* Open srv->data_dir: read every stage's log, handing what it holds to
 * found (whose error stops the load), cut torn tails, sweep stray files.
 * Call before the server serves (the server lock is not taken). */
SM_NODISCARD enum sm_code sm_store_open(struct sm_server *srv, sm_store_found_fn *found, void *cls,
                                        struct sm_error *err);
void sm_store_close(struct sm_store *store);

/* A commit in the data dir, in three steps (store.c): prepare without the
 * server lock, append under it (the record takes its place in commit order),
 * wait without it (group commit: acknowledged once the record is durable). */
struct sm_store_log;
struct sm_store_put {
    struct sm_store_log *log; /* the stage's log */
    char ext[32];             /* a large file's data file, durable already; "" inline */
    uint32_t bytes_crc;       /* inline: crc32 of the bytes */
};
/* Without the server lock: find or create the stage's log; write the bytes
 * of a blob on disk (a spool's temp file: over 1 MiB) to their own data
 * file, durably, and from then on serve blob from that data file, as a
 * loaded one is (its temp file is closed). A blob in memory stays there;
 * its bytes go inline into the record. blob is the caller's alone. */
SM_NODISCARD enum sm_code sm_store_prepare(struct sm_server *srv, const char *stage,
                                           struct sm_blob *blob, struct sm_store_put *sp,
                                           struct sm_error *err);
/* The commit was refused: remove the prepared data file. */
void sm_store_unprepare(struct sm_store_put *sp);
/* Lock held: append f's record (O(1)); *ticket is what to wait for. On error
 * the log is unchanged. */
SM_NODISCARD enum sm_code sm_store_append(struct sm_store_put *sp, const struct sm_stage_file *f,
                                          const struct sm_blob *blob, uint64_t *ticket,
                                          struct sm_error *err);
/* Without the server lock: return once the record is durable (one fdatasync
 * covers every record appended before it started). */
SM_NODISCARD enum sm_code sm_store_wait(struct sm_store_put *sp, uint64_t ticket,
                                        struct sm_error *err);
/* Without the server lock, from the connection's handler: suspend conn until
 * the record is durable, then set *result (0 or an errno) and resume it.
 * False (nothing done) when the record is durable already, the log failed,
 * or the server is stopping: then call sm_store_wait. */
bool sm_store_wait_async(struct sm_server *srv, struct sm_store_put *sp, uint64_t ticket,
                         struct MHD_Connection *conn, int *result);
/* Allow suspended waits (server started), or forbid them and wait until
 * every suspended connection is resumed (stopping, before MHD stops). */
void sm_store_async(struct sm_server *srv, bool on);
/* Lock held: empty every stage's log and remove its data files (reset). */
SM_NODISCARD enum sm_code sm_store_clear(struct sm_server *srv, struct sm_error *err);

/* ---- ingest (ingest.c): the one way a file enters a stage ---------------- */

struct sm_req;
enum sm_ingest_from {
    SM_INGEST_UPLOAD,  /* HTTP: the key must see the stage; equal bytes keep their verdict */
    SM_INGEST_PRELOAD, /* the embedding program: judged every time, no place in commit order */
    SM_INGEST_LOAD,    /* the data-dir loader: judged and stored on its day, not stored again */
};
struct sm_ingest {
    enum sm_ingest_from from;
    const char *stage;
    const char *name;         /* checked by the caller (sm_name_check) */
    struct sm_spool *spool;   /* UPLOAD, PRELOAD: the bytes (emptied when they become the blob) */
    const struct sm_req *req; /* UPLOAD: the request whose key must see the stage */
    struct sm_blob *loaded;   /* LOAD: the stored bytes (borrowed) */
    const char *loaded_id;    /* LOAD: the stored file id */
    uint64_t loaded_seq;      /* LOAD: the stored place in commit order */
    /* OUT. sha256: the digest when known (a spool on disk; an upload refused
     * after its stage was found), else "". */
    char sha256[65];
    struct sm_blob *blob; /* committed: a reference to the stored bytes (caller unrefs) */
    char *file_id;        /* UPLOAD, committed: a copy of the new file id (caller frees) */
    uint64_t commit_seq;  /* UPLOAD, committed: its place in commit order (1, 2, ...) */
    bool durable;         /* committed to the data dir: wait for put/ticket (sm_store_wait) */
    struct sm_store_put put;
    uint64_t ticket;
};
/* Put a file into a stage: content key, a stored copy of equal bytes, the
 * parquet verdict (unlocked), the blob, the data dir's copy, the commit.
 * Takes the server lock itself (twice); never hold it. On failure nothing
 * changed (a prepared data file is removed) and the OUT fields other than
 * sha256 are empty. */
SM_NODISCARD enum sm_code sm_ingest(struct sm_server *srv, struct sm_ingest *in,
                                    struct sm_error *err);
/* sm_store_found_fn for sm_store_open (cls: the server): a stage's log adds
 * the stage, a file goes through sm_ingest (SM_INGEST_LOAD). */
SM_NODISCARD enum sm_code sm_ingest_found(void *cls, const struct sm_store_found *found,
                                          struct sm_error *err);

/* ---- HTTP side ----------------------------------------------------------- */

enum sm_route {
    SM_ROUTE_NONE,
    SM_ROUTE_UPLOAD,
    SM_ROUTE_DOWNLOAD,
    SM_ROUTE_LIST,
    SM_ROUTE_ADMIN,
};
/* The endpoint a request path names (server.c); the one place that knows
 * the endpoints' paths. */
enum sm_route sm_route_find(const char *url);

#define SM_FIELD_MAX 2048        /* stage_id, file_name and other text fields */
#define SM_FORM_MAX  (64u << 10) /* whole bodies of download/list/admin requests */
/* The request head (request line + headers) we read: larger ones get our
 * JSON 431 (414 when the URL is most of it). MHD's memory per connection
 * (MHD_OPTION_CONNECTION_MEMORY_LIMIT) must hold such a head plus MHD's own
 * bookkeeping of its headers (about 70 bytes each); a head that does not fit
 * is answered by MHD itself, in HTML (docs/ERRORS.md). The memory stays
 * small on purpose: MHD 0.9.75 zeroes all of it before every keep-alive
 * request (a 256 KiB pool cost 4 KiB uploads 60% more CPU, 24 -> 39 us). */
#define SM_HEAD_MAX    (16u << 10)
#define SM_CONN_MEMORY ((size_t)32 << 10)

/* The part of a body a PostProcessor call is about (form.c). */
enum sm_form_part {
    SM_FORM_PART_NONE,
    SM_FORM_PART_STAGE_ID,
    SM_FORM_PART_FILE_NAME, /* a field of downloads; another field in an upload */
    SM_FORM_PART_FILE,      /* uploads: a part with a filename */
    SM_FORM_PART_OTHER,
};

struct sm_req;
/* An upload's file part, a chunk at a time (new_part: it begins a part; key
 * and filename as MHD gives them); MHD_NO stops the body (form.c calls it
 * from its PostProcessor). */
typedef enum MHD_Result sm_form_file_fn(struct sm_req *r, const char *key, const char *filename,
                                        const char *data, size_t size, bool new_part);

/* Fields of a request body (form.c). */
struct sm_form {
    char stage_id[SM_FIELD_MAX];
    size_t stage_id_len;
    unsigned n_stage_id;
    char file_name[SM_FIELD_MAX];
    size_t file_name_len;
    unsigned n_file_name;
    bool field_too_long;
    /* the part the last call was about and the offset its next call carries:
     * MHD can call twice at offset 0 for one part (first with no bytes), so
     * offset 0 alone does not start a new part */
    enum sm_form_part run_part;
    uint64_t run_next_off;
    sm_form_file_fn *on_file; /* uploads: where the file part's bytes go (upload.c) */
};

struct sm_req {
    struct sm_server *srv;
    struct MHD_Connection *conn;
    enum sm_route route;
    struct sm_journal_entry je;
    bool have_key;
    char key[256];
    struct sm_error err; /* set when the request has already failed */
    bool failed;
    bool early; /* answered before the body (413) */
    bool responded;
    bool counted; /* in srv->answering until on_completed journals it */
    /* body */
    struct MHD_PostProcessor *pp;
    struct sm_form form;
    char *raw; /* JSON and admin bodies */
    size_t raw_len;
    /* uploads */
    unsigned file_parts;
    char *filename;  /* of the first file part */
    char *part_name; /* form field name of the first file part */
    bool in_file;    /* inside the (first) file part */
    struct sm_spool spool;
    /* uploads: the body's multipart framing, being scanned (framing.c) */
    struct sm_framing_scan *framing;
    struct sm_scn_run *scn_run; /* a fired scenario rule (scenario_run.c), or NULL */
    struct sm_conn *sc;         /* its connection (conns.c), or NULL when untracked */
    uint64_t body_seen;         /* request-body bytes handed to us so far */
    /* an upload committed to the data dir, suspended until its record is
     * durable (upload.c): what its answer needs when it resumes */
    struct {
        bool waiting;
        int err; /* set by the store before it resumes the connection */
        struct sm_store_put put;
        uint64_t ticket;
        struct sm_blob *blob;
        char *file_id;
        char field[64];
    } durable;
};

/* The status an error is answered with: the profile's override for its rule,
 * else its own (500 when it has none). */
int sm_reply_status_of(const struct sm_server *srv, const struct sm_error *e);
/* The rule an error answer carries: its own, else error-json. */
enum sm_rule sm_reply_rule_of(const struct sm_error *e);
/* Answer with an error: JSON {"message"}, the rule in X-Stagemock-Rule, the
 * status from sm_reply_status. */
enum MHD_Result sm_reply_error(struct sm_req *r, const struct sm_error *e);
/* Answer with an error where MHD cannot queue one (mid-body): the JSON
 * answer is written to the socket, the request journaled as answered, and
 * MHD_NO returned so that MHD stops reading and closes (conns.c). */
enum MHD_Result sm_reply_error_close(struct sm_req *r, const struct sm_error *e);
/* The answer when not even the answer can be allocated: 503 with a fixed
 * JSON body that allocates nothing of ours. For a connection that has no
 * request state yet (its allocation failed). */
enum MHD_Result sm_reply_no_memory(struct MHD_Connection *conn);
/* Answer 200 with a JSON body (takes ownership of json). */
enum MHD_Result sm_reply_json(struct sm_req *r, int status, char *json);
/* This request's answer is queued, or its connection dropped on purpose,
 * and its journal entry follows when MHD reports it complete: count it so
 * journal readers wait for it (api.c). Idempotent. */
void sm_reply_counted(struct sm_req *r);
/* Stamp je.answered_us (once): the answer is queued, the client may act on
 * it from now on. Two requests overlapped only if each began before the
 * other was answered. */
void sm_reply_answered(struct sm_req *r);
/* Queue a response, recording status and size in the journal entry. */
enum MHD_Result sm_reply_queue(struct sm_req *r, int status, struct MHD_Response *resp,
                               uint64_t body_len);

/* Body handling (form.c): feed a chunk of a download/list body; finish. */
SM_NODISCARD enum sm_code sm_form_feed(struct sm_req *r, const char *data, size_t n);
SM_NODISCARD enum sm_code sm_form_finish(struct sm_req *r);
/* A PostProcessor over r's body (NULL: MHD cannot parse its Content-Type)
 * that keeps stage_id (and, unless on_file, file_name) in r->form; in an
 * upload (on_file non-NULL) a part with a filename is the file, handed to
 * on_file, and file_name is just another field. */
struct MHD_PostProcessor *sm_form_post_processor(struct sm_req *r, sm_form_file_fn *on_file);
/* One PostProcessor call's chunk of a part (key, filename as MHD gives
 * them): which part it belongs to, *new_part when it begins one; a text
 * field's bytes go into f. In an upload (upload true) a part with a filename
 * is the file and file_name is just another field. */
enum sm_form_part sm_form_chunk(struct sm_form *f, bool upload, const char *key,
                                const char *filename, const char *data, uint64_t off, size_t size,
                                bool *new_part);
/* Parse a JSON body's stage_id / file_name into r->form (form.c; fuzzed). */
SM_NODISCARD enum sm_code sm_form_parse_json(struct sm_form *f, const char *text, size_t len,
                                             struct sm_error *err);
/* Decode the HTML5 form escapes (%22, %0D, %0A) in a multipart filename, in
 * place; returns the new length. */
size_t sm_form_decode_filename(char *name, size_t len);

enum MHD_Result sm_upload_body(struct sm_req *r, const char *data, size_t n);
enum MHD_Result sm_upload_finish(struct sm_req *r);
enum MHD_Result sm_download_finish(struct sm_req *r);
enum MHD_Result sm_list_finish(struct sm_req *r);
/* Bring a stage's list length (list_bytes) current with its files (list.c;
 * lock held): called after each commit, so a list's Content-Length costs O(1). */
void sm_list_count(struct sm_stage *st);
/* Download and list: finish the form, journal the names, want exactly one
 * stage_id (and one file_name when need_file); errors carry rule. */
SM_NODISCARD enum sm_code sm_form_prologue(struct sm_req *r, bool need_file, enum sm_rule rule,
                                           struct sm_error *e);
enum MHD_Result sm_admin_handle(struct sm_req *r, const char *method, const char *url);

/* The key a request may use for a stage: SM_OK, or 401 (no/malformed/unknown
 * key) or 404 (stage unknown or invisible to the key, same message). Lock held. */
SM_NODISCARD enum sm_code sm_auth_stage(struct sm_server *srv, const struct sm_req *r,
                                        const char *stage, struct sm_stage **out,
                                        struct sm_error *err);
/* Secret comparison in time that depends only on blen (the sent length). */
bool sm_secret_equal(const char *a, size_t alen, const char *b, size_t blen);
/* Parse "Authorization: Key <k>" into r->key; 401 error otherwise. */
SM_NODISCARD enum sm_code sm_auth_header(struct sm_req *r, const char *value, struct sm_error *err);

/* ---- the scenario hook (scenario/) --------------------------------------
 * The scenario component (mock_server/src/scenario/) sits above the request
 * path: it calls down into reply.c, form.c, spool.c and api.c, and the core
 * reaches it only through this table of hooks, which scenario_api.c installs
 * on the server with the engine (the same atomic publication). The one entry
 * the core names is the admin route, sm_scn_admin. */

struct sm_scn;
struct sm_scn_run;
struct sm_scn_waker;

struct sm_scn_hooks {
    /* At the headers: decide; true when it answered (or hung up) already. */
    bool (*begin)(struct sm_req *r, struct sm_scn *scn, enum MHD_Result *ret);
    /* Per body chunk: may shrink *n (exact offsets, read rate); true: return *ret. */
    bool (*body)(struct sm_req *r, size_t *n, enum MHD_Result *ret);
    /* Body complete: fields-phase rules, delay, canned answers, hang-ups. */
    bool (*finish)(struct sm_req *r, struct sm_scn *scn, enum MHD_Result *ret);
    /* reply.c's funnel when r->scn_run is set: alter, lose or shape the answer. */
    enum MHD_Result (*queue)(struct sm_req *r, int status, struct MHD_Response *resp,
                             uint64_t body_len);
    /* The real answer's body / stored bytes, for shaping (copied / referenced). */
    void (*note_body)(struct sm_req *r, const char *data, size_t len);
    void (*note_blob)(struct sm_req *r, struct sm_blob *blob);
    /* Completion: journal fields, unmatched note, free. */
    void (*end)(struct sm_req *r, struct sm_scn *scn);
    /* Stop: resume every suspended connection (aborted), join the waker. */
    void (*stop)(struct sm_server *srv);
    /* sm_server_free: the engine goes with the server. */
    void (*engine_free)(struct sm_scn *scn);
};

/* The server's scenario, or NULL: the one check the hot path pays. */
static inline struct sm_scn *sm_server_scn(struct sm_server *srv)
{
    return __atomic_load_n(&srv->scn, __ATOMIC_ACQUIRE);
}
/* The hooks of the server's scenario: set before srv->scn is, so never NULL
 * once sm_server_scn returned an engine (or a request has r->scn_run). */
static inline const struct sm_scn_hooks *sm_server_scn_hooks(struct sm_server *srv)
{
    return __atomic_load_n(&srv->scn_hooks, __ATOMIC_ACQUIRE);
}
/* The admin endpoints under /_stagemock/scenario (scenario/scenario_api.c). */
enum MHD_Result sm_scn_admin(struct sm_req *r, const char *method, const char *what);

#endif
