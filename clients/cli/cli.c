/*
 * cli.c - stagectl: upload, download and list stage files from the command
 * line, speaking the adapter protocol natively with --json.
 *
 *   stagectl [OPTIONS] upload --stage S FILE...
 *   stagectl [OPTIONS] download --stage S --name N [--out PATH]
 *   stagectl [OPTIONS] list --stage S
 *
 * How: options may come before or after the command; STAGE_API_URL,
 * STAGE_API_KEY, STAGE_API_TIMEOUT and STAGE_API_CA fill what the flags leave
 * out. Every
 * operation goes through libstagemock-client, so the retry, timeout and
 * never-leave-a-partial-file behaviour is the library's. Files of an upload
 * go one at a time in the order given, one result line each; the exit code
 * is the largest of the files' codes (cli.h). The progress bar is drawn only
 * when stderr is a terminal and --json is off.
 * Not here: formatting the output (out.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/sm_parse.h"
#include "cli.h"

struct cli_args {
    const char *cmd;
    const char *url;
    const char *key;
    const char *stage;
    const char *name;
    const char *out_path;
    const char *cacert;
    unsigned timeout_s;
    unsigned retries;
    bool retries_set;
    bool json;
    bool no_progress;
    bool help;
    bool version;
    char **files;
    size_t n_files;
};

static const char usage_text[] =
    "usage: stagectl [OPTIONS] upload --stage S FILE...\n"
    "       stagectl [OPTIONS] download --stage S --name N [--out PATH]\n"
    "       stagectl [OPTIONS] list --stage S\n"
    "options:\n"
    "  --url URL       API base URL (default: $STAGE_API_URL)\n"
    "  --key KEY       API key, sent as Authorization: Key KEY (default: $STAGE_API_KEY)\n"
    "  --timeout S     connect and stall timeout in seconds (default: $STAGE_API_TIMEOUT, "
    "else 30)\n"
    "  --retries N     retries on 429/503 and refused connections (default 3)\n"
    "  --cacert FILE   https: trust the CA(s) in this PEM file (default: $STAGE_API_CA,\n"
    "                  else the system's trust store)\n"
    "  --json          one JSON object per line (docs/ADAPTER.md)\n"
    "  --no-progress   no progress bar even on a terminal\n"
    "  --version       print stagectl's version and exit\n"
    "exit: 0 ok, 1 rejected by the server, 2 usage, 3 transport failure or timeout,\n"
    "      4 local file error\n";

static int usage(FILE *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage(FILE *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("stagectl: ", err);
    vfprintf(err, fmt, ap);
    va_end(ap);
    fputs("\n", err);
    fputs(usage_text, err);
    return CLI_EXIT_USAGE;
}

/* An option taking a value: returns 1 and fills *slot, 0 when argv[i] is not
 * this option, -1 when the value is missing. */
static int take_value(int argc, char **argv, int *i, const char *opt, const char **slot)
{
    if (strcmp(argv[*i], opt) != 0) {
        return 0;
    }
    if (*i + 1 >= argc) {
        return -1;
    }
    *slot = argv[++*i];
    return 1;
}

static int parse_flag(const char *a, struct cli_args *ar)
{
    if (strcmp(a, "--json") == 0) {
        ar->json = true;
    } else if (strcmp(a, "--no-progress") == 0) {
        ar->no_progress = true;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        ar->help = true;
    } else if (strcmp(a, "--version") == 0) {
        ar->version = true;
    } else {
        return 0;
    }
    return 1;
}

