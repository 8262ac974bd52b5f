/*
 * conform_main.c - `stagemock conform`: the command line of the conformance
 * runner (docs/CONFORMANCE.md).
 *
 * What: read the options, load and filter the cases (from --cases,
 * $STAGEMOCK_CASES, $STAGEMOCK_DATADIR/cases or the program's compiled-in
 * dir; docs/INSTALL.md), write the fixtures, run every case against every
 * adapter (run.c), apply a baseline, print the terminal summary, write the
 * requested reports and the run artifact, and return the exit status: 0
 * every counted case passed, 1 one failed, 2 usage or setup errors.
 * `--tls` runs every case over HTTPS (job.c hands the adapter the CA).
 * `--list` prints the cases; `--replay ARTIFACT --case ID` re-runs one case
 * with the artifact's seed (so the same faults fire) and one adapter under
 * its recorded name: the first that failed, or the one --adapter names.
 * Design: conf_main(argc, argv, out, err, cases_dir) so tests drive it with
 * memory streams; everything it allocates hangs off struct conf_run.
 * Not here: running (run.c, job.c), judging (verify.c), reports (report_*.c).
 */
#include "stagemock/conform.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../common/sm_file.h"
#include "../../common/sm_opt.h"
#include "../../common/sm_parse.h"
#include "report.h"
#include "run.h"

#define MAX_OPT_LIST 64

struct opts {
    const char *adapters[MAX_OPT_LIST];
    size_t n_adapters;
    const char *rules[MAX_OPT_LIST];
    size_t n_rules;
    const char *globs[MAX_OPT_LIST];
    size_t n_globs;
    const char *default_cases; /* the program's compiled-in cases dir, or NULL */
    const char *cases_dir, *fixtures, *junit, *tap, *json, *html, *baseline, *artifact, *replay,
        *work_dir;
    bool list, strict, keep, verbose, seed_given, tls;
    int color; /* -1 auto, 0 never, 1 always */
    unsigned jobs;
    uint64_t seed;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: stagemock conform --adapter CMD [options]\n"
               "  --adapter CMD      the client to test, run as CMD upload|download|list ...\n"
               "                     (docs/ADAPTER.md); NAME=CMD names it; repeat for a matrix\n"
               "  --rule ID          only cases of this rule (repeatable)\n"
               "  --case GLOB        only cases whose id matches (repeatable)\n"
               "  --list             list the cases and exit\n"
               "  -j, --jobs N       cases in parallel (default: the core count)\n"
               "  --strict           SHOULD failures fail the run too\n"
               "  --tls              every case over HTTPS; the adapter gets the CA in\n"
               "                     STAGE_API_CA (and CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE,\n"
               "                     SSL_CERT_FILE, NODE_EXTRA_CA_CERTS)\n"
               "  --junit FILE       JUnit XML report      --tap FILE   TAP report\n"
               "  --json FILE        JSON report (docs/CONFORMANCE.md)\n"
               "  --html FILE        self-contained HTML report\n"
               "  --baseline FILE    a --json report: fail only on cases that passed in it\n"
               "  --seed N           run seed (default: random; printed, and in the artifact)\n"
               "  --artifact FILE    where the run artifact goes (default:\n"
               "                     stagemock-conform-artifact.json; '-' for none)\n"
               "  --replay FILE      re-run --case ID with the seed and adapter of an artifact\n"
               "  --cases DIR        case files (default: $STAGEMOCK_CASES, else\n"
               "                     $STAGEMOCK_DATADIR/cases, else the installed ones)\n"
               "  --fixtures DIR     fixtures to use (default: written fresh for the run)\n"
               "  --work-dir DIR     scratch space (default: a new dir in $TMPDIR)\n"
               "  --keep             keep the work dir (uploaded and downloaded files)\n"
               "  -v, --verbose      journal lines and all evidence in the summary\n"
               "  --color auto|always|never\n"
               "Exit status: 0 every MUST case passed, 1 one failed, 2 usage or setup error.\n");
}

static bool push(const char **arr, size_t *n, const char *v)
{
    if (*n == MAX_OPT_LIST) {
        return false;
    }
    arr[(*n)++] = v;
    return true;
}

