/*
 * version.c - smc_version(): libstagemock-client's version, the SM_VERSION of
 * include/stagemock/version.h (the one place stagemock's version is
 * defined), compiled into the library so a program can see at run time which
 * build it loaded.
 */
#include "stagemock/client.h"
#include "stagemock/version.h"

const char *smc_version(void)
{
    return SM_VERSION;
}
