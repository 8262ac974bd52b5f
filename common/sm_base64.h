/*
 * sm_base64.h - base64 (RFC 4648) for the server's base64 downloads, the
 * client library's decoding of them and the probe's check of a live server's
 * answer (common/base64.c). One codec, so the three cannot disagree.
 *
 * Encoding writes the standard alphabet with '=' padding. Decoding streams:
 * input in pieces of any size; it also takes the URL-safe alphabet ('-',
 * '_'), skips whitespace (MIME line breaks), accepts an unpadded tail, and
 * marks the stream bad on any other byte, on data after the padding or on
 * more than two '='. No state outside the caller's struct; thread-safe.
 */
#ifndef SM_BASE64_H
#define SM_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n bytes at data as base64 text, NUL-terminated, in a fresh buffer (free()
 * it); *out_len is its length. NULL when out of memory or when the text
 * would not fit in a size_t. */
char *smx_base64_encode(const void *data, size_t n, size_t *out_len);

/* A decoder: zero-initialise it (= {0}), feed it, finish it. */
struct smx_base64_dec {
    uint32_t acc;
    unsigned n;   /* sextets in acc */
    unsigned pad; /* '=' seen */
    bool bad;
};
/* Decode len bytes of text into out, which has room for len / 4 * 3 + 3
 * bytes; returns the bytes written. Sets d->bad (and stops) at the first
 * byte that cannot belong to base64 text. */
size_t smx_base64_decode(struct smx_base64_dec *d, const char *in, size_t len, uint8_t *out);
/* End of input: the bytes of an unpadded tail into out (up to 2, *n says
 * how many), and whether the whole text was valid base64. */
bool smx_base64_finish(struct smx_base64_dec *d, uint8_t *out, size_t *n);

#endif
