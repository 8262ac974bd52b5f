/*
 * job.c - run one case against one adapter in a fresh in-process server.
 *
 * What: set the server up as the case's [setup] says (stages, keys, profile,
 * scenario and faults, preloaded fixtures), start it on 127.0.0.1 port 0, run
 * each [step] through the adapter with STAGE_API_URL/KEY/TIMEOUT set (and,
 * with --tls, the server's CA in STAGE_API_CA and the variables curl,
 * Python and Node read), stop the
 * server (requests in flight finish, so the journal is complete), then judge
 * the steps and the [expect] checks and keep the evidence: the journal, the
 * fault schedule, the adapter's output.
 * Design: every job has its own server, work directory (in/ for files to
 * upload, named as the case says; out/ for downloads) and seed, so jobs run in
 * parallel without sharing anything. The seed drives both file ids and the
 * scenario's dice, and is recorded so --replay reproduces the same faults.
 * Not here: scheduling (run.c), the checks themselves (verify.c).
 */
#include "run.h"
#include "tokens.h"

#include <cjson/cJSON.h>
#include "../../common/sm_file.h"
#include "../../common/sm_json.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stagemock/scenario.h"
#include "stagemock/server.h"

#define OUTPUT_CAP (1024u * 1024u)

struct job {
    const struct conf_run *run;
    const struct conf_case *c;
    const struct conf_adapter *a;
    struct conf_result *res;
    struct sm_server *srv;
    char dir[2048], in[2100], out[2100];
    struct conf_buf ev, aout, aerr;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static bool copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    FILE *out = in ? fopen(to, "wb") : NULL;
    bool ok = in != NULL && out != NULL;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) {
        ok = fwrite(buf, 1, n, out) == n;
    }
    ok = ok && ferror(in) == 0;
    if (in != NULL) {
        fclose(in);
    }
    if (out != NULL && fclose(out) != 0) {
        ok = false;
    }
    return ok;
}

/* The scenario text with "seed" set when the case gives none (so it replays). */
static char *scenario_with_seed(const char *text, uint64_t seed)
{
    const char *t = text ? text : "{\"rules\":[]}";
    cJSON *j = sm_json_parse_verbatim(t, strlen(t));
    if (j == NULL) {
        return NULL;
    }
    if (cJSON_GetObjectItemCaseSensitive(j, "seed") == NULL) {
        sm_json_add_u64(j, "seed", seed & 0xffffffffffffull);
    }
    char *s = sm_json_print(j);
    cJSON_Delete(j);
    return s;
}

static bool setup_fail(struct job *j, const char *what, const struct sm_error *e)
{
    conf_buf_printf(&j->ev, "setup: %s: %s\n", what, e ? e->message : "failed");
    j->res->outcome = CONF_ERROR;
    return false;
}

static bool load_faults(struct job *j, uint64_t seed);
static bool preload_all(struct job *j);

static bool setup_server(struct job *j, uint64_t seed)
{
    const struct conf_case *c = j->c;
    struct sm_server_config cfg;
    struct sm_error e;
    sm_server_config_init(&cfg);
    cfg.seeded = true;
    cfg.seed = seed;
    cfg.timeout_s = 10;
    cfg.tls = j->run->tls; /* a CA of its own, under $TMPDIR until the server is freed */
    if (sm_server_new(&cfg, &j->srv, &e) != SM_OK) {
        return setup_fail(j, "server", &e);
    }
    for (size_t i = 0; i < c->n_stages; i++) {
        if (sm_server_add_stage(j->srv, c->stages[i], &e) != SM_OK) {
            return setup_fail(j, "stage", &e);
        }
    }
    for (size_t i = 0; i < c->n_keys; i++) {
        const struct conf_key *k = &c->keys[i];
        if (sm_server_add_key(j->srv, k->key, (const char *const *)k->stages, k->n_stages, &e) !=
            SM_OK) {
            return setup_fail(j, "key", &e);
        }
    }
    if (c->profile != NULL &&
        sm_server_load_profile(j->srv, c->profile, strlen(c->profile), &e) != SM_OK) {
        return setup_fail(j, "profile", &e);
    }
    if (!load_faults(j, seed) || !preload_all(j)) {
        return false;
    }
    if (sm_server_start(j->srv, &e) != SM_OK) {
        return setup_fail(j, "start", &e);
    }
    return true;
}

