/*
 * test_tcompact.c - the Thrift compact reader: primitives at the edges,
 * guard-page buffers so any over-read faults, hostile headers, depth caps,
 * and every truncation of real footers returning an error instead of reading
 * past the end.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/parquet/parquet_int.h"

struct cursor {
    struct sm_guard *g;
    struct sm_tc tc;
    struct sm_error err;
    struct sm_arena arena;
};

static void cursor_open(struct cursor *c, const void *bytes, size_t len)
{
    c->g = sm_guard_new(bytes, len);
    assert_non_null(c->g);
    sm_arena_init(&c->arena, 1u << 20);
    sm_err_clear(&c->err);
    sm_tc_init(&c->tc, c->g->data, len, 100, "footer", &c->arena, &c->err);
}

static void cursor_close(struct cursor *c)
{
    sm_arena_cleanup(&c->arena);
    sm_guard_free(c->g);
}

static void read_varint_decodes_multibyte_values(void **state)
{
    (void)state;
    const uint8_t b[] = {0xac, 0x02};
    struct cursor c;
    cursor_open(&c, b, sizeof b);
    uint64_t v = 0;
    assert_int_equal(sm_tc_read_varint(&c.tc, &v), SM_OK);
    assert_int_equal(v, 300);
    assert_int_equal(c.tc.pos, 2);
    cursor_close(&c);
}

static void read_varint_rejects_eleventh_byte(void **state)
{
    (void)state;
    uint8_t b[11];
    memset(b, 0xff, sizeof b);
    struct cursor c;
    cursor_open(&c, b, sizeof b);
    uint64_t v;
    assert_int_equal(sm_tc_read_varint(&c.tc, &v), SM_E_MALFORMED);
    assert_int_equal(c.err.rule, SM_RULE_PARQUET_ONLY);
    cursor_close(&c);
}

static void read_varint_at_end_of_buffer_fails_without_overread(void **state)
{
    (void)state;
    const uint8_t b[] = {0x80, 0x80};
    struct cursor c;
    cursor_open(&c, b, sizeof b);
    uint64_t v;
    assert_int_equal(sm_tc_read_varint(&c.tc, &v), SM_E_MALFORMED);
    assert_non_null(strstr(c.err.message, "footer byte 102"));
    cursor_close(&c);
}

static void read_i32_unzigzags_and_range_checks(void **state)
{
    (void)state;
    const uint8_t neg[] = {0x03}; /* zigzag 3 = -2 */
    struct cursor c;
    cursor_open(&c, neg, sizeof neg);
    int32_t v;
    assert_int_equal(sm_tc_read_i32(&c.tc, &v), SM_OK);
    assert_int_equal(v, -2);
    cursor_close(&c);
    const uint8_t big[] = {0x80, 0x80, 0x80, 0x80, 0x20}; /* 2^33 zigzag: 2^32 */
    cursor_open(&c, big, sizeof big);
    assert_int_equal(sm_tc_read_i32(&c.tc, &v), SM_E_MALFORMED);
    assert_non_null(strstr(c.err.message, "out of range"));
    cursor_close(&c);
}

static void read_binary_longer_than_buffer_names_both_lengths(void **state)
{
    (void)state;
    const uint8_t b[] = {0x05, 'a', 'b'};
    struct cursor c;
    cursor_open(&c, b, sizeof b);
    struct sm_tc_bin bin;
    assert_int_equal(sm_tc_read_binary(&c.tc, &bin), SM_E_MALFORMED);
    assert_non_null(strstr(c.err.message, "claims 5 bytes, 2 remain"));
    cursor_close(&c);
}

