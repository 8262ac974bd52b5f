/*
 * fuzz_expect.c - libFuzzer target for the expectation language of
 * sm_server_verify (expect_lang.c, expect_check.c; docs/VERIFY.md), which
 * POST /_stagemock/verify takes from anyone the admin API admits. The input
 * is the expectation text (cut at its first NUL). It must parse or be refused
 * with a message; a parsed one is checked against a fixed set of requests
 * (the diff written), and every statement's normal form must parse again to
 * itself. No crash, leak or read out of bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/expect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sm_ex_req reqs[] = {
    {1, SM_EX_UPLOAD, "POST", "/upload-to-stage", "s1", "a.parquet", "k1", NULL, 200},
    {2, SM_EX_UPLOAD, "POST", "/upload-to-stage", "s1", "a.parquet", "k1", "unique-names", 409},
    {3, SM_EX_LIST, "POST", "/list-stage-files", "s\n1", NULL, "k2", "auth", 404},
    {4, SM_EX_DOWNLOAD, "POST", "/download-from-stage", "s1", "b \"x\".parquet", NULL, NULL, 0},
    {5, SM_EX_ADMIN, "POST", "/_stagemock/reset", NULL, NULL, NULL, NULL, 200},
    {6, SM_EX_OTHER, "GET", "/x\x01y", NULL, NULL, NULL, "error-json", 404},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    struct sm_expect ex;
    struct sm_error err;
    if (sm_expect_parse(text, &ex, &err) == SM_OK) {
        char *diff = NULL;
        size_t first = 0;
        (void)sm_expect_check(&ex, reqs, sizeof reqs / sizeof reqs[0], 1, &diff, &first);
        free(diff);
        for (size_t i = 0; i < ex.n; i++) {
            struct sm_expect again;
            if (sm_expect_parse(ex.stmts[i].text, &again, &err) != SM_OK || again.n != 1 ||
                strcmp(again.stmts[0].text, ex.stmts[i].text) != 0) {
                fprintf(stderr, "fuzz_expect: '%s' does not parse back to itself: %s\n",
                        ex.stmts[i].text, err.message);
                abort();
            }
            sm_expect_cleanup(&again);
        }
        sm_expect_cleanup(&ex);
    }
    free(text);
    return 0;
}
