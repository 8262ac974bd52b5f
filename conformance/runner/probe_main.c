/*
 * probe_main.c - `stagemock probe --url URL --key K --stage S`: the server
 * side of conformance. Which documented rules (RULES.md) does a stage API
 * enforce, and where do its answers differ from the mock's defaults?
 *
 * What: a fixed sequence of requests against the given stage, each file named
 * with a fresh prefix so runs never collide: an upload without a key and one
 * with a wrong key (auth), a CSV (parquet-only), a GZIP file (codec), two file
 * parts in one request (one-file-per-request), a good file, a second file
 * under its name (unique-names), a retyped schema (same-schema), two more good
 * files and a listing (order), a download of the first (bytes); every non-2xx
 * answer is also judged for error-json. The report has one line per rule:
 * enforced or not, the status seen and our default. `--write-profile FILE`
 * writes the profile (docs/PROFILE.md) that makes the mock answer as this
 * server did: statuses that differ, the upload's id field, base64 downloads.
 * Exit 0 when every rule is enforced, 1 when one is not, 2 on usage errors
 * or when the server cannot be reached or refuses a good file.
 * Design: judging is separate from the HTTP (probe_http.c); the fixtures are
 * the runner's own (fixture.c), written to a temporary directory.
 * Not here: client conformance (conform_main.c). The probe wants a stage
 * that is empty or holds files of the fixtures' schema.
 */
#include "stagemock/conform.h"

#include <cjson/cJSON.h>
#include "../../common/sm_base64.h"
#include "../../common/sm_file.h"
#include "../../common/sm_json.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

enum {
    R_PARQUET,
    R_CODEC,
    R_ONE_FILE,
    R_UNIQUE,
    R_SCHEMA,
    R_ORDER,
    R_ERROR_JSON,
    R_BYTES,
    R_AUTH,
    R_COUNT
};

static const char *const rule_ids[R_COUNT] = {"parquet-only", "codec",       "one-file-per-request",
                                              "unique-names", "same-schema", "order",
                                              "error-json",   "bytes",       "auth"};
static const int default_status[R_COUNT] = {400, 400, 400, 409, 400, 0, 0, 0, 401};

enum { FX_A, FX_B, FX_C, FX_D, FX_CSV, FX_GZIP, FX_RETYPED, FX_COUNT };
static const char *const fx_names[FX_COUNT] = {
    "valid-a.parquet",     "valid-b.parquet",    "valid-c.parquet",       "valid-d.parquet",
    "not-parquet.parquet", "codec-gzip.parquet", "schema-retyped.parquet"};

struct verdict {
    bool checked, enforced;
    int status; /* the status seen for the violation (0: none / not applicable) */
    char note[512];
};

struct probe {
    struct conf_http_target t;
    char prefix[64];
    uint8_t *fx[FX_COUNT];
    size_t fx_len[FX_COUNT];
    struct verdict v[R_COUNT];
    char file_id_field[128];
    bool base64;
    bool fatal;
    char fatal_msg[1024];
};

/* Write the runner's fixtures to a temporary dir and keep the ones we send. */
static bool load_fixtures(struct probe *p, FILE *err)
{
    const char *tmp = getenv("TMPDIR");
    char dir[1024];
    (void)snprintf(dir, sizeof dir, "%s/stagemock-probe-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        fprintf(err, "stagemock probe: %s: %s\n", dir, strerror(errno));
        return false;
    }
    struct sm_error e = {0};
    bool ok = conf_fixtures_write(dir, &e) == SM_OK;
    if (!ok) {
        fprintf(err, "stagemock probe: fixtures: %s\n", e.message);
    }
    for (size_t i = 0; ok && i < FX_COUNT; i++) {
        char path[2048];
        (void)snprintf(path, sizeof path, "%s/%s", dir, fx_names[i]);
        ok = (p->fx[i] = smx_file_read(path, SIZE_MAX, &p->fx_len[i], NULL)) != NULL;
    }
    (void)smx_tree_remove(dir);
    return ok;
}

/* ---- judging answers ----------------------------------------------------- */

static bool is_2xx(int status)
{
    return status >= 200 && status < 300;
}

