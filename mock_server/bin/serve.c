/*
 * serve.c - `stagemock serve`: the mock stage server as a program.
 *
 * What: flags for address, stages and keys, profile, data dir, seed, upload
 * limit, validation depth and request logging; with no stage or key given it
 * serves one demo stage and key and prints the URL, the key and a curl line
 * that uploads a real parquet file it writes for the purpose. SIGINT and
 * SIGTERM stop it cleanly: the listener closes, idle keep-alive connections
 * close at once and requests in flight get the stop grace (--stop-grace).
 * A bind to a non-loopback address is warned about in the banner. --tls
 * serves HTTPS with a generated certificate and prints where its CA is;
 * --tls-cert/--tls-key serve a given one.
 * Design: parse flags into struct sm_server_config, build the server through
 * the public API only (what an embedding test does), then wait on signals.
 * Not here: anything the library does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/sm_file.h"
#include "../../common/sm_parse.h"
#include "commands.h"
#include "stagemock/fixtures.h"
#include "stagemock/har.h"
#include "stagemock/scenario.h"
#include "stagemock/server.h"

#define MAX_LIST 64

struct serve_opts {
    struct sm_server_config cfg;
    const char *stages[MAX_LIST];
    size_t n_stages;
    const char *keys[MAX_LIST];
    size_t n_keys;
    const char *profile;
    const char *scenario;
    const char *faults[MAX_LIST];
    size_t n_faults;
    const char *har; /* --har FILE: the journal as HAR, written at stop */
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: stagemock serve [options]\n"
            "  --host ADDR         bind address (default 127.0.0.1; ::1 for IPv6)\n"
            "  --port N            port (default 0: any free port; the URL is printed)\n"
            "  --stage NAME        add a stage (repeatable)\n"
            "  --key KEY           add an API key that sees every stage (repeatable)\n"
            "  --profile FILE      override our defaults (docs/PROFILE.md)\n"
            "  --data-dir DIR      persist stages crash-safely in DIR (default: memory)\n"
            "  --seed N            deterministic file ids\n"
            "  --max-upload BYTES  upload size limit (default 1 GiB; 413 above)\n"
            "  --validate footer|deep  page-level checks or footer only (default deep)\n"
            "  --admin-token T     allow the admin API from anywhere with this token\n"
            "  --journal-max N     journal entries kept (default 10000; older ones dropped)\n"
            "  --log json|text     one line per request on stdout\n"
            "  --tls               serve HTTPS with a generated CA and certificate for\n"
            "                      localhost, 127.0.0.1 and ::1; the CA file is printed\n"
            "  --tls-cert FILE     serve HTTPS with this PEM certificate (chain) ...\n"
            "  --tls-key FILE      ... and this PEM private key (both needed)\n"
            "  --max-connections N        at most N connections (default 512)\n"
            "  --max-connections-per-ip N at most N from one address (default 256)\n"
            "  --head-timeout S    request line + headers within S s of their first byte\n"
            "                      (default 10; 408 after)\n"
            "  --min-body-rate B   bytes/s a body must average after the first S s\n"
            "                      (default 1024; 408 below)\n"
            "  --stop-grace MS     on SIGINT/SIGTERM, requests in flight get MS ms\n"
            "                      (default 3000); idle connections close at once\n"
            "  --scenario FILE     scripted responses and faults (docs/SCENARIOS.md)\n"
            "  --fault SPEC        one fault rule, e.g. 'upload:nth=2:status=503:retry-after=1'\n"
            "                      (repeatable; added after the scenario's rules)\n"
            "  --har FILE          keep headers and bodies; at stop write the journal to FILE\n"
            "                      as HAR 1.2 (also at GET /_stagemock/har)\n"
            "  --har-body-max B    bytes of each body kept for HAR (default 65536)\n"
            "With no --stage and no --key: one demo stage and key, printed at start.\n");
}

/* The connection flags: a positive count up to max each. True when a is one
 * of them (then *ok says whether its value was good). */
