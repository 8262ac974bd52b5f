/*
 * serve.c - placeholder entry point until the server issue (#4) lands; it says so
 * and exits with status 2.
 */
#include "commands.h"

int srv_serve_main(int argc, char **argv, FILE *out, FILE *err)
{
    (void)argc;
    (void)out;
    fprintf(err, "stagemock %s: arrives with the server issue (#4)\n", argv[0]);
    return 2;
}
