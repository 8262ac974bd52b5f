/*
 * test_file.c - smx_file_read and smx_tree_remove (common/file.c): a file
 * exactly at the cap is read, one byte over is refused with EFBIG, an empty
 * file and a pipe-like /proc file work, a missing file says ENOENT; a tree
 * with nested folders and a symbolic link is removed without following the
 * link.
 */
#include "../../tests/support/sm_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sm_file.h"

struct tmp {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct tmp *t = calloc(1, sizeof *t);
    assert_non_null(t);
    (void)snprintf(t->dir, sizeof t->dir, "/tmp/sm-common-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    (void)snprintf(t->path, sizeof t->path, "%s/f", t->dir);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct tmp *t = *state;
    assert_int_equal(smx_tree_remove(t->dir), 0);
    free(t);
    return 0;
}

static void put(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void file_read_at_the_cap_reads_all_and_ends_with_nul(void **state)
{
    struct tmp *t = *state;
    put(t->path, "0123456789", 10);
    size_t len = 99;
    int e = -1;
    char *b = smx_file_read(t->path, 10, &len, &e);
    assert_non_null(b);
    assert_int_equal(len, 10);
    assert_string_equal(b, "0123456789"); /* the NUL after the bytes */
    free(b);
}

static void file_read_one_byte_over_the_cap_is_efbig(void **state)
{
    struct tmp *t = *state;
    put(t->path, "0123456789A", 11);
    size_t len = 99;
    int e = 0;
    assert_null(smx_file_read(t->path, 10, &len, &e));
    assert_int_equal(e, EFBIG);
    assert_int_equal(errno, EFBIG);
    assert_int_equal(len, 0);
    assert_null(smx_file_read(t->path, 0, &len, NULL)); /* error may be NULL */
}

static void file_read_empty_file_is_an_empty_string(void **state)
{
    struct tmp *t = *state;
    put(t->path, "", 0);
    size_t len = 99;
    char *b = smx_file_read(t->path, 0, &len, NULL);
    assert_non_null(b);
    assert_int_equal(len, 0);
    assert_int_equal(b[0], '\0');
    free(b);
}

static void file_read_missing_file_says_enoent(void **state)
{
    struct tmp *t = *state;
    size_t len = 99;
    int e = 0;
    assert_null(smx_file_read(t->path, 100, &len, &e));
    assert_int_equal(e, ENOENT);
    assert_int_equal(len, 0);
    assert_null(smx_file_read(t->dir, 100, &len, &e)); /* a directory cannot be read */
    assert_int_equal(e, EISDIR);
}

/* A file stat calls empty but that reads longer (/proc), beyond the first
 * 64 KiB buffer, so the growth path and its cap both run. */
static void file_read_grows_for_a_file_of_unknown_size(void **state)
{
    (void)state;
    size_t len = 0;
    char *b = smx_file_read("/proc/self/maps", (size_t)64 << 20, &len, NULL);
    assert_non_null(b);
    assert_true(len > 0);
    assert_int_equal(strlen(b), len);
    free(b);
    int e = 0;
    assert_null(smx_file_read("/proc/self/maps", 8, &len, &e));
    assert_int_equal(e, EFBIG);
}

static void file_read_large_file_is_exact(void **state)
{
    struct tmp *t = *state;
    size_t n = 200000; /* over the 64 KiB first buffer of the unknown-size path */
    uint8_t *data = malloc(n);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++) {
        data[i] = (uint8_t)(i * 7 + 3);
    }
    put(t->path, data, n);
    size_t len = 0;
    uint8_t *b = smx_file_read(t->path, n, &len, NULL);
    assert_non_null(b);
    assert_int_equal(len, n);
    assert_memory_equal(b, data, n);
    free(b);
    free(data);
}

static void tree_remove_removes_nested_folders_and_links_without_following(void **state)
{
    struct tmp *t = *state;
    char keep[128], tree[128], p[256];
    (void)snprintf(keep, sizeof keep, "%s/keep", t->dir);
    (void)snprintf(tree, sizeof tree, "%s/tree", t->dir);
    assert_int_equal(mkdir(keep, 0700), 0);
    (void)snprintf(p, sizeof p, "%s/precious", keep);
    put(p, "x", 1);
    assert_int_equal(mkdir(tree, 0700), 0);
    (void)snprintf(p, sizeof p, "%s/a", tree);
    assert_int_equal(mkdir(p, 0700), 0);
    (void)snprintf(p, sizeof p, "%s/a/b", tree);
    assert_int_equal(mkdir(p, 0700), 0);
    (void)snprintf(p, sizeof p, "%s/a/b/f", tree);
    put(p, "y", 1);
    (void)snprintf(p, sizeof p, "%s/.hidden", tree);
    put(p, "z", 1);
    (void)snprintf(p, sizeof p, "%s/link", tree);
    assert_int_equal(symlink(keep, p), 0);

    assert_int_equal(smx_tree_remove(tree), 0);
    struct stat st;
    assert_int_not_equal(lstat(tree, &st), 0);
    (void)snprintf(p, sizeof p, "%s/precious", keep);
    assert_int_equal(stat(p, &st), 0);          /* the link's target survived */
    assert_int_equal(smx_tree_remove(tree), 0); /* already gone: fine */
}

static void tree_remove_removes_a_plain_file(void **state)
{
    struct tmp *t = *state;
    put(t->path, "x", 1);
    assert_int_equal(smx_tree_remove(t->path), 0);
    assert_int_not_equal(access(t->path, F_OK), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(file_read_at_the_cap_reads_all_and_ends_with_nul),
        T(file_read_one_byte_over_the_cap_is_efbig),
        T(file_read_empty_file_is_an_empty_string),
        T(file_read_missing_file_says_enoent),
        T(file_read_grows_for_a_file_of_unknown_size),
        T(file_read_large_file_is_exact),
        T(tree_remove_removes_nested_folders_and_links_without_following),
        T(tree_remove_removes_a_plain_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
