/*
 * fuzz_form.c - libFuzzer target for the request-body parsing that is ours
 * (MHD's PostProcessor parses multipart and urlencoded framing): the JSON
 * body of downloads and lists, the HTML5 filename escapes of multipart
 * parts, the name rule, and the JSON profile parser. The first input byte
 * picks the parser.
 */
#include <stdlib.h>
#include <string.h>

#include "../src/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    struct sm_error err;
    switch (data[0] % 3) {
    case 0: {
        struct sm_form f;
        memset(&f, 0, sizeof f);
        (void)sm_form_parse_json(&f, text, len, &err);
        if (f.stage_id_len >= SM_FIELD_MAX || f.file_name_len >= SM_FIELD_MAX) {
            __builtin_trap();
        }
        break;
    }
    case 1: {
        char *name = malloc(len + 1);
        if (name == NULL) {
            return 0;
        }
        memcpy(name, text, len);
        name[len] = '\0';
        size_t n = sm_form_decode_filename(name, len);
        if (n > len) {
            __builtin_trap();
        }
        (void)sm_name_check(name, n, &err);
        free(name);
        break;
    }
    default: {
        struct sm_server_config cfg;
        sm_server_config_init(&cfg);
        struct sm_profile p;
        sm_profile_defaults(&p, &cfg);
        struct sm_profile before = p;
        if (sm_profile_parse(&p, text, len, &err) != SM_OK && memcmp(&p, &before, sizeof p) != 0) {
            __builtin_trap(); /* a refused profile must change nothing */
        }
        break;
    }
    }
    return 0;
}
