/*
 * fuzz_case.c - libFuzzer target for the conformance case parser
 * (conf_case_parse): any bytes are a candidate .case file. A case that parses
 * is freed again; one that does not must say where (an origin:line message).
 * ASan/UBSan catch over-reads, leaks and undefined behaviour.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../runner/case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct conf_case *c = NULL;
    struct sm_error err;
    memset(&err, 0, sizeof err);
    if (conf_case_parse((const char *)data, size, "fuzz.case", &c, &err) == SM_OK) {
        conf_case_free(c);
    } else if (c != NULL || strncmp(err.message, "fuzz.case:", 10) != 0) {
        abort(); /* a failure must name the place and leave nothing behind */
    }
    return 0;
}
