/*
 * inspect.c - `stagemock inspect FILE...`: judge parquet files as a stage
 * would, one line (or one JSON object) per file.
 *
 * What: for each file, `NAME: accept` or `NAME: reject RULE: MESSAGE`, with
 * --schema the schema in the corpus notation, with --json one JSON object per
 * line (file, verdict, rule, reason, codecs, codec_chunks, rows, row_groups,
 * leaf_columns, schema, page_crcs), with --footer-only no page checks, with
 * --against FILE the schema compared as a stage whose first file is FILE.
 * Exit status: 0 all accepted, 1 any rejected (or unreadable), 2 usage.
 * Not here: the verdict itself (libstagemock's parquet reader).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "../../common/sm_json.h"

#include "commands.h"
#include "stagemock/parquet.h"

struct inspect_opts {
    struct sm_pq_options pq;
    bool json;
    bool schema;
    const char *against;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: stagemock inspect [--json] [--schema] [--footer-only] [--against FILE] "
               "FILE...\n"
               "  Judges each parquet file as a stage would (RULES.md parquet-only, codec,\n"
               "  same-schema) and prints `NAME: accept` or `NAME: reject RULE: MESSAGE`.\n"
               "  --json         one JSON object per file\n"
               "  --schema       also print the schema\n"
               "  --footer-only  skip page-level checks (default: deep)\n"
               "  --against F    compare each schema with F's, as a stage holding F would\n"
               "Exit status: 0 all accepted, 1 any rejected, 2 usage error.\n");
}

/* Open and judge one file; *f gets the parsed footer when it decoded. */
static enum sm_code judge(const char *path, const struct sm_pq_options *opt, struct sm_pq_file **f,
                          struct sm_error *err)
{
    *f = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "cannot open: %s", strerror(errno));
    }
    struct stat st;
    enum sm_code rc;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "not a regular file");
    } else {
        rc = sm_pq_check_fd(fd, (uint64_t)st.st_size, opt, f, err);
    }
    close(fd);
    return rc;
}

static cJSON *codec_json(const struct sm_pq_file *f, cJSON **chunks)
{
    cJSON *list = cJSON_CreateArray();
    *chunks = cJSON_CreateObject();
    for (unsigned c = 0; c <= SM_PQ_CODEC_MAX && f != NULL; c++) {
        if (sm_pq_file_codecs(f) & SM_PQ_CODEC_BIT(c)) {
            cJSON_AddItemToArray(list, cJSON_CreateString(sm_pq_codec_name(c)));
            sm_json_add_u64(*chunks, sm_pq_codec_name(c), sm_pq_file_codec_chunks(f, c));
        }
    }
    return list;
}

static void print_json(FILE *out, const char *path, enum sm_code rc, const struct sm_error *e,
                       const struct sm_pq_file *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddStringToObject(o, "verdict", rc == SM_OK ? "accept" : "reject");
    if (rc == SM_OK) {
        cJSON_AddNullToObject(o, "rule");
        cJSON_AddNullToObject(o, "reason");
    } else {
        cJSON_AddStringToObject(o, "rule",
                                sm_rule_id(e->rule != SM_RULE_NONE ? e->rule : SM_RULE_IO));
        cJSON_AddStringToObject(o, "reason", e->message);
    }
    cJSON *chunks = NULL;
    cJSON_AddItemToObject(o, "codecs", codec_json(f, &chunks));
    cJSON_AddItemToObject(o, "codec_chunks", chunks);
    if (f != NULL) {
        sm_json_add_i64(o, "rows", sm_pq_file_rows(f));
        sm_json_add_u64(o, "row_groups", sm_pq_file_row_groups(f));
        sm_json_add_u64(o, "leaf_columns", sm_pq_file_leaf_columns(f));
        char *schema = sm_pq_schema_format(sm_pq_file_schema(f));
        cJSON_AddStringToObject(o, "schema", schema ? schema : "");
        sm_free(schema);
        cJSON_AddBoolToObject(o, "page_crcs", sm_pq_file_has_page_crcs(f));
    } else {
        cJSON_AddNullToObject(o, "schema");
    }
    char *text = sm_json_print(o);
    if (text != NULL) {
        fprintf(out, "%s\n", text);
        cJSON_free(text);
    }
    cJSON_Delete(o);
}

static void print_line(FILE *out, const char *path, enum sm_code rc, const struct sm_error *e,
                       const struct sm_pq_file *f, bool with_schema)
{
    if (rc == SM_OK) {
        fprintf(out, "%s: accept\n", path);
    } else {
        fprintf(out, "%s: reject %s: %s\n", path,
                sm_rule_id(e->rule != SM_RULE_NONE ? e->rule : SM_RULE_IO), e->message);
    }
    if (with_schema && f != NULL) {
        char *schema = sm_pq_schema_format(sm_pq_file_schema(f));
        fprintf(out, "  schema: %s\n", schema ? schema : "(out of memory)");
        sm_free(schema);
    }
}

static int parse_args(int argc, char **argv, struct inspect_opts *o, int *first, FILE *err)
{
    sm_pq_options_init(&o->pq);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--schema") == 0) {
            o->schema = true;
        } else if (strcmp(a, "--footer-only") == 0) {
            o->pq.deep = false;
        } else if (strcmp(a, "--against") == 0 && i + 1 < argc) {
            o->against = argv[++i];
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            return 0;
        } else {
            fprintf(err, "stagemock inspect: unknown option '%s'\n", a);
            return 2;
        }
    }
    *first = i;
    if (i >= argc) {
        fprintf(err, "stagemock inspect: no files given\n");
        return 2;
    }
    return -1;
}

int srv_inspect_main(int argc, char **argv, FILE *out, FILE *err)
{
    struct inspect_opts o = {0};
    int first = 0;
    int st = parse_args(argc, argv, &o, &first, err);
    if (st >= 0) {
        usage(st == 0 ? out : err);
        return st;
    }
    struct sm_pq_file *base = NULL;
    struct sm_error e;
    if (o.against != NULL && judge(o.against, &o.pq, &base, &e) != SM_OK) {
        fprintf(err, "stagemock inspect: --against %s: %s\n", o.against, e.message);
        sm_pq_file_free(base);
        return 2;
    }
    int status = 0;
    for (int i = first; i < argc; i++) {
        struct sm_pq_file *f = NULL;
        sm_err_clear(&e);
        enum sm_code rc = judge(argv[i], &o.pq, &f, &e);
        if (rc == SM_OK && base != NULL) {
            rc = sm_pq_schema_compare(sm_pq_file_schema(base), sm_pq_file_schema(f), &e);
        }
        if (o.json) {
            print_json(out, argv[i], rc, &e, f);
        } else {
            print_line(out, argv[i], rc, &e, f, o.schema);
        }
        if (rc != SM_OK) {
            status = 1;
        }
        sm_pq_file_free(f);
    }
    sm_pq_file_free(base);
    return status;
}