static int parse_numbers(int argc, char **argv, int *i, struct cli_args *ar, FILE *err)
{
    const char *v = NULL;
    int r = take_value(argc, argv, i, "--timeout", &v);
    if (r == 1 && !smx_parse_uint(v, 0, 86400, &ar->timeout_s)) {
        return usage(err, "--timeout wants seconds, not '%s'", v);
    }
    if (r == 0) {
        r = take_value(argc, argv, i, "--retries", &v);
        if (r == 1 && !smx_parse_uint(v, 0, 100, &ar->retries)) {
            return usage(err, "--retries wants a number up to 100, not '%s'", v);
        }
        ar->retries_set = ar->retries_set || r == 1;
    }
    return r == -1 ? usage(err, "%s needs a value", argv[*i]) : r == 1 ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct cli_args *ar, FILE *err)
{
    struct {
        const char *opt;
        const char **slot;
    } valued[] = {{"--url", &ar->url},   {"--key", &ar->key},      {"--stage", &ar->stage},
                  {"--name", &ar->name}, {"--out", &ar->out_path}, {"--cacert", &ar->cacert}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = 0;
        for (size_t k = 0; r == 0 && k < sizeof valued / sizeof valued[0]; k++) {
            r = take_value(argc, argv, &i, valued[k].opt, valued[k].slot);
        }
        if (r == -1) {
            return usage(err, "%s needs a value", a);
        }
        if (r == 0) {
            r = parse_flag(a, ar);
        }
        if (r == 0) {
            r = parse_numbers(argc, argv, &i, ar, err);
            if (r > 0) {
                return r;
            }
        }
        if (r != 0) {
            continue;
        }
        if (a[0] == '-' && a[1] != '\0' && strcmp(a, "--") != 0) {
            return usage(err, "unknown option '%s'", a);
        }
        if (ar->cmd == NULL) {
            ar->cmd = a;
        } else {
            ar->files[ar->n_files++] = argv[i];
        }
    }
    return 0;
}

static int fill_from_env(struct cli_args *ar, FILE *err)
{
    if (ar->url == NULL) {
        ar->url = getenv("STAGE_API_URL");
    }
    if (ar->key == NULL) {
        ar->key = getenv("STAGE_API_KEY");
    }
    if (ar->cacert == NULL) {
        const char *ca = getenv("STAGE_API_CA");
        ar->cacert = ca != NULL && ca[0] != '\0' ? ca : NULL;
    }
    const char *t = getenv("STAGE_API_TIMEOUT");
    if (ar->timeout_s == 0 && t != NULL && t[0] != '\0') {
        /* a fractional value ("2.5") rounds up to whole seconds */
        char *end = NULL;
        double d = strtod(t, &end);
        if (end == t || *end != '\0' || d <= 0 || d > 86400) {
            return usage(err, "STAGE_API_TIMEOUT wants seconds, not '%s'", t);
        }
        ar->timeout_s = (unsigned)d + ((double)(unsigned)d < d ? 1U : 0U);
    }
    if (ar->url == NULL || ar->url[0] == '\0') {
        return usage(err, "%s", "no API URL: set STAGE_API_URL or pass --url");
    }
    if (ar->stage == NULL) {
        return usage(err, "%s needs --stage", ar->cmd);
    }
    return 0;
}

struct upload_ctx {
    FILE *out;
    FILE *err;
    bool json;
    int worst;
    struct cli_progress *bar;
};

static void upload_done(void *cls, size_t index, const char *path, const char *name,
                        enum smc_code code, const char *file_id, const struct smc_error *e)
{
    struct upload_ctx *u = cls;
    (void)index;
    (void)path;
    if (u->bar != NULL) {
        cli_progress_end(u->bar);
    }
    if (code == SMC_OK) {
        cli_print_ok(u->out, u->json, name, file_id, 0, "uploaded");
    } else {
        cli_print_fail(u->out, u->err, u->json, "file", name, e);
        int x = (int)cli_exit_for(code);
        u->worst = x > u->worst ? x : u->worst;
    }
}

static int run_upload(struct smc_client *c, const struct cli_args *ar, FILE *out, FILE *err,
                      struct cli_progress *bar)
{
    if (ar->n_files == 0) {
        return usage(err, "%s", "upload needs at least one FILE");
    }
    struct upload_ctx u = {.out = out, .err = err, .json = ar->json, .bar = bar};
    (void)smc_upload_many(c, ar->stage, (const char *const *)ar->files, ar->n_files, upload_done,
                          &u);
    return u.worst;
}

