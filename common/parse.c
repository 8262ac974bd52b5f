/*
 * parse.c - strict decimal integers and hex digits (sm_parse.h).
 *
 * How: digit by digit, checking before each multiply-and-add that the value
 * stays within max, so overflow is impossible rather than detected after the
 * fact (strtoull would also accept "-1", " 7" and "+7", which no caller
 * wants). Not here: units, signs or other bases.
 */
#include <stddef.h>

#include "sm_parse.h"

bool smx_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s == '\0') {
        return false;
    }
    uint64_t v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        uint64_t d = (uint64_t)(*p - '0');
        if (d > max || v > (max - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool smx_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    uint64_t v = 0;
    if (!smx_parse_u64(s, hi, &v) || v < lo) {
        return false;
    }
    *out = (unsigned)v;
    return true;
}

int smx_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    int lower = c | 0x20; /* ASCII 'A'-'F' to 'a'-'f'; no other char lands there */
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
}
