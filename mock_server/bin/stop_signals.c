/*
 * stop_signals.c - how the long-running subcommands (serve, record) stop:
 * SIGINT and SIGTERM are blocked in every thread (the server's and the
 * proxy's threads inherit the mask from the caller), and the calling thread
 * waits for one with sigwait; SIGPIPE is ignored, so a client that hangs up
 * is an error on its socket, not the end of the process.
 * Not here: what each command does once a stop signal came.
 */
#include <pthread.h>
#include <signal.h>

#include "commands.h"

void srv_stop_signals_block(sigset_t *stop)
{
    sigemptyset(stop);
    sigaddset(stop, SIGINT);
    sigaddset(stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, stop, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int srv_stop_signals_wait(const sigset_t *stop)
{
    int sig = 0;
    sigwait(stop, &sig);
    return sig;
}