/* The scenario (seeded for replay) and the --fault specs. */
static bool load_faults(struct job *j, uint64_t seed)
{
    const struct conf_case *c = j->c;
    struct sm_error e;
    if (c->scenario != NULL || c->n_faults > 0) {
        char *sc = scenario_with_seed(c->scenario, seed);
        enum sm_code rc =
            sc ? sm_server_load_scenario(j->srv, sc, strlen(sc), j->run->fixtures_dir, &e)
               : sm_err_set(&e, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
        free(sc);
        if (rc != SM_OK) {
            return setup_fail(j, "scenario", &e);
        }
    }
    for (size_t i = 0; i < c->n_faults; i++) {
        if (sm_server_add_fault(j->srv, c->faults[i], &e) != SM_OK) {
            return setup_fail(j, "fault", &e);
        }
    }
    return true;
}

/* Files committed to stages before the first step. */
static bool preload_all(struct job *j)
{
    const struct conf_case *c = j->c;
    struct sm_error e;
    for (size_t i = 0; i < c->n_preloads; i++) {
        const struct conf_preload *p = &c->preloads[i];
        char path[4096];
        size_t len = 0;
        uint8_t *data = NULL;
        if (!conf_fixture_path(j->run->fixtures_dir, p->fixture, path, sizeof path) ||
            (data = smx_file_read(path, SIZE_MAX, &len, NULL)) == NULL) {
            sm_err_set(&e, SM_E_NOT_FOUND, 0, SM_RULE_NONE, "fixture '%s' not found", p->fixture);
            return setup_fail(j, "preload", &e);
        }
        const char *slash = strrchr(path, '/');
        enum sm_code rc =
            sm_server_preload(j->srv, p->stage, p->name ? p->name : slash + 1, data, len, &e);
        free(data);
        if (rc != SM_OK) {
            return setup_fail(j, "preload", &e);
        }
    }
    return true;
}

/* Resolve @fixture[:name] (copied into in/) and %out[/path]; NULL on error. */
static char *resolve_arg(struct job *j, const char *arg)
{
    char path[4096];
    if (arg[0] == '@') {
        char fx[256];
        const char *colon = strchr(arg, ':');
        size_t fl = colon ? (size_t)(colon - arg - 1) : strlen(arg + 1);
        if (fl == 0 || fl >= sizeof fx) {
            return NULL;
        }
        memcpy(fx, arg + 1, fl);
        fx[fl] = '\0';
        char src[4096];
        if (!conf_fixture_path(j->run->fixtures_dir, fx, src, sizeof src)) {
            conf_buf_printf(&j->ev, "setup: fixture '%s' not found in %s\n", fx,
                            j->run->fixtures_dir);
            return NULL;
        }
        const char *name = colon ? colon + 1 : strrchr(src, '/') + 1;
        if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
            strcmp(name, "..") == 0) {
            conf_buf_printf(&j->ev, "setup: bad upload name in '%s'\n", arg);
            return NULL;
        }
        int n = snprintf(path, sizeof path, "%s/%s", j->in, name);
        if (n < 0 || (size_t)n >= sizeof path) {
            return NULL;
        }
        struct stat st;
        if (stat(path, &st) != 0 && !copy_file(src, path)) {
            conf_buf_printf(&j->ev, "setup: cannot copy fixture to %s\n", path);
            return NULL;
        }
        return strdup(path);
    }
    if (strncmp(arg, "%out", 4) == 0 && (arg[4] == '\0' || arg[4] == '/')) {
        int n = snprintf(path, sizeof path, "%s%s", j->out, arg + 4);
        return n > 0 && (size_t)n < sizeof path ? strdup(path) : NULL;
    }
    return strdup(arg);
}

