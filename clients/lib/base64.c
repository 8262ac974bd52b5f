/*
 * base64.c - a streaming base64 decoder for downloads a server sends as text
 * (RULES.md: a profile's `download_encoding: base64`, `Content-Type:
 * text/plain`), so the file on disk is the stored bytes either way.
 *
 * How: input arrives in pieces of any size; sextets accumulate in a 24-bit
 * word and every fourth one emits three bytes. Whitespace (line breaks of
 * MIME-style base64) is skipped; `=` ends the data (one or two of them); any
 * other byte, or data after the padding, marks the stream bad. The caller
 * hands an output buffer of at least len / 4 * 3 + 3 bytes.
 * Not here: deciding that a body is base64 (download.c).
 */
#include "smc_internal.h"

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

/* The bytes a partial group stands for when '=' ends it. */
static size_t flush_partial(struct smc_b64 *d, uint8_t *out)
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

size_t smc_b64_decode(struct smc_b64 *d, const char *in, size_t len, uint8_t *out)
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

bool smc_b64_finish(struct smc_b64 *d, uint8_t *out, size_t *n)
{
    *n = 0;
    if (d->n != 0 && d->pad == 0 && !d->bad) {
        /* unpadded tail (base64url style) */
        *n = flush_partial(d, out);
    }
    return !d->bad && d->n == 0;
}
