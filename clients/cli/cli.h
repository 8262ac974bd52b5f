/*
 * cli.h - stagectl's entry point, callable from tests.
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H
#include <stdio.h>

/* Run stagectl with argv; returns the exit status. */
int cli_main(int argc, char **argv, FILE *out, FILE *err);

#endif
