/*
 * test_profile.c - the JSON profile (profile.c, docs/PROFILE.md): every key
 * applies, and every wrong value or unknown key is refused with a 400 whose
 * message names the key, leaving the profile exactly as it was.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <string.h>

#include "../src/internal.h"

static void defaults(struct sm_profile *p)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    sm_profile_defaults(p, &cfg);
}

static void profile_every_key_applies(void **state)
{
    (void)state;
    struct sm_profile p;
    defaults(&p);
    static const char json[] =
        "{\"$schema\":\"x\",\"comment\":[1],\"status\":{\"codec\":415,\"unique-names\":400},"
        "\"file_id_field\":\"id\",\"list_files_field\":\"items\",\"list_name_field\":\"n\","
        "\"list_id_field\":\"i\",\"list_size_field\":\"bytes\",\"validation\":\"footer\","
        "\"max_upload\":1000,\"codecs\":[\"GZIP\"],\"download_encoding\":\"base64\"}";
    struct sm_error err;
    assert_int_equal(sm_profile_parse(&p, json, strlen(json), &err), SM_OK);
    assert_int_equal(p.status[SM_RULE_CODEC], 415);
    assert_int_equal(p.status[SM_RULE_UNIQUE_NAMES], 400);
    assert_string_equal(p.file_id_field, "id");
    assert_string_equal(p.list_files_field, "items");
    assert_string_equal(p.list_name_field, "n");
    assert_string_equal(p.list_id_field, "i");
    assert_string_equal(p.list_size_field, "bytes");
    assert_false(p.deep);
    assert_int_equal(p.max_upload, 1000);
    assert_int_equal(p.codecs, SM_PQ_CODEC_BIT(SM_PQ_GZIP));
    assert_true(p.download_base64);
    /* and back */
    static const char back[] = "{\"validation\":\"deep\",\"download_encoding\":\"raw\"}";
    assert_int_equal(sm_profile_parse(&p, back, strlen(back), &err), SM_OK);
    assert_true(p.deep);
    assert_false(p.download_base64);
}

static const struct {
    const char *json;
    const char *names; /* the message must contain this */
} bad[] = {
    {"[1]", "not a JSON object"},
    {"{", "not a JSON object"},
    {"{\"status\":1}", "'status'"},
    {"{\"status\":{\"no-such-rule\":400}}", "unknown rule id 'no-such-rule'"},
    /* a typo names the known ids, so the right spelling is in the message */
    {"{\"status\":{\"codecs\":415}}",
     "unknown rule id 'codecs' (known: parquet-only, codec, one-file-per-request, unique-names, "
     "same-schema, order, error-json, bytes, auth)"},
    /* ids no HTTP answer of the mock carries are not statuses to change */
    {"{\"status\":{\"client-names\":400}}", "unknown rule id 'client-names'"},
    {"{\"status\":{\"io\":400}}", "unknown rule id 'io'"},
    {"{\"status\":{\"codec\":200}}", "status.codec"},
    {"{\"status\":{\"codec\":\"415\"}}", "status.codec"},
    {"{\"file_id_field\":\"\"}", "'file_id_field'"},
    {"{\"list_files_field\":3}", "'list_files_field'"},
    {"{\"list_name_field\":null}", "'list_name_field'"},
    {"{\"list_id_field\":\"0123456789012345678901234567890123456789012345678901234567890123\"}",
     "'list_id_field'"},
    {"{\"list_size_field\":[]}", "'list_size_field'"},
    {"{\"validation\":\"shallow\"}", "'validation'"},
    {"{\"validation\":1}", "'validation'"},
    {"{\"max_upload\":0}", "'max_upload'"},
    {"{\"max_upload\":\"1\"}", "'max_upload'"},
    {"{\"codecs\":\"SNAPPY\"}", "'codecs'"},
    {"{\"codecs\":[\"SNAPPY\",\"LZ5\"]}", "unknown codec 'LZ5'"},
    {"{\"codecs\":[7]}", "(not a string)"},
    {"{\"download_encoding\":\"hex\"}", "'download_encoding'"},
    {"{\"download_encoding\":false}", "'download_encoding'"},
    {"{\"validaton\":\"deep\"}", "unknown key 'validaton'"},
    /* a later bad key undoes the earlier good ones */
    {"{\"file_id_field\":\"id\",\"codecs\":[\"nope\"]}", "unknown codec 'nope'"},
};

static void profile_refusals_name_the_key_and_change_nothing(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sm_profile p, before;
        defaults(&p);
        before = p;
        struct sm_error err;
        memset(&err, 0, sizeof err);
        enum sm_code rc = sm_profile_parse(&p, bad[i].json, strlen(bad[i].json), &err);
        if (rc == SM_OK || err.http_status != 400 || strstr(err.message, bad[i].names) == NULL) {
            fail_msg("profile %s: rc %d, %d '%s' (want 400 naming %s)", bad[i].json, rc,
                     err.http_status, err.message, bad[i].names);
        }
        if (memcmp(&p, &before, sizeof p) != 0) {
            fail_msg("profile %s: refused, yet the profile changed", bad[i].json);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(profile_every_key_applies),
        cmocka_unit_test(profile_refusals_name_the_key_and_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
