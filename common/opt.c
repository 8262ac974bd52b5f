/*
 * opt.c - options looked up by name in the caller's table (sm_opt.h).
 *
 * What: a linear search with strcmp (tables are a dozen entries long) that
 * stores into the matching entry's slot. Errors: none; an unknown name is
 * a false return and the caller words the message. Not here: usage text,
 * numeric values, the argv loop (each program's own).
 */
#include <string.h>

#include "sm_opt.h"

bool smx_opt_flag_set(const struct smx_opt_flag *opts, size_t n, const char *a)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(a, opts[i].name) == 0) {
            *opts[i].slot = true;
            return true;
        }
    }
    return false;
}

bool smx_opt_str_set(const struct smx_opt_str *opts, size_t n, const char *a, const char *v)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(a, opts[i].name) == 0) {
            *opts[i].slot = v;
            return true;
        }
    }
    return false;
}