static void list_header_count_bounded_by_remaining_bytes(void **state)
{
    (void)state;
    /* long form: 0xf9 = count follows, element type struct(12)... use i32 (5) */
    const uint8_t b[] = {0xf5, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
    struct cursor c;
    cursor_open(&c, b, sizeof b);
    uint8_t et;
    uint32_t n;
    assert_int_equal(sm_tc_read_list_header(&c.tc, &et, &n), SM_E_MALFORMED);
    assert_non_null(strstr(c.err.message, "4294967295 elements"));
    cursor_close(&c);
}

static void skip_handles_every_type_and_stops_at_depth_cap(void **state)
{
    (void)state;
    /* struct { 1: i32 5, 2: binary "xy", 3: list<i64> [1,2], 4: map<i32,i32>{1:1},
                5: double, 6: bool true, 7: struct { } } */
    const uint8_t b[] = {0x15, 0x0a, 0x18, 0x02, 'x',  'y',  0x19, 0x26, 0x02, 0x04,
                         0x1b, 0x01, 0x55, 0x02, 0x02, 0x17, 0,    0,    0,    0,
                         0,    0,    0,    0,    0x11, 0x1c, 0x00, 0x00};
    struct cursor c;
    cursor_open(&c, b, sizeof b);
    assert_int_equal(sm_tc_skip(&c.tc, SM_TC_T_STRUCT), SM_OK);
    assert_int_equal(c.tc.pos, sizeof b);
    cursor_close(&c);

    uint8_t deep[SM_TC_MAX_DEPTH + 8];
    memset(deep, 0x1c, sizeof deep); /* field 1: struct, nested forever */
    cursor_open(&c, deep, sizeof deep);
    assert_int_equal(sm_tc_skip(&c.tc, SM_TC_T_STRUCT), SM_E_MALFORMED);
    assert_non_null(strstr(c.err.message, "nesting deeper"));
    cursor_close(&c);
}

static void unknown_type_nibble_is_malformed(void **state)
{
    (void)state;
    const uint8_t b[] = {0x1e, 0x00};
    struct cursor c;
    cursor_open(&c, b, sizeof b);
    assert_int_equal(sm_tc_skip(&c.tc, SM_TC_T_STRUCT), SM_E_MALFORMED);
    assert_non_null(strstr(c.err.message, "unknown compact type"));
    cursor_close(&c);
}

/* A minimal valid footer: version 1, schema [root(1 child), required int32 a],
 * num_rows 0, row_groups []. */
static const uint8_t tiny_footer[] = {
    0x15, 0x02,                                           /* 1: version i32 = 1 */
    0x19, 0x2c,                                           /* 2: schema list<struct> of 2 */
    0x48, 0x04, 'r',  'o',  'o',  't',  0x15, 0x02, 0x00, /* name, num_children 1 */
    0x15, 0x02, 0x25, 0x00, 0x18, 0x01, 'a',  0x00,       /* type INT32, rep REQUIRED, name */
    0x16, 0x00,                                           /* 3: num_rows i64 = 0 */
    0x19, 0x0c,                                           /* 4: row_groups list<struct> of 0 */
    0x00,
};

static void footer_parse_reads_a_tiny_footer(void **state)
{
    (void)state;
    struct cursor c;
    cursor_open(&c, tiny_footer, sizeof tiny_footer);
    struct sm_pq_file_meta md;
    assert_int_equal(sm_pq_footer_parse(c.g->data, c.g->len, 0, &c.arena, &md, &c.err), SM_OK);
    assert_int_equal(md.n_schema, 2);
    assert_int_equal(md.schema[1].type, SM_PQ_INT32);
    assert_memory_equal(md.schema[1].name.p, "a", 1);
    assert_int_equal(md.n_row_groups, 0);
    cursor_close(&c);
}

static void footer_parse_survives_every_truncation(void **state)
{
    (void)state;
    for (size_t cut = 0; cut < sizeof tiny_footer; cut++) {
        struct cursor c;
        cursor_open(&c, tiny_footer, cut);
        struct sm_pq_file_meta md;
        enum sm_code rc = sm_pq_footer_parse(c.g->data, cut, 0, &c.arena, &md, &c.err);
        assert_int_not_equal(rc, SM_OK);
        assert_int_equal(c.err.rule, SM_RULE_PARQUET_ONLY);
        cursor_close(&c);
    }
}

static void footer_missing_required_field_is_named(void **state)
{
    (void)state;
    const uint8_t no_rows[] = {0x15, 0x02, 0x19, 0x0c, 0x29, 0x0c, 0x00};
    struct cursor c;
    cursor_open(&c, no_rows, sizeof no_rows);
    struct sm_pq_file_meta md;
    assert_int_equal(sm_pq_footer_parse(c.g->data, c.g->len, 0, &c.arena, &md, &c.err),
                     SM_E_MALFORMED);
    assert_non_null(strstr(c.err.message, "num_rows"));
    cursor_close(&c);
}

static void footer_enum_out_of_range_is_rejected(void **state)
{
    (void)state;
    uint8_t b[sizeof tiny_footer];
    memcpy(b, tiny_footer, sizeof b);
    b[14] = 0x0d; /* type zigzag(-7) */
    struct cursor c;
    cursor_open(&c, b, sizeof b);
    struct sm_pq_file_meta md;
    assert_int_equal(sm_pq_footer_parse(c.g->data, c.g->len, 0, &c.arena, &md, &c.err),
                     SM_E_MALFORMED);
    assert_non_null(strstr(c.err.message, "physical type -7"));
    cursor_close(&c);
}

/* Every truncation of every real corpus footer fails cleanly (guard page). */
static void corpus_footers_truncated_at_every_byte(void **state)
{
    (void)state;
    const char *dir = sm_test_corpus_dir();
    if (dir == NULL) {
        skip();
    }
    const char *files[] = {"duckdb/nested_list.snappy.parquet",
                           "parquet-testing/data/alltypes_plain.snappy.parquet",
                           "parquet-testing/data/nested_maps.snappy.parquet"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096];
        (void)snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        size_t len = 0;
        uint8_t *buf = sm_test_read_file(path, &len);
        assert_non_null(buf);
        uint32_t flen = (uint32_t)buf[len - 8] | (uint32_t)buf[len - 7] << 8 |
                        (uint32_t)buf[len - 6] << 16 | (uint32_t)buf[len - 5] << 24;
        const uint8_t *footer = buf + len - 8 - flen;
        for (uint32_t cut = 0; cut < flen; cut++) {
            struct cursor c;
            cursor_open(&c, footer, cut);
            struct sm_pq_file_meta md;
            assert_int_not_equal(sm_pq_footer_parse(c.g->data, cut, 0, &c.arena, &md, &c.err),
                                 SM_OK);
            cursor_close(&c);
        }
        struct cursor c;
        cursor_open(&c, footer, flen);
        struct sm_pq_file_meta md;
        assert_int_equal(sm_pq_footer_parse(c.g->data, flen, 0, &c.arena, &md, &c.err), SM_OK);
        cursor_close(&c);
        free(buf);
    }
}

