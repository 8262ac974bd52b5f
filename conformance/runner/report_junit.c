/*
 * report_junit.c - JUnit XML for CI systems (GitHub, GitLab, Jenkins).
 *
 * What: <testsuites> with one <testsuite> per rule and a <testcase> per case
 * and adapter (classname "ADAPTER.RULE", so a client x case matrix reads as
 * one class per client). A failure that fails the run is a <failure> whose
 * message is the first line of evidence and whose text holds all of it, the
 * journal lines and the adapter's stderr; a setup problem is an <error>; a
 * skipped case, and a failure that does not count (SHOULD without --strict,
 * INFO, known from the baseline), is <skipped> with the reason, so CI shows
 * red exactly when the exit status is 1. The output validates against
 * conformance/tests/junit.xsd (tests/reports_test.sh checks it).
 * Design: all text goes through conf_buf_put_xml, which also replaces bytes
 * XML cannot carry, because adapter output is arbitrary.
 */
#include "report.h"

#include <string.h>
#include <unistd.h>

struct suite_count {
    size_t tests, failures, errors, skipped;
    double secs;
};

static void count_rule(const struct conf_run *run, const char *rule, struct suite_count *s)
{
    memset(s, 0, sizeof *s);
    for (size_t c = 0; c < run->n_cases; c++) {
        if (strcmp(run->cases[c]->rule, rule) != 0) {
            continue;
        }
        for (size_t a = 0; a < run->n_adapters; a++) {
            const struct conf_result *r = conf_run_result(run, c, a);
            s->tests++;
            s->secs += r->ms / 1000.0;
            if (r->outcome == CONF_ERROR) {
                s->errors++;
            } else if (r->counts) {
                s->failures++;
            } else if (r->outcome != CONF_PASS) {
                s->skipped++;
            }
        }
    }
}

static void first_line(struct conf_buf *b, const char *text)
{
    const char *nl = text ? strchr(text, '\n') : NULL;
    char line[512];
    size_t n = text == NULL ? 0 : nl ? (size_t)(nl - text) : strlen(text);
    if (n >= sizeof line) {
        n = sizeof line - 1;
    }
    if (text != NULL) {
        memcpy(line, text, n);
    }
    line[n] = '\0';
    conf_buf_put_xml(b, line);
}

static void details(struct conf_buf *b, const struct conf_case *k, const struct conf_result *r)
{
    conf_buf_put_xml(b, k->title);
    conf_buf_puts(b, "\nrule ");
    conf_buf_put_xml(b, k->rule);
    conf_buf_printf(b, " (%s), seed %llu\n\n", conf_level_name(k->level),
                    (unsigned long long)r->seed);
    conf_buf_put_xml(b, r->evidence ? r->evidence : "");
    struct conf_buf jl;
    conf_buf_init(&jl);
    conf_journal_lines(r->journal, &jl);
    if (jl.len > 0) {
        conf_buf_puts(b, "\njournal:\n");
        conf_buf_put_xml(b, jl.data);
    }
    conf_buf_cleanup(&jl);
    if (r->adapter_err && r->adapter_err[0]) {
        conf_buf_puts(b, "\nadapter stderr:\n");
        conf_buf_put_xml(b, r->adapter_err);
    }
}

