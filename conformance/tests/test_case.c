/*
 * test_case.c - the case-file parser (runner/case.c, docs/CASE-FORMAT.md):
 * a full case parses into the model, every shipped case under
 * conformance/cases loads, mistakes are errors naming file and line, the
 * tokenizer's quoting and escapes, and hostile input (no NUL, sizes capped)
 * is refused without reading past the given length (guard-page buffers).
 */
#include "../../tests/support/sm_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runner/case.h"
#include "../runner/tokens.h"

static const char full[] = "# a comment\n"
                           "[case]\n"
                           "id = order-99\n"
                           "rule = order\n"
                           "level = SHOULD\n"
                           "title = A title\n"
                           "why = first line\n"
                           "  second line\n"
                           "[setup]\n"
                           "stage = s1 s2\n"
                           "key = k1 s1\n"
                           "key = k2\n"
                           "api-key = k2\n"
                           "fault = upload:nth=1:status=503\n"
                           "preload = s1 valid-a \"a b.parquet\"\n"
                           "api-timeout = 3\n"
                           "time-limit = 9\n"
                           "scenario = {\"rules\": [\n"
                           "  ]}\n"
                           "[step]\n"
                           "run = upload --stage s1 \"@valid-a:x y.parquet\"\n"
                           "exit = 0\n"
                           "ok = true\n"
                           "json = 1 message \"~a b\"\n"
                           "[step]\n"
                           "run = list --stage s1\n"
                           "list = 'x y.parquet'\n"
                           "[expect]\n"
                           "stage = s1 \"x y.parquet\"\n"
                           "requests = upload <= 2\n"
                           "journal = no-overlap\n";

static struct conf_case *parse_ok(const char *text)
{
    struct conf_case *c = NULL;
    struct sm_error err = {0};
    struct sm_guard *g = sm_guard_new(text, strlen(text));
    enum sm_code rc = conf_case_parse((const char *)g->data, g->len, "t.case", &c, &err);
    sm_guard_free(g);
    if (rc != SM_OK) {
        fail_msg("parse failed: %s", err.message);
    }
    return c;
}

/* The error message of a failing parse (static buffer for the test). */
static const char *parse_err(const char *text, char *msg, size_t cap)
{
    struct conf_case *c = NULL;
    struct sm_error err = {0};
    struct sm_guard *g = sm_guard_new(text, strlen(text));
    enum sm_code rc = conf_case_parse((const char *)g->data, g->len, "t.case", &c, &err);
    sm_guard_free(g);
    assert_int_equal(rc, SM_E_MALFORMED);
    assert_null(c);
    (void)snprintf(msg, cap, "%s", err.message);
    return msg;
}

static void parse_full_case_fills_model(void **state)
{
    (void)state;
    struct conf_case *c = parse_ok(full);
    assert_string_equal(c->id, "order-99");
    assert_string_equal(c->rule, "order");
    assert_int_equal(c->level, CONF_SHOULD);
    assert_string_equal(c->why, "first line\nsecond line");
    assert_int_equal(c->n_stages, 2);
    assert_int_equal(c->n_keys, 2);
    assert_int_equal(c->keys[0].n_stages, 1);
    assert_string_equal(c->keys[0].stages[0], "s1");
    assert_null(c->keys[1].stages);
    assert_string_equal(c->api_key, "k2");
    assert_int_equal(c->n_faults, 1);
    assert_string_equal(c->preloads[0].name, "a b.parquet");
    assert_int_equal(c->api_timeout_s, 3);
    assert_int_equal(c->time_limit_s, 9);
    assert_non_null(c->scenario);
    assert_int_equal(c->n_steps, 2);
    assert_int_equal(c->steps[0].argc, 4);
    assert_string_equal(c->steps[0].argv[3], "@valid-a:x y.parquet");
    assert_int_equal(c->steps[0].n_checks, 3);
    assert_string_equal(c->steps[0].checks[2].args[2], "~a b");
    assert_string_equal(c->steps[1].checks[0].args[0], "x y.parquet");
    assert_int_equal(c->n_expect, 3);
    assert_int_equal(c->expect[1].line, 30);
    conf_case_free(c);
}

static void parse_minimal_case_gets_defaults(void **state)
{
    (void)state;
    struct conf_case *c = parse_ok("[case]\nid = a-01\nrule = a\ntitle = t\nwhy = w\n"
                                   "[step]\nrun = list --stage s1\n");
    assert_int_equal(c->level, CONF_MUST);
    assert_int_equal(c->n_stages, 1);
    assert_string_equal(c->stages[0], "s1");
    assert_string_equal(c->api_key, "k-conform");
    assert_int_equal(c->api_timeout_s, 2);
    assert_int_equal(c->time_limit_s, 30);
    conf_case_free(c);
}