/* An option without a value; false when a is not one. */
static bool parse_flag(const char *a, struct opts *o)
{
    const struct smx_opt_flag flags[] = {
        {"--list", &o->list}, {"--strict", &o->strict}, {"--keep", &o->keep},
        {"--tls", &o->tls},   {"-v", &o->verbose},      {"--verbose", &o->verbose},
    };
    return smx_opt_flag_set(flags, sizeof flags / sizeof flags[0], a);
}

/* A file-valued option; false when a is not one. */
static bool parse_path(const char *a, const char *v, struct opts *o)
{
    const struct smx_opt_str paths[] = {
        {"--junit", &o->junit},       {"--tap", &o->tap},           {"--json", &o->json},
        {"--html", &o->html},         {"--baseline", &o->baseline}, {"--artifact", &o->artifact},
        {"--replay", &o->replay},     {"--cases", &o->cases_dir},   {"--fixtures", &o->fixtures},
        {"--work-dir", &o->work_dir},
    };
    return smx_opt_str_set(paths, sizeof paths / sizeof paths[0], a, v);
}

/* An option with value v: 1 taken, 0 bad value, -1 unknown option. */
static int parse_valued(const char *a, const char *v, struct opts *o)
{
    uint64_t n = 0;
    if (strcmp(a, "--adapter") == 0) {
        return push(o->adapters, &o->n_adapters, v);
    }
    if (strcmp(a, "--rule") == 0) {
        return push(o->rules, &o->n_rules, v);
    }
    if (strcmp(a, "--case") == 0) {
        return push(o->globs, &o->n_globs, v);
    }
    if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
        bool ok = smx_parse_u64(v, UINT64_MAX, &n) && n >= 1 && n <= 256;
        o->jobs = (unsigned)n;
        return ok;
    }
    if (strcmp(a, "--seed") == 0) {
        o->seed_given = true;
        return smx_parse_u64(v, UINT64_MAX, &o->seed);
    }
    if (strcmp(a, "--color") == 0) {
        o->color = strcmp(v, "always") == 0 ? 1 : strcmp(v, "never") == 0 ? 0 : -1;
        return o->color != -1 || strcmp(v, "auto") == 0;
    }
    return parse_path(a, v, o) ? 1 : -1;
}

/* Returns -1 to go on, -2 for --help, else an exit status. */
static int parse_args(int argc, char **argv, struct opts *o, FILE *err)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = cores > 0 ? (unsigned)cores : 1;
    o->color = -1;
    o->artifact = "stagemock-conform-artifact.json";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            return -2;
        }
        if (parse_flag(a, o)) {
            continue;
        }
        int r = v != NULL ? parse_valued(a, v, o) : -1;
        if (r < 0) {
            fprintf(err, "stagemock conform: unknown option or missing value: %s\n", a);
            return 2;
        }
        if (r == 0) {
            fprintf(err, "stagemock conform: bad value for %s: '%s'\n", a, v);
            return 2;
        }
        i++;
    }
    return -1;
}

/* The cases directory, first found: --cases, $STAGEMOCK_CASES,
 * $STAGEMOCK_DATADIR/cases, the compiled-in dir (the source tree's for a
 * build-tree stagemock, $(PREFIX)/share/stagemock/cases for an installed
 * one). NULL when none is set; *from says which one was used. */
static const char *find_cases_dir(const struct opts *o, char *buf, size_t cap, const char **from)
{
    if (o->cases_dir != NULL) {
        *from = "--cases";
        return o->cases_dir;
    }
    const char *env = getenv("STAGEMOCK_CASES");
    if (env != NULL && env[0] != '\0') {
        *from = "STAGEMOCK_CASES";
        return env;
    }
    env = getenv("STAGEMOCK_DATADIR");
    if (env != NULL && env[0] != '\0') {
        int k = snprintf(buf, cap, "%s/cases", env);
        *from = "STAGEMOCK_DATADIR";
        return k > 0 && (size_t)k < cap ? buf : NULL;
    }
    *from = "the compiled-in data dir";
    return o->default_cases != NULL && o->default_cases[0] != '\0' ? o->default_cases : NULL;
}

