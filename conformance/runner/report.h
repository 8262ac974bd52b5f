/*
 * report.h - the reports of a conformance run: the terminal summary, JUnit
 * XML, TAP, versioned JSON (docs/CONFORMANCE.md, "The JSON report") and one self-contained
 * HTML page. Each reads a tallied struct conf_run (run.h) and writes a file
 * or stream; none changes the run.
 */
#ifndef CONF_REPORT_H
#define CONF_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "run.h"

/* Version of the JSON report's schema (docs/CONFORMANCE.md, "The JSON report"). */
#define CONF_REPORT_SCHEMA_VERSION 1

/* One line per case (a column per adapter when there are several), the
 * evidence of each counted failure, a per-rule table and the closing
 * "N passed, N failed, N skipped" line. color: ANSI colours. */
void conf_report_term(const struct conf_run *run, FILE *out, bool color, bool verbose);

/* JUnit XML: one <testsuite> per rule, a <testcase> per case and adapter;
 * failures carry the evidence, the journal and the adapter's stderr. */
SM_NODISCARD enum sm_code conf_report_junit(const struct conf_run *run, const char *path,
                                            struct sm_error *err);
/* TAP version 13 with YAML diagnostics for failures. */
SM_NODISCARD enum sm_code conf_report_tap(const struct conf_run *run, const char *path,
                                          struct sm_error *err);
/* The JSON report (also what --baseline reads). */
SM_NODISCARD enum sm_code conf_report_json(const struct conf_run *run, const char *path,
                                           struct sm_error *err);
/* One HTML page: the rule-by-rule matrix and every failure's evidence. */
SM_NODISCARD enum sm_code conf_report_html(const struct conf_run *run, const char *path,
                                           struct sm_error *err);

/* The exit status the run earns: 2 when a case could not be run (setup
 * error), else 1 when a counted failure exists, else 0. */
int conf_run_exit_status(const struct conf_run *run);

/* Open path for writing ("-": stdout); conf_report_close closes unless stdout. */
FILE *conf_report_open(const char *path, struct sm_error *err);
SM_NODISCARD enum sm_code conf_report_close(FILE *f, const char *path, struct sm_error *err);
/* Write a report built in b to path ("-": stdout) and clean b up, whatever
 * happens; SM_E_NOMEM when b ran out of memory while it was built. */
SM_NODISCARD enum sm_code conf_report_write_buf(struct conf_buf *b, const char *path,
                                                struct sm_error *err);

/* A result in one word: PASS, SKIP, ERROR, KNOWN (failed in the baseline
 * too), FAIL (counts), WARN (a SHOULD that does not count), NOTE (INFO). */
const char *conf_result_word(const struct conf_result *r, enum conf_level lv);

/* Rules in RULES.md order, then any others the cases name, each once. */
size_t conf_report_rules(const struct conf_run *run, const char **rules, size_t cap);

#endif