static void parse_mistakes_name_line(void **state)
{
    (void)state;
    char m[SM_ERROR_MSG_LEN];
    static const char head[] = "[case]\nid = a-01\nrule = a\ntitle = t\nwhy = w\n";
    char text[1024];
    (void)snprintf(text, sizeof text, "%s[step]\nrun = list\nexitt = 0\n", head);
    assert_non_null(strstr(parse_err(text, m, sizeof m), "t.case:8: unknown check in [step]"));
    (void)snprintf(text, sizeof text, "%s[step]\nrun = list\n[expect]\nlint = clean bare-lf\n",
                   head);
    struct sm_error e;
    struct conf_case *lc = NULL;
    assert_int_equal(conf_case_parse(text, strlen(text), "t.case", &lc, &e), SM_OK);
    conf_case_free(lc);
    (void)snprintf(text, sizeof text, "%s[step]\nrun = list\n[expect]\nlint = clean bare-LF\n",
                   head);
    assert_non_null(strstr(parse_err(text, m, sizeof m),
                           "t.case:9: lint takes 'clean' or 'report', "
                           "then lint codes of"));
    (void)snprintf(text, sizeof text, "%s[setup]\nfualt = x\n[step]\nrun = list\n", head);
    assert_non_null(strstr(parse_err(text, m, sizeof m), "t.case:7: unknown key in [setup]"));
    (void)snprintf(text, sizeof text, "%s[step]\nrun = delete x\n", head);
    assert_non_null(strstr(parse_err(text, m, sizeof m), "t.case:7: run starts with"));
    (void)snprintf(text, sizeof text, "%s[expect]\nrequests = upload ~ 3\n[step]\nrun = list\n",
                   head);
    assert_non_null(strstr(parse_err(text, m, sizeof m), "t.case:7: requests takes"));
    (void)snprintf(text, sizeof text, "%s[setup]\nprofile = {not json\n[step]\nrun = list\n", head);
    assert_non_null(strstr(parse_err(text, m, sizeof m), "t.case:7: not a JSON object"));
    assert_non_null(strstr(parse_err("[case]\nid = A\n", m, sizeof m), "t.case:2: ids are"));
    assert_non_null(strstr(parse_err("[setup]\n", m, sizeof m), "starts with [case]"));
    assert_non_null(strstr(parse_err(head, m, sizeof m), "needs at least one [step]"));
    assert_non_null(strstr(parse_err("[case]\nid = a-01\n[step]\nrun = list\n", m, sizeof m),
                           "[case] lacks: rule"));
    (void)snprintf(text, sizeof text, "%s[step]\nrun = list \"open\n", head);
    assert_non_null(strstr(parse_err(text, m, sizeof m), "unterminated"));
    assert_non_null(strstr(parse_err("  indented\n", m, sizeof m), "continues nothing"));
}

static void parse_refuses_nul_and_oversize(void **state)
{
    (void)state;
    struct conf_case *c = NULL;
    struct sm_error err = {0};
    static const char nul[] = "[case]\0id = x\n";
    assert_int_equal(conf_case_parse(nul, sizeof nul - 1, "n", &c, &err), SM_E_MALFORMED);
    assert_non_null(strstr(err.message, "NUL"));
    size_t big = CONF_MAX_CASE_BYTES + 1;
    char *b = malloc(big);
    assert_non_null(b);
    memset(b, '#', big);
    assert_int_equal(conf_case_parse(b, big, "b", &c, &err), SM_E_MALFORMED);
    free(b);
    char line[CONF_MAX_LINE + 20];
    memset(line, 'x', sizeof line);
    line[0] = '[';
    assert_int_equal(conf_case_parse(line, sizeof line, "l", &c, &err), SM_E_MALFORMED);
    assert_non_null(strstr(err.message, "line too long"));
    assert_null(c);
}

static void tokenize_quotes_and_escapes(void **state)
{
    (void)state;
    char **t = NULL;
    size_t n = 0;
    struct sm_error err = {0};
    assert_int_equal(conf_tokenize("a \"b c\" 'd \\x' \"e\\\"\\x41\\n\" f'g h'i", &t, &n, &err),
                     SM_OK);
    assert_int_equal(n, 5);
    assert_string_equal(t[0], "a");
    assert_string_equal(t[1], "b c");
    assert_string_equal(t[2], "d \\x");
    assert_string_equal(t[3], "e\"A\n");
    assert_string_equal(t[4], "fg hi");
    conf_tokens_free(t, n);
    assert_int_equal(conf_tokenize("\"\\x00\"", &t, &n, &err), SM_E_MALFORMED);
    assert_int_equal(conf_tokenize("\"\\q\"", &t, &n, &err), SM_E_MALFORMED);
    assert_int_equal(conf_tokenize("\"a\\", &t, &n, &err), SM_E_MALFORMED);
    assert_null(t);
}

static void shipped_cases_all_load(void **state)
{
    (void)state;
    char dir[4096];
    (void)snprintf(dir, sizeof dir, "%s/conformance/cases", sm_test_top_dir());
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".case") != 0) {
            continue;
        }
        char path[8192];
        (void)snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct conf_case *c = NULL;
        struct sm_error err = {0};
        if (conf_case_load(path, &c, &err) != SM_OK) {
            fail_msg("%s", err.message);
        }
        /* the file is named after its id, and the id starts with the rule */
        assert_int_equal(strncmp(e->d_name, c->id, strlen(c->id)), 0);
        assert_int_equal(strncmp(c->id, c->rule, strlen(c->rule)), 0);
        conf_case_free(c);
        n++;
    }
    closedir(d);
    assert_true(n >= 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_full_case_fills_model),
        cmocka_unit_test(parse_minimal_case_gets_defaults),
        cmocka_unit_test(parse_mistakes_name_line),
        cmocka_unit_test(parse_refuses_nul_and_oversize),
        cmocka_unit_test(tokenize_quotes_and_escapes),
        cmocka_unit_test(shipped_cases_all_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
