/*
 * test_oom_parse.c - allocation failures in the profile and scenario parsers,
 * SQLite-style: for N = 1, 2, ... the Nth allocation of one call fails
 * (oom.h), until the call runs with no failure left to inject. Every failed
 * call must return an error with a status (503/500 for the out-of-memory
 * paths, 400 where cJSON's parse itself ran out and the text reads as
 * invalid), a message, and leave the server's rules as they were; nothing
 * may crash or leak (ASan in `make MODE=asan test`). The calls go through
 * the public API (sm_server_load_profile, _load_scenario, _add_rule,
 * _add_fault), so each parser's apply step is covered too; so are the
 * set-up calls of an embedding test (_add_stage, _add_key, _preload).
 */
#include "../support/sm_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/test_access.h" /* the server's profile, to compare */
#include "../support/sm_http.h"
#include "oom.h"
#include "stagemock/parquet_format.h"
#include "stagemock/scenario.h"
#include "stagemock/server.h"

#define MAX_N 100000

static const char PROFILE[] =
    "{\"comment\":\"every key\",\"status\":{\"codec\":415,\"unique-names\":400,\"auth\":403},"
    "\"file_id_field\":\"id\",\"list_files_field\":\"items\",\"list_name_field\":\"n\","
    "\"list_id_field\":\"i\",\"list_size_field\":\"s\",\"validation\":\"footer\","
    "\"max_upload\":1000000,\"codecs\":[\"SNAPPY\",\"GZIP\",\"UNCOMPRESSED\"],"
    "\"download_encoding\":\"base64\"}";

static const char SCENARIO[] =
    "{\"description\":\"a bit of everything\",\"seed\":7,\"initial_state\":\"down\",\"rules\":["
    "{\"name\":\"outage\",\"match\":{\"endpoint\":\"upload\",\"state\":\"down\"},"
    "\"action\":{\"status\":503,\"message\":\"maintenance\",\"headers\":{\"Retry-After\":\"2\"}}},"
    "{\"name\":\"look\",\"match\":{\"endpoint\":\"list\",\"state\":\"down\"},"
    "\"action\":{\"real\":true,\"set_state\":\"up\"}},"
    "{\"name\":\"canary\",\"match\":{\"endpoint\":[\"upload\",\"download\"],\"stage\":\"s1\","
    "\"file\":\"part-*.parquet\",\"key\":\"k1\",\"headers\":{\"X-Canary\":true,"
    "\"User-Agent\":\"stagectl/1.0\"},\"times\":2},\"action\":{\"status\":429}},"
    "{\"name\":\"flaky\",\"match\":{\"endpoint\":\"upload\",\"probability\":0.3},"
    "\"action\":{\"status\":500,\"message\":\"internal error\"}},"
    "{\"name\":\"slow\",\"match\":{\"endpoint\":\"download\",\"file\":\"*_big.parquet\"},"
    "\"action\":{\"real\":true,\"dribble\":{\"chunk_bytes\":1024,\"interval_ms\":50}}},"
    "{\"name\":\"short\",\"match\":{\"endpoint\":\"download\",\"nth\":3},"
    "\"action\":{\"real\":true,\"truncate_at\":100,\"content_length\":10000}},"
    "{\"name\":\"rst\",\"match\":{\"endpoint\":\"download\",\"nth\":1},"
    "\"action\":{\"real\":true,\"response_fault\":{\"after_bytes\":1000,\"do\":\"reset\"}}}"
    "]}";

static const char RULE[] =
    "{\"name\":\"one\",\"match\":{\"endpoint\":\"upload\",\"nth\":2,\"stage\":\"s*\"},"
    "\"action\":{\"real\":true,\"status\":202,\"headers\":{\"X-Served-By\":\"edge-3\"}}}";

static const char FAULT[] = "upload,list:nth=2:stage=s1:file=*.p:if-header=X-A=b:real:"
                            "status=202:header=X-Y=z:retry-after=1";

