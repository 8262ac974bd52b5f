/*
 * fixtures.h - entry points of the fixture generator (fixtures/gen/, in
 * libpqw.a), for the `stagemock` program and the tests that write the set.
 *
 * Part of the source tree's public surface so that the umbrella program
 * depends on the generator through this header only, never on the writer's
 * private headers (fixtures/pqwrite/). Not installed: libpqw is linked into
 * `stagemock`, not shipped as a library (packaging/install.mk).
 */
#ifndef STAGEMOCK_FIXTURES_H
#define STAGEMOCK_FIXTURES_H
#include <stdio.h>

#include "stagemock/error.h"

/* `stagemock fixtures --out DIR [--large]`: returns the exit status. */
int pqw_fixtures_main(int argc, char **argv, FILE *out, FILE *err);

/* Write the demo file `stagemock serve` offers in its banner to fd (from its
 * current position): 100 rows of id INT64, label UTF8, amount DOUBLE, snappy.
 * SM_OK, or an error from the writer with err filled. */
SM_NODISCARD enum sm_code pqw_demo_write_fd(int fd, struct sm_error *err);

#endif
