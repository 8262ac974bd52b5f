/*
 * names.c - what a stage file may be named, and what a text field may hold.
 *
 * What: sm_name_check (not empty, at most 1 KiB, valid UTF-8, no '/', '\',
 * NUL or control characters, not "." or ".."; refusals carry unique-names
 * and 400) and sm_text_check (a text field as received holds no NUL and is
 * valid UTF-8; the caller names the rule).
 * Design: (ptr, len) input, so a NUL inside a field is seen, not cut off;
 * every message names the byte and its offset.
 * Not here: whether the name is taken (stage.c), how it was decoded (form.c).
 */
#include <string.h>

#include "internal.h"
#include "../../common/sm_utf8.h"

enum sm_code sm_name_check(const char *name, size_t len, struct sm_error *err)
{
    if (len == 0) {
        return sm_err_set(err, SM_E_ARG, 400, SM_RULE_UNIQUE_NAMES, "the file name is empty");
    }
    if (len > 1024) {
        return sm_err_set(err, SM_E_ARG, 400, SM_RULE_UNIQUE_NAMES,
                          "the file name is %zu bytes long; at most 1024 are allowed", len);
    }
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
        return sm_err_set(err, SM_E_ARG, 400, SM_RULE_UNIQUE_NAMES,
                          "the file name '%s' is not allowed", len == 1 ? "." : "..");
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c == '\\') {
            return sm_err_set(err, SM_E_ARG, 400, SM_RULE_UNIQUE_NAMES,
                              "the file name '%.*s' contains '%c'; names may not hold path "
                              "separators",
                              (int)(len > 80 ? 80 : len), name, c);
        }
        if (c < 0x20 || c == 0x7f) {
            return sm_err_set(err, SM_E_ARG, 400, SM_RULE_UNIQUE_NAMES,
                              "the file name contains control character 0x%02x at byte %zu", c, i);
        }
    }
    size_t bad = sm_utf8_check(name, len);
    if (bad < len) {
        return sm_err_set(err, SM_E_ARG, 400, SM_RULE_UNIQUE_NAMES,
                          "the file name is not valid UTF-8 (byte 0x%02x at offset %zu)",
                          (unsigned char)name[bad], bad);
    }
    return SM_OK;
}

enum sm_code sm_text_check(const char *field, const char *s, size_t len, enum sm_rule rule,
                           struct sm_error *err)
{
    const char *nul = memchr(s, '\0', len);
    if (nul != NULL) {
        return sm_err_set(err, SM_E_MALFORMED, 400, rule, "%s contains NUL at byte %zu", field,
                          (size_t)(nul - s));
    }
    size_t bad = sm_utf8_check(s, len);
    if (bad < len) {
        return sm_err_set(err, SM_E_MALFORMED, 400, rule,
                          "%s is not valid UTF-8 (byte 0x%02x at offset %zu)", field,
                          (unsigned char)s[bad], bad);
    }
    return SM_OK;
}