static bool conn_flag(struct sm_server_config *cfg, const char *a, const char *v, bool *ok)
{
    const struct {
        const char *name;
        unsigned *dst;
        uint64_t max;
    } flags[] = {
        {"--max-connections", &cfg->max_connections, 65536},
        {"--max-connections-per-ip", &cfg->max_connections_per_ip, 65536},
        {"--head-timeout", &cfg->head_timeout_s, 86400},
        {"--min-body-rate", &cfg->min_body_rate, 1000000000},
        {"--stop-grace", &cfg->stop_grace_ms, 3600000},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strcmp(a, flags[i].name) == 0) {
            uint64_t n = 0;
            *ok = smx_parse_u64(v, UINT64_MAX, &n) && n > 0 && n <= flags[i].max;
            if (*ok) {
                *flags[i].dst = (unsigned)n;
            }
            return true;
        }
    }
    return false;
}

/* The flags that take any text, or append to a list. True when a is one of
 * them (then *ok says whether there was room). */
static bool text_flag(struct serve_opts *o, const char *a, const char *v, bool *ok)
{
    const struct {
        const char *name;
        const char **dst;
    } texts[] = {
        {"--host", &o->cfg.host},
        {"--scenario", &o->scenario},
        {"--profile", &o->profile},
        {"--data-dir", &o->cfg.data_dir},
        {"--admin-token", &o->cfg.admin_token},
        {"--tls-cert", &o->cfg.tls_cert},
        {"--tls-key", &o->cfg.tls_key},
        {"--har", &o->har},
    };
    const struct {
        const char *name;
        const char **list;
        size_t *n;
    } lists[] = {
        {"--stage", o->stages, &o->n_stages},
        {"--key", o->keys, &o->n_keys},
        {"--fault", o->faults, &o->n_faults},
    };
    *ok = true;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (strcmp(a, texts[i].name) == 0) {
            *texts[i].dst = v;
            return true;
        }
    }
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        if (strcmp(a, lists[i].name) == 0) {
            *ok = *lists[i].n < MAX_LIST;
            if (*ok) {
                lists[i].list[(*lists[i].n)++] = v;
            }
            return true;
        }
    }
    return false;
}

/* 1 when v is yes, 0 when it is no, -1 otherwise. */
static int one_of(const char *v, const char *yes, const char *no)
{
    return strcmp(v, yes) == 0 ? 1 : strcmp(v, no) == 0 ? 0 : -1;
}

/* The flags whose value is checked: true when v was good for a. */
static bool value_flag(struct sm_server_config *cfg, const char *a, const char *v)
{
    uint64_t n = 0;
    if (strcmp(a, "--validate") == 0) {
        int deep = one_of(v, "deep", "footer");
        cfg->validate_deep = deep == 1;
        return deep >= 0;
    }
    if (strcmp(a, "--log") == 0) {
        int json = one_of(v, "json", "text");
        cfg->log_format = json == 1 ? SM_LOG_JSON : SM_LOG_TEXT;
        return json >= 0;
    }
    if (!smx_parse_u64(v, UINT64_MAX, &n)) {
        return false;
    }
    if (strcmp(a, "--port") == 0 && n <= 65535) {
        cfg->port = (uint16_t)n;
    } else if (strcmp(a, "--seed") == 0) {
        cfg->seeded = true;
        cfg->seed = n;
    } else if (strcmp(a, "--max-upload") == 0 && n > 0) {
        cfg->max_upload = n;
    } else if (strcmp(a, "--journal-max") == 0 && n > 0 && n <= SIZE_MAX / 1024) {
        cfg->journal_max = (size_t)n;
    } else if (strcmp(a, "--har-body-max") == 0 && n > 0 && n <= SM_HAR_BUDGET / 4) {
        cfg->har_body_max = (size_t)n;
    } else {
        return false;
    }
    return true;
}

/* --tls-cert and --tls-key go together. */
static bool tls_pair_ok(const struct sm_server_config *cfg, FILE *err)
{
    if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
        fprintf(err, "stagemock serve: %s needs %s too\n",
                cfg->tls_cert ? "--tls-cert" : "--tls-key",
                cfg->tls_cert ? "--tls-key" : "--tls-cert");
        return false;
    }
    return true;
}

/* Returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, struct serve_opts *o, FILE *err)
{
    sm_server_config_init(&o->cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            return 0;
        }
        if (strcmp(a, "--tls") == 0) { /* the one flag without a value */
            o->cfg.tls = true;
            continue;
        }
        if (v == NULL) {
            fprintf(err, "stagemock serve: unknown option or missing value: '%s'\n", a);
            return 2;
        }
        i++;
        bool ok = false;
        if (conn_flag(&o->cfg, a, v, &ok)) {
            if (!ok) {
                fprintf(err, "stagemock serve: bad value for %s: '%s' (a positive count)\n", a, v);
                return 2;
            }
        } else if (text_flag(o, a, v, &ok) ? !ok : !value_flag(&o->cfg, a, v)) {
            fprintf(err, "stagemock serve: bad option or value: '%s %s'\n", a, v);
            return 2;
        }
    }
    o->cfg.har = o->har != NULL; /* --har FILE: keep headers and bodies */
    return -1;
}

static void log_line(void *cls, const char *line)
{
    FILE *out = cls;
    fprintf(out, "%s\n", line);
    fflush(out);
}

/* Write a small valid parquet file for the printed curl line. */
static bool write_demo_file(char *path, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    (void)snprintf(path, size, "%s/stagemock-demo-%ld.parquet", tmp && tmp[0] ? tmp : "/tmp",
                   (long)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return false;
    }
    struct sm_error e;
    bool ok = pqw_demo_write_fd(fd, &e) == SM_OK;
    close(fd);
    return ok;
}

static int setup(struct sm_server *srv, struct serve_opts *o, bool demo, FILE *err)
{
    struct sm_error e;
    for (size_t i = 0; i < o->n_stages; i++) {
        if (sm_server_add_stage(srv, o->stages[i], &e) != SM_OK) {
            fprintf(err, "stagemock serve: --stage %s: %s\n", o->stages[i], e.message);
            return 2;
        }
    }
    for (size_t i = 0; i < o->n_keys; i++) {
        if (sm_server_add_key(srv, o->keys[i], NULL, 0, &e) != SM_OK) {
            fprintf(err, "stagemock serve: --key: %s\n", e.message);
            return 2;
        }
    }
    if (demo && (sm_server_add_stage(srv, "demo", &e) != SM_OK ||
                 sm_server_add_key(srv, "demo-key", NULL, 0, &e) != SM_OK)) {
        fprintf(err, "stagemock serve: %s\n", e.message);
        return 1;
    }
    if (o->profile != NULL) {
        size_t len = 0;
        char *text = smx_file_read(o->profile, (size_t)16 << 20, &len, NULL);
        if (text == NULL) {
            fprintf(err, "stagemock serve: cannot read profile %s: %s\n", o->profile,
                    strerror(errno));
            return 2;
        }
        enum sm_code rc = sm_server_load_profile(srv, text, len, &e);
        free(text);
        if (rc != SM_OK) {
            fprintf(err, "stagemock serve: %s: %s\n", o->profile, e.message);
            return 2;
        }
    }
    if (o->scenario != NULL && sm_server_load_scenario_file(srv, o->scenario, &e) != SM_OK) {
        fprintf(err, "stagemock serve: --scenario %s\n", e.message);
        return 2;
    }
    for (size_t i = 0; i < o->n_faults; i++) {
        if (sm_server_add_fault(srv, o->faults[i], &e) != SM_OK) {
            fprintf(err, "stagemock serve: %s\n", e.message);
            return 2;
        }
    }
    return -1;
}

/* On exit: rules that never fired and requests that matched none. */
static void print_scenario_report(struct sm_server *srv, FILE *out)
{
    char *rep = sm_server_scenario_report(srv);
    if (rep != NULL) {
        fprintf(out, "stagemock: scenario report %s\n", rep);
        fflush(out);
    }
    sm_free(rep);
}

/* --har FILE: the journal as HAR, written atomically. */
static int write_har(struct sm_server *srv, const char *path, FILE *out, FILE *err)
{
    char *text = sm_server_har_json(srv);
    if (text == NULL) {
        fprintf(err, "stagemock serve: --har %s: out of memory rendering the HAR\n", path);
        return 1;
    }
    bool ok = srv_write_file_atomic(path, text, strlen(text));
    if (ok) {
        fprintf(out, "stagemock: HAR written to %s\n", path);
    } else {
        fprintf(err, "stagemock serve: --har %s: cannot write it: %s\n", path, strerror(errno));
    }
    sm_free(text);
    return ok ? 0 : 1;
}

