/*
 * buf.c - growable text for evidence and reports (struct conf_buf).
 *
 * What: append bytes, strings, printf output, and XML/HTML-escaped text.
 * Design: doubling growth; an allocation failure sets `oom` and drops the
 * append, so callers never check each call and the final text is merely
 * shorter. XML escaping also replaces bytes XML 1.0 forbids and invalid UTF-8
 * with U+FFFD, because adapter output is arbitrary bytes and a report that
 * does not parse is worse than one with a replacement character.
 * Not here: JSON (cJSON writes that).
 */
#include "run.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/sm_mem.h"

void conf_buf_init(struct conf_buf *b)
{
    memset(b, 0, sizeof *b);
}

void conf_buf_cleanup(struct conf_buf *b)
{
    free(b->data);
    conf_buf_init(b);
}

static bool reserve(struct conf_buf *b, size_t extra)
{
    if (b->oom) {
        return false;
    }
    char *d = extra < SIZE_MAX - b->len - 1 ? smx_grow(b->data, &b->cap, b->len + extra + 1, 1, 256)
                                            : NULL;
    if (d == NULL) {
        b->oom = true;
        return false;
    }
    b->data = d;
    return true;
}

void conf_buf_put(struct conf_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n)) {
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void conf_buf_puts(struct conf_buf *b, const char *s)
{
    conf_buf_put(b, s, strlen(s));
}

void conf_buf_printf(struct conf_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof small) {
        conf_buf_put(b, small, (size_t)n);
    } else if (n >= 0 && reserve(b, (size_t)n)) {
        (void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t min;
    uint32_t cp;
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, min = 0x80, cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, min = 0x800, cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, min = 0x10000, cp = c & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe ||
        cp == 0xffff) {
        return 0;
    }
    return n;
}

/* The entity for an XML-special byte, or NULL. */
static const char *xml_entity(unsigned char c)
{
    static const char *const ent[] = {
        ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;"};
    return c < sizeof ent / sizeof ent[0] ? ent[c] : NULL;
}

void conf_buf_put_xml(struct conf_buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s != '\0') {
        unsigned char c = *s;
        const char *ent = xml_entity(c);
        size_t n =
            ent == NULL && (c >= 0x20 || c == '\n' || c == '\t' || c == '\r') ? utf8_len(s) : 0;
        if (ent != NULL) {
            conf_buf_puts(b, ent);
        } else if (n == 0) {
            conf_buf_puts(b, "\xef\xbf\xbd"); /* a control byte or invalid UTF-8 */
        } else {
            conf_buf_put(b, (const char *)s, n);
            s += n;
            continue;
        }
        s++;
    }
}

char *conf_buf_take(struct conf_buf *b)
{
    if (b->oom) {
        conf_buf_cleanup(b);
        return NULL;
    }
    char *d = b->data;
    if (d == NULL) {
        d = calloc(1, 1);
    }
    conf_buf_init(b);
    return d;
}
