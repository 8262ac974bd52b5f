/*
 * fuzz_scenario.c - libFuzzer target for the scenario parser and --fault specs.
 *
 * What: input starting with '{' is a scenario document; anything else is a
 * --fault spec. Every document that parses is loaded into an engine, listed,
 * re-parsed from its listing (which must succeed: the list is loadable by
 * design), and a few requests are decided against it; every spec that parses
 * is added to an engine likewise. ASan/UBSan catch memory errors and leaks.
 * Not here: the server (the actions are executed there).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../src/scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *no_header(void *cls, const char *name)
{
    (void)cls;
    return strcmp(name, "Expect") == 0 ? "100-continue" : NULL;
}

static void exercise(struct sm_scn *s)
{
    static const enum sm_scn_endpoint eps[] = {SM_SCN_EP_UPLOAD, SM_SCN_EP_DOWNLOAD, SM_SCN_EP_LIST,
                                               SM_SCN_EP_OTHER};
    for (size_t i = 0; i < 8; i++) {
        struct sm_scn_request req = {eps[i % 4], "s1", "part-1.parquet", "k1", no_header, NULL};
        struct sm_scn_hit hit;
        for (int ph = 0; ph < 2; ph++) {
            if (sm_scn_decide(s, (enum sm_scn_phase)ph, &req, &hit, NULL) == SM_OK && hit.fired) {
                (void)sm_scn_action_kind(&hit.action);
                sm_scn_hit_cleanup(&hit);
            }
        }
    }
    cJSON_Delete(sm_scn_report(s));
}

static void round_trip(struct sm_scn *s)
{
    cJSON *list = sm_scn_list(s);
    cJSON *doc = cJSON_CreateObject();
    if (list == NULL || doc == NULL) {
        cJSON_Delete(list);
        cJSON_Delete(doc);
        return;
    }
    cJSON_AddItemToObject(doc, "rules", list);
    char *text = cJSON_PrintUnformatted(doc);
    struct sm_scn_doc *again = NULL;
    struct sm_error err;
    if (text != NULL && sm_scn_doc_parse(text, strlen(text), ".", &again, &err) != SM_OK) {
        abort(); /* a listed scenario must load again */
    }
    sm_scn_doc_free(again);
    cJSON_free(text);
    cJSON_Delete(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sm_scn *s = NULL;
    struct sm_error err;
    if (size > 65536 || sm_scn_new(true, 1, &s, &err) != SM_OK) {
        return 0;
    }
    if (size > 0 && data[0] == '{') {
        struct sm_scn_doc *doc = NULL;
        if (sm_scn_doc_parse((const char *)data, size, ".", &doc, &err) == SM_OK) {
            if (sm_scn_load(s, doc, &err) == SM_OK) {
                round_trip(s);
                exercise(s);
            }
            sm_scn_doc_free(doc);
        }
    } else {
        char *spec = malloc(size + 1);
        struct sm_scn_rule rule;
        if (spec != NULL) {
            memcpy(spec, data, size);
            spec[size] = '\0';
            if (sm_scn_fault_parse(spec, &rule, &err) == SM_OK &&
                sm_scn_add(s, &rule, &err) == SM_OK) {
                round_trip(s);
                exercise(s);
            }
            sm_scn_rule_cleanup(&rule);
            free(spec);
        }
    }
    sm_scn_free(s);
    return 0;
}
