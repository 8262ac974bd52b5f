/*
 * test_json_text.c - common/sm_json.h and common/sm_utf8.h, and the places
 * the server uses them: integers written and read back exactly over the
 * whole 64-bit range, numbers kept verbatim when a document is embedded,
 * UTF-8 checked, cut on character boundaries, scrubbed and repaired, error
 * messages that stay valid UTF-8 when truncated, names and text fields that
 * refuse invalid UTF-8 and NUL.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <string.h>

#include "../../common/sm_json.h"
#include "../src/internal.h"

static char *print_one(const char *name, cJSON *item)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, name, item);
    char *t = sm_json_print(o);
    cJSON_Delete(o);
    return t;
}

static void integers_print_exactly_over_the_whole_range(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        const char *want;
    } cases[] = {
        {0, "{\"n\":0}"},
        {-1, "{\"n\":-1}"},
        {2147483647, "{\"n\":2147483647}"},
        {2147483648LL, "{\"n\":2147483648}"},
        {1796326313740650LL, "{\"n\":1796326313740650}"}, /* cJSON: 1.79632631374065e+15 */
        {9007199254740993LL, "{\"n\":9007199254740993}"}, /* 2^53 + 1 */
        {INT64_MAX, "{\"n\":9223372036854775807}"},
        {INT64_MIN, "{\"n\":-9223372036854775808}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = print_one("n", sm_json_create_i64(cases[i].v));
        assert_string_equal(t, cases[i].want);
        free(t);
    }
    char *t = print_one("n", sm_json_create_u64(UINT64_MAX));
    assert_string_equal(t, "{\"n\":18446744073709551615}");
    free(t);
}

static void integers_read_back_exactly(void **state)
{
    (void)state;
    const char *text = "{\"a\":18446744073709551615,\"b\":-9223372036854775808,"
                       "\"c\":9007199254740993,\"s\":\"-12 3.5e9\",\"d\":[1.5,2e3,7],"
                       "\"big\":18446744073709551616}";
    cJSON *j = sm_json_parse(text, strlen(text));
    assert_non_null(j);
    uint64_t u = 0;
    int64_t i = 0;
    assert_true(sm_json_get_u64(cJSON_GetObjectItem(j, "a"), &u));
    assert_true(u == UINT64_MAX);
    assert_true(sm_json_get_i64(cJSON_GetObjectItem(j, "b"), &i));
    assert_true(i == INT64_MIN);
    assert_true(sm_json_get_u64(cJSON_GetObjectItem(j, "c"), &u));
    assert_true(u == 9007199254740993ull); /* through a double: ...992 */
    const cJSON *d = cJSON_GetObjectItem(j, "d");
    assert_false(sm_json_get_i64(cJSON_GetArrayItem(d, 0), &i)); /* a fraction */
    assert_false(sm_json_get_i64(cJSON_GetArrayItem(d, 1), &i)); /* an exponent */
    assert_true(sm_json_get_i64(cJSON_GetArrayItem(d, 2), &i));
    assert_true(i == 7); /* the number inside the string "s" did not shift the literals */
    assert_false(sm_json_get_u64(cJSON_GetObjectItem(j, "big"), &u)); /* out of range */
    assert_false(sm_json_get_u64(cJSON_GetObjectItem(j, "b"), &u));   /* negative */
    cJSON_Delete(j);
    /* without literals (cJSON_Parse): exact up to 2^53 only */
    cJSON *p = cJSON_Parse("{\"a\":4503599627370497,\"b\":1e300}");
    assert_true(sm_json_get_i64(cJSON_GetObjectItem(p, "a"), &i));
    assert_true(i == 4503599627370497LL);
    assert_false(sm_json_get_i64(cJSON_GetObjectItem(p, "b"), &i));
    cJSON_Delete(p);
}

static void embedded_documents_keep_their_numbers(void **state)
{
    (void)state;
    const char *journal = "{\"seed\":18446744073709551557,\"entries\":[{\"start_us\":"
                          "1796326313740650,\"p\":0.25}]}";
    cJSON *outer = cJSON_CreateObject();
    cJSON_AddItemToObject(outer, "journal", sm_json_parse_verbatim(journal, strlen(journal)));
    char *t = sm_json_print(outer);
    cJSON_Delete(outer);
    char want[256];
    (void)snprintf(want, sizeof want, "{\"journal\":%s}", journal);
    assert_string_equal(t, want);
    free(t);
}

static void printing_repairs_invalid_utf8(void **state)
{
    (void)state;
    char *t = print_one("m", cJSON_CreateString("a\xff"
                                                "b\xc3"));
    assert_string_equal(t, "{\"m\":\"a\xef\xbf\xbd"
                           "b\xef\xbf\xbd\"}");
    assert_true(sm_utf8_valid(t, strlen(t)));
    free(t);
}

