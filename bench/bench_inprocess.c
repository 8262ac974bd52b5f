/*
 * bench_inprocess.c - what embedding costs: the median time of one
 * sm_server_new + add stage + add key + start (port 0) + stop + free, over
 * many rounds, in microseconds. Printed as key=value for bench/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "stagemock/server.h"

#define ROUNDS 400

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    static double t[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        struct sm_server_config cfg;
        sm_server_config_init(&cfg);
        struct sm_server *srv = NULL;
        struct sm_error e;
        double t0 = now_us();
        if (sm_server_new(&cfg, &srv, &e) != SM_OK || sm_server_add_stage(srv, "s", &e) != SM_OK ||
            sm_server_add_key(srv, "k", NULL, 0, &e) != SM_OK ||
            sm_server_start(srv, &e) != SM_OK) {
            fprintf(stderr, "bench_inprocess: %s\n", e.message);
            return 1;
        }
        sm_server_free(srv);
        t[i] = now_us() - t0;
    }
    qsort(t, ROUNDS, sizeof t[0], cmp);
    printf("inprocess_start_stop_us=%.0f\ninprocess_p90_us=%.0f\n", t[ROUNDS / 2],
           t[ROUNDS * 9 / 10]);
    return 0;
}
