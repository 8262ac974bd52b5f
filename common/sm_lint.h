/*
 * sm_lint.h - the multipart lint codes: how an upload's framing departs from
 * what strict servers and proxies accept (docs/SERVER.md, "Multipart
 * framing"). The server writes them into each upload's journal entry
 * (`"lint": [...]`, mock_server/src/framing.c); the conformance runner checks
 * a case's `lint = clean CODE...` against this list, so a typo in a case is
 * an error, not a check that never fires.
 * Header-only (no symbol exported), like the other common/ helpers.
 */
#ifndef SM_LINT_H
#define SM_LINT_H

#include <stddef.h>
#include <string.h>

enum sm_lint {
    SM_LINT_BARE_LF,         /* a framing line ends in LF without CR */
    SM_LINT_NO_CLOSE,        /* the body ends without --BOUNDARY-- */
    SM_LINT_BOUNDARY_SYNTAX, /* boundary missing, over 70 or outside RFC 2046's characters */
    SM_LINT_HEADER_SYNTAX, /* a part header or Content-Disposition parameter that does not parse */
    SM_LINT_FOLDED_HEADER, /* a part header continued on the next line */
    SM_LINT_FIELD_AFTER_FILE,  /* a field part (stage_id...) after the file part */
    SM_LINT_CHUNKED,           /* Transfer-Encoding: chunked, no Content-Length */
    SM_LINT_FILENAME_STAR,     /* an RFC 5987 filename* parameter */
    SM_LINT_BACKSLASH_ESCAPE,  /* a backslash escape in a quoted name or filename */
    SM_LINT_UNQUOTED_PARAM,    /* name or filename as a bare token */
    SM_LINT_NO_CONTENT_TYPE,   /* the file part has no Content-Type */
    SM_LINT_EXTRA_PART_HEADER, /* a part header other than Content-Disposition and Content-Type */
    SM_LINT_PREAMBLE,          /* bytes before the first delimiter */
    SM_LINT_EPILOGUE,          /* bytes after the close delimiter's line */
    SM_LINT_EXPECT_100,        /* Expect: 100-continue */
    SM_LINT_COUNT
};

/* The code as the journal and case files write it. */
static inline const char *sm_lint_name(enum sm_lint l)
{
    static const char *const names[SM_LINT_COUNT] = {
        "bare-lf",          "no-close-delimiter", "boundary-syntax", "header-syntax",
        "folded-header",    "field-after-file",   "chunked",         "filename-star",
        "backslash-escape", "unquoted-param",     "no-content-type", "extra-part-header",
        "preamble",         "epilogue",           "expect-100",
    };
    return (unsigned)l < SM_LINT_COUNT ? names[l] : "?";
}

/* The code named s, or SM_LINT_COUNT when there is none. */
static inline enum sm_lint sm_lint_find(const char *s)
{
    for (unsigned i = 0; i < SM_LINT_COUNT; i++) {
        if (strcmp(s, sm_lint_name((enum sm_lint)i)) == 0) {
            return (enum sm_lint)i;
        }
    }
    return SM_LINT_COUNT;
}

#endif