static bool selected(const struct opts *o, const struct conf_case *c)
{
    bool rule_ok = o->n_rules == 0, case_ok = o->n_globs == 0;
    for (size_t i = 0; i < o->n_rules; i++) {
        rule_ok = rule_ok || strcmp(o->rules[i], c->rule) == 0;
    }
    for (size_t i = 0; i < o->n_globs; i++) {
        case_ok = case_ok || fnmatch(o->globs[i], c->id, 0) == 0;
    }
    return rule_ok && case_ok;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int case_file(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 5 && strcmp(d->d_name + n - 5, ".case") == 0;
}

static int load_cases(const struct opts *o, struct conf_run *run, FILE *err)
{
    char buf[2200];
    const char *from = NULL;
    const char *dir = find_cases_dir(o, buf, sizeof buf, &from);
    struct dirent **names = NULL;
    int n = dir != NULL ? scandir(dir, &names, case_file, by_name) : -1;
    if (n < 0) {
        fprintf(err, "stagemock conform: no conformance cases: %s%s%s (from %s)\n",
                dir ? dir : "none given", dir ? ": " : "", dir ? strerror(errno) : "", from);
        fprintf(err, "stagemock conform: name the case directory with --cases DIR, or set "
                     "STAGEMOCK_DATADIR to the data dir holding cases/ (STAGEMOCK_CASES to the "
                     "cases dir itself)\n");
        return 2;
    }
    if (n == 0) {
        free(names);
        fprintf(err,
                "stagemock conform: no *.case file in %s (from %s); name the case "
                "directory with --cases DIR or set STAGEMOCK_DATADIR\n",
                dir, from);
        return 2;
    }
    int rc = -1;
    run->cases = calloc((size_t)n + 1, sizeof(struct conf_case *));
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct conf_case *c = NULL;
        struct sm_error e;
        (void)snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (rc == -1 && run->cases != NULL && conf_case_load(path, &c, &e) != SM_OK) {
            fprintf(err, "stagemock conform: %s\n", e.message);
            rc = 2;
        }
        for (size_t k = 0; c != NULL && k < run->n_cases; k++) {
            if (strcmp(run->cases[k]->id, c->id) == 0) {
                fprintf(err, "stagemock conform: %s: id %s already used by %s\n", path, c->id,
                        run->cases[k]->path);
                rc = 2;
            }
        }
        if (c != NULL && rc == -1 && selected(o, c)) {
            run->cases[run->n_cases++] = c;
        } else {
            conf_case_free(c);
        }
        free(names[i]);
    }
    free(names);
    if (run->cases == NULL) {
        fprintf(err, "stagemock conform: out of memory\n");
        return 2;
    }
    if (rc == -1 && run->n_cases == 0) {
        fprintf(err, "stagemock conform: no case in %s matches the --rule/--case given\n", dir);
        rc = 2;
    }
    return rc;
}

static bool add_adapter(struct conf_run *run, const char *spec)
{
    struct conf_adapter *a = &run->adapters[run->n_adapters];
    const char *eq = strchr(spec, '=');
    size_t nl = eq ? (size_t)(eq - spec) : 0;
    bool named = eq != NULL && nl > 0 && strcspn(spec, " \t/\"'") > nl;
    if (named) {
        a->name = strndup(spec, nl);
        a->cmd = strdup(eq + 1);
    } else {
        size_t first = strcspn(spec, " \t");
        char *word = strndup(spec, first);
        const char *base = word ? strrchr(word, '/') : NULL;
        a->name = word ? strdup(base ? base + 1 : word) : NULL;
        free(word);
        a->cmd = strdup(spec);
    }
    run->n_adapters++;
    return a->name != NULL && a->cmd != NULL;
}

static void list_cases(const struct conf_run *run, FILE *out)
{
    for (size_t i = 0; i < run->n_cases; i++) {
        const struct conf_case *c = run->cases[i];
        fprintf(out, "%-26s %-6s %-22s %s\n", c->id, conf_level_name(c->level), c->rule, c->title);
    }
    fprintf(out, "%zu cases\n", run->n_cases);
}

