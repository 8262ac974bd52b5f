/*
 * version.c - sm_version(): the library's version, from
 * include/stagemock/version.h (the one place it is defined), compiled into
 * the library so a program can tell which build it was linked with at run
 * time.
 */
#include "stagemock/version.h"

const char *sm_version(void)
{
    return SM_VERSION;
}