static void record_step(struct job *j, const struct conf_step *st, char **args,
                        const struct conf_proc *p)
{
    conf_buf_printf(&j->aout, "$ %s", j->a->name);
    for (size_t i = 0; i < st->argc; i++) {
        conf_buf_printf(&j->aout, " %s", args[i]);
    }
    if (p->timed_out) {
        conf_buf_printf(&j->aout, "\n[killed at the time limit after %.0f ms]\n", p->ms);
    } else if (p->signal) {
        conf_buf_printf(&j->aout, "\n[signal %d after %.0f ms]\n", p->signal, p->ms);
    } else {
        conf_buf_printf(&j->aout, "\n[exit %d after %.0f ms]\n", p->exit_code, p->ms);
    }
    conf_buf_puts(&j->aout, p->out ? p->out : "");
    if (p->err_len > 0) {
        conf_buf_printf(&j->aerr, "$ %s %s:\n%s%s", j->a->name, st->argv[0], p->err,
                        p->err[p->err_len - 1] == '\n' ? "" : "\n");
    }
}

/* Run every step; false when the case could not be run at all. */
static bool run_steps(struct job *j, struct conf_verify_ctx *ctx, bool *pass)
{
    const struct conf_case *c = j->c;
    char url[160], key[512], tmo[64];
    (void)snprintf(url, sizeof url, "STAGE_API_URL=%s", sm_server_url(j->srv));
    (void)snprintf(key, sizeof key, "STAGE_API_KEY=%s", c->api_key);
    (void)snprintf(tmo, sizeof tmo, "STAGE_API_TIMEOUT=%u", c->api_timeout_s);
    char *env[9] = {url, tmo};
    size_t n_env = 2;
    if (strcmp(c->api_key, "none") != 0) {
        env[n_env++] = key;
    }
    /* HTTPS: the CA under our name and the names curl, Python (requests and
     * ssl) and Node read, so an unmodified client trusts this server */
    static const char *const ca_vars[] = {"STAGE_API_CA", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE",
                                          "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"};
    char ca_env[5][4200];
    const char *ca = sm_server_tls_ca(j->srv);
    for (size_t i = 0; ca != NULL && i < 5; i++) {
        (void)snprintf(ca_env[i], sizeof ca_env[i], "%s=%s", ca_vars[i], ca);
        env[n_env++] = ca_env[i];
    }
    for (size_t s = 0; s < c->n_steps; s++) {
        const struct conf_step *st = &c->steps[s];
        char **args = calloc(st->argc, sizeof *args);
        bool ok = args != NULL;
        for (size_t i = 0; ok && i < st->argc; i++) {
            ok = (args[i] = resolve_arg(j, st->argv[i])) != NULL;
        }
        struct conf_proc p;
        struct sm_error e;
        if (ok && conf_spawn(j->a->cmd, args, st->argc, env, (unsigned)(c->time_limit_s * 1000u),
                             OUTPUT_CAP, &p, &e) != SM_OK) {
            conf_buf_printf(&j->ev, "setup: %s\n", e.message);
            ok = false;
        }
        if (ok) {
            record_step(j, st, args, &p);
            ctx->step_verb = st->argv[0];
            if (!conf_verify_step(st, &p, ctx, &j->ev)) {
                *pass = false;
            }
            conf_proc_cleanup(&p);
        }
        conf_tokens_free(args, st->argc);
        if (!ok) {
            j->res->outcome = CONF_ERROR;
            return false;
        }
    }
    return true;
}

