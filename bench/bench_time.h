/*
 * bench_time.h - the benchmarks' clock and their medians: a monotonic clock
 * in seconds or microseconds, and an in-place ascending sort of samples so a
 * bench reads its median or any percentile by index. Header-only: each bench
 * .c file is a program of its own. Not a statistics library: no interpolation,
 * no outlier handling.
 */
#ifndef BENCH_TIME_H
#define BENCH_TIME_H

#include <stddef.h>
#include <stdlib.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Microseconds on the monotonic clock. */
static inline double bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sort n samples ascending, in place: v[n / 2] is then the median. */
static inline void bench_sort(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
}

/* The median of n samples (0 for none); sorts v. */
static inline double bench_median(double *v, size_t n)
{
    bench_sort(v, n);
    return n > 0 ? v[n / 2] : 0;
}

#endif
