/*
 * probe_main.c - `stagemock probe --url URL --key K --stage S`: the server
 * side of conformance. Which documented rules (RULES.md) does a stage API
 * enforce, and where do its answers differ from the mock's defaults?
 *
 * What: a fixed sequence of requests against the given stage, each file named
 * with a fresh prefix so runs never collide: an upload without a key and one
 * with a wrong key (auth; no answer at all is "cannot reach"), a CSV
 * (parquet-only), GZIP, ZSTD and LZ4_RAW files (codec, and which codecs are
 * accepted), two file parts in one request (one-file-per-request), a good
 * file, a second file under its name (unique-names), a retyped schema
 * (same-schema), an UNCOMPRESSED file and one with a garbled page header
 * (validation depth), two more good files and a listing (order, and the list
 * answer's field names), a download of the first (bytes), and three requests
 * whose only purpose is their status (a list without stage_id, a download of
 * a missing file, an unknown path); every non-2xx answer is also judged for
 * error-json. The report has one line per documented rule of the rule table
 * (stagemock/rules.h): enforced or not, the status seen and our default, then
 * the profile keys whose values differ. `--write-profile FILE` writes the
 * profile (docs/PROFILE.md) that makes the mock answer as this server did.
 * Exit 0 when every rule is enforced, 1 when one is not, 2 on usage errors,
 * when the server cannot be reached or refuses a good file.
 * Design: judging is separate from the HTTP (probe_http.c); the fixtures are
 * the runner's own (fixture.c), written to a temporary directory.
 * Not here: client conformance (conform_main.c); keys no answer can show
 * (limits, timeouts, connection counts: docs/CONFORMANCE.md). The probe wants
 * a stage that is empty or holds files of the fixtures' schema.
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
#include "stagemock/parquet.h"

static const char *const fx_names[FX_COUNT] = {
    "valid-a.parquet",    "valid-b.parquet",     "valid-c.parquet",
    "valid-d.parquet",    "not-parquet.parquet", "codec-gzip.parquet",
    "codec-zstd.parquet", "codec-lz4.parquet",   "schema-retyped.parquet"};

/* Write the runner's fixtures to a temporary dir and keep the ones we send. */
static bool load_fixtures(struct conf_probe *p, FILE *err)
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
static void judge_error_json(struct conf_probe *p, const char *what,
                             const struct conf_http_answer *a)
{
    if (a->status == 0 || is_2xx(a->status)) {
        return;
    }
    struct conf_verdict *v = &p->v[SM_RULE_ERROR_JSON];
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
static void judge_refusal(struct conf_probe *p, int r, const char *what,
                          const struct conf_http_answer *a)
{
    struct conf_verdict *v = &p->v[r];
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

static void name_of(const struct conf_probe *p, const char *suffix, char *out, size_t cap)
{
    (void)snprintf(out, cap, "%s%s", p->prefix, suffix);
}

static void upload_one(struct conf_probe *p, int fx, const char *suffix, bool with_key,
                       struct conf_http_answer *a)
{
    char name[256];
    name_of(p, suffix, name, sizeof name);
    struct conf_http_part part = {name, p->fx[fx], p->fx_len[fx]};
    conf_http_upload(&p->t, &part, 1, with_key, a);
}

/* The upload's id field: file_id, else the first string member. */
static bool note_file_id(struct conf_probe *p, const struct conf_http_answer *a)
{
    cJSON *j = a->body.data ? cJSON_ParseWithLength(a->body.data, a->body.len) : NULL;
    const cJSON *it;
    bool found = false;
    cJSON_ArrayForEach(it, j)
    {
        if (!found && cJSON_IsString(it) && it->string != NULL &&
            (strcmp(it->string, "file_id") == 0 || p->file_id_field[0] == '\0')) {
            (void)snprintf(p->file_id_field, sizeof p->file_id_field, "%s", it->string);
            (void)snprintf(p->file_id, sizeof p->file_id, "%s", it->valuestring);
            found = strcmp(it->string, "file_id") == 0;
        }
    }
    cJSON_Delete(j);
    return p->file_id_field[0] != '\0';
}

/* ---- the probes ---------------------------------------------------------- */

static void probe_auth(struct conf_probe *p)
{
    struct conf_http_answer a;
    upload_one(p, FX_A, "no-key.parquet", false, &a);
    if (a.status == 0) { /* the first request: nothing answers at that URL */
        p->fatal = true;
        (void)snprintf(p->fatal_msg, sizeof p->fatal_msg, "cannot reach %.900s: %.100s", p->t.url,
                       a.transport_error[0] ? a.transport_error : "no answer");
        conf_http_answer_cleanup(&a);
        return;
    }
    judge_refusal(p, SM_RULE_AUTH, "upload without a key", &a);
    conf_http_answer_cleanup(&a);
    struct conf_http_target saved = p->t;
    p->t.key = "stagemock-probe-not-a-key";
    upload_one(p, FX_A, "wrong-key.parquet", true, &a);
    p->t = saved;
    struct conf_verdict keep = p->v[SM_RULE_AUTH];
    judge_refusal(p, SM_RULE_AUTH, "upload with a wrong key", &a);
    if (!keep.enforced) { /* the first failure is the one to report */
        p->v[SM_RULE_AUTH] = keep;
    }
    conf_http_answer_cleanup(&a);
}

/* codec: files the default refuses (GZIP, ZSTD, LZ4_RAW); enforced when the
 * server refuses at least one, and each answer shows whether it is accepted. */
static void probe_codecs(struct conf_probe *p)
{
    static const struct {
        int fx, cx;
        const char *suffix;
    } tries[] = {{FX_GZIP, CX_GZIP, "gzip.parquet"},
                 {FX_ZSTD, CX_ZSTD, "zstd.parquet"},
                 {FX_LZ4, CX_LZ4_RAW, "lz4-raw.parquet"}};
    struct conf_verdict *v = &p->v[SM_RULE_CODEC];
    v->checked = true;
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        struct conf_http_answer a;
        char what[64];
        (void)snprintf(what, sizeof what, "a %s-compressed file",
                       sm_pq_codec_name(conf_probe_codec(tries[i].cx)));
        upload_one(p, tries[i].fx, tries[i].suffix, true, &a);
        p->codec_seen[tries[i].cx] = a.status >= 400 ? -1 : is_2xx(a.status) ? 1 : 0;
        if (a.status >= 400 && !v->enforced) {
            v->enforced = true;
            v->status = a.status;
        }
        judge_error_json(p, what, &a);
        conf_http_answer_cleanup(&a);
    }
    if (!v->enforced) {
        (void)snprintf(v->note, sizeof v->note, "GZIP, ZSTD and LZ4_RAW files were all accepted");
    }
}

static void probe_content(struct conf_probe *p)
{
    struct conf_http_answer a;
    upload_one(p, FX_CSV, "csv.parquet", true, &a);
    judge_refusal(p, SM_RULE_PARQUET_ONLY, "a CSV file", &a);
    conf_http_answer_cleanup(&a);
    probe_codecs(p);
    char n1[256], n2[256];
    name_of(p, "two-1.parquet", n1, sizeof n1);
    name_of(p, "two-2.parquet", n2, sizeof n2);
    struct conf_http_part parts[2] = {{n1, p->fx[FX_B], p->fx_len[FX_B]},
                                      {n2, p->fx[FX_C], p->fx_len[FX_C]}};
    conf_http_upload(&p->t, parts, 2, true, &a);
    judge_refusal(p, SM_RULE_ONE_FILE, "two file parts in one upload", &a);
    conf_http_answer_cleanup(&a);
}

/* The good file everything else builds on; false (fatal) when refused. */
static bool probe_accept(struct conf_probe *p)
{
    struct conf_http_answer a;
    upload_one(p, FX_A, "a.parquet", true, &a);
    bool ok = is_2xx(a.status) && note_file_id(p, &a);
    if (!ok && a.status == 0) {
        p->fatal = true;
        (void)snprintf(p->fatal_msg, sizeof p->fatal_msg,
                       "the server stopped answering (%.200s) at %.700s", a.transport_error,
                       p->t.url);
    } else if (!ok) {
        p->fatal = true;
        (void)snprintf(p->fatal_msg, sizeof p->fatal_msg,
                       "a valid parquet file was refused (%d %.200s); is the stage empty "
                       "or of another schema, and the key right?",
                       a.status, a.body.data ? a.body.data : "");
    }
    p->codec_seen[CX_SNAPPY] = ok ? 1 : 0; /* valid-a is SNAPPY */
    conf_http_answer_cleanup(&a);
    return ok;
}

static void probe_names_schema(struct conf_probe *p)
{
    struct conf_http_answer a;
    upload_one(p, FX_B, "a.parquet", true, &a);
    judge_refusal(p, SM_RULE_UNIQUE_NAMES, "a second file under an existing name", &a);
    conf_http_answer_cleanup(&a);
    upload_one(p, FX_RETYPED, "retyped.parquet", true, &a);
    judge_refusal(p, SM_RULE_SAME_SCHEMA, "a file with column id retyped INT64 -> INT32", &a);
    conf_http_answer_cleanup(&a);
}

/* Validation depth (profile "validation"): an UNCOMPRESSED file whose first
 * page header is garbage (byte 4 set to 0xff, an unknown compact type) and
 * whose footer is intact: a deep check refuses it, a footer-only one takes
 * it. Only meaningful once a plain UNCOMPRESSED file is accepted. */
static void probe_validation(struct conf_probe *p)
{
    struct conf_http_answer a;
    upload_one(p, FX_B, "uncompressed.parquet", true, &a);
    p->codec_seen[CX_UNCOMPRESSED] = a.status >= 400 ? -1 : is_2xx(a.status) ? 1 : 0;
    conf_http_answer_cleanup(&a);
    uint8_t *bad = p->codec_seen[CX_UNCOMPRESSED] == 1 ? malloc(p->fx_len[FX_B]) : NULL;
    if (bad == NULL) {
        return;
    }
    memcpy(bad, p->fx[FX_B], p->fx_len[FX_B]);
    bad[4] = 0xff;
    char name[256];
    name_of(p, "bad-page.parquet", name, sizeof name);
    struct conf_http_part part = {name, bad, p->fx_len[FX_B]};
    conf_http_upload(&p->t, &part, 1, true, &a);
    p->deep = a.status >= 400 ? 1 : is_2xx(a.status) ? -1 : 0;
    judge_error_json(p, "a file with a garbled page header", &a);
    conf_http_answer_cleanup(&a);
    free(bad);
}

/* The first member of obj that is a string starting with prefix, or NULL. */
static const cJSON *prefixed_member(const cJSON *obj, const char *prefix)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        if (cJSON_IsString(it) && strncmp(it->valuestring, prefix, strlen(prefix)) == 0) {
            return it;
        }
    }
    return NULL;
}

