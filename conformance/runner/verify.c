/*
 * verify.c - judge one case run: the adapter's JSON lines and exit codes, the
 * stage contents, the request journal and the downloaded files, against the
 * case's checks (docs/CASE-FORMAT.md lists each one).
 *
 * What: every failed check appends one line of evidence, "expected ..., seen
 * ...", naming the case file line it came from, so a report shows why without
 * re-running. Implied checks for every step: an `ok:true` upload line carries
 * a non-empty file_id; an `ok:false` line carries no file_id and a non-empty
 * message (RULES.md: surface the server's message, never report a file id for
 * a rejected upload).
 * Design: the journal is parsed once per check with cJSON (cases hold a few
 * dozen requests at most); times come from the journal (start_us, answered_us, end_us), so
 * no check depends on the runner's own clock.
 * Not here: running anything (job.c, spawn.c).
 */
#include "run.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *endpoint_path(const char *ep)
{
    if (strcmp(ep, "upload") == 0) {
        return "/upload-to-stage";
    }
    if (strcmp(ep, "download") == 0) {
        return "/download-from-stage";
    }
    if (strcmp(ep, "list") == 0) {
        return "/list-stage-files";
    }
    return NULL; /* any */
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

static bool is_admin(const cJSON *e)
{
    const char *p = jstr(e, "path");
    return p != NULL && strncmp(p, "/_stagemock", 11) == 0;
}

static bool is_endpoint(const cJSON *e, const char *ep)
{
    if (is_admin(e)) {
        return false;
    }
    const char *want = endpoint_path(ep);
    const char *p = jstr(e, "path");
    return want == NULL || (p != NULL && strcmp(p, want) == 0);
}

/* ---- adapter output ------------------------------------------------------ */

struct lines {
    cJSON *items[256];
    char *raw[256];
    size_t n;
};

static void lines_parse(const char *out, struct lines *l)
{
    memset(l, 0, sizeof *l);
    const char *p = out;
    while (*p != '\0' && l->n < 256) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        size_t b = 0;
        while (b < len && (p[b] == ' ' || p[b] == '\t' || p[b] == '\r')) {
            b++;
        }
        if (b < len) {
            l->raw[l->n] = malloc(len + 1);
            if (l->raw[l->n] != NULL) {
                memcpy(l->raw[l->n], p, len);
                l->raw[l->n][len] = '\0';
            }
            cJSON *j = cJSON_ParseWithLength(p, len);
            if (j != NULL && !cJSON_IsObject(j)) {
                cJSON_Delete(j);
                j = NULL;
            }
            l->items[l->n++] = j;
        }
        p = nl ? nl + 1 : p + len;
    }
}

static void lines_free(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++) {
        cJSON_Delete(l->items[i]);
        free(l->raw[i]);
    }
}

static bool field_matches(const cJSON *o, const char *field, const char *want, char *seen,
                          size_t cap)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, field) : NULL;
    char *txt = v ? cJSON_PrintUnformatted(v) : NULL;
    (void)snprintf(seen, cap, "%s", txt ? txt : "(absent)");
    free(txt);
    bool present = v != NULL && !cJSON_IsNull(v);
    if (strcmp(want, "present") == 0) {
        return present;
    }
    if (strcmp(want, "absent") == 0) {
        return !present;
    }
    if (strcmp(want, "nonempty") == 0) {
        return v != NULL && cJSON_IsString(v) && v->valuestring[0] != '\0';
    }
    if (strcmp(want, "true") == 0 || strcmp(want, "false") == 0) {
        return cJSON_IsBool(v) && (cJSON_IsTrue(v) == (want[0] == 't'));
    }
    if (want[0] == '~') { /* substring */
        return v != NULL && cJSON_IsString(v) && strstr(v->valuestring, want + 1) != NULL;
    }
    char *end = NULL;
    double d = strtod(want, &end);
    if (end != want && *end == '\0') {
        return v != NULL && cJSON_IsNumber(v) && v->valuedouble == d;
    }
    return v != NULL && cJSON_IsString(v) && strcmp(v->valuestring, want) == 0;
}

