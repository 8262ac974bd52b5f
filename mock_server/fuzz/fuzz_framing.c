/*
 * fuzz_framing.c - libFuzzer target for the multipart lint scanner
 * (framing.c), which reads every upload's raw body. Input: the first byte
 * picks a chunk size and whether the body counts as complete, then the
 * request's Content-Type up to the first newline, then the body. The body is
 * scanned whole and in chunks of that size; the two records must render the
 * same JSON (where chunks break must not matter), and no recorded part may
 * be larger than the body.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../common/sm_json.h"
#include "../src/framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *scan(const struct sm_framing_head *h, const char *body, size_t len, size_t step,
                  bool complete)
{
    struct sm_framing_scan *s = sm_framing_scan_new(h);
    if (s == NULL) {
        return NULL;
    }
    for (size_t off = 0; off < len; off += step) {
        sm_framing_scan_feed(s, body + off, len - off < step ? len - off : step);
    }
    struct sm_framing *f = sm_framing_scan_end(s, complete);
    cJSON *o = cJSON_CreateObject();
    sm_framing_to_json(f, o);
    const cJSON *parts =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "framing"), "parts");
    const cJSON *p;
    cJSON_ArrayForEach(p, parts)
    {
        const cJSON *sz = cJSON_GetObjectItemCaseSensitive(p, "size");
        if (!cJSON_IsNumber(sz) || sz->valuedouble > (double)len) {
            __builtin_trap();
        }
    }
    sm_framing_compact(&f);
    sm_framing_free(f);
    char *t = sm_json_print(o);
    cJSON_Delete(o);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    size_t step = (size_t)(data[0] & 0x3f) + 1;
    bool complete = (data[0] & 0x40) != 0;
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(rest, '\n', n);
    size_t ct_len = nl != NULL ? (size_t)(nl - rest) : n;
    char *ct = malloc(ct_len + 1);
    if (ct == NULL) {
        return 0;
    }
    memcpy(ct, rest, ct_len);
    ct[ct_len] = '\0';
    const char *body = nl != NULL ? nl + 1 : rest + n;
    size_t len = (size_t)(rest + n - body);
    struct sm_framing_head h = {.content_type = ct,
                                .transfer_encoding = (data[0] & 0x80) ? "chunked" : NULL,
                                .content_length = "1",
                                .expect = NULL};
    char *whole = scan(&h, body, len, len > 0 ? len : 1, complete);
    char *parts = scan(&h, body, len, step, complete);
    if (whole != NULL && parts != NULL && strcmp(whole, parts) != 0) {
        __builtin_trap();
    }
    free(whole);
    free(parts);
    free(ct);
    return 0;
}