/* The list answer's array of files: the first array member holding an
 * object with one of our names (its key is the list_files_field). */
static const cJSON *files_array(const struct conf_probe *p, const cJSON *root)
{
    const cJSON *it, *file;
    cJSON_ArrayForEach(it, root)
    {
        const cJSON *arr = cJSON_IsArray(it) ? it : NULL;
        cJSON_ArrayForEach(file, arr)
        {
            if (cJSON_IsObject(file) && prefixed_member(file, p->prefix) != NULL) {
                return it;
            }
        }
    }
    return NULL;
}

static void set_field(char *dst, size_t size, const cJSON *member)
{
    if (dst[0] == '\0' && member != NULL && member->string != NULL) {
        (void)snprintf(dst, size, "%s", member->string);
    }
}

/* Which keys the listing uses: the array, the name (the member holding our
 * name), the id (the member equal to the id the upload answered) and the
 * size (the member equal to the first file's byte count). */
static void note_list_shape(struct conf_probe *p, const cJSON *arr)
{
    struct conf_list_shape *ls = &p->list;
    ls->seen = true;
    set_field(ls->files, sizeof ls->files, arr);
    char first[256];
    name_of(p, "a.parquet", first, sizeof first);
    const cJSON *file, *it;
    cJSON_ArrayForEach(file, arr)
    {
        const cJSON *name = prefixed_member(file, p->prefix);
        set_field(ls->name, sizeof ls->name, name);
        if (name == NULL || strcmp(name->valuestring, first) != 0) {
            continue;
        }
        cJSON_ArrayForEach(it, file)
        {
            if (cJSON_IsString(it) && p->file_id[0] != '\0' &&
                strcmp(it->valuestring, p->file_id) == 0) {
                set_field(ls->id, sizeof ls->id, it);
            }
            if (cJSON_IsNumber(it) && it->valuedouble == (double)p->fx_len[FX_A]) {
                set_field(ls->size, sizeof ls->size, it);
            }
        }
    }
}