static void implied_checks(const struct lines *l, bool upload, unsigned line, struct conf_buf *ev,
                           bool *ok)
{
    for (size_t i = 0; i < l->n; i++) {
        const cJSON *o = l->items[i];
        if (o == NULL) {
            continue;
        }
        const cJSON *okv = cJSON_GetObjectItemCaseSensitive(o, "ok");
        const char *id = jstr(o, "file_id");
        const char *msg = jstr(o, "message");
        if (cJSON_IsTrue(okv) && upload && (id == NULL || id[0] == '\0')) {
            conf_buf_printf(ev,
                            "step line %u: output line %zu: expected a file_id with "
                            "ok:true, seen none\n",
                            line, i + 1);
            *ok = false;
        }
        if (cJSON_IsFalse(okv)) {
            const cJSON *idv = cJSON_GetObjectItemCaseSensitive(o, "file_id");
            if (idv != NULL && !cJSON_IsNull(idv)) {
                conf_buf_printf(ev,
                                "step line %u: output line %zu: expected no file_id for a "
                                "failure, seen one\n",
                                line, i + 1);
                *ok = false;
            }
            if (msg == NULL || msg[0] == '\0') {
                conf_buf_printf(ev,
                                "step line %u: output line %zu: expected the server's "
                                "message with ok:false, seen none\n",
                                line, i + 1);
                *ok = false;
            }
        }
    }
}

static bool check_exit(const char *want, const struct conf_proc *p)
{
    if (strcmp(want, "any") == 0) {
        return true;
    }
    if (strcmp(want, "nonzero") == 0) {
        return p->exit_code != 0;
    }
    return p->exit_code == (int)strtol(want, NULL, 10);
}

static void names_of(const struct lines *l, struct conf_buf *b)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *nm = l->items[i] ? jstr(l->items[i], "name") : NULL;
        if (nm == NULL && l->items[i] != NULL) {
            nm = jstr(l->items[i], "file");
        }
        conf_buf_printf(b, "%s\"%s\"", i ? " " : "", nm ? nm : "?");
    }
}

static void list_check(const struct conf_check *k, const struct lines *l, struct conf_buf *ev,
                       bool *ok)
{
    bool same = l->n == k->n_args;
    for (size_t i = 0; same && i < l->n; i++) {
        const char *nm = l->items[i] ? jstr(l->items[i], "name") : NULL;
        if (nm == NULL && l->items[i] != NULL) {
            nm = jstr(l->items[i], "file");
        }
        same = nm != NULL && strcmp(nm, k->args[i]) == 0;
    }
    if (!same) {
        struct conf_buf want, seen;
        conf_buf_init(&want);
        conf_buf_init(&seen);
        for (size_t i = 0; i < k->n_args; i++) {
            conf_buf_printf(&want, "%s\"%s\"", i ? " " : "", k->args[i]);
        }
        names_of(l, &seen);
        conf_buf_printf(ev, "line %u: list: expected [%s], seen [%s]\n", k->line,
                        want.data ? want.data : "", seen.data ? seen.data : "");
        conf_buf_cleanup(&want);
        conf_buf_cleanup(&seen);
        *ok = false;
    }
}

static void check_lines(const struct conf_check *k, const struct lines *l, struct conf_buf *ev,
                        bool *ok)
{
    size_t want = (size_t)strtoul(k->args[0], NULL, 10);
    if (l->n != want) {
        conf_buf_printf(ev, "line %u: lines: expected %zu JSON lines, seen %zu\n", k->line, want,
                        l->n);
        *ok = false;
    }
}

static const char *ok_seen(const struct lines *l, size_t i)
{
    if (i >= l->n) {
        return "(no line)";
    }
    const cJSON *o = l->items[i];
    if (o == NULL) {
        return "(not JSON)";
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "ok");
    if (cJSON_IsTrue(v)) {
        return "true";
    }
    return cJSON_IsFalse(v) ? "false" : "(no ok field)";
}

static void check_ok(const struct conf_check *k, const struct lines *l, struct conf_buf *ev,
                     bool *ok)
{
    for (size_t i = 0; i < k->n_args || i < l->n; i++) {
        const char *want = i < k->n_args ? k->args[i] : "(no line)";
        const char *seen = ok_seen(l, i);
        if (strcmp(want, seen) == 0) {
            continue;
        }
        const char *raw = i < l->n && l->raw[i] != NULL ? l->raw[i] : NULL;
        conf_buf_printf(ev, "line %u: ok: output line %zu: expected ok:%s, seen %s%s%s\n", k->line,
                        i + 1, want, seen, raw ? ": " : "", raw ? raw : "");
        *ok = false;
    }
}

