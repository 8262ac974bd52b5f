/*
 * test_worker.c - the server's stoppable background thread (worker.c): stop
 * ends and joins a thread that sleeps in timed waits, wakes the owner's
 * other waiters on the same condition, can be called on a worker never
 * started, and a stopped worker starts again.
 */
#include "../../tests/support/sm_test.h"

#include <stdint.h>
#include <time.h>

#include "../src/worker.h"

struct loop {
    struct sm_worker w;
    int64_t wait_us; /* per round; 0: a minute */
    unsigned rounds; /* (w.mu) */
    bool returned;   /* (w.mu) */
};

/* Sleeps a long time per round: only stop's wake-up ends it soon. */
static void *loop_main(void *arg)
{
    struct loop *l = arg;
    pthread_mutex_lock(&l->w.mu);
    while (!l->w.stopping) {
        l->rounds++;
        pthread_cond_broadcast(&l->w.cv); /* the test waits for a first round */
        sm_worker_wait_us(&l->w, l->wait_us ? l->wait_us : (int64_t)60 * 1000000);
    }
    l->returned = true;
    pthread_mutex_unlock(&l->w.mu);
    return NULL;
}

static void wait_first_round(struct loop *l)
{
    pthread_mutex_lock(&l->w.mu);
    while (l->rounds == 0) {
        pthread_cond_wait(&l->w.cv, &l->w.mu);
    }
    pthread_mutex_unlock(&l->w.mu);
}

static void stop_joins_a_sleeping_thread(void **state)
{
    (void)state;
    struct loop l = {0};
    sm_worker_init(&l.w);
    assert_true(sm_worker_start(&l.w, loop_main, &l));
    assert_true(l.w.running);
    wait_first_round(&l);
    sm_worker_stop(&l.w); /* would hang for a minute without the wake-up */
    assert_true(l.returned);
    assert_false(l.w.running);
    assert_true(l.w.stopping);
    sm_worker_cleanup(&l.w);
}

static void stop_without_start_is_harmless(void **state)
{
    (void)state;
    struct sm_worker w;
    sm_worker_init(&w);
    assert_false(w.running);
    sm_worker_stop(&w);
    assert_true(w.stopping);
    assert_false(w.running);
    sm_worker_cleanup(&w);
}

static void stopped_worker_starts_again(void **state)
{
    (void)state;
    struct loop l = {0};
    sm_worker_init(&l.w);
    for (int i = 0; i < 2; i++) {
        l.rounds = 0;
        l.returned = false;
        assert_true(sm_worker_start(&l.w, loop_main, &l));
        assert_false(l.w.stopping);
        wait_first_round(&l);
        sm_worker_stop(&l.w);
        assert_true(l.returned);
    }
    sm_worker_cleanup(&l.w);
}

/* Another thread of the owner's, waiting untimed on cv for stopping. */
struct other {
    struct loop *l;
    bool waiting, done; /* (l->w.mu) */
};

static void *other_waiter(void *arg)
{
    struct other *o = arg;
    struct sm_worker *w = &o->l->w;
    pthread_mutex_lock(&w->mu);
    o->waiting = true;
    while (!w->stopping) {
        pthread_cond_wait(&w->cv, &w->mu);
    }
    o->done = true;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static bool other_state(struct other *o, bool done)
{
    pthread_mutex_lock(&o->l->w.mu);
    bool v = done ? o->done : o->waiting;
    pthread_mutex_unlock(&o->l->w.mu);
    return v;
}

/* Poll (bounded, 2 s) for the other waiter to be waiting or done. */
static bool other_reaches(struct other *o, bool done)
{
    for (int i = 0; i < 2000 && !other_state(o, done); i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return other_state(o, done);
}

static void stop_wakes_every_waiter(void **state)
{
    (void)state;
    struct loop l = {.wait_us = 1000000}; /* a lost wake-up costs the loop a second */
    struct other o = {.l = &l};
    sm_worker_init(&l.w);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, other_waiter, &o), 0);
    assert_true(other_reaches(&o, false)); /* in cond_wait once waiting is seen (mu) */
    assert_true(sm_worker_start(&l.w, loop_main, &l));
    wait_first_round(&l);
    sm_worker_stop(&l.w);
    bool woken = other_reaches(&o, true);
    if (!woken) { /* a signal, not a broadcast: release it to end the test */
        pthread_mutex_lock(&l.w.mu);
        pthread_cond_broadcast(&l.w.cv);
        pthread_mutex_unlock(&l.w.mu);
    }
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_true(woken);
    sm_worker_cleanup(&l.w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stop_joins_a_sleeping_thread),
        cmocka_unit_test(stop_without_start_is_harmless),
        cmocka_unit_test(stopped_worker_starts_again),
        cmocka_unit_test(stop_wakes_every_waiter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
