/*
 * scn_test.h - helpers shared by the scenario engine tests: a request built
 * from literals with a header table, and "decide both phases" in one call.
 */
#ifndef SCN_TEST_H
#define SCN_TEST_H

#include <strings.h>

#include "../src/scenario/scenario.h"

struct scn_req {
    enum sm_scn_endpoint ep;
    const char *stage;
    const char *file;
    const char *key;
    const char *headers[8]; /* name, value, name, value, ..., NULL */
};

static inline const char *scn_test_header(void *cls, const char *name)
{
    const struct scn_req *r = cls;
    for (size_t i = 0; i + 1 < 8 && r->headers[i] != NULL; i += 2) {
        if (strcasecmp(r->headers[i], name) == 0) {
            return r->headers[i + 1];
        }
    }
    return NULL;
}

/* Decide a request as the server will: headers phase, then fields phase if
 * nothing fired. Returns the fired rule's index or -1; *hit is filled. */
static inline long scn_test_decide(struct sm_scn *s, struct scn_req r, struct sm_scn_hit *hit)
{
    struct sm_scn_request req = {r.ep, r.stage, r.file, r.key, scn_test_header, &r};
    struct sm_error err;
    assert_int_equal(sm_scn_decide(s, SM_SCN_PHASE_HEADERS, &req, hit, &err), SM_OK);
    if (!hit->fired) {
        assert_int_equal(sm_scn_decide(s, SM_SCN_PHASE_FIELDS, &req, hit, &err), SM_OK);
    }
    if (!hit->fired) {
        sm_scn_note_unmatched(s, "POST", "/test");
    }
    return hit->fired ? (long)hit->rule_index : -1;
}

/* Load a scenario file from mock_server/tests/scenarios into a new engine. */
static inline struct sm_scn *scn_test_load(const char *name, struct sm_scn_doc **doc_out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/mock_server/tests/scenarios/%s", sm_test_top_dir(), name);
    struct sm_scn_doc *doc = NULL;
    struct sm_scn *s = NULL;
    struct sm_error err = {0};
    if (sm_scn_doc_load(path, &doc, &err) != SM_OK) {
        fail_msg("%s: %s", name, err.message);
    }
    assert_int_equal(sm_scn_new(false, 0, &s, &err), SM_OK);
    assert_int_equal(sm_scn_load(s, doc, &err), SM_OK);
    if (doc_out != NULL) {
        *doc_out = doc;
    } else {
        sm_scn_doc_free(doc);
    }
    return s;
}

#endif