static void check_json_field(const struct conf_check *k, const struct lines *l, struct conf_buf *ev,
                             bool *ok)
{
    size_t idx = (size_t)strtoul(k->args[0], NULL, 10) - 1;
    char seen[256];
    const cJSON *o = idx < l->n ? l->items[idx] : NULL;
    if (!field_matches(o, k->args[1], k->args[2], seen, sizeof seen)) {
        conf_buf_printf(ev, "line %u: json: output line %zu field %s: expected %s, seen %s\n",
                        k->line, idx + 1, k->args[1], k->args[2], seen);
        *ok = false;
    }
}

static void step_check(const struct conf_check *k, const struct conf_proc *p, const struct lines *l,
                       struct conf_buf *ev, bool *ok)
{
    if (strcmp(k->verb, "exit") == 0) {
        if (!check_exit(k->args[0], p)) {
            conf_buf_printf(ev, "line %u: exit: expected %s, seen %d\n", k->line, k->args[0],
                            p->exit_code);
            *ok = false;
        }
    } else if (strcmp(k->verb, "lines") == 0) {
        check_lines(k, l, ev, ok);
    } else if (strcmp(k->verb, "ok") == 0) {
        check_ok(k, l, ev, ok);
    } else if (strcmp(k->verb, "json") == 0) {
        check_json_field(k, l, ev, ok);
    } else if (strcmp(k->verb, "list") == 0) {
        list_check(k, l, ev, ok);
    }
    /* "finishes": the time limit is checked for every step by the caller */
}

bool conf_verify_step(const struct conf_step *st, const struct conf_proc *proc,
                      struct conf_verify_ctx *ctx, struct conf_buf *ev)
{
    bool ok = true;
    struct lines l;
    lines_parse(proc->out ? proc->out : "", &l);
    if (proc->timed_out) {
        conf_buf_printf(ev,
                        "line %u: expected the adapter to finish, seen it still running at "
                        "the time limit (%.1f s): killed\n",
                        st->line, proc->ms / 1000.0);
        ok = false;
    }
    for (size_t i = 0; i < st->n_checks; i++) {
        step_check(&st->checks[i], proc, &l, ev, &ok);
    }
    implied_checks(&l, strcmp(ctx->step_verb, "upload") == 0, st->line, ev, &ok);
    lines_free(&l);
    return ok;
}

/* ---- [expect] ----------------------------------------------------------- */

static const struct conf_stage_view *stage_find(const struct conf_verify_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->n_stages; i++) {
        if (strcmp(ctx->stages[i].stage, name) == 0) {
            return &ctx->stages[i];
        }
    }
    return NULL;
}

static void put_names(struct conf_buf *b, char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        conf_buf_printf(b, "%s\"%s\"", i ? " " : "", names[i]);
    }
}

static bool check_stage(const struct conf_check *k, const struct conf_verify_ctx *ctx,
                        struct conf_buf *ev)
{
    const struct conf_stage_view *sv = stage_find(ctx, k->args[0]);
    if (sv == NULL) {
        conf_buf_printf(ev, "line %u: stage %s: not set up in this case\n", k->line, k->args[0]);
        return false;
    }
    bool sha = strcmp(k->verb, "stage-sha") == 0;
    size_t want_n = k->n_args - 1;
    bool same = sv->n == want_n;
    for (size_t i = 0; same && i < want_n; i++) {
        if (!sha) {
            same = strcmp(sv->names[i], k->args[i + 1]) == 0;
            continue;
        }
        char path[4096], hex[65];
        const char *fx = k->args[i + 1][0] == '@' ? k->args[i + 1] + 1 : k->args[i + 1];
        same = conf_fixture_path(ctx->fixtures_dir, fx, path, sizeof path) &&
               conf_sha256_file(path, hex) && strcmp(hex, sv->sha[i]) == 0;
    }
    if (same) {
        return true;
    }
    conf_buf_printf(ev, "line %u: %s %s: expected [", k->line, k->verb, k->args[0]);
    put_names(ev, k->args + 1, want_n);
    conf_buf_puts(ev, "], seen [");
    put_names(ev, sv->names, sv->n);
    conf_buf_puts(ev, "]");
    if (sha) {
        conf_buf_puts(ev, " with sha256 [");
        for (size_t i = 0; i < sv->n; i++) {
            conf_buf_printf(ev, "%s%.12s", i ? " " : "", sv->sha[i]);
        }
        conf_buf_puts(ev, "] (stored bytes differ from the fixture's)");
    }
    conf_buf_puts(ev, "\n");
    return false;
}

