/*
 * fuzz_datadir.c - libFuzzer target for the data-dir loader (store.c). The
 * input is one stage log: it is written into a fresh data dir, in the
 * directory of the stage its header names when it names one (so that the
 * fuzzer gets past the header to the records), and a server is opened on
 * it. Whatever the bytes, opening must not crash, leak or hang; and a log
 * that loads must load to the same stages again, since cutting a torn tail
 * is done once and for all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/sm_file.h"
#include "../src/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The stage directory's name: the sha256 of the name in the header, if any. */
static void dir_name(const uint8_t *data, size_t size, char hex[65])
{
    uint32_t n = 0;
    if (size >= 12 && memcmp(data, "SMLOG01\n", 8) == 0) {
        n = (uint32_t)data[8] | (uint32_t)data[9] << 8 | (uint32_t)data[10] << 16 |
            (uint32_t)data[11] << 24;
    }
    if (n > 0 && n <= 1024 && (size_t)n <= size - 12) {
        smx_sha256_buf(data + 12, n, hex);
    } else {
        memcpy(hex, "0000", 5);
    }
}

static char *load(const char *dir)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.data_dir = dir;
    struct sm_server *srv = NULL;
    struct sm_error err;
    if (sm_server_new(&cfg, &srv, &err) != SM_OK) {
        if (err.message[0] == '\0') {
            __builtin_trap(); /* a refusal always says why */
        }
        return NULL;
    }
    char *json = sm_server_stages_json(srv);
    sm_server_free(srv);
    return json != NULL ? json : strdup("");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[64];
    (void)snprintf(dir, sizeof dir, "%s/sm-fuzz-datadir-XXXXXX",
                   access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (mkdtemp(dir) == NULL) {
        return 0;
    }
    char hex[65], stage[4400], log[4500];
    dir_name(data, size, hex);
    (void)snprintf(stage, sizeof stage, "%s/stages", dir);
    (void)mkdir(stage, 0700);
    (void)snprintf(stage, sizeof stage, "%s/stages/%s", dir, hex);
    (void)mkdir(stage, 0700);
    (void)snprintf(log, sizeof log, "%s/log", stage);
    FILE *f = fopen(log, "wb");
    if (f != NULL) {
        (void)fwrite(data, 1, size, f);
        fclose(f);
        char *first = load(dir);
        char *again = first != NULL ? load(dir) : NULL;
        if (first != NULL && (again == NULL || strcmp(first, again) != 0)) {
            __builtin_trap(); /* loaded once, so it must load the same again */
        }
        free(first);
        free(again);
    }
    (void)smx_tree_remove(dir);
    return 0;
}
