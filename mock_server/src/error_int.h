/*
 * error_int.h - error.c's setter for a caller that holds a va_list (a
 * wrapper with its own printf-like signature, as the parquet reader's
 * sm_tc_fail). Private to libstagemock; the public setters are in
 * stagemock/error.h.
 */
#ifndef SM_ERROR_INT_H
#define SM_ERROR_INT_H

#include <stdarg.h>

#include "stagemock/error.h"

/* sm_err_set with the arguments in ap. */
enum sm_code sm_err_vset(struct sm_error *err, enum sm_code code, int http_status,
                         enum sm_rule rule, const char *fmt, va_list ap) SM_PRINTF(5, 0);

#endif
