/*
 * sm_file.h - a whole file into memory with a size cap, and a directory tree
 * removed, for every part of stagemock that does either (common/file.c): the
 * server's scenario and profile loaders, the conformance runner, the fixture
 * generator, the benchmarks and the tests.
 *
 * Functions here are compiled into each library that needs them under the
 * smx_ prefix (curl's curlx_ idea): they are internal, never in include/,
 * and hidden in the shared libraries. Both are thread-safe; neither keeps
 * state between calls.
 */
#ifndef SM_FILE_H
#define SM_FILE_H

#include <stddef.h>

/* Read all of path into a fresh buffer: *len bytes followed by a NUL (not
 * counted), so a text file can be used as a string. A file of more than max
 * bytes is refused without reading past max + 1 bytes of it; pipes and /proc
 * files, whose size stat does not know, work too.
 * Returns the buffer (free() it), or NULL with *error (may be NULL) and errno
 * set to the open's or the read's errno, EFBIG when the file is larger than
 * max, or ENOMEM; *len is then 0. */
void *smx_file_read(const char *path, size_t max, size_t *len, int *error);

/* Remove path: a file or symbolic link is unlinked (a link is not
 * followed), a directory emptied depth first and removed. Best effort: it
 * carries on past what it cannot remove. Returns 0 when path is gone (or was
 * never there), else the errno of the first failure. Entries whose path
 * would exceed 4095 bytes are left alone (ENAMETOOLONG). */
int smx_tree_remove(const char *path);

#endif