enum op { OP_PROFILE, OP_SCENARIO, OP_RULE, OP_FAULT, OP_STAGE, OP_KEY, OP_KEY_AGAIN, OP_PRELOAD };

static uint8_t *parquet;
static size_t parquet_len;

static enum sm_code run_op(struct sm_server *srv, enum op op, struct sm_error *err)
{
    static const char *const stages[] = {"s1", "s2"};
    switch (op) {
    case OP_PROFILE:
        return sm_server_load_profile(srv, PROFILE, strlen(PROFILE), err);
    case OP_SCENARIO:
        return sm_server_load_scenario(srv, SCENARIO, strlen(SCENARIO), ".", err);
    case OP_RULE:
        return sm_server_add_rule(srv, RULE, err);
    case OP_FAULT:
        return sm_server_add_fault(srv, FAULT, err);
    case OP_STAGE:
        return sm_server_add_stage(srv, "s3", err);
    case OP_KEY:
    case OP_KEY_AGAIN: /* k1 exists: its stages are replaced */
        return sm_server_add_key(srv, op == OP_KEY ? "k2" : "k1", stages, 2, err);
    default:
        return sm_server_preload(srv, "s1", "a.parquet", parquet, parquet_len, err);
    }
}

struct tally {
    long n_values; /* N tried, the last one (no failure left) included */
    long n_status[6];
    long n_absorbed; /* a failure the call got past, with the same result */
};

/* What a call can change: the rules (as listed) and the profile. */
struct snapshot {
    char *rules;
    char *stages;                /* sm_server_stages_json, file ids masked */
    unsigned char profile[4096]; /* sm_test_access_profile's bytes */
    size_t profile_size;
};

/* File ids are drawn anew by each try: mask the hex digits of "f_…". */
static void mask_ids(char *json)
{
    for (char *p = json; (p = strstr(p, "\"f_")) != NULL; p += 3) {
        for (char *h = p + 3; (*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f'); h++) {
            *h = '0';
        }
    }
}

static void snap(struct sm_server *srv, struct snapshot *out)
{
    out->rules = sm_server_list_rules(srv);
    assert_non_null(out->rules);
    out->stages = sm_server_stages_json(srv);
    assert_non_null(out->stages);
    mask_ids(out->stages);
    out->profile_size = sm_test_access_profile(srv, out->profile, sizeof out->profile);
    assert_true(out->profile_size <= sizeof out->profile);
}

static void snap_cleanup(struct snapshot *s)
{
    sm_free(s->rules);
    sm_free(s->stages);
}

static bool snap_equal(const struct snapshot *a, const struct snapshot *b)
{
    return strcmp(a->rules, b->rules) == 0 && strcmp(a->stages, b->stages) == 0 &&
           a->profile_size == b->profile_size &&
           memcmp(a->profile, b->profile, a->profile_size) == 0;
}

/* A server with stages s1, s2 and key k1, as every try starts from. */
static struct sm_server *fresh_server(void)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    struct sm_server *srv = NULL;
    struct sm_error err;
    assert_int_equal(sm_server_new(&cfg, &srv, &err), SM_OK);
    assert_int_equal(sm_server_add_stage(srv, "s1", &err), SM_OK);
    assert_int_equal(sm_server_add_stage(srv, "s2", &err), SM_OK);
    assert_int_equal(sm_server_add_key(srv, "k1", NULL, 0, &err), SM_OK);
    return srv;
}

/* Fail allocation N = 1, 2, ... of one call until it runs without a failure:
 * each failed call answers an error and changes nothing; a call that gets
 * past its failure must end exactly as the undisturbed call does. */
