/*
 * conform.h - entry points of the conformance runner.
 */
#ifndef CONF_CONFORM_H
#define CONF_CONFORM_H
#include <stdio.h>

/* `stagemock conform ...` and `stagemock probe ...`: return the exit status. */
int conf_main(int argc, char **argv, FILE *out, FILE *err);
int conf_probe_main(int argc, char **argv, FILE *out, FILE *err);

#endif