static void collect_stages(struct job *j, struct conf_stage_view *views, struct sm_file_list *lists)
{
    for (size_t i = 0; i < j->c->n_stages; i++) {
        struct sm_error e;
        views[i].stage = j->c->stages[i];
        if (sm_server_get_files(j->srv, j->c->stages[i], &lists[i], &e) != SM_OK) {
            continue;
        }
        views[i].names = calloc(lists[i].n + 1, sizeof *views[i].names);
        views[i].sha = calloc(lists[i].n + 1, sizeof *views[i].sha);
        if (views[i].names == NULL || views[i].sha == NULL) {
            continue;
        }
        for (size_t f = 0; f < lists[i].n; f++) {
            views[i].names[f] = lists[i].files[f].name;
            memcpy(views[i].sha[f], lists[i].files[f].sha256, 65);
        }
        views[i].n = lists[i].n;
    }
}

static void judge(struct job *j, struct conf_verify_ctx *ctx, bool steps_pass)
{
    size_t ns = j->c->n_stages;
    struct conf_stage_view *views = calloc(ns, sizeof *views);
    struct sm_file_list *lists = calloc(ns, sizeof *lists);
    if (views == NULL || lists == NULL) {
        j->res->outcome = CONF_ERROR;
    } else {
        collect_stages(j, views, lists);
        ctx->stages = views;
        ctx->n_stages = ns;
        enum conf_outcome o = conf_verify_expect(j->c, ctx, &j->ev);
        if (!steps_pass) {
            o = CONF_FAIL;
        }
        j->res->outcome = o;
    }
    for (size_t i = 0; views != NULL && lists != NULL && i < ns; i++) {
        free(views[i].names);
        free(views[i].sha);
        sm_file_list_cleanup(&lists[i]);
    }
    free(views);
    free(lists);
}

void conf_job_run(const struct conf_run *run, const struct conf_case *c,
                  const struct conf_adapter *a, uint64_t seed, struct conf_result *res)
{
    struct job j = {.run = run, .c = c, .a = a, .res = res};
    double t0 = now_ms();
    memset(res, 0, sizeof *res);
    res->seed = seed;
    conf_buf_init(&j.ev);
    conf_buf_init(&j.aout);
    conf_buf_init(&j.aerr);
    size_t ai = (size_t)(a - run->adapters);
    (void)snprintf(j.dir, sizeof j.dir, "%s/%s.%zu", run->work_dir, c->id, ai);
    (void)snprintf(j.in, sizeof j.in, "%s/in", j.dir);
    (void)snprintf(j.out, sizeof j.out, "%s/out", j.dir);
    (void)smx_tree_remove(j.dir);
    if (mkdir(j.dir, 0755) != 0 || mkdir(j.in, 0755) != 0 || mkdir(j.out, 0755) != 0) {
        conf_buf_printf(&j.ev, "setup: cannot make %s: %s\n", j.dir, strerror(errno));
        res->outcome = CONF_ERROR;
    } else if (setup_server(&j, seed)) {
        struct conf_verify_ctx ctx = {
            .fixtures_dir = run->fixtures_dir, .out_dir = j.out, .api_key = c->api_key};
        bool pass = true;
        bool ran = run_steps(&j, &ctx, &pass);
        sm_server_stop(j.srv); /* requests in flight finish: the journal is whole */
        res->journal = sm_server_journal_json(j.srv);
        if (ran) {
            ctx.journal_json = res->journal;
            judge(&j, &ctx, pass);
        }
    }
    if (j.srv != NULL) {
        if (res->journal == NULL) {
            res->journal = sm_server_journal_json(j.srv);
        }
        if (c->scenario != NULL || c->n_faults > 0) {
            res->schedule = sm_server_list_rules(j.srv);
            res->scenario_report = sm_server_scenario_report(j.srv);
        }
        sm_server_free(j.srv);
    }
    if (!run->keep_work) {
        (void)smx_tree_remove(j.dir);
    }
    res->evidence = res->outcome == CONF_PASS ? NULL : conf_buf_take(&j.ev);
    conf_buf_cleanup(&j.ev);
    res->adapter_out = conf_buf_take(&j.aout);
    res->adapter_err = conf_buf_take(&j.aerr);
    res->ms = now_ms() - t0;
}
