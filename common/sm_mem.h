/*
 * sm_mem.h - the doubling growth of a heap array (common/mem.c), which the
 * conformance runner's text buffer and the fixture writer's byte buffer
 * share, and the server's growable arrays could; and SMX_FREE_ALL, the one
 * line a cleanup function writes for the blocks a struct owns; and
 * smx_strdup_n, a string from bytes that need not end in NUL.
 *
 * Internal (smx_ prefix, never in include/). Thread-safe: it touches only
 * the caller's block.
 */
#ifndef SM_MEM_H
#define SM_MEM_H

#include <stddef.h>

/* Room for at least need (> 0) elements of elem bytes in p, an array of
 * *cap of them (p NULL when *cap is 0). When *cap is short, the capacity
 * doubles from *cap (or from first, when *cap is 0) until it holds need, and
 * p is reallocated to it. Returns the array to use (p itself when it was
 * large enough) with *cap updated, or NULL when out of memory or when the
 * size would overflow; p and *cap are then unchanged and p still valid. */
void *smx_grow(void *p, size_t *cap, size_t need, size_t elem, size_t first);

/* The n bytes at p as a fresh NUL-terminated string (free() it), or NULL
 * when out of memory. p need not end in NUL: unlike strndup, which ASan's
 * strict string checks let look for a NUL past n, it reads exactly n bytes. */
char *smx_strdup_n(const void *p, size_t n);

/* free() each of the n blocks in ptrs; NULL entries are fine, as for free. */
void smx_free_each(void *const ptrs[], size_t n);

/* SMX_FREE_ALL(x->a, x->b, x->c) frees the three, in that order: a cleanup
 * function names what a struct owns in one list instead of a free() a line.
 * The arguments are evaluated once; the count comes from sizeof, which does
 * not evaluate them. */
#define SMX_FREE_ALL(...)                       \
    smx_free_each((void *const[]){__VA_ARGS__}, \
                  sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

#endif
