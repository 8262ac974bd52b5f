/*
 * test_parquet_limits.c - the reader's limits (struct sm_pq_limits) and the
 * page checks of issue 13: each limit refuses one over and accepts one at
 * the limit, naming itself in a 400 parquet-only; the footer arena's cap is a
 * 400 too; v2 pages with an empty snappy section are accepted; level faults
 * are caught; a page that expands hugely is judged without being
 * decompressed; long names print cut in messages; profiles set the limits.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fixtures/gen/gen_int.h"
#include "../src/internal.h"
#include "stagemock/parquet.h"

static struct pqw_buf built(void (*fn)(struct pqw_buf *, size_t, size_t), size_t a, size_t b)
{
    struct pqw_buf out;
    pqw_buf_init(&out);
    fn(&out, a, b);
    assert_true(pqw_buf_ok(&out));
    return out;
}

static void long_name(struct pqw_buf *o, size_t a, size_t b)
{
    gen_long_name_file(o, a, b);
}

static void many_columns(struct pqw_buf *o, size_t a, size_t b)
{
    (void)b;
    gen_many_columns_file(o, a);
}

static void empty_structs(struct pqw_buf *o, size_t a, size_t b)
{
    (void)b;
    gen_empty_structs_file(o, a);
}

static void expanding(struct pqw_buf *o, size_t a, size_t b)
{
    (void)b;
    gen_expanding_page_file(o, a);
}

/* Judge buf under lim (NULL: defaults); returns the code, err filled. */
static enum sm_code judge(const struct pqw_buf *b, const struct sm_pq_limits *lim,
                          struct sm_error *err)
{
    struct sm_pq_options opt;
    sm_pq_options_init(&opt);
    if (lim != NULL) {
        opt.limits = *lim;
    }
    sm_err_clear(err);
    return sm_pq_check_buf(b->p, b->len, &opt, NULL, err);
}

/* A refusal over a limit: 400, parquet-only, the limit's name and value. */
static void assert_over(enum sm_code rc, const struct sm_error *err, const char *name,
                        const char *value)
{
    assert_int_equal(rc, SM_E_MALFORMED);
    assert_int_equal(err->http_status, 400);
    assert_int_equal(err->rule, SM_RULE_PARQUET_ONLY);
    if (strstr(err->message, name) == NULL || strstr(err->message, value) == NULL) {
        fail_msg("expected '%s' and '%s' in: %s", name, value, err->message);
    }
}

static void defaults_are_the_documented_ones(void **state)
{
    (void)state;
    struct sm_pq_limits l;
    sm_pq_limits_resolve(NULL, &l);
    assert_int_equal(l.max_schema_elements, 200000);
    assert_int_equal(l.max_columns, 100000);
    assert_int_equal(l.max_depth, 128);
    assert_int_equal(l.max_name_length, 65536);
    assert_int_equal(l.max_page_compressed, 512u << 20);
    assert_int_equal(l.max_page_uncompressed, 1u << 30);
    struct sm_pq_limits deep = {.max_depth = 5000};
    sm_pq_limits_resolve(&deep, &l);
    assert_int_equal(l.max_depth, SM_PQ_MAX_DEPTH);
}

static void schema_elements_limit(void **state)
{
    (void)state;
    struct pqw_buf b = built(many_columns, 50, 0); /* 51 elements */
    struct sm_error err;
    struct sm_pq_limits at = {.max_schema_elements = 51}, over = {.max_schema_elements = 50};
    assert_int_equal(judge(&b, &at, &err), SM_OK);
    assert_over(judge(&b, &over, &err), &err, "(max_schema_elements)", "schema has 51 elements");
    pqw_buf_cleanup(&b);
}

static void columns_limit(void **state)
{
    (void)state;
    struct pqw_buf b = built(many_columns, 50, 0);
    struct sm_error err;
    struct sm_pq_limits at = {.max_columns = 50}, over = {.max_columns = 49};
    assert_int_equal(judge(&b, &at, &err), SM_OK);
    assert_over(judge(&b, &over, &err), &err, "(max_columns)", "limit of 49");
    pqw_buf_cleanup(&b);
}

static void million_columns_refused_by_default(void **state)
{
    (void)state;
    struct pqw_buf b = built(many_columns, 1000000, 0);
    struct sm_error err;
    assert_over(judge(&b, NULL, &err), &err, "(max_schema_elements)",
                "schema has 1000001 elements");
    pqw_buf_cleanup(&b);
}

