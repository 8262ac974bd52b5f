/*
 * test_corpus.c - the parquet reader against ../shared/corpus/manifest.json:
 * every file's verdict in footer and deep mode, its facts (rows, row groups,
 * leaf columns, codecs and chunk counts, schema text), and the schema
 * comparisons of the stage sequence. Skips when the corpus is absent.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "stagemock/parquet.h"

static cJSON *load_json(const char *dir, const char *name)
{
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0;
    uint8_t *text = sm_test_read_file(path, &len);
    if (text == NULL) {
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLength((const char *)text, len);
    free(text);
    return j;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static uint8_t *read_corpus_file(const char *dir, const char *file, size_t *len)
{
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/%s", dir, file);
    return sm_test_read_file(path, len);
}

/* Does (rc, err) match the manifest's expected/reason? Prints why not. */
static bool verdict_matches(const char *file, const char *mode, const char *expected,
                            const char *reason, enum sm_code rc, const struct sm_error *e)
{
    if (strcmp(expected, "accept") == 0 || strcmp(reason, "schema-mismatch") == 0) {
        if (rc == SM_OK) {
            return true;
        }
        fprintf(stderr, "%s (%s): expected accept, got %s: %s\n", file, mode,
                e->rule != SM_RULE_NONE ? sm_rule_id(e->rule) : "?", e->message);
        return false;
    }
    if (rc == SM_OK) {
        fprintf(stderr, "%s (%s): expected reject %s, got accept\n", file, mode, reason);
        return false;
    }
    enum sm_rule want_rule = SM_RULE_PARQUET_ONLY;
    const char *want_text = NULL;
    if (strncmp(reason, "unsupported-codec:", 18) == 0) {
        want_rule = SM_RULE_CODEC;
        want_text = reason + 18;
    } else if (strcmp(reason, "encrypted") == 0) {
        want_text = "encrypted";
    } else if (strcmp(reason, "page-crc-mismatch") == 0) {
        want_text = "CRC";
    }
    if (e->rule != want_rule || (want_text != NULL && strstr(e->message, want_text) == NULL)) {
        fprintf(stderr, "%s (%s): expected %s (%s), got %s: %s\n", file, mode,
                sm_rule_id(want_rule), reason, e->rule != SM_RULE_NONE ? sm_rule_id(e->rule) : "?",
                e->message);
        return false;
    }
    return true;
}

static bool facts_match(const cJSON *m, const struct sm_pq_file *f)
{
    const char *file = str(m, "file");
    bool ok = true;
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(m, "rows");
    const cJSON *rgs = cJSON_GetObjectItemCaseSensitive(m, "row_groups");
    const cJSON *leaves = cJSON_GetObjectItemCaseSensitive(m, "leaf_columns");
    if (cJSON_IsNumber(rows) && (int64_t)rows->valuedouble != sm_pq_file_rows(f)) {
        fprintf(stderr, "%s: rows %lld, manifest %lld\n", file, (long long)sm_pq_file_rows(f),
                (long long)rows->valuedouble);
        ok = false;
    }
    if (cJSON_IsNumber(rgs) && (size_t)rgs->valuedouble != sm_pq_file_row_groups(f)) {
        fprintf(stderr, "%s: row groups differ\n", file);
        ok = false;
    }
    if (cJSON_IsNumber(leaves) && (size_t)leaves->valuedouble != sm_pq_file_leaf_columns(f)) {
        fprintf(stderr, "%s: leaf columns %zu, manifest %d\n", file, sm_pq_file_leaf_columns(f),
                leaves->valueint);
        ok = false;
    }
    const cJSON *chunks = cJSON_GetObjectItemCaseSensitive(m, "codec_chunks");
    unsigned mask = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, chunks)
    {
        for (unsigned k = 0; k <= SM_PQ_CODEC_MAX; k++) {
            if (strcmp(c->string, sm_pq_codec_name(k)) == 0) {
                mask |= SM_PQ_CODEC_BIT(k);
                if ((size_t)c->valuedouble != sm_pq_file_codec_chunks(f, k)) {
                    fprintf(stderr, "%s: %s chunks %zu, manifest %d\n", file, c->string,
                            sm_pq_file_codec_chunks(f, k), c->valueint);
                    ok = false;
                }
            }
        }
    }
    if (mask != sm_pq_file_codecs(f)) {
        fprintf(stderr, "%s: codec set 0x%x, manifest 0x%x\n", file, sm_pq_file_codecs(f), mask);
        ok = false;
    }
    const char *want = str(m, "schema_raw_thrift") ? str(m, "schema_raw_thrift") : str(m, "schema");
    char *got = sm_pq_schema_format(sm_pq_file_schema(f));
    if (want != NULL && (got == NULL || strcmp(want, got) != 0)) {
        fprintf(stderr, "%s: schema\n  got  %s\n  want %s\n", file, got ? got : "(null)", want);
        ok = false;
    }
    sm_free(got);
    return ok;
}

