/*
 * iov.c - stepping an iovec array past a short write (sm_iov.h).
 *
 * What: drops the entries a writev/pwritev wrote whole and moves the base of
 * the one it wrote in part; empty entries at the front go with the written
 * ones. Errors: none (a done larger than what is left stops at the end).
 * Not here: the writing itself, EINTR or offsets (each caller's loop).
 */
#include "sm_iov.h"

void smx_iov_advance(struct iovec **iov, int *n, size_t done)
{
    struct iovec *v = *iov;
    while (*n > 0 && done >= v->iov_len) {
        done -= v->iov_len;
        v++;
        (*n)--;
    }
    if (*n > 0) {
        v->iov_base = (char *)v->iov_base + done;
        v->iov_len -= done;
    }
    *iov = v;
}
