/*
 * sm_parse.h - decimal integers from command lines, fault specs and case
 * files (common/parse.c), parsed one strict way everywhere, and the value of
 * one hex digit for the \xNN escapes of the case and expectation languages.
 *
 * Strict means: ASCII digits only, at least one; no sign, no space, no
 * "0x"; the value must not overflow and must not exceed the caller's max.
 * Stateless and thread-safe.
 */
#ifndef SM_PARSE_H
#define SM_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* s as a decimal integer of at most max. Returns false, *out unchanged, for
 * NULL, "", a sign, a space, any non-digit, overflow or a value over max. */
bool smx_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* The same within [lo, hi] for an unsigned. */
bool smx_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out);

/* The value of hex digit c (0-9, a-f, A-F), or -1 for any other char. */
int smx_hex_digit(int c);

#endif