static bool check_requests(const struct conf_check *k, const cJSON *entries, struct conf_buf *ev)
{
    long n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        n += is_endpoint(e, k->args[0]) ? 1 : 0;
    }
    long want = strtol(k->args[2], NULL, 10);
    const char *op = k->args[1];
    bool ok = op[0] == '=' ? n == want : op[0] == '<' ? n <= want : n >= want;
    if (!ok) {
        conf_buf_printf(ev, "line %u: requests: expected %s requests %s %ld, seen %ld\n", k->line,
                        k->args[0], op, want, n);
    }
    return ok;
}

static bool check_one_part(const struct conf_check *k, const cJSON *entries, struct conf_buf *ev)
{
    bool ok = true;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        const char *rule = jstr(e, "rule");
        double parts = jnum(e, "file_parts");
        if (is_endpoint(e, "upload") &&
            (parts > 1 || (rule != NULL && strcmp(rule, "one-file-per-request") == 0))) {
            conf_buf_printf(ev,
                            "line %u: journal: expected one file part per upload, seen "
                            "request #%.0f with %.0f (status %.0f)\n",
                            k->line, jnum(e, "seq"), parts, jnum(e, "status"));
            ok = false;
        }
    }
    return ok;
}

static bool check_key(const struct conf_check *k, const cJSON *entries, const char *key,
                      struct conf_buf *ev)
{
    bool ok = true;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        if (is_admin(e)) {
            continue;
        }
        const char *sent = jstr(e, "key");
        if (sent == NULL || strcmp(sent, key) != 0) {
            conf_buf_printf(ev,
                            "line %u: journal: expected key '%s' on every request, seen "
                            "request #%.0f %s with %s%s%s\n",
                            k->line, key, jnum(e, "seq"), jstr(e, "path") ? jstr(e, "path") : "?",
                            sent ? "'" : "no key", sent ? sent : "", sent ? "'" : "");
            ok = false;
        }
    }
    return ok;
}

/* When a request was answered: answered_us, stamped as the answer was
 * queued (docs/SERVER.md), so a strictly sequential client always starts its
 * next request after it; end_us (release, a little later) for an entry
 * without one. */
static double answered_at(const cJSON *e)
{
    double t = jnum(e, "answered_us");
    return t > 0 ? t : jnum(e, "end_us");
}

static bool check_overlap(const struct conf_check *k, const cJSON *entries, struct conf_buf *ev)
{
    const cJSON *a, *b;
    cJSON_ArrayForEach(a, entries)
    {
        if (!is_endpoint(a, "upload")) {
            continue;
        }
        for (b = a->next; b != NULL; b = b->next) {
            if (!is_endpoint(b, "upload")) {
                continue;
            }
            /* first: the one that started first; lead: how long before it was
             * answered the other one was sent (both intervals may nest) */
            const cJSON *first = jnum(a, "start_us") <= jnum(b, "start_us") ? a : b;
            const cJSON *second = first == a ? b : a;
            double lead = answered_at(first) - jnum(second, "start_us");
            if (lead > 0) {
                conf_buf_printf(ev,
                                "line %u: journal: expected uploads one at a time, seen "
                                "#%.0f (%s) sent %.1f ms before #%.0f (%s) was answered\n",
                                k->line, jnum(second, "seq"),
                                jstr(second, "file_name") ? jstr(second, "file_name") : "?",
                                lead / 1000.0, jnum(first, "seq"),
                                jstr(first, "file_name") ? jstr(first, "file_name") : "?");
                return false;
            }
        }
    }
    return true;
}

static bool same_str(const char *x, const char *y)
{
    return x != NULL && y != NULL && strcmp(x, y) == 0;
}

