/*
 * run.h - the conformance run: adapters, per-case results, and the pieces
 * that produce them (text buffers, fixtures, the adapter process runner, the
 * per-case job, the verifier, the scheduler, baselines and artifacts).
 *
 * Ownership: struct conf_run owns its cases, adapters and results; it is
 * filled by conf_run_execute and read by the reporters (report.h). Each job
 * writes only its own result slot, so jobs share nothing but const inputs.
 */
#ifndef CONF_RUN_H
#define CONF_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "case.h"
#include "stagemock/error.h"

/* ---- growable text (buf.c) ---------------------------------------------- */

struct conf_buf {
    char *data; /* NUL-terminated when len > 0 or after any put */
    size_t len, cap;
    bool oom; /* an append failed; the text is incomplete */
};
void conf_buf_init(struct conf_buf *b);
void conf_buf_cleanup(struct conf_buf *b);
void conf_buf_put(struct conf_buf *b, const char *s, size_t n);
void conf_buf_puts(struct conf_buf *b, const char *s);
void conf_buf_printf(struct conf_buf *b, const char *fmt, ...) SM_PRINTF(2, 3);
/* Escaped for XML/HTML text and attributes; bytes XML 1.0 forbids and invalid
 * UTF-8 become U+FFFD. */
void conf_buf_put_xml(struct conf_buf *b, const char *s);
/* The text (malloc'd, "" when empty; NULL only when out of memory); b is reset. */
char *conf_buf_take(struct conf_buf *b);

/* ---- adapters and results --------------------------------------------- */

struct conf_adapter {
    char *name; /* shown in reports: NAME=CMD's NAME, else the command's basename */
    char *cmd;  /* run through /bin/sh: CMD "$@" */
};

enum conf_outcome { CONF_PASS = 0, CONF_FAIL, CONF_SKIP, CONF_ERROR };
const char *conf_outcome_name(enum conf_outcome o); /* "pass", "fail", "skip", "error" */

struct conf_result {
    enum conf_outcome outcome;
    bool known;            /* failed in the baseline too: shown, not counted */
    bool counts;           /* this result makes the run fail (set by conf_run_tally) */
    char *evidence;        /* "expected ..., seen ..." lines; NULL when it passed */
    char *journal;         /* the server's journal (JSON text) */
    char *adapter_out;     /* each step's command line, exit and stdout */
    char *adapter_err;     /* each step's stderr */
    char *schedule;        /* the fault schedule: rules loaded (JSON array) or NULL */
    char *scenario_report; /* which rules fired (JSON) or NULL */
    uint64_t seed;         /* the case's server and scenario seed */
    double ms;
};

struct conf_run {
    struct conf_case **cases;
    size_t n_cases;
    struct conf_adapter *adapters;
    size_t n_adapters;
    struct conf_result *results; /* [case * n_adapters + adapter] */
    uint64_t seed;
    bool strict;
    bool tls; /* every case's server speaks HTTPS with a generated CA */
    unsigned jobs;
    char *fixtures_dir;
    char *work_dir;
    bool keep_work;
    bool have_baseline;
    double elapsed_ms;
    char started[32]; /* UTC, ISO 8601 */
    /* tallies (conf_run_tally) */
    size_t n_pass, n_fail, n_skip, n_error, n_known, n_counted;
};

static inline struct conf_result *conf_run_result(const struct conf_run *r, size_t c, size_t a)
{
    return &r->results[c * r->n_adapters + a];
}

void conf_result_cleanup(struct conf_result *res);
void conf_run_cleanup(struct conf_run *run);

/* Per-case seed: the run seed mixed with the case id (stable across runs). */
uint64_t conf_case_seed(uint64_t run_seed, const char *case_id);

/* Count outcomes and mark which results make the run fail: a non-INFO FAIL
 * or ERROR that the baseline does not know, SHOULD only with strict. */
void conf_run_tally(struct conf_run *run);

/* ---- fixtures (fixture.c) ------------------------------------------------ */

/* Write the runner's own fixture set into dir (created if missing). */
SM_NODISCARD enum sm_code conf_fixtures_write(const char *dir, struct sm_error *err);
/* dir/NAME.parquet, dir/NAME or dir/NAME.* that exists; false when none. */
bool conf_fixture_path(const char *dir, const char *name, char *out, size_t cap);
/* sha256 (hex) of a file; false when it cannot be read. */
bool conf_sha256_file(const char *path, char hex[65]);

/* ---- the adapter process (spawn.c) ------------------------------------- */

