/*
 * test_env.c - where tests find things: the project top, the build directory,
 * the shared parquet corpus (which may be absent in a user's clone), and a
 * whole-file reader for small inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "sm_test.h"

const char *sm_test_top_dir(void)
{
    const char *top = getenv("SM_TOP");
    return top != NULL && top[0] != '\0' ? top : ".";
}

const char *sm_test_build_dir(void)
{
    const char *b = getenv("SM_BUILD");
    return b != NULL && b[0] != '\0' ? b : "build/debug";
}

const char *sm_test_corpus_dir(void)
{
    const char *dir = getenv("SM_CORPUS_DIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = "../shared/corpus";
    }
    char manifest[4096];
    struct stat st;
    (void)snprintf(manifest, sizeof manifest, "%s/manifest.json", dir);
    if (stat(manifest, &st) != 0) {
        fprintf(stderr,
                "skipping: no parquet corpus at %s (set SM_CORPUS_DIR; a user's clone "
                "has none, and the generated fixtures carry the suite there)\n",
                dir);
        return NULL;
    }
    return dir;
}

uint8_t *sm_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t cap = 0;
    size_t n = 0;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}