static bool check_duplicate(const struct conf_check *k, const cJSON *entries, struct conf_buf *ev)
{
    const cJSON *a, *b;
    cJSON_ArrayForEach(a, entries)
    {
        if (!is_endpoint(a, "upload") || jnum(a, "commit_seq") <= 0) {
            continue;
        }
        cJSON_ArrayForEach(b, entries)
        {
            if (is_endpoint(b, "upload") && jnum(b, "seq") > jnum(a, "seq") &&
                same_str(jstr(a, "stage"), jstr(b, "stage")) &&
                same_str(jstr(a, "file_name"), jstr(b, "file_name")) &&
                same_str(jstr(a, "sha256"), jstr(b, "sha256"))) {
                conf_buf_printf(ev,
                                "line %u: journal: expected no second upload of a stored "
                                "file, seen '%s' stored by #%.0f and sent again by #%.0f "
                                "(status %.0f)\n",
                                k->line, jstr(a, "file_name"), jnum(a, "seq"), jnum(b, "seq"),
                                jnum(b, "status"));
                return false;
            }
        }
    }
    return true;
}

static bool check_names(const struct conf_check *k, const cJSON *entries, struct conf_buf *ev)
{
    const char *seen[CONF_MAX_TOKENS] = {0};
    double seq[CONF_MAX_TOKENS] = {0};
    size_t n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        double cs = jnum(e, "commit_seq");
        if (is_endpoint(e, "upload") && cs > 0 && n < CONF_MAX_TOKENS) {
            size_t at = n++;
            while (at > 0 && seq[at - 1] > cs) { /* insertion by commit order */
                seen[at] = seen[at - 1];
                seq[at] = seq[at - 1];
                at--;
            }
            seen[at] = jstr(e, "file_name") ? jstr(e, "file_name") : "?";
            seq[at] = cs;
        }
    }
    bool same = n == k->n_args - 1;
    for (size_t i = 0; same && i < n; i++) {
        same = strcmp(seen[i], k->args[i + 1]) == 0;
    }
    if (!same) {
        conf_buf_printf(ev, "line %u: journal names: expected the server to read [", k->line);
        put_names(ev, k->args + 1, k->n_args - 1);
        conf_buf_puts(ev, "], seen [");
        for (size_t i = 0; i < n; i++) {
            conf_buf_printf(ev, "%s\"%s\"", i ? " " : "", seen[i]);
        }
        conf_buf_puts(ev, "]\n");
    }
    return same;
}

static bool check_gap(const struct conf_check *k, const cJSON *entries, struct conf_buf *ev)
{
    double want_us = strtod(k->args[1], NULL) * 1000.0;
    const cJSON *prev = NULL, *e;
    cJSON_ArrayForEach(e, entries)
    {
        if (!is_endpoint(e, "upload")) {
            continue;
        }
        if (prev != NULL) {
            double gap = jnum(e, "start_us") - answered_at(prev);
            if (gap < want_us) {
                conf_buf_printf(ev,
                                "line %u: journal: expected at least %s ms between uploads, "
                                "seen #%.0f %.0f ms after #%.0f (which got %.0f)\n",
                                k->line, k->args[1], jnum(e, "seq"), gap / 1000.0,
                                jnum(prev, "seq"), jnum(prev, "status"));
                return false;
            }
        }
        prev = e;
    }
    return true;
}

static bool check_journal(const struct conf_check *k, const cJSON *entries,
                          const struct conf_verify_ctx *ctx, struct conf_buf *ev)
{
    const char *sub = k->args[0];
    if (strcmp(sub, "one-file-part") == 0) {
        return check_one_part(k, entries, ev);
    }
    if (strcmp(sub, "key") == 0) {
        return check_key(k, entries, k->n_args > 1 ? k->args[1] : ctx->api_key, ev);
    }
    if (strcmp(sub, "no-overlap") == 0) {
        return check_overlap(k, entries, ev);
    }
    if (strcmp(sub, "no-duplicate") == 0) {
        return check_duplicate(k, entries, ev);
    }
    if (strcmp(sub, "names") == 0) {
        return check_names(k, entries, ev);
    }
    return check_gap(k, entries, ev);
}

