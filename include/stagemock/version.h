/*
 * version.h - the one place stagemock's version is defined.
 *
 * The Makefile reads the three numbers below (packaging/install.mk) for the
 * shared libraries' soname (libstagemock.so.MAJOR) and file names
 * (libstagemock.so.MAJOR.MINOR.PATCH), the pkg-config files, the man pages and
 * the Debian packages; `stagemock --version`, `stagectl --version`,
 * sm_version() and smc_version() print SM_VERSION. Bump MAJOR when a change
 * breaks the ABI of libstagemock or libstagemock-client.
 */
#ifndef STAGEMOCK_VERSION_H
#define STAGEMOCK_VERSION_H

#include "stagemock/error.h"

#define SM_VERSION_MAJOR 0
#define SM_VERSION_MINOR 1
#define SM_VERSION_PATCH 0

#define SM_VERSION_STR_(x) #x
#define SM_VERSION_STR(x)  SM_VERSION_STR_(x)
/* "MAJOR.MINOR.PATCH", e.g. "0.1.0": what the headers in use were shipped with. */
#define SM_VERSION                   \
    SM_VERSION_STR(SM_VERSION_MAJOR) \
    "." SM_VERSION_STR(SM_VERSION_MINOR) "." SM_VERSION_STR(SM_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the libstagemock actually linked ("0.1.0"): compare with
 * SM_VERSION to notice a program built against other headers. Static string. */
SM_API const char *sm_version(void);

#ifdef __cplusplus
}
#endif
#endif
