/*
 * test_access.h - test-only accessors: the few facts about a server's
 * insides that tests outside mock_server/ check and the public API does not
 * show, each read under the server's lock.
 *
 * Not public API and not in libstagemock at all: test_access.c is built into
 * the test harness library libsmtest.a (tests/module.mk), which every test
 * binary links before libstagemock.a, so neither the installed archive nor
 * the .so carries these symbols (ci/check-symbols.sh). A test includes
 * this header instead of internal.h, so it never reads a struct the server
 * changes under its lock, and the server's layout can change without
 * touching the tests.
 */
#ifndef SM_TEST_ACCESS_H
#define SM_TEST_ACCESS_H

#include <stddef.h>

struct sm_server;

/* An opaque identity of the stored copy of stage's file `name` (files whose
 * bytes are stored once share it; it is only ever compared), or NULL when
 * the stage or the file does not exist. Found through the stage's name
 * index, as an upload's uniqueness check finds it. */
const void *sm_test_access_copy(struct sm_server *srv, const char *stage, const char *name);

/* The server's validation profile as raw bytes into buf (size bytes at
 * most), to compare before and after a call; returns the profile's size. */
size_t sm_test_access_profile(struct sm_server *srv, void *buf, size_t size);

#endif