/* 127.0.0.0/8, ::1, localhost: reachable from this machine only. */
static bool loopback_host(const char *host)
{
    if (host == NULL || strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0) {
        return true;
    }
    struct in_addr a;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static void print_banner(struct sm_server *srv, const struct serve_opts *o, bool demo, FILE *out)
{
    fprintf(out, "stagemock serving at %s\n", sm_server_url(srv));
    const char *ca = sm_server_tls_ca(srv);
    if (ca != NULL) {
        fprintf(out,
                "TLS: a generated certificate for localhost, 127.0.0.1 and ::1; trust the CA "
                "at %s (removed at stop)\n",
                ca);
    } else if (o->cfg.tls_cert != NULL) {
        fprintf(out, "TLS: certificate %s\n", o->cfg.tls_cert);
    }
    if (!loopback_host(o->cfg.host)) {
        fprintf(out,
                "WARNING: bound to %s, not a loopback address: other machines can reach this "
                "mock%s\n",
                o->cfg.host,
                o->cfg.admin_token ? ""
                                   : " (the admin API still answers loopback clients only; "
                                     "--admin-token opens it to others)");
    }
    if (!demo) {
        fprintf(out, "stages: %zu, keys: %zu%s\n", o->n_stages, o->n_keys,
                o->cfg.data_dir ? ", persisted in the data dir" : "");
        fflush(out);
        return;
    }
    char demo_path[4096];
    bool have = write_demo_file(demo_path, sizeof demo_path);
    /* curl lines that work as printed: with the CA when it is ours */
    char cacert[4200] = "";
    if (ca != NULL) {
        (void)snprintf(cacert, sizeof cacert, " --cacert %s", ca);
    }
    fprintf(out, "stage: demo\nkey:   demo-key\n\nTry it:\n");
    fprintf(out,
            "  curl -sS%s -H 'Authorization: Key demo-key' -F stage_id=demo -F "
            "'file=@%s;filename=demo.parquet' %s/upload-to-stage\n",
            cacert, have ? demo_path : "YOUR_FILE.parquet", sm_server_url(srv));
    fprintf(out,
            "  curl -sS%s -H 'Authorization: Key demo-key' -d stage_id=demo "
            "%s/list-stage-files\n",
            cacert, sm_server_url(srv));
    fprintf(out,
            "  curl -sS%s -H 'Authorization: Key demo-key' -d stage_id=demo -d "
            "file_name=demo.parquet -o demo-copy.parquet %s/download-from-stage\n",
            cacert, sm_server_url(srv));
    fprintf(out, "Press Ctrl-C to stop.\n");
    fflush(out);
}

int srv_serve_main(int argc, char **argv, FILE *out, FILE *err)
{
    struct serve_opts o = {0};
    int st = parse_args(argc, argv, &o, err);
    if (st < 0 && !tls_pair_ok(&o.cfg, err)) {
        st = 2;
    }
    if (st >= 0) {
        usage(st == 0 ? out : err);
        return st;
    }
    bool demo = o.n_stages == 0 && o.n_keys == 0 && o.cfg.data_dir == NULL;
    if (o.cfg.log_format != SM_LOG_NONE) {
        o.cfg.log = log_line;
        o.cfg.log_cls = out;
    }
    /* Block the stop signals in every thread; this one waits for them. */
    sigset_t stop;
    srv_stop_signals_block(&stop);

    struct sm_server *srv = NULL;
    struct sm_error e;
    if (sm_server_new(&o.cfg, &srv, &e) != SM_OK) {
        fprintf(err, "stagemock serve: %s\n", e.message);
        return 1;
    }
    st = setup(srv, &o, demo, err);
    if (st < 0 && sm_server_start(srv, &e) != SM_OK) {
        fprintf(err, "stagemock serve: %s\n", e.message);
        st = 1;
    }
    if (st >= 0) {
        sm_server_free(srv);
        return st;
    }
    print_banner(srv, &o, demo, out);
    int sig = srv_stop_signals_wait(&stop);
    fprintf(out,
            "stagemock: %s, stopping (idle connections close now, requests in flight get up "
            "to %u ms)\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM",
            o.cfg.stop_grace_ms ? o.cfg.stop_grace_ms : 3000u);
    fflush(out);
    sm_server_stop(srv);
    print_scenario_report(srv, out);
    int rc = o.har != NULL ? write_har(srv, o.har, out, err) : 0;
    sm_server_free(srv);
    return rc;
}
