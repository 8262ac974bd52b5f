/*
 * report_term.c - the terminal summary of a conformance run.
 *
 * What: one line per case (status, level, id, title, time; with several
 * adapters a status column per adapter, the client x case matrix), the
 * evidence under each failure, a per-rule table, and the closing line
 * "N passed, N failed, N skipped" that CI logs and tests/run-all.sh read.
 * Colour (ANSI) only when asked, which conform_main.c does on a TTY.
 * Design: failures that do not fail the run (SHOULD without --strict, INFO,
 * known from a baseline) are marked as such on their line so nobody has to
 * guess why the exit status is 0.
 * Not here: file reports (report_*.c).
 */
#include "report.h"

#include <string.h>

#define RED    "\033[31m"
#define GREEN  "\033[32m"
#define YELLOW "\033[33m"
#define DIM    "\033[2m"
#define BOLD   "\033[1m"
#define RESET  "\033[0m"

static const char *status_color(const char *w)
{
    if (strcmp(w, "PASS") == 0) {
        return GREEN;
    }
    if (strcmp(w, "FAIL") == 0 || strcmp(w, "ERROR") == 0) {
        return RED;
    }
    if (strcmp(w, "KNOWN") == 0 || strcmp(w, "SKIP") == 0) {
        return DIM;
    }
    return YELLOW;
}

static void put_status(FILE *out, const char *w, bool color)
{
    if (color) {
        fprintf(out, "%s%-5s%s", status_color(w), w, RESET);
    } else {
        fprintf(out, "%-5s", w);
    }
}

static void indent(FILE *out, const char *text, const char *prefix, size_t max_lines)
{
    size_t n = 0;
    const char *p = text;
    while (p != NULL && *p != '\0') {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        if (n++ == max_lines) {
            fprintf(out, "%s...\n", prefix);
            return;
        }
        fprintf(out, "%s%.*s\n", prefix, len, p);
        p = nl ? nl + 1 : NULL;
    }
}

static void evidence(FILE *out, const struct conf_result *r, const char *who, bool verbose)
{
    if (who != NULL) {
        fprintf(out, "      [%s]\n", who);
    }
    indent(out, r->evidence, "      ", verbose ? 1000 : 12);
    if (verbose || r->outcome == CONF_ERROR) {
        struct conf_buf jl;
        conf_buf_init(&jl);
        conf_journal_lines(r->journal, &jl);
        if (jl.len > 0) {
            fprintf(out, "      journal:\n");
            indent(out, jl.data, "        ", verbose ? 1000 : 20);
        }
        conf_buf_cleanup(&jl);
    }
    if (r->adapter_err != NULL && r->adapter_err[0] != '\0') {
        fprintf(out, "      adapter stderr:\n");
        indent(out, r->adapter_err, "        ", verbose ? 1000 : 6);
    }
}

static void case_lines(const struct conf_run *run, FILE *out, bool color, bool verbose)
{
    bool matrix = run->n_adapters > 1;
    if (matrix) {
        fprintf(out, "%-24s %-6s", "case", "level");
        for (size_t a = 0; a < run->n_adapters; a++) {
            fprintf(out, " %-12.12s", run->adapters[a].name);
        }
        fprintf(out, "\n");
    }
    for (size_t c = 0; c < run->n_cases; c++) {
        const struct conf_case *k = run->cases[c];
        if (matrix) {
            fprintf(out, "%-24s %-6s", k->id, conf_level_name(k->level));
            for (size_t a = 0; a < run->n_adapters; a++) {
                fputc(' ', out);
                put_status(out, conf_result_word(conf_run_result(run, c, a), k->level), color);
                fprintf(out, "%7s", "");
            }
            fprintf(out, " %s\n", k->title);
        } else {
            const struct conf_result *r = conf_run_result(run, c, 0);
            put_status(out, conf_result_word(r, k->level), color);
            fprintf(out, " %-6s %-24s %s (%.0f ms)\n", conf_level_name(k->level), k->id, k->title,
                    r->ms);
        }
        for (size_t a = 0; a < run->n_adapters; a++) {
            const struct conf_result *r = conf_run_result(run, c, a);
            if (r->outcome != CONF_PASS && (r->evidence != NULL || r->adapter_err != NULL) &&
                (r->counts || verbose || r->outcome != CONF_FAIL || k->level != CONF_MUST)) {
                evidence(out, r, matrix ? run->adapters[a].name : NULL, verbose);
            }
        }
    }
}

