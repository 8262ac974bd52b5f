/*
 * framing.h - what an upload's multipart framing looked like (framing.c):
 * a scanner fed the raw body beside MHD's PostProcessor, and the record it
 * leaves in the upload's journal entry (docs/SERVER.md, "Multipart framing").
 */
#ifndef SM_FRAMING_H
#define SM_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct sm_req;

/* The request headers the framing depends on (NULL: absent). */
struct sm_framing_head {
    const char *content_type;
    const char *transfer_encoding;
    const char *content_length;
    const char *expect;
};

struct sm_framing_scan; /* one body being scanned */
struct sm_framing;      /* the record of one upload's framing */

/* A scanner for a body sent with these headers; NULL when out of memory. */
struct sm_framing_scan *sm_framing_scan_new(const struct sm_framing_head *h);
/* The next n bytes of the body (after any transfer decoding). */
void sm_framing_scan_feed(struct sm_framing_scan *s, const char *data, size_t n);
/* The record (NULL when out of memory); frees s. complete: the server read
 * the whole body, so a missing close delimiter is the client's. */
struct sm_framing *sm_framing_scan_end(struct sm_framing_scan *s, bool complete);

void sm_framing_free(struct sm_framing *f);
/* Bit (1 << enum sm_lint) set for each lint code (common/sm_lint.h). */
uint32_t sm_framing_lint(const struct sm_framing *f);
/* Keep only the lint and the request-level facts (a request without a
 * valid key is journaled compactly). */
void sm_framing_compact(struct sm_framing **f);
/* Add "framing" and "lint" to a journal entry's JSON object. */
void sm_framing_to_json(const struct sm_framing *f, cJSON *entry);

/* The request path (server.c): begin at the head of an upload, feed each
 * body chunk, end when the body is complete or the request is released
 * (the record moves into r->je; ending twice is a no-op). */
void sm_framing_req_begin(struct sm_req *r);
void sm_framing_req_feed(struct sm_req *r, const char *data, size_t n);
void sm_framing_req_end(struct sm_req *r, bool complete);

#endif
