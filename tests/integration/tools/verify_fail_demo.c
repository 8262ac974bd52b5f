/*
 * verify_fail_demo.c - a CMocka program that fails on purpose, so that
 * verify_cmocka_test.sh can show what stagemock/cmocka_verify.h prints in a
 * failed test (docs/VERIFY.md): one test whose expectation holds, one whose
 * expectation is not met (the diff, then CMocka's failure line), one whose
 * expectation does not parse. Not part of the CMocka suite: run it through
 * the script only.
 */
#include "../../support/sm_test.h"

#include <stdlib.h>

#include "../../support/sm_http.h"
#include "stagemock/cmocka_verify.h"
#include "stagemock/server.h"

static int setup(void **state)
{
    struct sm_server *srv = sm_test_server_start(NULL);
    if (srv == NULL) {
        return -1;
    }
    (void)sm_test_upload(srv, "b.parquet", 1);
    (void)sm_test_upload(srv, "a.parquet", 2);
    *state = srv;
    return 0;
}

static int teardown(void **state)
{
    sm_server_free(*state);
    return 0;
}

static void test_holds(void **state)
{
    assert_stagemock_verified(*state, "exactly 2 upload status=200");
}

static void test_uploads_in_name_order(void **state)
{
    assert_stagemock_verified(*state, "in order { upload file=a.parquet; upload file=b.parquet }");
}

static void test_typo(void **state)
{
    assert_stagemock_verified(*state, "never upload rule=unique-name");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uploads_in_name_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typo, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
