/*
 * report_html.c - one self-contained HTML page for people.
 *
 * What: the summary; the rule-by-rule matrix (a row per rule, a column per
 * adapter, each cell "passed/total" coloured by the worst outcome); the case x
 * adapter table with links; and for each failure its evidence (expected vs
 * seen), the journal lines, the fault schedule and the adapter's output.
 * Design: inline CSS, no script, no font, no image, no URL other than
 * in-page anchors, so it renders offline, from a CI artifact, in any browser
 * (conformance/tests/conform_html_test.sh renders it in headless Chromium).
 * Every piece of text goes through conf_buf_put_xml.
 */
#include "report.h"

#include <string.h>

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1f24}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:28px}"
    "table{border-collapse:collapse;margin:8px 0}"
    "th,td{border:1px solid #ccd;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#eef}.pass{background:#d7f5dd}.fail{background:#f9d0d0}"
    ".warn{background:#fff1c2}.skip{background:#eee;color:#666}.error{background:#f4a4a4}"
    ".known{background:#e6ddf7}pre{background:#f6f8fa;padding:8px;overflow-x:auto;"
    "white-space:pre-wrap;word-break:break-all;font-size:12px}"
    ".fail-box{border-left:4px solid #c22;padding-left:12px;margin:16px 0}"
    ".summary{font-size:16px;font-weight:600}";

/* The CSS class of a result: its word in lower case, except a NOTE (an INFO
 * finding), which is shown like a skip. */
static const char *cls_of(const struct conf_result *r, enum conf_level lv)
{
    static const char *const cls[][2] = {{"PASS", "pass"},   {"SKIP", "skip"}, {"ERROR", "error"},
                                         {"KNOWN", "known"}, {"FAIL", "fail"}, {"WARN", "warn"},
                                         {"NOTE", "skip"}};
    const char *w = conf_result_word(r, lv);
    for (size_t i = 0; i < sizeof cls / sizeof cls[0]; i++) {
        if (strcmp(w, cls[i][0]) == 0) {
            return cls[i][1];
        }
    }
    return "warn";
}

static void matrix(struct conf_buf *b, const struct conf_run *run)
{
    const char *rules[64];
    size_t nr = conf_report_rules(run, rules, 64);
    conf_buf_puts(b, "<h2 id=\"matrix\">Rules</h2>\n<table><tr><th>rule</th><th>cases</th>");
    for (size_t a = 0; a < run->n_adapters; a++) {
        conf_buf_puts(b, "<th>");
        conf_buf_put_xml(b, run->adapters[a].name);
        conf_buf_puts(b, "</th>");
    }
    conf_buf_puts(b, "</tr>\n");
    for (size_t i = 0; i < nr; i++) {
        size_t n_cases = 0;
        for (size_t c = 0; c < run->n_cases; c++) {
            n_cases += strcmp(run->cases[c]->rule, rules[i]) == 0;
        }
        conf_buf_puts(b, "<tr><td>");
        conf_buf_put_xml(b, rules[i]);
        conf_buf_printf(b, "</td><td>%zu</td>", n_cases);
        for (size_t a = 0; a < run->n_adapters; a++) {
            size_t pass = 0, tot = 0;
            const char *worst = "pass";
            for (size_t c = 0; c < run->n_cases; c++) {
                if (strcmp(run->cases[c]->rule, rules[i]) != 0) {
                    continue;
                }
                const struct conf_result *r = conf_run_result(run, c, a);
                tot++;
                pass += r->outcome == CONF_PASS;
                const char *k = cls_of(r, run->cases[c]->level);
                if (strcmp(k, "fail") == 0 || strcmp(k, "error") == 0) {
                    worst = "fail";
                } else if (strcmp(worst, "pass") == 0 && strcmp(k, "pass") != 0) {
                    worst = k;
                }
            }
            conf_buf_printf(b, "<td class=\"%s\">%zu/%zu</td>", worst, pass, tot);
        }
        conf_buf_puts(b, "</tr>\n");
    }
    conf_buf_puts(b, "</table>\n");
}

static void case_table(struct conf_buf *b, const struct conf_run *run)
{
    conf_buf_puts(b, "<h2 id=\"cases\">Cases</h2>\n<table><tr><th>case</th><th>level</th>"
                     "<th>rule</th><th>title</th>");
    for (size_t a = 0; a < run->n_adapters; a++) {
        conf_buf_puts(b, "<th>");
        conf_buf_put_xml(b, run->adapters[a].name);
        conf_buf_puts(b, "</th>");
    }
    conf_buf_puts(b, "</tr>\n");
    for (size_t c = 0; c < run->n_cases; c++) {
        const struct conf_case *k = run->cases[c];
        conf_buf_puts(b, "<tr><td>");
        conf_buf_put_xml(b, k->id);
        conf_buf_printf(b, "</td><td>%s</td><td>", conf_level_name(k->level));
        conf_buf_put_xml(b, k->rule);
        conf_buf_puts(b, "</td><td>");
        conf_buf_put_xml(b, k->title);
        conf_buf_puts(b, "</td>");
        for (size_t a = 0; a < run->n_adapters; a++) {
            const struct conf_result *r = conf_run_result(run, c, a);
            const char *w = conf_result_word(r, k->level);
            if (r->outcome == CONF_PASS) {
                conf_buf_printf(b, "<td class=\"pass\">%s</td>", w);
            } else {
                conf_buf_printf(b, "<td class=\"%s\"><a href=\"#r-%zu-%zu\">%s</a></td>",
                                cls_of(r, k->level), c, a, w);
            }
        }
        conf_buf_puts(b, "</tr>\n");
    }
    conf_buf_puts(b, "</table>\n");
}

