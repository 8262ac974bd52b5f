/*
 * main.c - the `stagectl` program: everything happens in cli_main so tests
 * can drive the CLI with memory streams.
 */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv, stdout, stderr);
}
