/*
 * report_tap.c - TAP version 13: one test point per case and adapter.
 *
 * A failure that fails the run is "not ok" with a YAML block (rule, level,
 * seed, the evidence lines, the adapter's stderr); a skipped case is
 * "ok ... # SKIP reason"; a failure that does not count (SHOULD without
 * --strict, INFO, known from the baseline) is "not ok ... # TODO reason", which
 * TAP consumers show but do not fail on, matching the exit status.
 */
#include "report.h"

#include <string.h>

static void yaml_block(FILE *f, const char *key, const char *text)
{
    if (text == NULL || text[0] == '\0') {
        return;
    }
    fprintf(f, "  %s: |\n", key);
    const char *p = text;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        fprintf(f, "    %.*s\n", len, p);
        p = nl ? nl + 1 : p + len;
    }
}

static void first_line(FILE *f, const char *text)
{
    const char *nl = text ? strchr(text, '\n') : NULL;
    int n = text == NULL ? 0 : nl ? (int)(nl - text) : (int)strlen(text);
    fprintf(f, "%.*s", n, text ? text : "");
}

enum sm_code conf_report_tap(const struct conf_run *run, const char *path, struct sm_error *err)
{
    FILE *f = conf_report_open(path, err);
    if (f == NULL) {
        return SM_E_IO;
    }
    size_t n = run->n_cases * run->n_adapters, i = 0;
    fprintf(f, "TAP version 13\n1..%zu\n", n);
    for (size_t c = 0; c < run->n_cases; c++) {
        const struct conf_case *k = run->cases[c];
        for (size_t a = 0; a < run->n_adapters; a++) {
            const struct conf_result *r = conf_run_result(run, c, a);
            bool ok = r->outcome == CONF_PASS || r->outcome == CONF_SKIP;
            fprintf(f, "%s %zu - %s [%s] %s: %s", ok ? "ok" : "not ok", ++i, run->adapters[a].name,
                    conf_level_name(k->level), k->id, k->title);
            if (r->outcome == CONF_SKIP) {
                fprintf(f, " # SKIP ");
                first_line(f, r->evidence);
            } else if (!ok && !r->counts) {
                fprintf(f, " # TODO %s",
                        r->known                ? "known failure (baseline)"
                        : k->level == CONF_INFO ? "INFO finding"
                                                : "SHOULD (counts with --strict)");
            }
            fputc('\n', f);
            if (!ok) {
                fprintf(f, "  ---\n  rule: %s\n  level: %s\n  adapter: %s\n  seed: %llu\n", k->rule,
                        conf_level_name(k->level), run->adapters[a].name,
                        (unsigned long long)r->seed);
                yaml_block(f, "evidence", r->evidence);
                yaml_block(f, "stderr", r->adapter_err);
                fprintf(f, "  ...\n");
            }
        }
    }
    return conf_report_close(f, path, err);
}
