/*
 * probe.h - `stagemock probe`: which documented rules a stage API enforces,
 * and where its answers differ from the mock's defaults (docs/CONFORMANCE.md,
 * "Probe mode"). The HTTP requests (probe_http.c) and the judging and the
 * command line (probe_main.c).
 */
#ifndef CONF_PROBE_H
#define CONF_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run.h"

struct conf_http_target {
    const char *url; /* base URL, no trailing slash */
    const char *key;
    const char *stage;
    unsigned timeout_s;
};

struct conf_http_part {
    const char *name; /* the part's filename: the name in the stage */
    const uint8_t *data;
    size_t len;
};

struct conf_http_answer {
    int status; /* 0: no answer (transport_error says why) */
    char *content_type;
    struct conf_buf body;
    char transport_error[256];
};
void conf_http_answer_cleanup(struct conf_http_answer *a);

/* POST /upload-to-stage with stage_id and n_parts file parts. */
void conf_http_upload(const struct conf_http_target *t, const struct conf_http_part *parts,
                      size_t n_parts, bool with_key, struct conf_http_answer *out);
/* POST path with stage_id (none when t->stage is NULL) and file_name (when
 * not NULL), urlencoded. */
void conf_http_form(const struct conf_http_target *t, const char *path, const char *file_name,
                    bool with_key, struct conf_http_answer *out);

#endif
