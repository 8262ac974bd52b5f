/*
 * clock.c - the wall clock the journal and the stages read.
 *
 * What: sm_clock_now_us, microseconds since the epoch (CLOCK_REALTIME).
 * Design: alone in its file so tests can replace it with -Wl,--wrap
 * (a call from the same translation unit would escape the wrap).
 * Not here: deadlines and timeouts (conns.c reads CLOCK_MONOTONIC itself).
 */
#include <stdint.h>
#include <time.h>

#include "internal.h"

int64_t sm_clock_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
