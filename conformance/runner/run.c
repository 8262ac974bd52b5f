/*
 * run.c - the scheduler: every (case, adapter) pair as a job on N worker
 * threads, then the tally that decides the exit status.
 *
 * What: jobs are handed out from one counter under a mutex; cases with a
 * scenario or faults (the ones that wait on timeouts and Retry-After) go
 * first so they overlap with the quick ones and the run ends sooner. Each job
 * writes only its own result slot. The tally counts outcomes and marks which
 * results fail the run: FAIL or ERROR at MUST, at SHOULD only with --strict,
 * never at INFO, and never when the baseline already knew the failure.
 * Not here: a job's work (job.c), the command line (conform_main.c).
 */
#include "run.h"
#include "../../common/sm_mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *conf_outcome_name(enum conf_outcome o)
{
    static const char *const names[] = {
        [CONF_PASS] = "pass", [CONF_FAIL] = "fail", [CONF_SKIP] = "skip", [CONF_ERROR] = "error"};
    return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

uint64_t conf_case_seed(uint64_t run_seed, const char *case_id)
{
    uint64_t h = 1469598103934665603ull ^ run_seed; /* FNV-1a over the id */
    for (const unsigned char *p = (const unsigned char *)case_id; *p != '\0'; p++) {
        h = (h ^ *p) * 1099511628211ull;
    }
    h ^= h >> 29; /* and a final mix */
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h & 0xffffffffffffull; /* 48 bits: exact in a JSON number */
}

void conf_result_cleanup(struct conf_result *r)
{
    SMX_FREE_ALL(r->evidence, r->journal, r->adapter_out, r->adapter_err);
    sm_free(r->schedule);
    sm_free(r->scenario_report);
    memset(r, 0, sizeof *r);
}

void conf_run_cleanup(struct conf_run *run)
{
    for (size_t i = 0; run->results != NULL && i < run->n_cases * run->n_adapters; i++) {
        conf_result_cleanup(&run->results[i]);
    }
    free(run->results);
    for (size_t i = 0; i < run->n_cases; i++) {
        conf_case_free(run->cases[i]);
    }
    free(run->cases);
    for (size_t i = 0; i < run->n_adapters; i++) {
        free(run->adapters[i].name);
        free(run->adapters[i].cmd);
    }
    SMX_FREE_ALL(run->adapters, run->fixtures_dir, run->work_dir);
    memset(run, 0, sizeof *run);
}

struct pool {
    struct conf_run *run;
    size_t *order; /* job indexes, slow ones first */
    size_t n, next;
    pthread_mutex_t lock;
};

static void *worker(void *cls)
{
    struct pool *p = cls;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t k = p->next < p->n ? p->order[p->next++] : SIZE_MAX;
        pthread_mutex_unlock(&p->lock);
        if (k == SIZE_MAX) {
            return NULL;
        }
        size_t ci = k / p->run->n_adapters, ai = k % p->run->n_adapters;
        const struct conf_case *c = p->run->cases[ci];
        conf_job_run(p->run, c, &p->run->adapters[ai], conf_case_seed(p->run->seed, c->id),
                     &p->run->results[k]);
    }
}

static bool is_slow(const struct conf_case *c)
{
    return c->scenario != NULL || c->n_faults > 0;
}

enum sm_code conf_run_execute(struct conf_run *run, struct sm_error *err)
{
    size_t n = run->n_cases * run->n_adapters;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run->results = calloc(n ? n : 1, sizeof *run->results);
    struct pool p = {.run = run, .n = n};
    p.order = calloc(n ? n : 1, sizeof *p.order);
    unsigned nt = run->jobs ? run->jobs : 1;
    pthread_t *th = calloc(nt, sizeof *th);
    if (run->results == NULL || p.order == NULL || th == NULL) {
        free(p.order);
        free(th);
        return sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            if (is_slow(run->cases[i / run->n_adapters]) == (pass == 0)) {
                p.order[k++] = i;
            }
        }
    }
    pthread_mutex_init(&p.lock, NULL);
    unsigned started = 0;
    for (; started < nt && started < n; started++) {
        if (pthread_create(&th[started], NULL, worker, &p) != 0) {
            break;
        }
    }
    if (started == 0) {
        worker(&p); /* no threads: run them here */
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
    }
    pthread_mutex_destroy(&p.lock);
    free(p.order);
    free(th);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    run->elapsed_ms =
        (double)(t1.tv_sec - t0.tv_sec) * 1000.0 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    return SM_OK;
}

void conf_run_tally(struct conf_run *run)
{
    run->n_pass = run->n_fail = run->n_skip = run->n_error = run->n_known = run->n_counted = 0;
    size_t *const by_outcome[] = {[CONF_PASS] = &run->n_pass,
                                  [CONF_FAIL] = &run->n_fail,
                                  [CONF_SKIP] = &run->n_skip,
                                  [CONF_ERROR] = &run->n_error};
    for (size_t c = 0; c < run->n_cases; c++) {
        enum conf_level lv = run->cases[c]->level;
        for (size_t a = 0; a < run->n_adapters; a++) {
            struct conf_result *r = conf_run_result(run, c, a);
            (*by_outcome[r->outcome])++;
            bool bad = r->outcome == CONF_FAIL || r->outcome == CONF_ERROR;
            bool level_counts = lv == CONF_MUST || (lv == CONF_SHOULD && run->strict);
            r->counts = bad && level_counts && !r->known;
            if (bad && r->known) {
                run->n_known++;
            }
            if (r->counts) {
                run->n_counted++;
            }
        }
    }
}
