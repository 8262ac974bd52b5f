/*
 * datadir.c - where `stagemock conform` looks for its cases when neither
 * --cases nor the environment names them: SM_CASES_DIR, compiled in by the
 * Makefile (packaging/install.mk).
 *
 * The build tree's stagemock gets the source tree's conformance/cases, so it
 * works from any directory; the copy `make install` puts in place is linked
 * with this file compiled again for $(PREFIX)/share/stagemock/cases. Only
 * this one small object differs between the two, so installing never
 * rebuilds the rest. Not here: the lookup order and its error message
 * (conformance/runner/conform_main.c).
 */
#include "commands.h"

#ifndef SM_CASES_DIR
#define SM_CASES_DIR "" /* built outside the Makefile: no compiled-in dir */
#endif

const char *srv_cases_dir(void)
{
    return SM_CASES_DIR;
}
