/*
 * tokens.h - shell-like words (tokens.c): how a case file's values, a
 * step's adapter arguments among them, are split.
 */
#ifndef CONF_TOKENS_H
#define CONF_TOKENS_H

#include <stddef.h>

#include "stagemock/error.h"

/*
 * Split a value into tokens: whitespace separates; "double quotes" allow
 * spaces and the escapes \" \\ \n \t \xHH; 'single quotes' are literal.
 * Returns SM_OK and a malloc'd array of malloc'd strings (free with
 * conf_tokens_free), or SM_E_MALFORMED naming the problem.
 */
SM_NODISCARD enum sm_code conf_tokenize(const char *s, char ***out, size_t *n,
                                        struct sm_error *err);
void conf_tokens_free(char **tokens, size_t n);

#endif
