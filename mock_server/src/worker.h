/*
 * worker.h - a background thread the server can stop (worker.c): a mutex,
 * a condition on the monotonic clock, a stopping flag and the thread.
 * The owner embeds struct sm_worker and may guard its own fields with mu
 * and wait on cv for its own reasons; the thread's function reads stopping
 * under mu and returns once it is set. sm_worker_stop may be called from
 * any thread but the worker's own, once.
 */
#ifndef SM_WORKER_H
#define SM_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct sm_worker {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC, for sm_worker_wait_us */
    pthread_t th;
    bool running;  /* started and not yet joined (mu) */
    bool stopping; /* the thread is to return (mu) */
};

/* Initialise mu and cv; not started, not stopping. */
void sm_worker_init(struct sm_worker *w);
/* Start the thread on fn(arg); false when it could not be created. With mu
 * held when another thread may look at the worker meanwhile. */
bool sm_worker_start(struct sm_worker *w, void *(*fn)(void *), void *arg);
/* mu held: wait on cv until signalled or us microseconds have passed. */
void sm_worker_wait_us(struct sm_worker *w, int64_t us);
/* Set stopping and wake every waiter on cv; then join the thread if it was
 * started. Without mu held. */
void sm_worker_stop(struct sm_worker *w);
/* Destroy mu and cv (stopped, or never started). */
void sm_worker_cleanup(struct sm_worker *w);

#endif
