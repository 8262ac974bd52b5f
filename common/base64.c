/*
 * base64.c - base64 encoding in one call and decoding as a stream
 * (sm_base64.h).
 *
 * How: the encoder takes three bytes at a time into a 24-bit word and writes
 * four characters, padding the last group with '='. The decoder accumulates
 * sextets in a 24-bit word and every fourth one emits three bytes; '=' ends
 * the data and flushes a partial group (two sextets make one byte, three
 * make two; a lone sextet is not base64). Whitespace is skipped anywhere.
 * Not here: deciding that a body is base64 (the callers: the server's
 * download.c, the client's download.c, the probe).
 */
#include <stdint.h>
#include <stdlib.h>

#include "sm_base64.h"

char *smx_base64_encode(const void *data, size_t n, size_t *out_len)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const uint8_t *p = data;
    if (n / 3 >= (SIZE_MAX - 1) / 4 - 1) {
        return NULL;
    }
    size_t len = (n + 2) / 3 * 4;
    char *out = malloc(len + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+' || c == '-') {
        return 62;
    }
    if (c == '/' || c == '_') {
        return 63;
    }
    return -1;
}

/* The bytes a partial group stands for when '=' or the end closes it. */
static size_t flush_partial(struct smx_base64_dec *d, uint8_t *out)
{
    size_t n = 0;
    if (d->n == 2) {
        out[n++] = (uint8_t)(d->acc >> 4);
    } else if (d->n == 3) {
        out[n++] = (uint8_t)(d->acc >> 10);
        out[n++] = (uint8_t)(d->acc >> 2);
    } else {
        d->bad = true;
    }
    d->n = 0;
    d->acc = 0;
    return n;
}

size_t smx_base64_decode(struct smx_base64_dec *d, const char *in, size_t len, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len && !d->bad; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            continue;
        }
        if (c == '=') {
            if (d->pad == 0) {
                o += flush_partial(d, out + o);
            }
            d->pad++;
            d->bad = d->bad || d->pad > 2;
            continue;
        }
        int v = sextet(c);
        if (v < 0 || d->pad > 0) {
            d->bad = true;
            break;
        }
        d->acc = (d->acc << 6) | (uint32_t)v;
        if (++d->n == 4) {
            out[o++] = (uint8_t)(d->acc >> 16);
            out[o++] = (uint8_t)(d->acc >> 8);
            out[o++] = (uint8_t)d->acc;
            d->n = 0;
            d->acc = 0;
        }
    }
    return o;
}

bool smx_base64_finish(struct smx_base64_dec *d, uint8_t *out, size_t *n)
{
    *n = 0;
    if (d->n != 0 && d->pad == 0 && !d->bad) {
        *n = flush_partial(d, out); /* unpadded tail (base64url style) */
    }
    return !d->bad && d->n == 0;
}