/* root { g0 { g1 { ... { leaf } } } }: the leaf sits groups + 1 levels deep. */
static struct pqw_buf nested(size_t groups)
{
    struct pqw_buf footer, out;
    pqw_buf_init(&footer);
    pqw_buf_init(&out);
    struct pqw_tc tc;
    pqw_tc_init(&tc, &footer);
    pqw_tc_i32(&tc, SM_PQ_FMD_VERSION, 1);
    pqw_tc_list(&tc, SM_PQ_FMD_SCHEMA, SM_TC_T_STRUCT, (uint32_t)(groups + 2));
    for (size_t i = 0; i <= groups + 1; i++) {
        pqw_tc_struct_begin(&tc, 0);
        if (i == groups + 1) {
            pqw_tc_i32(&tc, SM_PQ_SE_TYPE, SM_PQ_INT32);
        }
        if (i > 0) {
            pqw_tc_i32(&tc, SM_PQ_SE_REPETITION_TYPE, SM_PQ_REQUIRED);
        }
        pqw_tc_binary(&tc, SM_PQ_SE_NAME, "g", 1);
        if (i <= groups) {
            pqw_tc_i32(&tc, SM_PQ_SE_NUM_CHILDREN, 1);
        }
        pqw_tc_struct_end(&tc);
    }
    pqw_tc_i64(&tc, SM_PQ_FMD_NUM_ROWS, 0);
    pqw_tc_list(&tc, SM_PQ_FMD_ROW_GROUPS, SM_TC_T_STRUCT, 0);
    pqw_tc_stop(&tc);
    pqw_buf_add(&out, "PAR1", 4);
    pqw_buf_add(&out, footer.p, footer.len);
    uint8_t len[4] = {(uint8_t)footer.len, (uint8_t)(footer.len >> 8), (uint8_t)(footer.len >> 16),
                      (uint8_t)(footer.len >> 24)};
    pqw_buf_add(&out, len, 4);
    pqw_buf_add(&out, "PAR1", 4);
    assert_true(pqw_buf_ok(&out));
    pqw_buf_cleanup(&footer);
    return out;
}

static void depth_limit(void **state)
{
    (void)state;
    struct pqw_buf b = nested(9); /* the leaf is 10 levels below the root */
    struct sm_error err;
    struct sm_pq_limits at = {.max_depth = 10}, over = {.max_depth = 9};
    assert_int_equal(judge(&b, &at, &err), SM_OK);
    assert_over(judge(&b, &over, &err), &err, "(max_depth)", "nests 10 levels deep");
    pqw_buf_cleanup(&b);
    b = nested(SM_PQ_DEFAULT_MAX_DEPTH - 1); /* default: at the limit */
    assert_int_equal(judge(&b, NULL, &err), SM_OK);
    pqw_buf_cleanup(&b);
    b = nested(SM_PQ_DEFAULT_MAX_DEPTH);
    assert_over(judge(&b, NULL, &err), &err, "(max_depth)", "limit of 128");
    pqw_buf_cleanup(&b);
}

static void deep_schema_prints_cut_but_balanced(void **state)
{
    (void)state;
    struct pqw_buf b = nested(300);
    struct sm_pq_options opt;
    sm_pq_options_init(&opt);
    opt.limits.max_depth = 1024;
    struct sm_pq_file *f = NULL;
    struct sm_error err;
    assert_int_equal(sm_pq_check_buf(b.p, b.len, &opt, &f, &err), SM_OK);
    char *text = sm_pq_schema_format(sm_pq_file_schema(f));
    assert_non_null(text);
    size_t open = 0, close = 0;
    for (const char *p = text; *p; p++) {
        open += *p == '{';
        close += *p == '}';
    }
    assert_int_equal(open, close);
    assert_non_null(strstr(text, "{ ... }"));
    sm_free(text);
    sm_pq_file_free(f);
    pqw_buf_cleanup(&b);
}

static void name_length_limit(void **state)
{
    (void)state;
    struct pqw_buf b = built(long_name, 300, 3);
    struct sm_error err;
    struct sm_pq_limits at = {.max_name_length = 300}, over = {.max_name_length = 299};
    assert_int_equal(judge(&b, &at, &err), SM_OK);
    assert_over(judge(&b, &over, &err), &err, "(max_name_length)", "name of 300 bytes");
    pqw_buf_cleanup(&b);
}

/* The value a refusal names after "page of " (bytes). */
static long page_bytes(const struct sm_error *err)
{
    const char *p = strstr(err->message, "page of ");
    assert_non_null(p);
    return strtol(p + 8, NULL, 10);
}

