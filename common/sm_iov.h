/*
 * sm_iov.h - the bookkeeping after a short writev/pwritev (common/iov.c):
 * step an iovec array past the bytes the call wrote, so the loop can write
 * the rest. The socket writer in the benchmarks and the store's durable
 * file writer both loop this way.
 *
 * Internal (smx_ prefix, never in include/). Thread-safe: it touches only
 * the caller's array.
 */
#ifndef SM_IOV_H
#define SM_IOV_H

#include <stddef.h>
#include <sys/uio.h>

/* Step *iov / *n past done bytes: entries written whole are dropped, the
 * first one written in part has its base and length moved past what was
 * written (the array is changed in place). done must not exceed the bytes
 * left; when it equals them, *n becomes 0. */
void smx_iov_advance(struct iovec **iov, int *n, size_t done);

#endif