struct conf_proc {
    int exit_code;  /* -1 when killed by a signal */
    int signal;     /* the signal, or 0 */
    bool timed_out; /* we killed it at the time limit */
    char *out;      /* stdout (NUL-terminated, capped) */
    size_t out_len;
    char *err; /* stderr (NUL-terminated, capped) */
    size_t err_len;
    double ms;
};
void conf_proc_cleanup(struct conf_proc *p);

/*
 * Run `/bin/sh -c 'CMD "$@"' adapter ARGS...` in its own process group with
 * the environment (less STAGE_API_* and any variable env sets) plus env
 * (NAME=VALUE strings, NULL-terminated), stdin from
 * /dev/null, stdout and stderr captured (each capped at cap bytes). After
 * limit_ms the whole group gets SIGKILL. SM_E_IO when it cannot be started.
 */
SM_NODISCARD enum sm_code conf_spawn(const char *cmd, char *const *args, size_t n_args,
                                     char *const *env, unsigned limit_ms, size_t cap,
                                     struct conf_proc *out, struct sm_error *err);

/* ---- one case against one adapter (job.c) ------------------------------ */

/* Run case c with adapter a in a fresh in-process server; fill *res. */
void conf_job_run(const struct conf_run *run, const struct conf_case *c,
                  const struct conf_adapter *a, uint64_t seed, struct conf_result *res);

/* ---- verification (verify.c) -------------------------------------------- */

struct conf_stage_view {
    const char *stage;
    char **names;
    char (*sha)[65];
    size_t n;
};

struct conf_verify_ctx {
    const char *fixtures_dir;
    const char *out_dir;
    const char *step_verb;    /* upload, download, list (step checks) */
    const char *journal_json; /* the whole journal */
    const struct conf_stage_view *stages;
    size_t n_stages;
    const char *api_key;
    bool have_lint; /* the journal carries `lint` (set by the verifier) */
};

/* Step checks on an adapter call; false when one failed (evidence appended). */
bool conf_verify_step(const struct conf_step *st, const struct conf_proc *proc,
                      struct conf_verify_ctx *ctx, struct conf_buf *evidence);
/* [expect] checks. Returns CONF_PASS, CONF_FAIL, or CONF_SKIP (a check needs
 * something this server does not record, e.g. lint). */
enum conf_outcome conf_verify_expect(const struct conf_case *c, struct conf_verify_ctx *ctx,
                                     struct conf_buf *evidence);
/* The journal entries as text lines, for evidence. */
void conf_journal_lines(const char *journal_json, struct conf_buf *out);

/* ---- the scheduler (run.c) ---------------------------------------------- */

/* Run every (case, adapter) pair with run->jobs workers. */
SM_NODISCARD enum sm_code conf_run_execute(struct conf_run *run, struct sm_error *err);

/* ---- baseline and artifact (baseline.c, artifact.c) --------------------- */

/* The largest JSON report or artifact read back (--baseline, --replay). */
#define CONF_MAX_JSON_BYTES ((size_t)256u << 20)

/* Print root (compact, or pretty) to path with a final newline, and delete
 * root; false when out of memory or when the file could not be written. */
struct cJSON;
bool conf_json_write(const char *path, struct cJSON *root, bool pretty);

/* Mark results that failed in a --json report given as baseline as known. */
SM_NODISCARD enum sm_code conf_baseline_apply(struct conf_run *run, const char *path,
                                              struct sm_error *err);
/* Write the run's seed, fault schedule and journals (JSON). */
SM_NODISCARD enum sm_code conf_artifact_write(const struct conf_run *run, const char *path,
                                              struct sm_error *err);
/* What --replay needs from an artifact (strings malloc'd, freed by
 * conf_replay_cleanup). */
struct conf_replay {
    uint64_t seed; /* the run seed */
    char *adapter; /* the replayed result's adapter name */
    char *cmd;     /* its command */
    char *outcome; /* its recorded outcome */
    char *failed;  /* every adapter that failed the case there, ", "-joined; "" if none */
};
/* Read the run seed and one result of case_id: the one of adapter want
 * (an --adapter value: NAME=CMD, CMD or NAME) when want is not NULL, else
 * the first that failed, else the first. Errors name the adapters the case
 * ran with; *out is then empty. */
SM_NODISCARD enum sm_code conf_artifact_read(const char *path, const char *case_id,
                                             const char *want, struct conf_replay *out,
                                             struct sm_error *err);
void conf_replay_cleanup(struct conf_replay *r);

#endif
