/*
 * sm_test.h - what every test includes first: the headers CMocka needs in the
 * order it needs them, plus the shared helpers in tests/support/.
 */
#ifndef SM_TEST_H
#define SM_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "../../common/sm_file.h" /* smx_file_read, smx_tree_remove */

/*
 * Guard-page buffers: the bytes sit flush against a PROT_NONE page, so any
 * read past the end faults in every build mode. sm_guard_new copies len bytes
 * of data (data may be NULL when len is 0); free with sm_guard_free.
 */
struct sm_guard {
    uint8_t *data; /* the copy, ending exactly at the guard page */
    size_t len;
    void *map; /* the whole mapping */
    size_t map_len;
};
struct sm_guard *sm_guard_new(const void *data, size_t len);
void sm_guard_free(struct sm_guard *g);

/* Read a whole file (up to 1 GiB) into a malloc'd buffer with a NUL after
 * its *len bytes; NULL if it cannot. */
uint8_t *sm_test_read_file(const char *path, size_t *len);

/*
 * Where ../shared/corpus is, or NULL (with a message on stderr naming why)
 * when this clone has none: tests that need it then skip(). The directory is
 * taken from $SM_CORPUS_DIR, else ../shared/corpus relative to the project.
 */
const char *sm_test_corpus_dir(void);

/*
 * Whether every named command (a NULL-ended list) is on $PATH (or, with a
 * '/', executable there). When one is missing it prints "skipping: ...",
 * naming the command and the Debian package `ci/install-deps.sh test`
 * installs for it, and returns false: the test then skip()s.
 */
bool sm_test_have_tools(const char *first, ...);

/* mkdtemp(dir) and the generated fixtures into dir/fixtures, as `stagemock
 * fixtures --out` writes them (the scenario examples preload from there);
 * fails the test when either step does. */
void sm_test_fixtures_dir(char *dir);
/* The project's top directory (where the Makefile is), from $SM_TOP or cwd. */
const char *sm_test_top_dir(void);

/* The build directory (build/<mode>), from $SM_BUILD or "build/debug". */
const char *sm_test_build_dir(void);

#endif
