/*
 * sm_opt.h - command-line options looked up in a table (common/opt.c): a
 * flag sets its bool, a string option stores its value, so a program's
 * options read as one table of name and field instead of a chain of strcmp
 * branches. The conformance runner and the load generator use it; numbers,
 * lists and values that need checking stay with each program.
 *
 * Internal (smx_ prefix, never in include/). Thread-safe: it touches only
 * the caller's slots.
 */
#ifndef SM_OPT_H
#define SM_OPT_H

#include <stdbool.h>
#include <stddef.h>

struct smx_opt_flag {
    const char *name; /* "--strict"; two entries may share a slot ("-v", "--verbose") */
    bool *slot;       /* set to true when the option is given */
};

struct smx_opt_str {
    const char *name;  /* "--json" */
    const char **slot; /* gets the option's value (borrowed from argv) */
};

/* When a is one of the n flags, set its slot and return true; else false. */
bool smx_opt_flag_set(const struct smx_opt_flag *opts, size_t n, const char *a);

/* When a is one of the n string options, store v in its slot and return
 * true; else false (nothing stored). */
bool smx_opt_str_set(const struct smx_opt_str *opts, size_t n, const char *a, const char *v);

#endif
