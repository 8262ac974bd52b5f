/*
 * mem.c - doubling growth of a heap array (sm_mem.h).
 *
 * What: doubles the capacity until it holds what is asked, refusing a size
 * that would overflow size_t before calling realloc, so callers need no
 * overflow checks of their own. Errors: NULL; the caller decides whether that
 * is a sticky flag or an error it reports. smx_free_each is the loop behind
 * SMX_FREE_ALL; smx_strdup_n copies bytes into a string. Not here: what is stored, shrinking.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_mem.h"

void *smx_grow(void *p, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap) {
        return p;
    }
    size_t n = *cap > 0 ? *cap : (first > 0 ? first : 1);
    while (n < need) {
        if (n > SIZE_MAX / 2) {
            return NULL;
        }
        n *= 2;
    }
    if (elem == 0 || n > SIZE_MAX / elem) {
        return NULL;
    }
    void *np = realloc(p, n * elem);
    if (np != NULL) {
        *cap = n;
    }
    return np;
}

void smx_free_each(void *const ptrs[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(ptrs[i]);
    }
}

char *smx_strdup_n(const void *p, size_t n)
{
    if (n == SIZE_MAX) {
        return NULL;
    }
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}