static void testcase(struct conf_buf *b, const struct conf_run *run, size_t c, size_t a)
{
    const struct conf_case *k = run->cases[c];
    const struct conf_result *r = conf_run_result(run, c, a);
    conf_buf_puts(b, "    <testcase name=\"");
    conf_buf_put_xml(b, k->id);
    conf_buf_puts(b, ": ");
    conf_buf_put_xml(b, k->title);
    conf_buf_puts(b, "\" classname=\"");
    conf_buf_put_xml(b, run->adapters[a].name);
    conf_buf_puts(b, ".");
    conf_buf_put_xml(b, k->rule);
    conf_buf_printf(b, "\" time=\"%.3f\" file=\"", r->ms / 1000.0);
    conf_buf_put_xml(b, k->path);
    conf_buf_puts(b, "\">\n");
    const char *tag = r->outcome == CONF_ERROR  ? "error"
                      : r->counts               ? "failure"
                      : r->outcome != CONF_PASS ? "skipped"
                                                : NULL;
    if (tag != NULL) {
        conf_buf_printf(b, "      <%s message=\"", tag);
        if (strcmp(tag, "skipped") == 0 && r->outcome == CONF_FAIL) {
            conf_buf_puts(b, r->known                ? "known failure (baseline): "
                             : k->level == CONF_INFO ? "INFO finding: "
                                                     : "SHOULD not met (counts with --strict): ");
        }
        first_line(b, r->evidence);
        conf_buf_printf(b, "\" type=\"%s\">", conf_level_name(k->level));
        details(b, k, r);
        conf_buf_printf(b, "</%s>\n", tag);
    }
    if (r->adapter_out != NULL && r->adapter_out[0] != '\0') {
        conf_buf_puts(b, "      <system-out>");
        conf_buf_put_xml(b, r->adapter_out);
        conf_buf_puts(b, "</system-out>\n");
    }
    if (r->adapter_err != NULL && r->adapter_err[0] != '\0') {
        conf_buf_puts(b, "      <system-err>");
        conf_buf_put_xml(b, r->adapter_err);
        conf_buf_puts(b, "</system-err>\n");
    }
    conf_buf_puts(b, "    </testcase>\n");
}

enum sm_code conf_report_junit(const struct conf_run *run, const char *path, struct sm_error *err)
{
    const char *rules[64];
    size_t nr = conf_report_rules(run, rules, 64);
    struct conf_buf b;
    conf_buf_init(&b);
    char host[256] = "localhost";
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
        (void)snprintf(host, sizeof host, "localhost");
    }
    host[sizeof host - 1] = '\0';
    conf_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    struct suite_count all = {0};
    for (size_t i = 0; i < nr; i++) {
        struct suite_count s;
        count_rule(run, rules[i], &s);
        all.tests += s.tests;
        all.failures += s.failures;
        all.errors += s.errors;
        all.skipped += s.skipped;
    }
    conf_buf_printf(&b,
                    "<testsuites name=\"stagemock conform\" tests=\"%zu\" failures=\"%zu\" "
                    "errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
                    all.tests, all.failures, all.errors, all.skipped, run->elapsed_ms / 1000.0);
    for (size_t i = 0; i < nr; i++) {
        struct suite_count s;
        count_rule(run, rules[i], &s);
        conf_buf_puts(&b, "  <testsuite name=\"");
        conf_buf_put_xml(&b, rules[i]);
        conf_buf_printf(&b,
                        "\" id=\"%zu\" package=\"stagemock.conform\" tests=\"%zu\" "
                        "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\" "
                        "timestamp=\"%s\" hostname=\"",
                        i, s.tests, s.failures, s.errors, s.skipped, s.secs, run->started);
        conf_buf_put_xml(&b, host);
        conf_buf_puts(&b, "\">\n    <properties>\n      <property name=\"rule\" value=\"");
        conf_buf_put_xml(&b, rules[i]);
        conf_buf_printf(&b,
                        "\"/>\n      <property name=\"seed\" value=\"%llu\"/>\n"
                        "      <property name=\"strict\" value=\"%s\"/>\n    </properties>\n",
                        (unsigned long long)run->seed, run->strict ? "true" : "false");
        for (size_t c = 0; c < run->n_cases; c++) {
            if (strcmp(run->cases[c]->rule, rules[i]) != 0) {
                continue;
            }
            for (size_t a = 0; a < run->n_adapters; a++) {
                testcase(&b, run, c, a);
            }
        }
        conf_buf_puts(&b, "  </testsuite>\n");
    }
    conf_buf_puts(&b, "</testsuites>\n");
    return conf_report_write_buf(&b, path, err);
}