/* error-json: a non-2xx answer must be JSON with a non-empty string message. */
static void judge_error_json(struct probe *p, const char *what, const struct conf_http_answer *a)
{
    if (a->status == 0 || is_2xx(a->status)) {
        return;
    }
    struct verdict *v = &p->v[R_ERROR_JSON];
    v->checked = true;
    cJSON *j = a->body.data ? cJSON_ParseWithLength(a->body.data, a->body.len) : NULL;
    const cJSON *m = j ? cJSON_GetObjectItemCaseSensitive(j, "message") : NULL;
    bool json_type =
        a->content_type != NULL && strncmp(a->content_type, "application/json", 16) == 0;
    bool good = json_type && m != NULL && cJSON_IsString(m) && m->valuestring[0] != '\0';
    cJSON_Delete(j);
    if (!good && v->note[0] == '\0') {
        (void)snprintf(v->note, sizeof v->note, "%s: %d %s without a JSON message", what, a->status,
                       a->content_type ? a->content_type : "(no Content-Type)");
    }
    if (!good) {
        v->enforced = false;
    }
}

/* A request that breaks rule r: enforced when answered with an error. */
static void judge_refusal(struct probe *p, int r, const char *what,
                          const struct conf_http_answer *a)
{
    struct verdict *v = &p->v[r];
    v->checked = true;
    v->status = a->status;
    v->enforced = a->status >= 400;
    if (a->status == 0) {
        (void)snprintf(v->note, sizeof v->note, "%s: no answer (%.200s)", what, a->transport_error);
    } else if (!v->enforced) {
        (void)snprintf(v->note, sizeof v->note, "%s: accepted with %d", what, a->status);
    }
    judge_error_json(p, what, a);
}

static void name_of(const struct probe *p, const char *suffix, char *out, size_t cap)
{
    (void)snprintf(out, cap, "%s%s", p->prefix, suffix);
}

static void upload_one(struct probe *p, int fx, const char *suffix, bool with_key,
                       struct conf_http_answer *a)
{
    char name[256];
    name_of(p, suffix, name, sizeof name);
    struct conf_http_part part = {name, p->fx[fx], p->fx_len[fx]};
    conf_http_upload(&p->t, &part, 1, with_key, a);
}

/* The upload's id field: file_id, else the first string member. */
static bool note_file_id(struct probe *p, const struct conf_http_answer *a)
{
    cJSON *j = a->body.data ? cJSON_ParseWithLength(a->body.data, a->body.len) : NULL;
    const cJSON *it;
    bool found = false;
    cJSON_ArrayForEach(it, j)
    {
        if (!found && cJSON_IsString(it) && it->string != NULL &&
            (strcmp(it->string, "file_id") == 0 || p->file_id_field[0] == '\0')) {
            (void)snprintf(p->file_id_field, sizeof p->file_id_field, "%s", it->string);
            found = strcmp(it->string, "file_id") == 0;
        }
    }
    cJSON_Delete(j);
    return p->file_id_field[0] != '\0';
}

/* ---- the probes ---------------------------------------------------------- */

static void probe_auth(struct probe *p)
{
    struct conf_http_answer a;
    upload_one(p, FX_A, "no-key.parquet", false, &a);
    judge_refusal(p, R_AUTH, "upload without a key", &a);
    conf_http_answer_cleanup(&a);
    struct conf_http_target saved = p->t;
    p->t.key = "stagemock-probe-not-a-key";
    upload_one(p, FX_A, "wrong-key.parquet", true, &a);
    p->t = saved;
    struct verdict keep = p->v[R_AUTH];
    judge_refusal(p, R_AUTH, "upload with a wrong key", &a);
    if (!keep.enforced) { /* the first failure is the one to report */
        p->v[R_AUTH] = keep;
    }
    conf_http_answer_cleanup(&a);
}

static void probe_content(struct probe *p)
{
    struct conf_http_answer a;
    upload_one(p, FX_CSV, "csv.parquet", true, &a);
    judge_refusal(p, R_PARQUET, "a CSV file", &a);
    conf_http_answer_cleanup(&a);
    upload_one(p, FX_GZIP, "gzip.parquet", true, &a);
    judge_refusal(p, R_CODEC, "a GZIP-compressed file", &a);
    conf_http_answer_cleanup(&a);
    char n1[256], n2[256];
    name_of(p, "two-1.parquet", n1, sizeof n1);
    name_of(p, "two-2.parquet", n2, sizeof n2);
    struct conf_http_part parts[2] = {{n1, p->fx[FX_B], p->fx_len[FX_B]},
                                      {n2, p->fx[FX_C], p->fx_len[FX_C]}};
    conf_http_upload(&p->t, parts, 2, true, &a);
    judge_refusal(p, R_ONE_FILE, "two file parts in one upload", &a);
    conf_http_answer_cleanup(&a);
}