static bool out_path(const struct conf_verify_ctx *ctx, const char *rel, char *buf, size_t cap)
{
    if (strncmp(rel, "%out/", 5) == 0) {
        rel += 5;
    }
    int n = snprintf(buf, cap, "%s/%s", ctx->out_dir, rel);
    return n > 0 && (size_t)n < cap;
}

static bool check_download(const struct conf_check *k, const struct conf_verify_ctx *ctx,
                           struct conf_buf *ev)
{
    char path[4096], fx[4096], h1[65], h2[65];
    struct stat st, sf;
    if (!out_path(ctx, k->args[0], path, sizeof path) || stat(path, &st) != 0) {
        conf_buf_printf(ev, "line %u: download: expected %s to exist, seen no file\n", k->line,
                        k->args[0]);
        return false;
    }
    if (!conf_fixture_path(ctx->fixtures_dir, k->args[1] + 1, fx, sizeof fx) ||
        stat(fx, &sf) != 0 || !conf_sha256_file(fx, h2)) {
        conf_buf_printf(ev, "line %u: download: fixture %s not found\n", k->line, k->args[1]);
        return false;
    }
    if (!conf_sha256_file(path, h1) || strcmp(h1, h2) != 0) {
        conf_buf_printf(ev,
                        "line %u: download: expected %s to equal %s (%lld bytes, sha256 "
                        "%.16s), seen %lld bytes, sha256 %.16s\n",
                        k->line, k->args[0], k->args[1], (long long)sf.st_size, h2,
                        (long long)st.st_size, h1);
        return false;
    }
    return true;
}

static bool check_no_file(const struct conf_check *k, const struct conf_verify_ctx *ctx,
                          struct conf_buf *ev)
{
    char path[4096], part[4200];
    struct stat st;
    bool ok = true;
    if (out_path(ctx, k->args[0], path, sizeof path) && stat(path, &st) == 0) {
        conf_buf_printf(ev,
                        "line %u: expected no file at %s after a failed download, seen one "
                        "of %lld bytes\n",
                        k->line, k->args[0], (long long)st.st_size);
        ok = false;
    }
    (void)snprintf(part, sizeof part, "%s.part", path);
    if (stat(part, &st) == 0) {
        conf_buf_printf(ev, "line %u: expected no %s.part left behind, seen one\n", k->line,
                        k->args[0]);
        ok = false;
    }
    return ok;
}

static bool check_outdir_empty(const struct conf_check *k, const struct conf_verify_ctx *ctx,
                               struct conf_buf *ev)
{
    DIR *d = opendir(ctx->out_dir);
    if (d == NULL) {
        return true;
    }
    bool ok = true;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            conf_buf_printf(ev,
                            "line %u: expected nothing left in the output directory, seen "
                            "'%s'\n",
                            k->line, e->d_name);
            ok = false;
        }
    }
    closedir(d);
    return ok;
}

/* Whether the lint check k counts code: every code when it names none. */
static bool lint_counts(const struct conf_check *k, const char *code)
{
    for (size_t i = 1; i < k->n_args; i++) {
        if (strcmp(k->args[i], code) == 0) {
            return true;
        }
    }
    return k->n_args <= 1;
}

/* lint: CONF_SKIP when no entry carries one. */
static enum conf_outcome check_lint(const struct conf_check *k, const cJSON *entries,
                                    struct conf_buf *ev)
{
    bool any = false, clean = true;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        const cJSON *lint = cJSON_GetObjectItemCaseSensitive(e, "lint");
        if (lint == NULL || !is_endpoint(e, "upload")) {
            continue;
        }
        any = true;
        bool empty = cJSON_IsNull(lint) || (cJSON_IsArray(lint) && cJSON_GetArraySize(lint) == 0) ||
                     (cJSON_IsString(lint) && lint->valuestring[0] == '\0');
        if (!empty && cJSON_IsArray(lint)) { /* only the codes this check names count */
            empty = true;
            const cJSON *c;
            cJSON_ArrayForEach(c, lint)
            {
                empty = empty && !(cJSON_IsString(c) && lint_counts(k, c->valuestring));
            }
        }
        if (!empty) {
            char *t = cJSON_PrintUnformatted(lint);
            conf_buf_printf(ev, "line %u: multipart lint on #%.0f: %s\n", k->line, jnum(e, "seq"),
                            t ? t : "?");
            free(t);
            clean = false;
        }
    }
    if (!any) {
        conf_buf_printf(ev, "line %u: lint: this server's journal records no multipart lint\n",
                        k->line);
        return CONF_SKIP;
    }
    return clean || strcmp(k->args[0], "report") == 0 ? CONF_PASS : CONF_FAIL;
}

