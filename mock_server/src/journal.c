/*
 * journal.c - the request journal: one entry per completed request, in
 * request order (seq), with what a test needs to prove what a client did
 * (sequence numbers, start and end times in microseconds, key, stage, file
 * name, number of file parts, size and sha256 of the file part, status, rule
 * id, bytes sent, the commit's sequence number).
 * What: append, render as JSON (the C API and /_stagemock/journal), and one
 * log line per entry for `stagemock serve --log text|json`.
 * Design: a ring owned by the server (cfg.journal_max entries, default
 * SM_JOURNAL_MAX_DEFAULT), appended under its lock; when it is full the
 * oldest request's entry goes and "dropped" counts it. An entry is
 * appended when its request completes and placed by its seq, so a slow
 * request's entry lands before those of requests that came after it. Entries own their strings, and
 * append caps them (cut on a UTF-8 character boundary, marked with "…"):
 * a request that carried no key, or a wrong one, is kept compactly, so a
 * flood of long unauthenticated URLs costs a bounded amount of memory. An
 * entry's HAR capture (cfg.har, har_capture.c) is counted, and past
 * SM_HAR_BUDGET the oldest entries' bodies are released first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "framing.h"
#include "internal.h"
#include "stagemock/har.h"
#include "../../common/sm_json.h"
#include "../../common/sm_mem.h"

static void entry_free(struct sm_journal_entry *e)
{
    SMX_FREE_ALL(e->path, e->key, e->stage, e->file_name, e->message, e->file_id, e->fired);
    sm_framing_free(e->framing);
    sm_blob_unref(e->digest_of);
    sm_har_cap_free(e->har);
}

/* An accepted upload's digest is computed when first read (spool.c says why). */
static const char *entry_sha256(struct sm_journal_entry *e)
{
    if (e->sha256[0] == '\0' && e->digest_of != NULL) {
        (void)sm_blob_sha256(e->digest_of, e->sha256);
        sm_blob_unref(e->digest_of);
        e->digest_of = NULL;
    }
    return e->sha256[0] ? e->sha256 : NULL;
}

void sm_journal_clear(struct sm_journal *j)
{
    for (size_t i = 0; i < j->n; i++) {
        entry_free(&j->e[i]);
    }
    j->n = 0; /* the array stays: a test suite that resets reuses warm memory */
    j->head = 0;
    j->dropped = 0;
    j->har_bytes = j->har_trim = 0;
}

void sm_journal_cleanup(struct sm_journal *j)
{
    for (size_t i = 0; i < j->n; i++) {
        entry_free(&j->e[i]);
    }
    free(j->e);
    j->e = NULL;
    j->n = j->cap = 0;
    j->head = 0;
    j->dropped = 0;
}

/* Field caps in bytes (the marker included): generous enough that a valid
 * name (at most 1 KiB, rules.c) is kept whole; tighter for a request that
 * proved no key. */
#define CAP_PATH    1024
#define CAP_NAME    1040
#define CAP_KEY     256
#define CAP_MESSAGE 512
#define CAP_COMPACT 128
#define MARKER      "\xe2\x80\xa6" /* U+2026 HORIZONTAL ELLIPSIS */

/* Cut *s to at most cap bytes on a character boundary, marked; the copy
 * shrinks with it. */
static void cap_str(char **s, size_t cap)
{
    size_t len = *s != NULL ? strlen(*s) : 0;
    if (len <= cap) {
        return;
    }
    size_t keep = sm_utf8_cut(*s, len, cap - (sizeof MARKER - 1));
    memcpy(*s + keep, MARKER, sizeof MARKER); /* with its NUL */
    char *shrunk = realloc(*s, keep + sizeof MARKER);
    if (shrunk != NULL) {
        *s = shrunk;
    }
}

static void entry_cap(struct sm_journal_entry *e)
{
    bool compact = e->key == NULL || e->status == 401; /* no key, or a wrong one */
    cap_str(&e->path, compact ? CAP_COMPACT : CAP_PATH);
    cap_str(&e->key, compact ? CAP_COMPACT / 2 : CAP_KEY);
    cap_str(&e->stage, compact ? CAP_COMPACT : CAP_NAME);
    cap_str(&e->file_name, compact ? CAP_COMPACT : CAP_NAME);
    cap_str(&e->message, compact ? 2 * CAP_COMPACT : CAP_MESSAGE);
    if (compact) {
        sm_framing_compact(&e->framing);
    }
}

struct sm_journal_entry *sm_journal_at(struct sm_journal *j, size_t i)
{
    return &j->e[(j->head + i) % j->cap];
}

/* HAR captures past SM_HAR_BUDGET: release the bodies of the oldest entries
 * first (har_trim of them, counted from the oldest, have none left). */
static void har_budget(struct sm_journal *j)
{
    while (j->har_bytes > SM_HAR_BUDGET && j->har_trim < j->n) {
        j->har_bytes -= sm_har_cap_drop_bodies(j->e[(j->head + j->har_trim) % j->cap].har);
        j->har_trim++;
    }
}