static void page_size_limits(void **state)
{
    (void)state;
    struct pqw_buf b = built(expanding, 1u << 20, 0);
    struct sm_error err;
    struct sm_pq_limits one = {.max_page_compressed = 1};
    assert_over(judge(&b, &one, &err), &err, "(max_page_compressed)", "compressed bytes");
    long c = page_bytes(&err);
    struct sm_pq_limits at = {.max_page_compressed = (uint64_t)c},
                        over = {.max_page_compressed = (uint64_t)c - 1};
    assert_int_equal(judge(&b, &at, &err), SM_OK);
    assert_over(judge(&b, &over, &err), &err, "(max_page_compressed)", "limit of");

    struct sm_pq_limits uone = {.max_page_uncompressed = 1};
    assert_over(judge(&b, &uone, &err), &err, "(max_page_uncompressed)", "uncompressed bytes");
    long u = page_bytes(&err);
    assert_int_equal(u, (1 << 20) + 16);
    struct sm_pq_limits uat = {.max_page_uncompressed = (uint64_t)u},
                        uover = {.max_page_uncompressed = (uint64_t)u - 1};
    assert_int_equal(judge(&b, &uat, &err), SM_OK);
    assert_over(judge(&b, &uover, &err), &err, "(max_page_uncompressed)", "limit of");
    pqw_buf_cleanup(&b);
}

static void expanding_page_accepted_without_decompressing(void **state)
{
    (void)state;
    /* 256 MiB of page from about 12 MiB: before, a 256 MiB buffer was
     * allocated to read the first repetition level */
    struct pqw_buf b = built(expanding, 256u << 20, 0);
    assert_true(b.len < (16u << 20));
    struct sm_error err;
    assert_int_equal(judge(&b, NULL, &err), SM_OK);
    pqw_buf_cleanup(&b);
}

static void arena_cap_is_the_files_fault(void **state)
{
    (void)state;
    /* 600k empty RowGroups: 600 KB of footer asking for 24 MB of model */
    struct pqw_buf b = built(empty_structs, 600000, 0);
    struct sm_error err;
    assert_over(judge(&b, NULL, &err), &err, "4 x its size + 16 MiB", "row_groups list");
    pqw_buf_cleanup(&b);
    /* under the cap the same shape decodes far enough to be malformed */
    b = built(empty_structs, 1000, 0);
    assert_int_equal(judge(&b, NULL, &err), SM_E_MALFORMED);
    assert_int_equal(err.http_status, 400);
    assert_non_null(strstr(err.message, "required field"));
    pqw_buf_cleanup(&b);
}

static struct pqw_buf table(bool v2, int fault, size_t leaf, const uint8_t *def, size_t n,
                            int repetition)
{
    const struct pqw_node nodes[] = {
        {.name = "schema",
         .type = -1,
         .repetition = SM_PQ_REQUIRED,
         .converted = -1,
         .n_children = 1},
        {.name = "a", .type = SM_PQ_INT32, .repetition = repetition, .converted = -1},
    };
    struct pqw_value vals[16];
    memset(vals, 0, sizeof vals);
    for (size_t i = 0; i < 16; i++) {
        vals[i].i = (int64_t)i;
    }
    const struct pqw_leaf l = {.n = n, .def = def, .vals = vals};
    const struct pqw_group g = {.rows = n, .leaves = &l};
    struct pqw_table_options opt = {
        .codec = SM_PQ_SNAPPY, .page_v2 = v2, .fault = {.kind = fault, .leaf = leaf}};
    struct pqw_buf b;
    pqw_buf_init(&b);
    struct sm_error err;
    assert_int_equal(pqw_table_write(&b, nodes, 2, &g, 1, &opt, &err), SM_OK);
    return b;
}

static void v2_empty_snappy_section_accepted(void **state)
{
    (void)state;
    static const uint8_t nulls[4] = {0, 0, 0, 0};
    struct pqw_buf plain = table(true, PQW_FAULT_NONE, 0, nulls, 4, SM_PQ_OPTIONAL);
    struct pqw_buf empty = table(true, PQW_FAULT_V2_EMPTY_SECTION, 0, nulls, 4, SM_PQ_OPTIONAL);
    assert_int_equal(empty.len + 1, plain.len); /* snappy's 1-byte empty stream is gone */
    struct sm_error err;
    assert_int_equal(judge(&plain, NULL, &err), SM_OK);
    assert_int_equal(judge(&empty, NULL, &err), SM_OK);
    pqw_buf_cleanup(&plain);
    pqw_buf_cleanup(&empty);
}

