/*
 * test_env.c - where tests find things: the project top, the build directory,
 * the shared parquet corpus (which may be absent in a user's clone), optional
 * tools on $PATH, and a whole-file reader for small inputs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_test.h"

#include "stagemock/fixtures.h"

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

/* The Debian package that brings a command, for the skip message. */
static const char *package_of(const char *cmd)
{
    static const struct {
        const char *cmd;
        const char *pkg;
    } map[] = {{"xmllint", "libxml2-utils"}, {"node", "nodejs"}, {"script", "bsdutils"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(map[i].cmd, cmd) == 0) {
            return map[i].pkg;
        }
    }
    return cmd;
}

static bool have_tool(const char *cmd)
{
    if (strchr(cmd, '/') != NULL) {
        return access(cmd, X_OK) == 0;
    }
    const char *path = getenv("PATH");
    if (path == NULL) {
        return false;
    }
    while (*path != '\0') {
        size_t n = strcspn(path, ":");
        char full[4096];
        if (n > 0 && n + strlen(cmd) + 2 <= sizeof full) {
            memcpy(full, path, n);
            full[n] = '/';
            memcpy(full + n + 1, cmd, strlen(cmd) + 1);
            if (access(full, X_OK) == 0) {
                return true;
            }
        }
        path += n;
        if (*path == ':') {
            path++;
        }
    }
    return false;
}

bool sm_test_have_tools(const char *first, ...)
{
    bool all = true;
    va_list ap;
    va_start(ap, first);
    for (const char *cmd = first; cmd != NULL; cmd = va_arg(ap, const char *)) {
        if (!have_tool(cmd)) {
            printf("skipping: needs %s (Debian package %s; `ci/install-deps.sh test` installs "
                   "it)\n",
                   cmd, package_of(cmd));
            all = false;
        }
    }
    va_end(ap);
    return all;
}

uint8_t *sm_test_read_file(const char *path, size_t *len)
{
    return smx_file_read(path, (size_t)1 << 30, len, NULL);
}

void sm_test_fixtures_dir(char *dir)
{
    assert_non_null(mkdtemp(dir));
    char out[4096];
    (void)snprintf(out, sizeof out, "%s/fixtures", dir);
    char a0[] = "fixtures", a1[] = "--out";
    char *argv[] = {a0, a1, out, NULL};
    FILE *sink = tmpfile();
    assert_non_null(sink);
    assert_int_equal(pqw_fixtures_main(3, argv, sink, sink), 0);
    (void)fclose(sink);
}