static int prepare_dirs(const struct opts *o, struct conf_run *run, FILE *err)
{
    if (o->work_dir != NULL) {
        if (mkdir(o->work_dir, 0755) != 0 && errno != EEXIST) {
            fprintf(err, "stagemock conform: %s: %s\n", o->work_dir, strerror(errno));
            return 2;
        }
        run->work_dir = strdup(o->work_dir);
    } else {
        const char *tmp = getenv("TMPDIR");
        char tmpl[1024];
        (void)snprintf(tmpl, sizeof tmpl, "%s/stagemock-conform-XXXXXX",
                       tmp && tmp[0] ? tmp : "/tmp");
        if (mkdtemp(tmpl) == NULL) {
            fprintf(err, "stagemock conform: %s: %s\n", tmpl, strerror(errno));
            return 2;
        }
        run->work_dir = strdup(tmpl);
    }
    if (o->fixtures != NULL) {
        run->fixtures_dir = strdup(o->fixtures);
        return run->work_dir && run->fixtures_dir ? -1 : 2;
    }
    char fx[2048];
    (void)snprintf(fx, sizeof fx, "%s/fixtures", run->work_dir ? run->work_dir : ".");
    run->fixtures_dir = strdup(fx);
    struct sm_error e;
    if (run->work_dir == NULL || run->fixtures_dir == NULL ||
        conf_fixtures_write(run->fixtures_dir, &e) != SM_OK) {
        fprintf(err, "stagemock conform: fixtures: %s\n", run->work_dir ? e.message : "no memory");
        return 2;
    }
    return -1;
}

static int write_reports(const struct opts *o, const struct conf_run *run, FILE *err)
{
    struct sm_error e;
    int rc = -1;
    if (o->junit != NULL && conf_report_junit(run, o->junit, &e) != SM_OK) {
        fprintf(err, "stagemock conform: --junit: %s\n", e.message), rc = 2;
    }
    if (o->tap != NULL && conf_report_tap(run, o->tap, &e) != SM_OK) {
        fprintf(err, "stagemock conform: --tap: %s\n", e.message), rc = 2;
    }
    if (o->json != NULL && conf_report_json(run, o->json, &e) != SM_OK) {
        fprintf(err, "stagemock conform: --json: %s\n", e.message), rc = 2;
    }
    if (o->html != NULL && conf_report_html(run, o->html, &e) != SM_OK) {
        fprintf(err, "stagemock conform: --html: %s\n", e.message), rc = 2;
    }
    if (strcmp(o->artifact, "-") != 0 && conf_artifact_write(run, o->artifact, &e) != SM_OK) {
        fprintf(err, "stagemock conform: %s\n", e.message), rc = 2;
    }
    return rc;
}

static uint64_t fresh_seed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t s = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 16;
    return s % 1000000000u;
}

/* --replay: the seed, and the adapter (the one --adapter names, else the
 * artifact's first that failed the case) under its recorded name and command;
 * *spec holds "NAME=CMD" for o->adapters[0]. */
static int setup_replay(struct opts *o, struct conf_replay *rp, char **spec, FILE *err)
{
    if (o->n_globs != 1) {
        fprintf(err, "stagemock conform: --replay needs exactly one --case ID\n");
        return 2;
    }
    if (o->n_adapters > 1) {
        fprintf(err, "stagemock conform: --replay replays one adapter; give --adapter once\n");
        return 2;
    }
    struct sm_error e;
    if (conf_artifact_read(o->replay, o->globs[0], o->n_adapters ? o->adapters[0] : NULL, rp, &e) !=
        SM_OK) {
        fprintf(err, "stagemock conform: --replay: %s\n", e.message);
        return 2;
    }
    o->seed = rp->seed;
    o->seed_given = true;
    size_t n = strlen(rp->adapter) + strlen(rp->cmd) + 2;
    if ((*spec = malloc(n)) == NULL) {
        fprintf(err, "stagemock conform: out of memory\n");
        return 2;
    }
    /* a name add_adapter would not read back as one: the command alone */
    bool plain = rp->adapter[0] == '\0' || strpbrk(rp->adapter, "= \t/\"'") != NULL;
    (void)snprintf(*spec, n, "%s%s%s", plain ? "" : rp->adapter, plain ? "" : "=", rp->cmd);
    o->adapters[0] = *spec;
    o->n_adapters = 1;
    return -1;
}

