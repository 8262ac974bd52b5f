/*
 * report_common.c - what every report shares: the exit status a run earns,
 * the order rules are listed in, and opening, writing and closing report
 * files.
 *
 * Rules come in RULES.md's order (the order users read the contract in, which
 * is the rule table's: stagemock/rules.h), then any other rule id a case
 * names, in case order. "-" as a path is stdout.
 */
#include "report.h"

#include <errno.h>
#include <string.h>

#include "stagemock/rules.h"

int conf_run_exit_status(const struct conf_run *run)
{
    if (run->n_error > 0) {
        return 2;
    }
    return run->n_counted > 0 ? 1 : 0;
}

size_t conf_report_rules(const struct conf_run *run, const char **rules, size_t cap)
{
    size_t n = 0;
    /* the rule table (stagemock/rules.h) is in docs/RULES.md's order */
    for (int r = 1; r < (int)SM_RULE_COUNT && n < cap; r++) {
        const char *id = sm_rule_id((enum sm_rule)r);
        for (size_t c = 0; c < run->n_cases; c++) {
            if (strcmp(run->cases[c]->rule, id) == 0) {
                rules[n++] = id;
                break;
            }
        }
    }
    for (size_t c = 0; c < run->n_cases && n < cap; c++) {
        bool seen = false;
        for (size_t i = 0; i < n && !seen; i++) {
            seen = strcmp(rules[i], run->cases[c]->rule) == 0;
        }
        if (!seen) {
            rules[n++] = run->cases[c]->rule;
        }
    }
    return n;
}

FILE *conf_report_open(const char *path, struct sm_error *err)
{
    if (strcmp(path, "-") == 0) {
        return stdout;
    }
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "%s: %s", path, strerror(errno));
    }
    return f;
}

enum sm_code conf_report_close(FILE *f, const char *path, struct sm_error *err)
{
    bool bad = ferror(f) != 0;
    if (f == stdout) {
        bad = fflush(f) != 0 || bad;
    } else if (fclose(f) != 0) {
        bad = true;
    }
    return bad ? sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "%s: write failed", path) : SM_OK;
}

enum sm_code conf_report_write_buf(struct conf_buf *b, const char *path, struct sm_error *err)
{
    enum sm_code rc;
    FILE *f = NULL;
    if (b->oom) {
        rc = sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    } else if ((f = conf_report_open(path, err)) == NULL) {
        rc = SM_E_IO;
    } else {
        (void)fwrite(b->data, 1, b->len, f);
        rc = conf_report_close(f, path, err);
    }
    conf_buf_cleanup(b);
    return rc;
}

const char *conf_result_word(const struct conf_result *r, enum conf_level lv)
{
    switch (r->outcome) {
    case CONF_PASS:
        return "PASS";
    case CONF_SKIP:
        return "SKIP";
    case CONF_ERROR:
        return "ERROR";
    case CONF_FAIL:
        break;
    }
    if (r->known) {
        return "KNOWN";
    }
    return lv == CONF_INFO ? "NOTE" : r->counts ? "FAIL" : "WARN";
}
