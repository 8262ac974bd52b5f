/*
 * probe_main.c - placeholder entry point until the conformance issue (#8) lands; it says so
 * and exits with status 2.
 */
#include "conform.h"

int conf_probe_main(int argc, char **argv, FILE *out, FILE *err)
{
    (void)argc;
    (void)out;
    fprintf(err, "stagemock %s: arrives with the conformance issue (#8)\n", argv[0]);
    return 2;
}