/* The good file everything else builds on; false (fatal) when refused. */
static bool probe_accept(struct probe *p)
{
    struct conf_http_answer a;
    upload_one(p, FX_A, "a.parquet", true, &a);
    bool ok = is_2xx(a.status) && note_file_id(p, &a);
    if (!ok) {
        p->fatal = true;
        (void)snprintf(p->fatal_msg, sizeof p->fatal_msg,
                       "a valid parquet file was refused (%d %.200s%.200s); is the stage empty "
                       "or of another schema, and the key right?",
                       a.status, a.transport_error, a.body.data ? a.body.data : "");
    }
    conf_http_answer_cleanup(&a);
    return ok;
}

static void probe_names_schema(struct probe *p)
{
    struct conf_http_answer a;
    upload_one(p, FX_B, "a.parquet", true, &a);
    judge_refusal(p, R_UNIQUE, "a second file under an existing name", &a);
    conf_http_answer_cleanup(&a);
    upload_one(p, FX_RETYPED, "retyped.parquet", true, &a);
    judge_refusal(p, R_SCHEMA, "a file with column id retyped INT64 -> INT32", &a);
    conf_http_answer_cleanup(&a);
}

/* The names of the listing that carry our prefix, in the server's order. */
static size_t listed_names(const struct probe *p, const cJSON *root, char names[][256], size_t cap)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "files");
    const cJSON *it;
    if (!cJSON_IsArray(arr)) {
        arr = NULL;
        cJSON_ArrayForEach(it, root)
        {
            arr = arr == NULL && cJSON_IsArray(it) ? it : arr;
        }
    }
    size_t n = 0, pl = strlen(p->prefix);
    const cJSON *file;
    cJSON_ArrayForEach(file, arr)
    {
        cJSON_ArrayForEach(it, file)
        {
            if (n < cap && cJSON_IsString(it) && strncmp(it->valuestring, p->prefix, pl) == 0) {
                (void)snprintf(names[n++], 256, "%s", it->valuestring);
                break;
            }
        }
    }
    return n;
}

static void probe_order(struct probe *p)
{
    struct verdict *v = &p->v[R_ORDER];
    struct conf_http_answer a;
    upload_one(p, FX_C, "c.parquet", true, &a);
    bool ok = is_2xx(a.status);
    conf_http_answer_cleanup(&a);
    upload_one(p, FX_D, "b.parquet", true, &a);
    ok = ok && is_2xx(a.status);
    conf_http_answer_cleanup(&a);
    v->checked = true;
    if (!ok) {
        (void)snprintf(v->note, sizeof v->note, "two more valid files were refused");
        return;
    }
    conf_http_form(&p->t, "/list-stage-files", NULL, true, &a);
    cJSON *j =
        is_2xx(a.status) && a.body.data ? cJSON_ParseWithLength(a.body.data, a.body.len) : NULL;
    char names[32][256];
    size_t n = j ? listed_names(p, j, names, 32) : 0;
    cJSON_Delete(j);
    const char *want[3] = {"a.parquet", "c.parquet", "b.parquet"};
    size_t k = 0, pl = strlen(p->prefix);
    for (size_t i = 0; i < n && k < 3; i++) {
        k += strcmp(names[i] + pl, want[k]) == 0 ? 1 : 0;
    }
    v->enforced = k == 3;
    if (!v->enforced) {
        (void)snprintf(v->note, sizeof v->note,
                       "the listing (%d) did not show a, c, b in upload order (%zu of ours)",
                       a.status, n);
    }
    judge_error_json(p, "list", &a);
    conf_http_answer_cleanup(&a);
}

/* Does text decode (base64, whitespace ignored) to data? */
static bool base64_equals(const char *text, size_t len, const uint8_t *data, size_t dlen)
{
    uint8_t *out = malloc(len / 4 * 3 + 3);
    struct smx_base64_dec d = {0};
    size_t n = out ? smx_base64_decode(&d, text, len, out) : 0;
    size_t tail = 0;
    bool same = out != NULL && smx_base64_finish(&d, out + n, &tail) && n + tail == dlen &&
                memcmp(out, data, dlen) == 0;
    free(out);
    return same;
}