static void utf8_check_cut_scrub(void **state)
{
    (void)state;
    assert_true(sm_utf8_valid("h\xc3\xa9llo \xe2\x80\xa6 \xf0\x9f\x98\x80", 15));
    assert_int_equal(sm_utf8_check("ab\xc0\xaf", 4), 2);        /* overlong '/' */
    assert_int_equal(sm_utf8_check("a\xed\xa0\x80", 4), 1);     /* a surrogate */
    assert_int_equal(sm_utf8_check("a\xf4\x90\x80\x80", 5), 1); /* above U+10FFFF */
    assert_int_equal(sm_utf8_check("\xe2\x80", 2), 0);          /* cut short */
    assert_int_equal(sm_utf8_cut("\xc3\xa9\xc3\xa9", 4, 3), 2); /* not inside the 2nd */
    assert_int_equal(sm_utf8_cut("\xe2\x80\xa6x", 4, 2), 0);
    assert_int_equal(sm_utf8_cut("abc", 3, 5), 3);
    char s[] = "ok \xc3\xa9 bad\xff end \xe2\x80";
    sm_utf8_scrub(s);
    assert_string_equal(s, "ok \xc3\xa9 bad? end "); /* a cut character is left out */
}

static void error_messages_are_cut_on_character_boundaries(void **state)
{
    (void)state;
    char name[801];
    for (int i = 0; i < 400; i++) {
        name[2 * i] = '\xc3';
        name[2 * i + 1] = '\xa9';
    }
    name[800] = '\0';
    for (int pad = 0; pad < 4; pad++) { /* every alignment of the cut */
        struct sm_error e;
        (void)sm_err_set(&e, SM_E_CONFLICT, 409, SM_RULE_UNIQUE_NAMES,
                         "%.*sthe stage already has a file named '%s'", pad, "xxx", name);
        size_t len = strlen(e.message);
        assert_true(len <= SM_ERROR_MSG_LEN - 1 && len >= SM_ERROR_MSG_LEN - 3);
        assert_true(sm_utf8_valid(e.message, len));
    }
    struct sm_error e;
    (void)sm_err_set(&e, SM_E_NOT_FOUND, 404, SM_RULE_BYTES, "no file '%.3s'", "\xc3\xa9\xc3\xa9");
    assert_string_equal(e.message, "no file '\xc3\xa9'"); /* "%.3s" cut the second 'é' */
    sm_err_prefix(&e, "%s", "\xe2\x80\xa6: ");
    assert_true(sm_utf8_valid(e.message, strlen(e.message)));
}

static void names_and_fields_refuse_invalid_utf8_and_nul(void **state)
{
    (void)state;
    struct sm_error e;
    assert_int_equal(sm_name_check("\xc3\xa9t\xc3\xa9.parquet", 11, &e), SM_OK);
    assert_int_equal(sm_name_check("bad\xff.parquet", 12, &e), SM_E_ARG);
    assert_int_equal(e.http_status, 400);
    assert_int_equal(e.rule, SM_RULE_UNIQUE_NAMES);
    assert_non_null(strstr(e.message, "not valid UTF-8"));
    assert_int_equal(sm_text_check("stage_id", "s1\0junk", 7, SM_RULE_ONE_FILE, &e),
                     SM_E_MALFORMED);
    assert_string_equal(e.message, "stage_id contains NUL at byte 2");
    assert_int_equal(sm_text_check("stage_id", "s1\xc3", 3, SM_RULE_ORDER, &e), SM_E_MALFORMED);
    assert_int_equal(e.rule, SM_RULE_ORDER);
    assert_non_null(strstr(e.message, "stage_id is not valid UTF-8"));
    assert_int_equal(sm_text_check("file_name", "\xc3\xa9", 2, SM_RULE_UNIQUE_NAMES, &e), SM_OK);
}

static void stage_names_and_keys_must_be_utf8(void **state)
{
    (void)state;
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    struct sm_server *srv = NULL;
    struct sm_error e;
    assert_int_equal(sm_server_new(&cfg, &srv, &e), SM_OK);
    assert_int_equal(sm_server_add_stage(srv, "\xc3\xa9-stage", &e), SM_OK);
    assert_int_equal(sm_server_add_stage(srv, "bad\xfe", &e), SM_E_ARG);
    assert_non_null(strstr(e.message, "UTF-8"));
    assert_int_equal(sm_server_add_key(srv, "k\xff", NULL, 0, &e), SM_E_ARG);
    sm_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_print_exactly_over_the_whole_range),
        cmocka_unit_test(integers_read_back_exactly),
        cmocka_unit_test(embedded_documents_keep_their_numbers),
        cmocka_unit_test(printing_repairs_invalid_utf8),
        cmocka_unit_test(utf8_check_cut_scrub),
        cmocka_unit_test(error_messages_are_cut_on_character_boundaries),
        cmocka_unit_test(names_and_fields_refuse_invalid_utf8_and_nul),
        cmocka_unit_test(stage_names_and_keys_must_be_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
