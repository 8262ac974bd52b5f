/*
 * conform.h - entry points of the conformance runner (conformance/runner/,
 * built as libconform.a), for the `stagemock` program.
 *
 * Part of the source tree's public surface so that the umbrella program
 * depends on the runner through this header only, never on the runner's
 * private headers. Not installed: libconform is linked into `stagemock`, not
 * shipped as a library (packaging/install.mk).
 */
#ifndef STAGEMOCK_CONFORM_H
#define STAGEMOCK_CONFORM_H
#include <stdio.h>

/* `stagemock conform ...` and `stagemock probe ...`: return the exit status.
 * cases_dir is where conform looks for its cases when neither --cases nor
 * $STAGEMOCK_CASES / $STAGEMOCK_DATADIR names them (the program's compiled-in
 * data dir; NULL or "" for none). */
int conf_main(int argc, char **argv, FILE *out, FILE *err, const char *cases_dir);
int conf_probe_main(int argc, char **argv, FILE *out, FILE *err);

#endif