/* The replay's verdict beside the artifact's, naming the adapter. */
static void replay_line(const struct conf_run *run, const struct conf_replay *rp, FILE *out)
{
    fprintf(out, "replay of %s (seed %llu, adapter %s): %s; the artifact recorded %s\n",
            run->cases[0]->id, (unsigned long long)run->seed, rp->adapter,
            conf_outcome_name(run->results[0].outcome), rp->outcome);
    if (rp->failed != NULL && rp->adapter != NULL && rp->failed[0] != '\0' &&
        strcmp(rp->failed, rp->adapter) != 0) {
        fprintf(out, "in the artifact %s failed with: %s (replay another with --adapter NAME)\n",
                run->cases[0]->id, rp->failed);
    }
}

static int run_all(struct opts *o, struct conf_run *run, FILE *out, FILE *err)
{
    int rc = load_cases(o, run, err);
    if (rc != -1) {
        return rc;
    }
    if (o->list) {
        list_cases(run, out);
        return 0;
    }
    if (o->n_adapters == 0) {
        fprintf(err, "stagemock conform: give the client to test with --adapter CMD\n");
        return 2;
    }
    run->adapters = calloc(o->n_adapters, sizeof *run->adapters);
    for (size_t i = 0; run->adapters != NULL && i < o->n_adapters; i++) {
        if (!add_adapter(run, o->adapters[i])) {
            return 2;
        }
    }
    if (run->adapters == NULL || prepare_dirs(o, run, err) != -1) {
        return 2;
    }
    run->seed = o->seed_given ? o->seed : fresh_seed();
    run->strict = o->strict;
    run->tls = o->tls;
    run->jobs = o->jobs;
    run->keep_work = o->keep;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(run->started, sizeof run->started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct sm_error e;
    if (conf_run_execute(run, &e) != SM_OK) {
        fprintf(err, "stagemock conform: %s\n", e.message);
        return 2;
    }
    if (o->baseline != NULL && conf_baseline_apply(run, o->baseline, &e) != SM_OK) {
        fprintf(err, "stagemock conform: %s\n", e.message);
        return 2;
    }
    conf_run_tally(run);
    bool color = o->color == 1 || (o->color == -1 && out == stdout && isatty(fileno(out)) &&
                                   getenv("NO_COLOR") == NULL);
    if (run->tls) {
        fprintf(out, "over HTTPS: each case's server had its own generated CA, handed to the "
                     "adapter as STAGE_API_CA\n");
    }
    conf_report_term(run, out, color, o->verbose);
    rc = write_reports(o, run, err);
    if (!o->keep) {
        (void)smx_tree_remove(run->work_dir);
    } else {
        fprintf(out, "work dir kept: %s\n", run->work_dir);
    }
    return rc != -1 ? rc : conf_run_exit_status(run);
}

int conf_main(int argc, char **argv, FILE *out, FILE *err, const char *cases_dir)
{
    struct opts o = {0};
    o.default_cases = cases_dir;
    int rc = parse_args(argc, argv, &o, err);
    if (rc == -2) {
        usage(out);
        return 0;
    }
    if (rc != -1) {
        usage(err);
        return rc;
    }
    struct conf_replay rp = {0};
    char *replay_spec = NULL;
    if (o.replay != NULL && strcmp(o.artifact, "stagemock-conform-artifact.json") == 0) {
        o.artifact = "-"; /* a replay never overwrites the artifact it came from */
    }
    if (o.replay != NULL && (rc = setup_replay(&o, &rp, &replay_spec, err)) != -1) {
        conf_replay_cleanup(&rp);
        free(replay_spec);
        return rc;
    }
    struct conf_run run = {0};
    rc = run_all(&o, &run, out, err);
    if (o.replay != NULL && run.results != NULL && run.n_cases == 1) {
        replay_line(&run, &rp, out);
    }
    conf_run_cleanup(&run);
    conf_replay_cleanup(&rp);
    free(replay_spec);
    return rc;
}