static void probe_bytes(struct probe *p)
{
    struct verdict *v = &p->v[R_BYTES];
    char name[256];
    name_of(p, "a.parquet", name, sizeof name);
    struct conf_http_answer a;
    conf_http_form(&p->t, "/download-from-stage", name, true, &a);
    v->checked = true;
    bool raw = is_2xx(a.status) && a.body.len == p->fx_len[FX_A] &&
               memcmp(a.body.data, p->fx[FX_A], a.body.len) == 0;
    p->base64 = !raw && is_2xx(a.status) && a.body.data != NULL &&
                base64_equals(a.body.data, a.body.len, p->fx[FX_A], p->fx_len[FX_A]);
    v->enforced = raw || p->base64;
    if (!v->enforced) {
        (void)snprintf(v->note, sizeof v->note,
                       "download of the first file: %d, %zu bytes, not the %zu uploaded", a.status,
                       a.body.len, p->fx_len[FX_A]);
    } else if (p->base64) {
        (void)snprintf(v->note, sizeof v->note, "the download is base64 text of the bytes");
    }
    judge_error_json(p, "download", &a);
    conf_http_answer_cleanup(&a);
}

/* ---- the report and the profile ----------------------------------------- */

static bool status_differs(const struct probe *p, int r)
{
    const struct verdict *v = &p->v[r];
    return v->enforced && default_status[r] != 0 && v->status != default_status[r] &&
           v->status >= 400 && v->status <= 599;
}

/* What differs from our defaults, as a profile (docs/PROFILE.md). */
static cJSON *profile_of(const struct probe *p)
{
    cJSON *prof = cJSON_CreateObject();
    char comment[2300];
    (void)snprintf(comment, sizeof comment, "written by stagemock probe of %s, stage %s", p->t.url,
                   p->t.stage);
    cJSON_AddStringToObject(prof, "comment", comment);
    cJSON *st = NULL;
    for (int r = 0; r < R_COUNT; r++) {
        if (status_differs(p, r)) {
            st = st ? st : cJSON_AddObjectToObject(prof, "status");
            sm_json_add_i64(st, rule_ids[r], p->v[r].status);
        }
    }
    if (p->file_id_field[0] != '\0' && strcmp(p->file_id_field, "file_id") != 0) {
        cJSON_AddStringToObject(prof, "file_id_field", p->file_id_field);
    }
    if (p->base64) {
        cJSON_AddStringToObject(prof, "download_encoding", "base64");
    }
    return prof;
}

static size_t report(const struct probe *p, FILE *out)
{
    size_t not_enforced = 0, differ = 0;
    fprintf(out, "stagemock probe: %s, stage %s (files named %s*)\n\n", p->t.url, p->t.stage,
            p->prefix);
    fprintf(out, "%-22s %-13s %-6s %-8s %s\n", "rule", "enforced", "status", "default", "note");
    for (int r = 0; r < R_COUNT; r++) {
        const struct verdict *v = &p->v[r];
        char seen[16] = "-", dflt[16] = "-";
        if (default_status[r] != 0) {
            (void)snprintf(seen, sizeof seen, "%d", v->status);
            (void)snprintf(dflt, sizeof dflt, "%d", default_status[r]);
        }
        bool diff = status_differs(p, r) || (r == R_BYTES && p->base64);
        not_enforced += v->enforced ? 0 : 1;
        differ += diff ? 1 : 0;
        fprintf(out, "%-22s %-13s %-6s %-8s %s%s%s\n", rule_ids[r],
                !v->checked   ? "not checked"
                : v->enforced ? "yes"
                              : "NO",
                seen, dflt, diff ? "DIFFERS from our default" : "", diff && v->note[0] ? "; " : "",
                v->note);
    }
    if (p->file_id_field[0] != '\0' && strcmp(p->file_id_field, "file_id") != 0) {
        fprintf(out, "%-22s %-13s %-6s %-8s DIFFERS: the upload's id field is \"%s\"\n",
                "(file id field)", "", "", "", p->file_id_field);
        differ++;
    }
    fprintf(out, "\n%d of %d rules enforced; %zu difference%s from our defaults",
            R_COUNT - (int)not_enforced, R_COUNT, differ, differ == 1 ? "" : "s");
    if (differ > 0) {
        fprintf(out, ":");
        for (int r = 0; r < R_COUNT; r++) {
            if (status_differs(p, r) || (r == R_BYTES && p->base64)) {
                fprintf(out, " %s", rule_ids[r]);
            }
        }
        if (p->file_id_field[0] != '\0' && strcmp(p->file_id_field, "file_id") != 0) {
            fprintf(out, " file_id_field");
        }
    }
    fprintf(out, "\n");
    return not_enforced;
}

