/*
 * out.c - what stagectl prints: one JSON object per line in the adapter
 * protocol (docs/ADAPTER.md) with --json, short human lines without, and a
 * progress bar on a terminal.
 *
 * How: JSON lines are built with cJSON, so any name (quotes, control
 * characters, UTF-8) is escaped correctly; every line is flushed at once so
 * a reader sees each file's result as it happens. Human output puts results
 * on stdout and failures on stderr. The bar redraws only when the shown
 * per-mille changes and only for transfers of at least 1 MiB.
 * Not here: argument parsing and the operations (cli.c).
 */
#include <cjson/cJSON.h>
#include "../../common/sm_json.h"
#include <stdlib.h>

#include "cli.h"

#define BAR_MIN_BYTES ((uint64_t)1 << 20)
#define BAR_WIDTH     30

enum cli_exit cli_exit_for(enum smc_code code)
{
    switch (code) {
    case SMC_OK:
        return CLI_EXIT_OK;
    case SMC_E_REJECTED:
    case SMC_E_PROTOCOL:
        return CLI_EXIT_REJECTED;
    case SMC_E_TRANSPORT:
    case SMC_E_TIMEOUT:
        return CLI_EXIT_TRANSPORT;
    case SMC_E_IO:
    case SMC_E_NOMEM:
        return CLI_EXIT_LOCAL;
    case SMC_E_ARG:
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_LOCAL;
}

static void emit(FILE *out, cJSON *o)
{
    char *text = o != NULL ? sm_json_print(o) : NULL;
    if (text != NULL) {
        fprintf(out, "%s\n", text);
        (void)fflush(out);
    }
    cJSON_free(text);
    cJSON_Delete(o);
}

void cli_print_ok(FILE *out, bool json, const char *file, const char *file_id, uint64_t size,
                  const char *verb)
{
    if (!json) {
        if (file_id != NULL) {
            fprintf(out, "%s: %s (file_id %s)\n", file, verb, file_id);
        } else {
            fprintf(out, "%s: %s (%llu bytes)\n", file, verb, (unsigned long long)size);
        }
        (void)fflush(out);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", file);
    cJSON_AddTrueToObject(o, "ok");
    if (file_id != NULL) {
        cJSON_AddStringToObject(o, "file_id", file_id);
    } else {
        sm_json_add_u64(o, "size", size);
    }
    emit(out, o);
}

void cli_print_fail(FILE *out, FILE *err, bool json, const char *key, const char *file,
                    const struct smc_error *e)
{
    if (!json) {
        fprintf(err, "%s: failed", file);
        if (e->status != 0) {
            fprintf(err, " (HTTP %ld%s%s)", e->status, e->rule[0] ? ", rule " : "", e->rule);
        }
        fprintf(err, ": %s\n", e->message);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, key, file);
    cJSON_AddFalseToObject(o, "ok");
    sm_json_add_i64(o, "status", e->status);
    cJSON_AddStringToObject(o, "message", e->message[0] ? e->message : smc_strerror(e->code));
    if (e->rule[0] != '\0') {
        cJSON_AddStringToObject(o, "rule", e->rule);
    } else {
        cJSON_AddNullToObject(o, "rule");
    }
    cJSON_AddStringToObject(o, "error", smc_strerror(e->code));
    emit(out, o);
}

void cli_print_file(FILE *out, bool json, const struct smc_file *f)
{
    if (!json) {
        fprintf(out, "%-40s %12llu  %s\n", f->name, (unsigned long long)f->size, f->file_id);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", f->name);
    cJSON_AddStringToObject(o, "file_id", f->file_id);
    sm_json_add_u64(o, "size", f->size);
    emit(out, o);
}

void cli_progress_draw(void *cls, const char *name, uint64_t done, uint64_t total)
{
    struct cli_progress *p = cls;
    if (total < BAR_MIN_BYTES) {
        return;
    }
    int permille = (int)(done * 1000 / total);
    if (permille == p->last_permille) {
        return;
    }
    p->last_permille = permille;
    int fill = permille * BAR_WIDTH / 1000;
    fprintf(p->err, "\r%.30s [", name);
    for (int i = 0; i < BAR_WIDTH; i++) {
        fputc(i < fill ? '#' : ' ', p->err);
    }
    fprintf(p->err, "] %3d%% %8.1f MiB", permille / 10, (double)done / 1048576.0);
    (void)fflush(p->err);
    p->drawn = true;
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->drawn) {
        fputc('\n', p->err);
        p->drawn = false;
    }
    p->last_permille = -1;
}
