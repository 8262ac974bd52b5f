/*
 * conform.h - entry points of the conformance runner.
 */
#ifndef CONF_CONFORM_H
#define CONF_CONFORM_H
#include <stdio.h>

/* `stagemock conform ...` and `stagemock probe ...`: return the exit status.
 * cases_dir is where conform looks for its cases when neither --cases nor
 * $STAGEMOCK_CASES / $STAGEMOCK_DATADIR names them (the program's compiled-in
 * data dir; NULL or "" for none). */
int conf_main(int argc, char **argv, FILE *out, FILE *err, const char *cases_dir);
int conf_probe_main(int argc, char **argv, FILE *out, FILE *err);

#endif