static void arena_refuses_past_its_cap(void **state)
{
    (void)state;
    struct sm_arena a;
    sm_arena_init(&a, 1000);
    assert_non_null(sm_arena_alloc(&a, 500));
    assert_null(sm_arena_alloc(&a, 600));
    assert_non_null(sm_arena_alloc(&a, 400));
    sm_arena_cleanup(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_varint_decodes_multibyte_values),
        cmocka_unit_test(read_varint_rejects_eleventh_byte),
        cmocka_unit_test(read_varint_at_end_of_buffer_fails_without_overread),
        cmocka_unit_test(read_i32_unzigzags_and_range_checks),
        cmocka_unit_test(read_binary_longer_than_buffer_names_both_lengths),
        cmocka_unit_test(list_header_count_bounded_by_remaining_bytes),
        cmocka_unit_test(skip_handles_every_type_and_stops_at_depth_cap),
        cmocka_unit_test(unknown_type_nibble_is_malformed),
        cmocka_unit_test(footer_parse_reads_a_tiny_footer),
        cmocka_unit_test(footer_parse_survives_every_truncation),
        cmocka_unit_test(footer_missing_required_field_is_named),
        cmocka_unit_test(footer_enum_out_of_range_is_rejected),
        cmocka_unit_test(corpus_footers_truncated_at_every_byte),
        cmocka_unit_test(arena_refuses_past_its_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