/* The names of the listing that carry our prefix, in the server's order. */
static size_t listed_names(const struct conf_probe *p, const cJSON *arr, char names[][256],
                           size_t cap)
{
    size_t n = 0;
    const cJSON *file;
    cJSON_ArrayForEach(file, arr)
    {
        const cJSON *name =
            p->list.name[0] != '\0' ? cJSON_GetObjectItemCaseSensitive(file, p->list.name) : NULL;
        if (n < cap && name != NULL && cJSON_IsString(name) &&
            strncmp(name->valuestring, p->prefix, strlen(p->prefix)) == 0) {
            (void)snprintf(names[n++], 256, "%s", name->valuestring);
        }
    }
    return n;
}

static void probe_order(struct conf_probe *p)
{
    struct conf_verdict *v = &p->v[SM_RULE_ORDER];
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
    const cJSON *arr = j ? files_array(p, j) : NULL;
    if (arr != NULL) {
        note_list_shape(p, arr);
    }
    char names[32][256];
    size_t n = arr ? listed_names(p, arr, names, 32) : 0;
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

/* The statuses of rules judged otherwise than by one refusal: a list without
 * stage_id (order), a download of a file the stage lacks (bytes), a request
 * to a path no stage API has (error-json). */
static void probe_statuses(struct conf_probe *p)
{
    struct conf_http_target no_stage = p->t;
    no_stage.stage = NULL;
    char missing[256], path[128];
    name_of(p, "missing.parquet", missing, sizeof missing);
    (void)snprintf(path, sizeof path, "/%sno-such-endpoint", p->prefix);
    const struct {
        enum sm_rule rule;
        const struct conf_http_target *t;
        const char *path, *file, *what;
    } asks[] = {
        {SM_RULE_ORDER, &no_stage, "/list-stage-files", NULL, "a list without stage_id"},
        {SM_RULE_BYTES, &p->t, "/download-from-stage", missing, "a download of a missing file"},
        {SM_RULE_ERROR_JSON, &p->t, path, NULL, "a request to an unknown path"},
    };
    for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
        struct conf_http_answer a;
        conf_http_form(asks[i].t, asks[i].path, asks[i].file, true, &a);
        if (a.status >= 400) {
            p->v[asks[i].rule].status = a.status;
        }
        judge_error_json(p, asks[i].what, &a);
        conf_http_answer_cleanup(&a);
    }
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

static void probe_bytes(struct conf_probe *p)
{
    struct conf_verdict *v = &p->v[SM_RULE_BYTES];
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

struct conf_probe_opts {
    const char *url, *key, *stage, *profile;
    unsigned timeout_s;
};

static int parse_probe_args(int argc, char **argv, struct conf_probe_opts *o, FILE *out, FILE *err)
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
    struct conf_probe_opts o = {0};
    int rc = parse_probe_args(argc, argv, &o, out, err);
    if (rc != -1) {
        return rc;
    }
    struct conf_probe *p = calloc(1, sizeof *p);
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
        if (!p->fatal) {
            probe_content(p);
        }
        if (!p->fatal && probe_accept(p)) {
            probe_names_schema(p);
            probe_validation(p);
            probe_order(p);
            probe_bytes(p);
            probe_statuses(p);
            p->v[SM_RULE_ERROR_JSON].enforced =
                p->v[SM_RULE_ERROR_JSON].checked && p->v[SM_RULE_ERROR_JSON].note[0] == '\0';
            rc = conf_probe_report(p, out) > 0 ? 1 : 0;
            if (o.profile != NULL && !conf_probe_write_profile(p, o.profile, err)) {
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
