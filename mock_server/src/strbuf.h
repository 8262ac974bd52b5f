/*
 * strbuf.h - a growable string for the library's text (strbuf.c): the
 * expectation language's messages and the parquet schema's one-line form.
 */
#ifndef SM_STRBUF_H
#define SM_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "stagemock/error.h" /* SM_PRINTF */

/* Zero-initialise; s is NUL-terminated once anything was added, and the
 * caller frees it. */
struct sm_strbuf {
    char *s;
    size_t len, cap;
    bool failed; /* an allocation failed: s is incomplete */
};

/* Append printf-style; after a failed allocation nothing more is added. */
void sm_strbuf_printf(struct sm_strbuf *b, const char *fmt, ...) SM_PRINTF(2, 3);

#endif
