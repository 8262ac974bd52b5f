/*
 * worker.c - the server's background threads, started and stopped one way
 * (worker.h): the connection sweeper (conns.c), the scenario waker
 * (scenario/scenario_run.c) and each stage log's syncer (store.c).
 *
 * What: a thread with a mutex, a condition and a stopping flag. Stopping
 * sets the flag under the mutex, broadcasts (the owner may have other
 * waiters on the same condition, which then see the flag too), and joins.
 * Timed waits run on CLOCK_MONOTONIC, so a change of the wall clock neither
 * stretches nor skips a sweep.
 * Not here: what a thread does and when it looks at stopping (its owner).
 */
#include <time.h>

#include "worker.h"

void sm_worker_init(struct sm_worker *w)
{
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    w->running = false;
    w->stopping = false;
}

bool sm_worker_start(struct sm_worker *w, void *(*fn)(void *), void *arg)
{
    w->stopping = false;
    w->running = pthread_create(&w->th, NULL, fn, arg) == 0;
    return w->running;
}

void sm_worker_wait_us(struct sm_worker *w, int64_t us)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(us / 1000000);
    ts.tv_nsec += (long)(us % 1000000) * 1000;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    (void)pthread_cond_timedwait(&w->cv, &w->mu, &ts);
}

void sm_worker_stop(struct sm_worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_broadcast(&w->cv);
    bool join = w->running;
    pthread_mutex_unlock(&w->mu);
    if (join) {
        pthread_join(w->th, NULL);
        pthread_mutex_lock(&w->mu);
        w->running = false;
        pthread_mutex_unlock(&w->mu);
    }
}

void sm_worker_cleanup(struct sm_worker *w)
{
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
}
