/*
 * probe_report.c - what `stagemock probe` found, for people and as a profile.
 *
 * What: the report (one line per documented rule of the rule table: enforced
 * or not, the status seen, our default; then each profile key whose value
 * differs; a summary line; the keys the probe cannot see) and the profile
 * (docs/PROFILE.md) holding exactly the differences, for --write-profile.
 * Design: reads struct conf_probe only; our defaults come from the rule table
 * (stagemock/rules.h) and docs/PROFILE.md's defaults.
 * Not here: the requests and their judging (probe_main.c).
 */
#include "probe.h"

#include <cjson/cJSON.h>
#include "../../common/sm_json.h"
#include <string.h>

#include "stagemock/parquet.h"

unsigned conf_probe_codec(int cx)
{
    static const unsigned codec[CX_COUNT] = {SM_PQ_UNCOMPRESSED, SM_PQ_SNAPPY, SM_PQ_GZIP,
                                             SM_PQ_ZSTD, SM_PQ_LZ4_RAW};
    return cx >= 0 && cx < CX_COUNT ? codec[cx] : SM_PQ_UNCOMPRESSED;
}

bool conf_probe_judged(int r)
{
    return sm_rule_kind((enum sm_rule)r) == SM_RULE_KIND_DOCUMENTED;
}


static bool status_differs(const struct conf_probe *p, int r)
{
    int seen = p->v[r].status, dflt = sm_rule_status((enum sm_rule)r);
    return conf_probe_judged(r) && dflt != 0 && seen != dflt && seen >= 400 && seen <= 599;
}

/* A profile key whose value the probe saw differ from our default. */
struct field_diff {
    const char *key;
    char value[128];
};

/* The string-valued profile keys that differ, in docs/PROFILE.md's order. */
static size_t field_diffs(const struct conf_probe *p, struct field_diff out[6])
{
    const struct {
        const char *key, *seen, *dflt;
    } f[] = {
        {"file_id_field", p->file_id_field, "file_id"},
        {"list_files_field", p->list.files, "files"},
        {"list_name_field", p->list.name, "name"},
        {"list_id_field", p->list.id, "file_id"},
        {"list_size_field", p->list.size, "size"},
        {"validation", p->deep < 0 ? "footer" : "", "deep"},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (f[i].seen[0] != '\0' && strcmp(f[i].seen, f[i].dflt) != 0) {
            out[n].key = f[i].key;
            (void)snprintf(out[n].value, sizeof out[n].value, "%s", f[i].seen);
            n++;
        }
    }
    return n;
}

/* The codecs the server accepts as far as the probe tried them (untried:
 * as our default); false when that is our default. */
static bool codecs_differ(const struct conf_probe *p, unsigned *mask)
{
    *mask = 0;
    for (int i = 0; i < CX_COUNT; i++) {
        unsigned bit = SM_PQ_CODEC_BIT(conf_probe_codec(i));
        bool on = p->codec_seen[i] == 0 ? (SM_PQ_CODECS_DEFAULT & bit) != 0 : p->codec_seen[i] > 0;
        *mask |= on ? bit : 0;
    }
    return *mask != SM_PQ_CODECS_DEFAULT;
}

/* What differs from our defaults, as a profile (docs/PROFILE.md). */
static cJSON *profile_of(const struct conf_probe *p)
{
    cJSON *prof = cJSON_CreateObject();
    char comment[2300];
    (void)snprintf(comment, sizeof comment, "written by stagemock probe of %s, stage %s", p->t.url,
                   p->t.stage);
    cJSON_AddStringToObject(prof, "comment", comment);
    cJSON *st = NULL;
    for (int r = 1; r < (int)SM_RULE_COUNT; r++) {
        if (status_differs(p, r)) {
            st = st ? st : cJSON_AddObjectToObject(prof, "status");
            sm_json_add_i64(st, sm_rule_id((enum sm_rule)r), p->v[r].status);
        }
    }
    struct field_diff fd[6];
    size_t nf = field_diffs(p, fd);
    for (size_t i = 0; i < nf; i++) {
        cJSON_AddStringToObject(prof, fd[i].key, fd[i].value);
    }
    unsigned mask;
    if (codecs_differ(p, &mask)) {
        cJSON *arr = cJSON_AddArrayToObject(prof, "codecs");
        for (int i = 0; arr != NULL && i < CX_COUNT; i++) {
            if (mask & SM_PQ_CODEC_BIT(conf_probe_codec(i))) {
                cJSON_AddItemToArray(arr,
                                     cJSON_CreateString(sm_pq_codec_name(conf_probe_codec(i))));
            }
        }
    }
    if (p->base64) {
        cJSON_AddStringToObject(prof, "download_encoding", "base64");
    }
    return prof;
}

