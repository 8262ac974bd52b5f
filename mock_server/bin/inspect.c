/*
 * inspect.c - placeholder entry point until the foundation issue (#3) lands; it says so
 * and exits with status 2.
 */
#include "commands.h"

int srv_inspect_main(int argc, char **argv, FILE *out, FILE *err)
{
    (void)argc;
    (void)out;
    fprintf(err, "stagemock %s: arrives with the foundation issue (#3)\n", argv[0]);
    return 2;
}