static void pre(struct conf_buf *b, const char *title, const char *text)
{
    if (text == NULL || text[0] == '\0') {
        return;
    }
    conf_buf_printf(b, "<h4>%s</h4><pre>", title);
    conf_buf_put_xml(b, text);
    conf_buf_puts(b, "</pre>\n");
}

static void failure(struct conf_buf *b, const struct conf_run *run, size_t c, size_t a)
{
    const struct conf_case *k = run->cases[c];
    const struct conf_result *r = conf_run_result(run, c, a);
    conf_buf_printf(b, "<div class=\"fail-box\" id=\"r-%zu-%zu\"><h3>%s ", c, a,
                    conf_result_word(r, k->level));
    conf_buf_put_xml(b, k->id);
    conf_buf_puts(b, " &mdash; ");
    conf_buf_put_xml(b, run->adapters[a].name);
    conf_buf_puts(b, "</h3>\n<p><b>");
    conf_buf_put_xml(b, k->title);
    conf_buf_printf(b, "</b> (rule <code>");
    conf_buf_put_xml(b, k->rule);
    conf_buf_printf(b, "</code>, %s, seed %llu, %.0f ms)</p>\n<p>", conf_level_name(k->level),
                    (unsigned long long)r->seed, r->ms);
    conf_buf_put_xml(b, k->why);
    conf_buf_puts(b, "</p>\n");
    pre(b, "Expected vs seen", r->evidence);
    struct conf_buf jl;
    conf_buf_init(&jl);
    conf_journal_lines(r->journal, &jl);
    pre(b, "Journal", jl.data);
    conf_buf_cleanup(&jl);
    pre(b, "Fault schedule", r->schedule);
    pre(b, "Adapter stderr", r->adapter_err);
    pre(b, "Adapter calls and stdout", r->adapter_out);
    conf_buf_puts(b, "</div>\n");
}

enum sm_code conf_report_html(const struct conf_run *run, const char *path, struct sm_error *err)
{
    struct conf_buf b;
    conf_buf_init(&b);
    conf_buf_printf(&b,
                    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>stagemock conformance report</title><style>%s</style></head>"
                    "<body>\n<h1>stagemock conformance report</h1>\n",
                    css);
    int rc = conf_run_exit_status(run);
    conf_buf_printf(&b,
                    "<p class=\"summary\" id=\"summary\">%zu passed, %zu failed, %zu skipped "
                    "&mdash; exit %d: %s</p>\n",
                    run->n_pass, run->n_fail + run->n_error, run->n_skip, rc,
                    rc == 0   ? "every MUST case passed"
                    : rc == 1 ? "a MUST case failed"
                              : "cases could not be run");
    conf_buf_printf(&b,
                    "<p>%zu cases &times; %zu adapters, started %s, %.1f s, seed %llu%s%s</p>\n",
                    run->n_cases, run->n_adapters, run->started, run->elapsed_ms / 1000.0,
                    (unsigned long long)run->seed, run->strict ? ", strict" : "",
                    run->have_baseline ? ", with a baseline" : "");
    conf_buf_puts(&b, "<ul>");
    for (size_t a = 0; a < run->n_adapters; a++) {
        conf_buf_puts(&b, "<li><b>");
        conf_buf_put_xml(&b, run->adapters[a].name);
        conf_buf_puts(&b, "</b>: <code>");
        conf_buf_put_xml(&b, run->adapters[a].cmd);
        conf_buf_puts(&b, "</code></li>");
    }
    conf_buf_puts(&b, "</ul>\n");
    matrix(&b, run);
    case_table(&b, run);
    conf_buf_puts(&b, "<h2 id=\"failures\">Failures and findings</h2>\n");
    size_t shown = 0;
    for (size_t c = 0; c < run->n_cases; c++) {
        for (size_t a = 0; a < run->n_adapters; a++) {
            if (conf_run_result(run, c, a)->outcome != CONF_PASS) {
                failure(&b, run, c, a);
                shown++;
            }
        }
    }
    if (shown == 0) {
        conf_buf_puts(&b, "<p>None.</p>\n");
    }
    conf_buf_puts(&b, "</body></html>\n");
    return conf_report_write_buf(&b, path, err);
}