static void oom_loop(enum op op, const char *what)
{
    struct sm_server *srv = fresh_server();
    struct sm_error err;
    struct snapshot want;
    assert_int_equal(run_op(srv, op, &err), SM_OK);
    snap(srv, &want);
    sm_server_free(srv);

    struct tally t = {0};
    for (long n = 1; n <= MAX_N; n++) {
        srv = fresh_server();
        struct snapshot before, after;
        snap(srv, &before);
        memset(&err, 0, sizeof err);
        oom_arm(n);
        enum sm_code rc = run_op(srv, op, &err);
        bool fired = oom_disarm();
        snap(srv, &after);
        t.n_values++;
        if (!fired) {
            assert_int_equal(rc, SM_OK); /* the whole call ran: it must succeed */
        } else if (rc == SM_OK) {
            if (!snap_equal(&after, &want)) {
                fail_msg("%s: allocation %ld failed, the call succeeded, the result differs: %s %s",
                         what, n, after.rules, after.stages);
            }
            t.n_absorbed++;
        } else {
            if (err.http_status != 400 && err.http_status != 500 && err.http_status != 503) {
                fail_msg("%s: allocation %ld failed: status %d (%s)", what, n, err.http_status,
                         err.message);
            }
            assert_true(err.message[0] != '\0');
            t.n_status[err.http_status / 100]++;
            if (!snap_equal(&after, &before)) {
                fail_msg("%s: allocation %ld failed (%s) and the state changed: %s %s", what, n,
                         err.message, after.rules, after.stages);
            }
        }
        snap_cleanup(&before);
        snap_cleanup(&after);
        sm_server_free(srv);
        if (!fired) {
            break;
        }
        assert_true(n < MAX_N);
    }
    snap_cleanup(&want);
    printf("oom: %s: %ld values of N; %ld answered 4xx, %ld 5xx, %ld absorbed, then success\n",
           what, t.n_values, t.n_status[4], t.n_status[5], t.n_absorbed);
    assert_true(t.n_values > 1); /* the call allocates, so the loop was exercised */
}

static void profile_load_survives_every_allocation_failure(void **state)
{
    (void)state;
    oom_loop(OP_PROFILE, "profile");
}

static void scenario_load_survives_every_allocation_failure(void **state)
{
    (void)state;
    oom_loop(OP_SCENARIO, "scenario");
}

static void rule_add_survives_every_allocation_failure(void **state)
{
    (void)state;
    oom_loop(OP_RULE, "rule");
}

static void fault_add_survives_every_allocation_failure(void **state)
{
    (void)state;
    oom_loop(OP_FAULT, "fault spec");
}

static void stage_add_survives_every_allocation_failure(void **state)
{
    (void)state;
    oom_loop(OP_STAGE, "add a stage");
}

static void key_add_survives_every_allocation_failure(void **state)
{
    (void)state;
    oom_loop(OP_KEY, "add a key");
    oom_loop(OP_KEY_AGAIN, "replace a key's stages");
}

static void preload_survives_every_allocation_failure(void **state)
{
    (void)state;
    oom_loop(OP_PRELOAD, "preload a file");
}

/* The injector itself: armed at N, exactly the Nth allocation fails. */
static void injector_fails_exactly_the_armed_allocation(void **state)
{
    (void)state;
    oom_arm(2);
    void *a = malloc(8);
    void *b = malloc(8);
    void *c = malloc(8);
    bool fired = oom_disarm();
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    assert_true(fired);
    free(a);
    free(c);
    oom_arm(1);
    char *d = strdup("x");
    assert_true(oom_disarm());
    assert_null(d);
}

int main(void)
{
    oom_hook_cjson();
    parquet = sm_test_parquet(SM_PQ_SNAPPY, 0, 7, &parquet_len);
    if (parquet == NULL) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(injector_fails_exactly_the_armed_allocation),
        cmocka_unit_test(profile_load_survives_every_allocation_failure),
        cmocka_unit_test(scenario_load_survives_every_allocation_failure),
        cmocka_unit_test(rule_add_survives_every_allocation_failure),
        cmocka_unit_test(fault_add_survives_every_allocation_failure),
        cmocka_unit_test(stage_add_survives_every_allocation_failure),
        cmocka_unit_test(key_add_survives_every_allocation_failure),
        cmocka_unit_test(preload_survives_every_allocation_failure),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(parquet);
    return rc;
}