enum conf_outcome conf_verify_expect(const struct conf_case *c, struct conf_verify_ctx *ctx,
                                     struct conf_buf *ev)
{
    cJSON *root = cJSON_Parse(ctx->journal_json ? ctx->journal_json : "{}");
    const cJSON *entries = root ? cJSON_GetObjectItemCaseSensitive(root, "entries") : NULL;
    cJSON *empty = cJSON_CreateArray();
    if (!cJSON_IsArray(entries)) {
        entries = empty;
    }
    enum conf_outcome out = CONF_PASS;
    for (size_t i = 0; i < c->n_expect; i++) {
        const struct conf_check *k = &c->expect[i];
        bool ok = true;
        if (strcmp(k->verb, "stage") == 0 || strcmp(k->verb, "stage-sha") == 0) {
            ok = check_stage(k, ctx, ev);
        } else if (strcmp(k->verb, "requests") == 0) {
            ok = check_requests(k, entries, ev);
        } else if (strcmp(k->verb, "journal") == 0) {
            ok = check_journal(k, entries, ctx, ev);
        } else if (strcmp(k->verb, "download") == 0) {
            ok = check_download(k, ctx, ev);
        } else if (strcmp(k->verb, "no-file") == 0) {
            ok = check_no_file(k, ctx, ev);
        } else if (strcmp(k->verb, "outdir-empty") == 0) {
            ok = check_outdir_empty(k, ctx, ev);
        } else if (strcmp(k->verb, "lint") == 0) {
            enum conf_outcome lo = check_lint(k, entries, ev);
            ctx->have_lint = lo != CONF_SKIP;
            if (lo == CONF_SKIP && out == CONF_PASS) {
                out = CONF_SKIP;
            }
            ok = lo != CONF_FAIL;
        }
        if (!ok) {
            out = CONF_FAIL;
        }
    }
    cJSON_Delete(empty);
    cJSON_Delete(root);
    return out;
}

void conf_journal_lines(const char *journal_json, struct conf_buf *out)
{
    cJSON *root = cJSON_Parse(journal_json ? journal_json : "{}");
    const cJSON *entries = root ? cJSON_GetObjectItemCaseSensitive(root, "entries") : NULL;
    double t0 = -1;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        double s = jnum(e, "start_us");
        if (t0 < 0 || s < t0) {
            t0 = s;
        }
    }
    cJSON_ArrayForEach(e, entries)
    {
        const char *fn = jstr(e, "file_name"), *key = jstr(e, "key"), *rule = jstr(e, "rule");
        conf_buf_printf(
            out, "#%.0f %s %s stage=%s file=%s%s%s parts=%.0f key=%s -> %.0f", jnum(e, "seq"),
            jstr(e, "method") ? jstr(e, "method") : "?", jstr(e, "path") ? jstr(e, "path") : "?",
            jstr(e, "stage") ? jstr(e, "stage") : "-", fn ? "\"" : "", fn ? fn : "-",
            fn ? "\"" : "", jnum(e, "file_parts"), key ? key : "(none)", jnum(e, "status"));
        if (rule != NULL) {
            conf_buf_printf(out, " rule=%s", rule);
        }
        if (jnum(e, "commit_seq") > 0) {
            conf_buf_printf(out, " commit=%.0f", jnum(e, "commit_seq"));
        }
        conf_buf_printf(out, " t=+%.1f..+%.1f ms", (jnum(e, "start_us") - t0) / 1000.0,
                        (jnum(e, "end_us") - t0) / 1000.0);
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(e, "scenario");
        if (sc != NULL && jstr(sc, "rule") != NULL) {
            conf_buf_printf(out, " fault=%s:%s", jstr(sc, "rule"),
                            jstr(sc, "action") ? jstr(sc, "action") : "?");
        }
        const char *msg = jstr(e, "message");
        if (msg != NULL) {
            conf_buf_printf(out, " message=\"%s\"", msg);
        }
        conf_buf_puts(out, "\n");
    }
    cJSON_Delete(root);
}
