/*
 * error.c - filling struct sm_error and naming enum sm_code values.
 *
 * What: the one setter every layer uses to report a failure (code, default
 * HTTP status, RULES.md rule id, a formatted message that names the offending
 * thing), a prefixer for adding context at a boundary, and sm_strerror.
 * Design: the message lives in the caller's fixed 256-byte buffer; nothing is
 * allocated, so the error path works when memory is short. Truncation is
 * accepted, on a character boundary: a message is always valid UTF-8 (a
 * character cut short by the buffer or a "%.200s" is left out, any other
 * invalid byte from the outside becomes '?'), so it can go into JSON as is.
 * Not here: turning an error into an HTTP response (reply.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stagemock/error.h"
#include "../../common/sm_utf8.h"
#include "error_int.h"

enum sm_code sm_err_vset(struct sm_error *err, enum sm_code code, int http_status,
                         enum sm_rule rule, const char *fmt, va_list ap)
{
    if (err == NULL) {
        return code;
    }
    err->code = code;
    err->http_status = http_status;
    err->rule = rule;
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    if (n < 0) {
        err->message[0] = '\0';
    }
    (void)sm_utf8_scrub(err->message);
    return code;
}

enum sm_code sm_err_set(struct sm_error *err, enum sm_code code, int http_status, enum sm_rule rule,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)sm_err_vset(err, code, http_status, rule, fmt, ap);
    va_end(ap);
    return code;
}

void sm_err_clear(struct sm_error *err)
{
    if (err == NULL) {
        return;
    }
    err->code = SM_OK;
    err->http_status = 0;
    err->rule = SM_RULE_NONE;
    err->message[0] = '\0';
}

void sm_err_prefix(struct sm_error *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    char joined[SM_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(joined, sizeof joined, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    size_t head = strlen(joined);
    size_t room = sizeof joined - 1 - head;
    size_t tail = strnlen(err->message, sizeof err->message - 1);
    if (tail > room) {
        tail = room;
    }
    memcpy(joined + head, err->message, tail);
    joined[head + tail] = '\0';
    memcpy(err->message, joined, head + tail + 1);
    (void)sm_utf8_scrub(err->message);
}

const char *sm_strerror(enum sm_code code)
{
#define CODE_NAME(c) [c] = #c
    static const char *const names[] = {
        CODE_NAME(SM_OK),          CODE_NAME(SM_E_NOMEM),       CODE_NAME(SM_E_ARG),
        CODE_NAME(SM_E_MALFORMED), CODE_NAME(SM_E_UNSUPPORTED), CODE_NAME(SM_E_CONFLICT),
        CODE_NAME(SM_E_NOT_FOUND), CODE_NAME(SM_E_AUTH),        CODE_NAME(SM_E_TOO_LARGE),
        CODE_NAME(SM_E_IO),        CODE_NAME(SM_E_INTERNAL),    CODE_NAME(SM_E_MISMATCH),
        CODE_NAME(SM_E_METHOD),    CODE_NAME(SM_E_STATE)};
#undef CODE_NAME
    size_t i = (size_t)code;
    if (i < sizeof names / sizeof names[0] && names[i] != NULL) {
        return names[i];
    }
    return "SM_E_UNKNOWN";
}

void sm_free(void *ptr)
{
    free(ptr);
}