bool sm_journal_append(struct sm_journal *j, struct sm_journal_entry *entry)
{
    entry_cap(entry);
    j->har_bytes += sm_har_cap_bytes(entry->har);
    size_t max = j->max > 0 ? j->max : SM_JOURNAL_MAX_DEFAULT;
    if (j->n >= max && j->n == j->cap) {
        struct sm_journal_entry *oldest = &j->e[j->head]; /* full: the oldest request goes */
        j->har_bytes -= sm_har_cap_bytes(oldest->har);
        j->har_trim -= j->har_trim > 0;
        entry_free(oldest);
        j->head = (j->head + 1) % j->cap;
        j->n--;
        j->dropped++;
    } else if (j->n == j->cap) { /* head is 0 until the ring is full */
        size_t cap = j->cap ? j->cap * 2 : 64;
        cap = cap < max ? cap : max;
        struct sm_journal_entry *ne = realloc(j->e, cap * sizeof *ne);
        if (ne == NULL) {
            j->har_bytes -= sm_har_cap_bytes(entry->har);
            entry_free(entry);
            return false;
        }
        j->e = ne;
        j->cap = cap;
    }
    /* In request order: requests mostly complete in the order they came, so
     * the place is found a step or two from the end. */
    size_t at = j->n;
    while (at > 0 && sm_journal_at(j, at - 1)->seq > entry->seq) {
        *sm_journal_at(j, at) = *sm_journal_at(j, at - 1);
        at--;
    }
    *sm_journal_at(j, at) = *entry;
    j->n++;
    if (at < j->har_trim) { /* older than entries already released: release it too */
        j->har_bytes -= sm_har_cap_drop_bodies(sm_journal_at(j, at)->har);
        j->har_trim++;
    }
    memset(entry, 0, sizeof *entry);
    har_budget(j);
    return true;
}

static cJSON *entry_json(struct sm_journal_entry *e)
{
    cJSON *o = cJSON_CreateObject();
    sm_json_add_u64(o, "seq", e->seq);
    sm_json_add_i64(o, "start_us", e->start_us);
    sm_json_add_i64(o, "end_us", e->end_us);
    sm_json_add_i64(o, "answered_us", e->answered_us);
    cJSON_AddStringToObject(o, "method", e->method);
    sm_json_add_str_or_null(o, "path", e->path);
    sm_json_add_str_or_null(o, "key", e->key);
    sm_json_add_str_or_null(o, "stage", e->stage);
    sm_json_add_str_or_null(o, "file_name", e->file_name);
    sm_json_add_u64(o, "file_parts", e->file_parts);
    sm_json_add_u64(o, "size", e->size);
    sm_json_add_str_or_null(o, "sha256", entry_sha256(e));
    sm_json_add_i64(o, "status", e->status);
    sm_json_add_str_or_null(o, "rule", sm_rule_id(e->rule));
    sm_json_add_str_or_null(o, "message", e->message);
    sm_json_add_u64(o, "bytes_sent", e->bytes_sent);
    sm_json_add_u64(o, "commit_seq", e->commit_seq);
    sm_json_add_str_or_null(o, "file_id", e->file_id);
    sm_framing_to_json(e->framing, o); /* uploads: "framing" and "lint" */
    if (e->scn_seen) {
        /* docs/SCENARIOS.md: which rule fired, what it did, the state, the seed */
        const struct sm_journal_fired *f = e->fired;
        cJSON *sc = cJSON_AddObjectToObject(o, "scenario");
        if (sc != NULL) {
            sm_json_add_str_or_null(sc, "rule", f ? f->rule : NULL);
            sm_json_add_str_or_null(sc, "action", f ? f->action : NULL);
            sm_json_add_str_or_null(sc, "state_before", f ? f->state_before : NULL);
            sm_json_add_str_or_null(sc, "state_after", f ? f->state_after : NULL);
            sm_json_add_u64(sc, "firing", f ? f->firing : 0);
            sm_json_add_u64(sc, "seed", e->scn_seed);
            sm_json_add_u64(sc, "bytes_received", e->bytes_received);
        }
    }
    return o;
}

char *sm_journal_to_json(struct sm_journal *j, uint64_t seed, bool seeded)
{
    cJSON *root = cJSON_CreateObject();
    if (seeded) {
        sm_json_add_u64(root, "seed", seed);
    } else {
        cJSON_AddNullToObject(root, "seed");
    }
    sm_json_add_u64(root, "dropped", j->dropped);
    cJSON *arr = cJSON_AddArrayToObject(root, "entries");
    for (size_t i = 0; arr != NULL && i < j->n; i++) {
        cJSON_AddItemToArray(arr, entry_json(sm_journal_at(j, i)));
    }
    char *text = sm_json_print(root);
    cJSON_Delete(root);
    return text;
}

char *sm_journal_entry_line(struct sm_journal_entry *e, enum sm_log_format fmt)
{
    if (fmt == SM_LOG_JSON) {
        cJSON *o = entry_json(e);
        char *text = sm_json_print(o);
        cJSON_Delete(o);
        return text;
    }
    char *line = malloc(512);
    if (line != NULL) {
        (void)snprintf(line, 512, "#%llu %s %s %d %s stage=%s file=%s size=%llu %.1fms%s%s",
                       (unsigned long long)e->seq, e->method, e->path ? e->path : "-", e->status,
                       e->rule != SM_RULE_NONE ? sm_rule_id(e->rule) : "-",
                       e->stage ? e->stage : "-", e->file_name ? e->file_name : "-",
                       (unsigned long long)e->size, (double)(e->end_us - e->start_us) / 1000.0,
                       e->message ? ": " : "", e->message ? e->message : "");
    }
    return line;
}
