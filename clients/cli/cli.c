/*
 * cli.c - placeholder until the clients issue (#7) lands; says so and exits 2.
 */
#include "cli.h"

int cli_main(int argc, char **argv, FILE *out, FILE *err)
{
    (void)argc;
    (void)argv;
    (void)out;
    fprintf(err, "stagectl: arrives with the clients issue (#7)\n");
    return 2;
}
