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
#include <stdio.h>

#include "run.h"
#include "stagemock/rules.h"

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

/* ---- the probe's findings (probe_main.c fills them, probe_report.c reads) */

/* The codecs the runner's fixtures can show a server (valid-a is SNAPPY,
 * valid-b UNCOMPRESSED, the rest one file each); a profile's other codecs
 * (LZO, BROTLI, LZ4) are not probed. */
enum { CX_UNCOMPRESSED, CX_SNAPPY, CX_GZIP, CX_ZSTD, CX_LZ4_RAW, CX_COUNT };
/* The parquet codec (SM_PQ_*) of CX_i. */
unsigned conf_probe_codec(int cx);
/* The fixtures the probe sends (probe_main.c names the files). */
enum { FX_A, FX_B, FX_C, FX_D, FX_CSV, FX_GZIP, FX_ZSTD, FX_LZ4, FX_RETYPED, FX_COUNT };

/* Whether the probe judges rule r (enum sm_rule): the rule table's
 * documented rules; verdicts are indexed by enum sm_rule. */
bool conf_probe_judged(int r);

struct conf_verdict {
    bool checked, enforced;
    int status; /* the status seen for the violation (0: none / not applicable) */
    char note[512];
};

/* The list answer's shape as seen (docs/PROFILE.md list_*_field). */
struct conf_list_shape {
    bool seen;
    char files[128], name[128], id[128], size[128];
};

/* Everything one probe run learns; verdicts are indexed by enum sm_rule. */
struct conf_probe {
    struct conf_http_target t;
    char prefix[64];
    uint8_t *fx[FX_COUNT];
    size_t fx_len[FX_COUNT];
    struct conf_verdict v[SM_RULE_COUNT];
    char file_id_field[128];
    char file_id[256]; /* the id the first good file got */
    struct conf_list_shape list;
    bool base64;
    int codec_seen[CX_COUNT]; /* 0 not tried, 1 accepted, -1 refused */
    int deep;                 /* 1 a bad page was refused, -1 accepted, 0 not known */
    bool fatal;
    char fatal_msg[1024];
};

/* Print the report (a line per judged rule, then the differing profile
 * keys); returns the number of rules not enforced. */
size_t conf_probe_report(const struct conf_probe *p, FILE *out);
/* Write the differences as a profile to path; false (said on err) when it
 * cannot be written. */
bool conf_probe_write_profile(const struct conf_probe *p, const char *path, FILE *err);

#endif