static int run_download(struct smc_client *c, const struct cli_args *ar, FILE *out, FILE *err,
                        struct cli_progress *bar)
{
    if (ar->name == NULL || ar->n_files > 0) {
        return usage(err, "%s", "download takes --name N [--out PATH] and no FILE");
    }
    const char *path = ar->out_path;
    if (path == NULL) {
        if (strchr(ar->name, '/') != NULL || strcmp(ar->name, "..") == 0 ||
            strcmp(ar->name, ".") == 0) {
            return usage(err, "name '%s' is not a safe file name here: pass --out", ar->name);
        }
        path = ar->name;
    }
    struct smc_error e;
    uint64_t size = 0;
    enum smc_code rc = smc_download(c, ar->stage, ar->name, path, &size, &e);
    if (bar != NULL) {
        cli_progress_end(bar);
    }
    if (rc == SMC_OK) {
        cli_print_ok(out, ar->json, ar->name, NULL, size, "downloaded");
        return CLI_EXIT_OK;
    }
    cli_print_fail(out, err, ar->json, "file", ar->name, &e);
    return (int)cli_exit_for(rc);
}

static int run_list(struct smc_client *c, const struct cli_args *ar, FILE *out, FILE *err)
{
    if (ar->n_files > 0) {
        return usage(err, "%s", "list takes no FILE");
    }
    struct smc_file_list list;
    struct smc_error e;
    enum smc_code rc = smc_list(c, ar->stage, &list, &e);
    if (rc != SMC_OK) {
        cli_print_fail(out, err, ar->json, "stage", ar->stage, &e);
        return (int)cli_exit_for(rc);
    }
    for (size_t i = 0; i < list.n; i++) {
        cli_print_file(out, ar->json, &list.files[i]);
    }
    (void)fflush(out);
    smc_file_list_cleanup(&list);
    return CLI_EXIT_OK;
}

static int run(const struct cli_args *ar, FILE *out, FILE *err)
{
    struct smc_options opt;
    smc_options_init(&opt);
    opt.url = ar->url;
    opt.key = ar->key;
    opt.user_agent = "stagectl/1.0";
    opt.ca_file = ar->cacert;
    if (ar->timeout_s > 0) {
        opt.connect_timeout_s = ar->timeout_s;
        opt.stall_timeout_s = ar->timeout_s;
    }
    if (ar->retries_set) {
        opt.max_retries = ar->retries;
    }
    struct cli_progress bar = {.err = err, .last_permille = -1};
    int efd = fileno(err);
    bool tty = !ar->json && !ar->no_progress && efd >= 0 && isatty(efd);
    if (tty) {
        opt.progress = cli_progress_draw;
        opt.progress_cls = &bar;
    }
    struct smc_client *c = NULL;
    struct smc_error e;
    if (smc_client_new(&opt, &c, &e) != SMC_OK) {
        return usage(err, "%s", e.message);
    }
    int rc;
    if (strcmp(ar->cmd, "upload") == 0) {
        rc = run_upload(c, ar, out, err, tty ? &bar : NULL);
    } else if (strcmp(ar->cmd, "download") == 0) {
        rc = run_download(c, ar, out, err, tty ? &bar : NULL);
    } else {
        rc = run_list(c, ar, out, err);
    }
    smc_client_free(c);
    return rc;
}

int cli_main(int argc, char **argv, FILE *out, FILE *err)
{
    struct cli_args ar = {0};
    ar.files = calloc((size_t)(argc > 0 ? argc : 1), sizeof *ar.files);
    if (ar.files == NULL) {
        fputs("stagectl: out of memory\n", err);
        return CLI_EXIT_LOCAL;
    }
    int rc = parse_args(argc, argv, &ar, err);
    if (rc == 0 && ar.help) {
        fputs(usage_text, out);
    } else if (rc == 0 && ar.version) {
        fprintf(out, "stagectl %s\n", smc_version());
    } else if (rc == 0 && ar.cmd == NULL) {
        rc = usage(err, "%s", "no command");
    } else if (rc == 0 && strcmp(ar.cmd, "upload") != 0 && strcmp(ar.cmd, "download") != 0 &&
               strcmp(ar.cmd, "list") != 0) {
        rc = usage(err, "unknown command '%s'", ar.cmd);
    } else if (rc == 0) {
        rc = fill_from_env(&ar, err);
        if (rc == 0) {
            rc = run(&ar, out, err);
        }
    }
    free(ar.files);
    return rc;
}
