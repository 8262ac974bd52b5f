/*
 * rules.c - the RULES.md rule ids as data, the rule for what a stage file
 * may be named, and the clock and file ids the journal and stages use.
 *
 * What: sm_rule_ids (one static table; every error, journal entry and report
 * names one of these), sm_name_check (not empty, at most 1 KiB, valid UTF-8,
 * no '/', NUL or control characters, not "." or ".."), sm_text_check (a
 * text field holds no NUL and is valid UTF-8), sm_clock_now_us, and opaque file
 * ids: 24 hex digits from a splitmix64 stream, seeded for golden tests or
 * from the clock and address otherwise.
 * Not here: which rule an error gets (the deepest layer decides).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "../../common/sm_utf8.h"

const char *const sm_rule_ids[SM_RULE_COUNT] = {
    [SM_RULE_PARQUET_ONLY] = "parquet-only",
    [SM_RULE_CODEC] = "codec",
    [SM_RULE_ONE_FILE] = "one-file-per-request",
    [SM_RULE_UNIQUE_NAMES] = "unique-names",
    [SM_RULE_SAME_SCHEMA] = "same-schema",
    [SM_RULE_ORDER] = "order",
    [SM_RULE_ERROR_JSON] = "error-json",
    [SM_RULE_BYTES] = "bytes",
    [SM_RULE_AUTH] = "auth",
};

int sm_rule_find(const char *id)
{
    for (int i = 0; id != NULL && i < SM_RULE_COUNT; i++) {
        if (strcmp(id, sm_rule_ids[i]) == 0) {
            return i;
        }
    }
    return -1;
}

enum sm_code sm_name_check(const char *name, size_t len, struct sm_error *err)
{
    if (len == 0) {
        return sm_err_set(err, SM_E_ARG, 400, "unique-names", "the file name is empty");
    }
    if (len > 1024) {
        return sm_err_set(err, SM_E_ARG, 400, "unique-names",
                          "the file name is %zu bytes long; at most 1024 are allowed", len);
    }
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
        return sm_err_set(err, SM_E_ARG, 400, "unique-names", "the file name '%s' is not allowed",
                          len == 1 ? "." : "..");
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c == '\\') {
            return sm_err_set(err, SM_E_ARG, 400, "unique-names",
                              "the file name '%.*s' contains '%c'; names may not hold path "
                              "separators",
                              (int)(len > 80 ? 80 : len), name, c);
        }
        if (c < 0x20 || c == 0x7f) {
            return sm_err_set(err, SM_E_ARG, 400, "unique-names",
                              "the file name contains control character 0x%02x at byte %zu", c, i);
        }
    }
    size_t bad = sm_utf8_check(name, len);
    if (bad < len) {
        return sm_err_set(err, SM_E_ARG, 400, "unique-names",
                          "the file name is not valid UTF-8 (byte 0x%02x at offset %zu)",
                          (unsigned char)name[bad], bad);
    }
    return SM_OK;
}

enum sm_code sm_text_check(const char *field, const char *s, size_t len, const char *rule,
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

int64_t sm_clock_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The top n hex digits of v, most significant first. */
static void put_hex(char *out, uint64_t v, int n)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) {
        out[i] = digits[(v >> (60 - 4 * i)) & 15];
    }
}

char *sm_file_id_new(struct sm_server *srv)
{
    uint64_t a = splitmix64(&srv->id_state), b = splitmix64(&srv->id_state);
    char *id = malloc(2 + 24 + 1); /* "f_", 64 + 32 bits in hex */
    if (id != NULL) {
        id[0] = 'f';
        id[1] = '_';
        put_hex(id + 2, a, 16);
        put_hex(id + 18, b, 8);
        id[26] = '\0';
    }
    return id;
}