/* A line per profile key that differs; returns how many. */
static size_t report_field_diffs(const struct conf_probe *p, FILE *out)
{
    struct field_diff fd[6];
    size_t nf = field_diffs(p, fd);
    for (size_t i = 0; i < nf; i++) {
        char label[64];
        (void)snprintf(label, sizeof label, "(%s)", fd[i].key);
        fprintf(out, "%-22s %-13s %-6s %-8s DIFFERS: \"%s\"\n", label, "", "", "", fd[i].value);
    }
    unsigned mask;
    bool codecs = codecs_differ(p, &mask);
    if (codecs) {
        fprintf(out, "%-22s %-13s %-6s %-8s DIFFERS: accepts", "(codecs)", "", "", "");
        for (int i = 0; i < CX_COUNT; i++) {
            if (mask & SM_PQ_CODEC_BIT(conf_probe_codec(i))) {
                fprintf(out, " %s", sm_pq_codec_name(conf_probe_codec(i)));
            }
        }
        fprintf(out, "\n");
    }
    return nf + (codecs ? 1 : 0);
}

/* ": rule ... key ...", the summary's list of what differs. */
static void report_diff_names(const struct conf_probe *p, FILE *out)
{
    fprintf(out, ":");
    for (int r = 1; r < (int)SM_RULE_COUNT; r++) {
        if (status_differs(p, r) || (r == SM_RULE_BYTES && p->base64)) {
            fprintf(out, " %s", sm_rule_id((enum sm_rule)r));
        }
    }
    struct field_diff fd[6];
    size_t nf = field_diffs(p, fd);
    for (size_t i = 0; i < nf; i++) {
        fprintf(out, " %s", fd[i].key);
    }
    unsigned mask;
    fprintf(out, "%s", codecs_differ(p, &mask) ? " codecs" : "");
}

size_t conf_probe_report(const struct conf_probe *p, FILE *out)
{
    size_t not_enforced = 0, differ = 0, n_judged = 0;
    fprintf(out, "stagemock probe: %s, stage %s (files named %s*)\n\n", p->t.url, p->t.stage,
            p->prefix);
    fprintf(out, "%-22s %-13s %-6s %-8s %s\n", "rule", "enforced", "status", "default", "note");
    for (int r = 1; r < (int)SM_RULE_COUNT; r++) {
        if (!conf_probe_judged(r)) {
            continue;
        }
        const struct conf_verdict *v = &p->v[r];
        char seen[16] = "-", dflt[16] = "-";
        if (v->status != 0) {
            (void)snprintf(seen, sizeof seen, "%d", v->status);
        }
        if (sm_rule_status((enum sm_rule)r) != 0) {
            (void)snprintf(dflt, sizeof dflt, "%d", sm_rule_status((enum sm_rule)r));
        }
        bool diff = status_differs(p, r) || (r == SM_RULE_BYTES && p->base64);
        n_judged++;
        not_enforced += v->enforced ? 0 : 1;
        differ += diff ? 1 : 0;
        fprintf(out, "%-22s %-13s %-6s %-8s %s%s%s\n", sm_rule_id((enum sm_rule)r),
                !v->checked   ? "not checked"
                : v->enforced ? "yes"
                              : "NO",
                seen, dflt, diff ? "DIFFERS from our default" : "", diff && v->note[0] ? "; " : "",
                v->note);
    }
    differ += report_field_diffs(p, out);
    fprintf(out, "\n%zu of %zu rules enforced; %zu difference%s from our defaults",
            n_judged - not_enforced, n_judged, differ, differ == 1 ? "" : "s");
    if (differ > 0) {
        report_diff_names(p, out);
    }
    fprintf(out, "\nnot probed (docs/CONFORMANCE.md, \"Probe mode\"): max_upload, limits, "
                 "max_connections, max_connections_per_ip, head_timeout_s, min_body_rate\n");
    return not_enforced;
}

bool conf_probe_write_profile(const struct conf_probe *p, const char *path, FILE *err)
{
    bool ok = conf_json_write(path, profile_of(p), true);
    if (!ok) {
        fprintf(err, "stagemock probe: cannot write %s\n", path);
    }
    return ok;
}