struct rule_row {
    size_t pass[3], total[3];
    char failed[512];
    size_t fl;
};

static void note_failed(struct rule_row *row, const char *id)
{
    if (row->fl + strlen(id) + 2 >= sizeof row->failed || strstr(row->failed, id) != NULL) {
        return;
    }
    int n = snprintf(row->failed + row->fl, sizeof row->failed - row->fl, "%s%s",
                     row->fl ? " " : "", id);
    row->fl += n > 0 ? (size_t)n : 0;
}

static void rule_row_fill(const struct conf_run *run, const char *rule, struct rule_row *row)
{
    memset(row, 0, sizeof *row);
    for (size_t c = 0; c < run->n_cases; c++) {
        const struct conf_case *k = run->cases[c];
        if (strcmp(k->rule, rule) != 0) {
            continue;
        }
        for (size_t a = 0; a < run->n_adapters; a++) {
            const struct conf_result *r = conf_run_result(run, c, a);
            row->total[k->level]++;
            row->pass[k->level] += r->outcome == CONF_PASS ? 1 : 0;
            if (r->outcome == CONF_FAIL || r->outcome == CONF_ERROR) {
                note_failed(row, k->id);
            }
        }
    }
}

static void rule_table(const struct conf_run *run, FILE *out)
{
    const char *rules[64];
    size_t nr = conf_report_rules(run, rules, 64);
    fprintf(out, "\n%-22s %-12s %-12s %-8s %s\n", "rule", "MUST", "SHOULD", "INFO", "failed cases");
    for (size_t i = 0; i < nr; i++) {
        struct rule_row row;
        rule_row_fill(run, rules[i], &row);
        char cell[3][48];
        for (int l = 0; l < 3; l++) {
            if (row.total[l] == 0) {
                (void)snprintf(cell[l], sizeof cell[l], "-");
            } else {
                (void)snprintf(cell[l], sizeof cell[l], "%zu/%zu", row.pass[l], row.total[l]);
            }
        }
        fprintf(out, "%-22s %-12s %-12s %-8s %s\n", rules[i], cell[0], cell[1], cell[2],
                row.failed);
    }
}

void conf_report_term(const struct conf_run *run, FILE *out, bool color, bool verbose)
{
    fprintf(out, "stagemock conform: %zu case%s x %zu adapter%s (", run->n_cases,
            run->n_cases == 1 ? "" : "s", run->n_adapters, run->n_adapters == 1 ? "" : "s");
    for (size_t a = 0; a < run->n_adapters; a++) {
        fprintf(out, "%s%s", a ? ", " : "", run->adapters[a].name);
    }
    fprintf(out, "), -j %u, seed %llu\n\n", run->jobs, (unsigned long long)run->seed);
    case_lines(run, out, color, verbose);
    rule_table(run, out);
    int rc = conf_run_exit_status(run);
    fprintf(out, "\n%.1f s; ", run->elapsed_ms / 1000.0);
    if (rc == 2) {
        fprintf(out, "%zu case%s could not be run (setup errors): exit 2\n", run->n_error,
                run->n_error == 1 ? "" : "s");
    } else if (rc == 1) {
        fprintf(out, "%s%zu failure%s fail%s the run%s: exit 1\n", color ? BOLD RED : "",
                run->n_counted, run->n_counted == 1 ? "" : "s", run->n_counted == 1 ? "s" : "",
                color ? RESET : "");
    } else {
        fprintf(out, "every MUST case passed%s%s: exit 0\n",
                run->strict ? " (and every SHOULD)" : "",
                run->n_known ? ", failures known from the baseline aside" : "");
    }
    fprintf(out, "%zu passed, %zu failed, %zu skipped\n", run->n_pass, run->n_fail + run->n_error,
            run->n_skip);
}
