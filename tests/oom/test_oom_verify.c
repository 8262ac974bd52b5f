/*
 * test_oom_verify.c - allocation failures in sm_server_verify (expect_lang.c,
 * expect_check.c), SQLite-style: for N = 1, 2, ... the Nth allocation of one
 * call fails (oom.h), until the call runs with no failure left to inject.
 * A call whose allocation failed must answer SM_E_NOMEM (503, no diff), or
 * still get to its verdict: SM_E_MISMATCH with a whole diff (the in-order
 * alignment falls back to pairing rows by position when its table cannot be
 * had). Nothing may crash or leak (ASan in `make MODE=asan test`). The
 * journal is filled over HTTP before any failure is armed; the server is
 * idle while one is.
 */
#include "../support/sm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/sm_http.h"
#include "oom.h"
#include "stagemock/server.h"

#define MAX_N 100000

static const char EXPECT[] = "in order { upload file=b.parquet; upload file=a.parquet; list }\n"
                             "in any order { list; download; upload file=c.parquet }\n"
                             "exactly 1 upload stage=\"s*\"\n"
                             "never upload rule=unique-names; at least 2 list status=2xx\n";

static void verify_survives_every_allocation_failure(void **state)
{
    (void)state;
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    (void)sm_test_upload(srv, "a.parquet", 1);
    (void)sm_test_upload(srv, "b.parquet", 2);
    (void)sm_test_upload(srv, "a.parquet", 3);
    struct sm_resp r;
    sm_http_request(sm_server_url(srv), NULL, "/list-stage-files", "k1",
                    "application/x-www-form-urlencoded", "stage_id=s1", &r);
    sm_resp_cleanup(&r);
    char *want = NULL;
    struct sm_error err;
    assert_int_equal(sm_server_verify(srv, EXPECT, &want, &err), SM_E_MISMATCH);
    assert_non_null(want);

    long n_values = 0, n_nomem = 0, n_absorbed = 0;
    for (long n = 1; n <= MAX_N; n++) {
        char *diff = NULL;
        memset(&err, 0, sizeof err);
        oom_arm(n);
        enum sm_code rc = sm_server_verify(srv, EXPECT, &diff, &err);
        bool fired = oom_disarm();
        n_values++;
        if (!fired) {
            assert_int_equal(rc, SM_E_MISMATCH);
            assert_string_equal(diff, want);
        } else if (rc == SM_E_NOMEM) {
            assert_null(diff);
            assert_int_equal(err.http_status, 503);
            n_nomem++;
        } else {
            if (rc != SM_E_MISMATCH || diff == NULL) {
                fail_msg("allocation %ld failed: %s (%s), diff %s", n, sm_strerror(rc), err.message,
                         diff ? "set" : "NULL");
            }
            size_t head = strcspn(want, "\n"); /* the same verdict: its first line */
            assert_memory_equal(diff, want, head + 1);
            n_absorbed++;
        }
        sm_free(diff);
        if (!fired) {
            break;
        }
        assert_true(n < MAX_N);
    }
    printf("oom: verify: %ld values of N; %ld out of memory, %ld absorbed, then the verdict\n",
           n_values, n_nomem, n_absorbed);
    assert_true(n_values > 10);
    sm_free(want);
    sm_server_free(srv);
}

int main(void)
{
    oom_hook_cjson();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verify_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
