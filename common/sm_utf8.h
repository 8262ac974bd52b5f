/*
 * sm_utf8.h - UTF-8 checks for names, messages and JSON text, shared by the
 * server, the runner, the fixtures and the client CLI (header-only, so each
 * library keeps its own symbol prefix and nothing is exported).
 *
 * What: sm_utf8_check (where the first invalid byte is), sm_utf8_cut (the
 * longest prefix that ends on a character boundary), sm_utf8_repair (a copy
 * with every invalid byte replaced by U+FFFD). Valid means RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF.
 * Not here: JSON numbers (sm_json.h).
 */
#ifndef SM_UTF8_H
#define SM_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid character starting at s[0] (len > 0), or 0 when the
 * bytes there are not one (invalid, or cut short by len). */
static inline size_t sm_utf8_char_len(const unsigned char *s, size_t len)
{
    unsigned c = s[0];
    if (c < 0x80) {
        return 1;
    }
    size_t n;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80; /* no overlong forms */
        hi = c == 0xed ? 0x9f : 0xbf; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (len < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    return n;
}

/* Offset of the first byte of s[0..len) that is not valid UTF-8; len when
 * all of it is. */
static inline size_t sm_utf8_check(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = p[i] < 0x80 ? 1 : sm_utf8_char_len(p + i, len - i);
        if (n == 0) {
            return i;
        }
        i += n;
    }
    return len;
}

static inline bool sm_utf8_valid(const char *s, size_t len)
{
    return sm_utf8_check(s, len) == len;
}

/* The longest prefix of s[0..len) of at most max bytes that does not end
 * inside a character (continuation bytes at the cut are left out). */
static inline size_t sm_utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max) {
        return len;
    }
    size_t n = max;
    const unsigned char *p = (const unsigned char *)s;
    while (n > 0 && (p[n] & 0xc0) == 0x80) {
        n--; /* s[n] continues a character that started before the cut */
    }
    return n;
}

/* Make the NUL-terminated text s valid UTF-8 in place, for messages: a
 * character cut short (by a length limit) is left out, any other invalid
 * byte becomes '?'. Returns the new length. */
static inline size_t sm_utf8_scrub(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t len = strlen(s), o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = sm_utf8_char_len(p + i, len - i);
        if (n > 0) {
            memmove(p + o, p + i, n);
            o += n;
            i += n;
            continue;
        }
        unsigned c = p[i];
        size_t want = c >= 0xf0 && c <= 0xf4   ? 4
                      : c >= 0xe0 && c <= 0xef ? 3
                      : c >= 0xc2 && c <= 0xdf ? 2
                                               : 0;
        size_t k = 1;
        while (want > 0 && k < want && i + k < len && (p[i + k] & 0xc0) == 0x80) {
            k++;
        }
        if (want > 0 && k < want && (i + k == len || (p[i + k] & 0xc0) != 0x80)) {
            i += k; /* a character cut short: leave it out */
        } else {
            p[o++] = '?';
            i++;
        }
    }
    p[o] = '\0';
    return o;
}

/* A copy of s[0..len), NUL-terminated, with each invalid byte replaced by
 * U+FFFD; *out_len (may be NULL) gets its length. NULL when out of memory. */
static inline char *sm_utf8_repair(const char *s, size_t len, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t bad = 0;
    for (size_t i = 0; i < len;) {
        size_t n = sm_utf8_char_len(p + i, len - i);
        bad += n == 0;
        i += n == 0 ? 1 : n;
    }
    char *out = malloc(len + 2 * bad + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = sm_utf8_char_len(p + i, len - i);
        if (n == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    if (out_len != NULL) {
        *out_len = o;
    }
    return out;
}

#endif