static bool write_profile(const struct probe *p, const char *path, FILE *err)
{
    bool ok = conf_json_write(path, profile_of(p), true);
    if (!ok) {
        fprintf(err, "stagemock probe: cannot write %s\n", path);
    }
    return ok;
}

/* ---- the command line --------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: stagemock probe --url URL --key KEY --stage STAGE [--write-profile FILE]\n"
               "                       [--timeout SECONDS]\n"
               "Uploads a few fixtures (named stagemock-probe-*) to STAGE and reports which\n"
               "RULES.md rules the server enforces and where it differs from stagemock's\n"
               "defaults; --write-profile writes a profile that makes the mock match it.\n"
               "Exit status: 0 every rule enforced, 1 one is not, 2 usage or connection error.\n");
}

struct probe_opts {
    const char *url, *key, *stage, *profile;
    unsigned timeout_s;
};

static int parse_probe_args(int argc, char **argv, struct probe_opts *o, FILE *out, FILE *err)
{
    o->timeout_s = 10;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(out);
            return 0;
        }
        const char **slot = strcmp(a, "--url") == 0             ? &o->url
                            : strcmp(a, "--key") == 0           ? &o->key
                            : strcmp(a, "--stage") == 0         ? &o->stage
                            : strcmp(a, "--write-profile") == 0 ? &o->profile
                                                                : NULL;
        char *end = NULL;
        if (v != NULL && strcmp(a, "--timeout") == 0) {
            unsigned long t = strtoul(v, &end, 10);
            if (*end != '\0' || t == 0 || t > 600) {
                fprintf(err, "stagemock probe: --timeout takes 1..600 seconds\n");
                return 2;
            }
            o->timeout_s = (unsigned)t;
        } else if (v == NULL || slot == NULL) {
            fprintf(err, "stagemock probe: unknown option or missing value: %s\n", a);
            usage(err);
            return 2;
        } else {
            *slot = v;
        }
        i++;
    }
    if (o->url == NULL || o->key == NULL || o->stage == NULL) {
        fprintf(err, "stagemock probe: --url, --key and --stage are required\n");
        usage(err);
        return 2;
    }
    return -1;
}

int conf_probe_main(int argc, char **argv, FILE *out, FILE *err)
{
    struct probe_opts o = {0};
    int rc = parse_probe_args(argc, argv, &o, out, err);
    if (rc != -1) {
        return rc;
    }
    struct probe *p = calloc(1, sizeof *p);
    if (p == NULL) {
        fprintf(err, "stagemock probe: out of memory\n");
        return 2;
    }
    char url[2048];
    (void)snprintf(url, sizeof url, "%s", o.url);
    size_t ul = strlen(url);
    while (ul > 0 && url[ul - 1] == '/') {
        url[--ul] = '\0';
    }
    p->t = (struct conf_http_target){url, o.key, o.stage, o.timeout_s};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    (void)snprintf(p->prefix, sizeof p->prefix, "stagemock-probe-%lx%05lx-",
                   (unsigned long)ts.tv_sec,
                   (unsigned long)(ts.tv_nsec / 10000) ^ (unsigned long)getpid());
    rc = 2;
    if (load_fixtures(p, err)) {
        probe_auth(p);
        probe_content(p);
        if (probe_accept(p)) {
            probe_names_schema(p);
            probe_order(p);
            probe_bytes(p);
            p->v[R_ERROR_JSON].enforced =
                p->v[R_ERROR_JSON].checked && p->v[R_ERROR_JSON].note[0] == '\0';
            rc = report(p, out) > 0 ? 1 : 0;
            if (o.profile != NULL && !write_profile(p, o.profile, err)) {
                rc = 2;
            }
        } else {
            fprintf(err, "stagemock probe: %s\n", p->fatal_msg);
        }
    }
    for (size_t i = 0; i < FX_COUNT; i++) {
        free(p->fx[i]);
    }
    free(p);
    return rc;
}