static void corpus_verdicts_match_manifest(void **state)
{
    (void)state;
    const char *dir = sm_test_corpus_dir();
    if (dir == NULL) {
        skip();
    }
    cJSON *manifest = load_json(dir, "manifest.json");
    assert_non_null(manifest);
    int n = 0, bad = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, manifest)
    {
        const char *file = str(m, "file");
        size_t len = 0;
        uint8_t *buf = read_corpus_file(dir, file, &len);
        assert_non_null(buf);
        for (int deep = 0; deep <= 1; deep++) {
            const char *exp = str(m, "expected"), *why = str(m, "reason");
            if (deep && str(m, "expected_deep") != NULL) {
                exp = str(m, "expected_deep");
                why = str(m, "reason_deep");
            }
            struct sm_pq_options opt;
            sm_pq_options_init(&opt);
            opt.deep = deep != 0;
            struct sm_pq_file *f = NULL;
            struct sm_error e;
            sm_err_clear(&e);
            enum sm_code rc = sm_pq_check_buf(buf, len, &opt, &f, &e);
            if (!verdict_matches(file, deep ? "deep" : "footer", exp, why, rc, &e)) {
                bad++;
            }
            if (!deep && f != NULL && !facts_match(m, f)) {
                bad++;
            }
            sm_pq_file_free(f);
        }
        free(buf);
        n++;
    }
    cJSON_Delete(manifest);
    fprintf(stderr, "corpus: %d files, %d disagreements\n", n, bad);
    assert_int_equal(n, 135);
    assert_int_equal(bad, 0);
}

static struct sm_pq_file *open_ok(const char *dir, const char *file)
{
    size_t len = 0;
    uint8_t *buf = read_corpus_file(dir, file, &len);
    assert_non_null(buf);
    struct sm_pq_file *f = NULL;
    struct sm_error e;
    enum sm_code rc = sm_pq_check_buf(buf, len, NULL, &f, &e);
    free(buf);
    if (rc != SM_OK) {
        sm_pq_file_free(f);
        return NULL;
    }
    return f;
}

/* Replay stage A: the first accepted file fixes the schema. */
static void stage_sequence_schema_verdicts(void **state)
{
    (void)state;
    const char *dir = sm_test_corpus_dir();
    if (dir == NULL) {
        skip();
    }
    cJSON *seq = load_json(dir, "stage_sequence.json");
    assert_non_null(seq);
    struct sm_pq_schema *stage = NULL;
    int checked = 0;
    const cJSON *step;
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(seq, "steps"))
    {
        const char *file = str(step, "file"), *reason = str(step, "reason");
        struct sm_pq_file *f = open_ok(dir, file);
        if (f == NULL || strcmp(reason, "duplicate-name") == 0) {
            /* rejected before the schema rule, or a name rule: not this test's */
            assert_true(f == NULL || strcmp(reason, "duplicate-name") == 0);
            sm_pq_file_free(f);
            continue;
        }
        struct sm_error e;
        enum sm_code rc = stage ? sm_pq_schema_compare(stage, sm_pq_file_schema(f), &e) : SM_OK;
        if (strcmp(reason, "schema-mismatch") == 0) {
            assert_int_equal(rc, SM_E_MISMATCH);
            assert_int_equal(e.rule, SM_RULE_SAME_SCHEMA);
            assert_non_null(strstr(e.message, "column '"));
        } else {
            assert_int_equal(rc, SM_OK);
            if (stage == NULL) {
                stage = sm_pq_schema_dup(sm_pq_file_schema(f));
                assert_non_null(stage);
            }
        }
        checked++;
        sm_pq_file_free(f);
    }
    sm_pq_schema_free(stage);
    cJSON_Delete(seq);
    assert_int_equal(checked, 9); /* 14 steps less 3 codec/magic rejects, 1 duplicate */
}

/* The mismatch message names the column and both sides. */
static void type_change_names_column_and_both_types(void **state)
{
    (void)state;
    const char *dir = sm_test_corpus_dir();
    if (dir == NULL) {
        skip();
    }
    struct sm_pq_file *a = open_ok(dir, "duckdb/stage_a_01.snappy.parquet");
    struct sm_pq_file *b = open_ok(dir, "duckdb/type_changed.snappy.parquet");
    struct sm_pq_file *c = open_ok(dir, "duckdb/extra_column.snappy.parquet");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    struct sm_error e;
    assert_int_equal(sm_pq_schema_compare(sm_pq_file_schema(a), sm_pq_file_schema(b), &e),
                     SM_E_MISMATCH);
    assert_non_null(strstr(e.message, "'amount'"));
    assert_non_null(strstr(e.message, "double"));
    assert_non_null(strstr(e.message, "byte_array"));
    assert_int_equal(sm_pq_schema_compare(sm_pq_file_schema(a), sm_pq_file_schema(c), &e),
                     SM_E_MISMATCH);
    assert_non_null(strstr(e.message, "extra column 'note'"));
    assert_int_equal(sm_pq_schema_compare(sm_pq_file_schema(c), sm_pq_file_schema(a), &e),
                     SM_E_MISMATCH);
    assert_non_null(strstr(e.message, "lacks column 'note'"));
    sm_pq_file_free(a);
    sm_pq_file_free(b);
    sm_pq_file_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus_verdicts_match_manifest),
        cmocka_unit_test(stage_sequence_schema_verdicts),
        cmocka_unit_test(type_change_names_column_and_both_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