static void level_faults_are_corrupt_pages(void **state)
{
    (void)state;
    /* levels for half the values: 8 of 16 (bit-packed runs come in groups
     * of 8, so a shortfall inside the last group cannot be seen) */
    static const uint8_t def[16] = {1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1};
    struct sm_error err;
    for (int v2 = 0; v2 < 2; v2++) {
        struct pqw_buf ok = table(v2, PQW_FAULT_NONE, 0, def, 16, SM_PQ_OPTIONAL);
        assert_int_equal(judge(&ok, NULL, &err), SM_OK);
        struct pqw_buf shrt = table(v2, PQW_FAULT_DEF_LEVELS_SHORT, 0, def, 16, SM_PQ_OPTIONAL);
        assert_int_equal(judge(&shrt, NULL, &err), SM_E_MALFORMED);
        assert_int_equal(err.rule, SM_RULE_PARQUET_ONLY);
        assert_non_null(strstr(err.message, "8 definition levels for 16 values"));
        pqw_buf_cleanup(&ok);
        pqw_buf_cleanup(&shrt);
    }
    struct pqw_buf req = table(true, PQW_FAULT_DEF_IN_REQUIRED, 0, NULL, 8, SM_PQ_REQUIRED);
    assert_int_equal(judge(&req, NULL, &err), SM_E_MALFORMED);
    assert_non_null(strstr(err.message, "definition levels in a REQUIRED column"));
    pqw_buf_cleanup(&req);
    struct pqw_buf reqok = table(true, PQW_FAULT_NONE, 0, NULL, 8, SM_PQ_REQUIRED);
    assert_int_equal(judge(&reqok, NULL, &err), SM_OK);
    pqw_buf_cleanup(&reqok);
}

static void long_names_print_cut_in_messages(void **state)
{
    (void)state;
    struct pqw_buf a = built(long_name, 1u << 20, 1000);
    struct pqw_buf b = built(long_name, (1u << 20) - 1, 1000);
    struct sm_pq_options opt;
    sm_pq_options_init(&opt);
    opt.limits.max_name_length = 2u << 20;
    struct sm_pq_file *fa = NULL, *fb = NULL;
    struct sm_error err;
    assert_int_equal(sm_pq_check_buf(a.p, a.len, &opt, &fa, &err), SM_OK);
    assert_int_equal(sm_pq_check_buf(b.p, b.len, &opt, &fb, &err), SM_OK);
    assert_int_equal(sm_pq_file_leaf_columns(fa), 1000);
    /* a copy costs its names once, not a path per element */
    struct sm_pq_schema *copy = sm_pq_schema_dup(sm_pq_file_schema(fa));
    assert_non_null(copy);
    assert_int_equal(sm_pq_schema_compare(copy, sm_pq_file_schema(fa), &err), SM_OK);
    assert_int_equal(sm_pq_schema_compare(copy, sm_pq_file_schema(fb), &err), SM_E_MISMATCH);
    assert_int_equal(err.rule, SM_RULE_SAME_SCHEMA);
    assert_true(strlen(err.message) < SM_ERROR_MSG_LEN);
    sm_pq_schema_free(copy);
    sm_pq_file_free(fa);
    sm_pq_file_free(fb);
    pqw_buf_cleanup(&a);
    pqw_buf_cleanup(&b);
}

static void profile_sets_limits(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    struct sm_profile p;
    sm_profile_defaults(&p, &cfg);
    struct sm_error err;
    const char *ok = "{\"limits\": {\"max_columns\": 10, \"max_depth\": 1024, "
                     "\"max_page_uncompressed\": 4096}}";
    assert_int_equal(sm_profile_parse(&p, ok, strlen(ok), &err), SM_OK);
    assert_int_equal(p.limits.max_columns, 10);
    assert_int_equal(p.limits.max_depth, 1024);
    assert_int_equal(p.limits.max_page_uncompressed, 4096);
    assert_int_equal(p.limits.max_name_length, 0); /* untouched: the default */
    static const char *const bad[] = {
        "{\"limits\": {\"max_colums\": 10}}",      "{\"limits\": {\"max_columns\": 0}}",
        "{\"limits\": {\"max_depth\": 1025}}",     "{\"limits\": {\"max_columns\": 1.5}}",
        "{\"limits\": {\"max_columns\": \"10\"}}", "{\"limits\": [1]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sm_profile_parse(&p, bad[i], strlen(bad[i]), &err), SM_E_ARG);
        assert_non_null(strstr(err.message, "limits"));
    }
    assert_int_equal(p.limits.max_columns, 10); /* a refused profile changes nothing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_the_documented_ones),
        cmocka_unit_test(schema_elements_limit),
        cmocka_unit_test(columns_limit),
        cmocka_unit_test(million_columns_refused_by_default),
        cmocka_unit_test(depth_limit),
        cmocka_unit_test(deep_schema_prints_cut_but_balanced),
        cmocka_unit_test(name_length_limit),
        cmocka_unit_test(page_size_limits),
        cmocka_unit_test(expanding_page_accepted_without_decompressing),
        cmocka_unit_test(arena_cap_is_the_files_fault),
        cmocka_unit_test(v2_empty_snappy_section_accepted),
        cmocka_unit_test(level_faults_are_corrupt_pages),
        cmocka_unit_test(long_names_print_cut_in_messages),
        cmocka_unit_test(profile_sets_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
