/*
 * cmocka_verify.h - fail a CMocka test with stagemock's verification diff.
 * Header-only: include it after <cmocka.h> (which needs <stdarg.h>,
 * <stddef.h>, <stdint.h> and <setjmp.h> before it) in a test linked with
 * libstagemock and libcmocka.
 *
 *   assert_stagemock_verified(srv,
 *       "in order { upload file=a.parquet status=200; list stage=s1 }\n"
 *       "never upload rule=parquet-only");
 *
 * When the expectation is met, nothing happens. When it is not, the diff
 * (docs/VERIFY.md: every statement ok or FAIL, the expected and actual
 * request sequences side by side, the first divergence marked '>') goes
 * through CMocka's print_error and the test fails at the caller's file and
 * line. An expectation that does not parse fails the test the same way,
 * with the parser's message (line, column, the offending word).
 */
#ifndef STAGEMOCK_CMOCKA_VERIFY_H
#define STAGEMOCK_CMOCKA_VERIFY_H

#ifndef CMOCKA_H_
#error "include <cmocka.h> before stagemock/cmocka_verify.h"
#endif

#include "stagemock/error.h"
#include "stagemock/server.h"

static inline void sm_cmocka_verify_at(struct sm_server *srv, const char *expectation,
                                       const char *file, int line)
{
    char *diff = NULL;
    struct sm_error err;
    enum sm_code rc = sm_server_verify(srv, expectation, &diff, &err);
    if (rc == SM_OK) {
        return;
    }
    if (diff != NULL) {
        print_error("%s", diff);
        sm_free(diff);
    } else {
        print_error("stagemock verify: %s: %s\n", sm_strerror(rc), err.message);
    }
    _fail(file, line);
}

/* Fail the test, printing the diff, unless srv's journal meets expectation. */
#define assert_stagemock_verified(srv, expectation) \
    sm_cmocka_verify_at((srv), (expectation), __FILE__, __LINE__)

#endif
