/*
 * spawn.c - run one adapter call: a child process with our environment, its
 * output captured, killed at the time limit.
 *
 * What: `/bin/sh -c 'CMD "$@"' adapter ARGS...` so an adapter may be any
 * command line ("python3 client.py", "env X=1 ./client"); stdin is /dev/null;
 * stdout and stderr come back as text, each capped (the rest is counted and
 * dropped); the exit code or the signal is recorded.
 * Design: posix_spawn (safe from the runner's worker threads) with the child
 * in its own process group, pipes made O_CLOEXEC so one job's child never
 * inherits another job's pipe; poll() on both pipes until EOF and exit, and
 * SIGKILL to the whole group when the limit passes, so grandchildren (curl
 * under a shell adapter) die too.
 * Not here: what the output means (verify.c).
 */
#define _GNU_SOURCE /* pipe2 */
#include "run.h"
#include "../../common/sm_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void conf_proc_cleanup(struct conf_proc *p)
{
    free(p->out);
    free(p->err);
    memset(p, 0, sizeof *p);
}

struct sink {
    int fd;
    char *data;
    size_t len, cap;
    bool eof;
};

static void sink_read(struct sink *s)
{
    char buf[8192];
    ssize_t n = read(s->fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    if (n <= 0) {
        s->eof = true;
        return;
    }
    size_t take = (size_t)n;
    if (s->len + take > s->cap) {
        take = s->cap - s->len;
    }
    memcpy(s->data + s->len, buf, take);
    s->len += take;
}

/* True when the NAME=VALUE string v sets a name that one in env sets. */
static bool set_in(const char *v, char *const *env)
{
    size_t nl = strcspn(v, "=");
    for (size_t i = 0; env[i] != NULL; i++) {
        if (strncmp(env[i], v, nl) == 0 && env[i][nl] == '=') {
            return true;
        }
    }
    return false;
}

/* The environment: ours minus STAGE_API_* and what env sets, plus env. NULL
 * when out of memory. */
static char **build_env(char *const *env)
{
    size_t n_env = 0, n_ours = 0;
    while (environ[n_env] != NULL) {
        n_env++;
    }
    while (env[n_ours] != NULL) {
        n_ours++;
    }
    char **e = calloc(n_env + n_ours + 1, sizeof *e);
    if (e == NULL) {
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++) {
        if (strncmp(environ[i], "STAGE_API_", 10) != 0 && !set_in(environ[i], env)) {
            e[k++] = environ[i];
        }
    }
    for (size_t i = 0; i < n_ours; i++) {
        e[k++] = env[i];
    }
    return e;
}

struct waiter {
    pid_t pid;
    int status;
    bool exited, killed;
    double deadline;
};

/* Both pipes are closed: reap the child, polling the deadline. */
static void reap(struct waiter *w, double left)
{
    pid_t r = waitpid(w->pid, &w->status, WNOHANG);
    if (r == w->pid) {
        w->exited = true;
    } else if (left > 0) {
        struct timespec ts = {0, 5000000L};
        nanosleep(&ts, NULL);
    } else if (w->killed) {
        (void)waitpid(w->pid, &w->status, 0);
        w->exited = true;
    }
}

/* Read what the open pipes have, waiting at most until the deadline (100 ms). */
static void pump(struct sink *out, struct sink *err, double left)
{
    struct pollfd pf[2];
    struct sink *which[2];
    nfds_t n = 0;
    if (!out->eof) {
        pf[n] = (struct pollfd){.fd = out->fd, .events = POLLIN};
        which[n++] = out;
    }
    if (!err->eof) {
        pf[n] = (struct pollfd){.fd = err->fd, .events = POLLIN};
        which[n++] = err;
    }
    int ms = left > 100 ? 100 : (left < 1 ? 1 : (int)left);
    int r = poll(pf, n, ms);
    for (nfds_t i = 0; r > 0 && i < n; i++) {
        if (pf[i].revents != 0) {
            sink_read(which[i]);
        }
    }
}

/* Wait for exit, with the deadline; kill the group when it passes. */
static void collect(pid_t pid, struct sink *out, struct sink *err, double deadline,
                    struct conf_proc *res)
{
    struct waiter w = {.pid = pid, .deadline = deadline};
    while (!w.exited) {
        double left = w.deadline - now_ms();
        if (left <= 0 && !w.killed) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            w.killed = true;
            res->timed_out = true;
            w.deadline = now_ms() + 2000; /* drain what is left, briefly */
        } else if (out->eof && err->eof) {
            reap(&w, left);
        } else {
            pump(out, err, left);
            if (w.killed && left <= 0) { /* a grandchild kept a pipe open: stop reading */
                out->eof = err->eof = true;
            }
        }
    }
    if (WIFEXITED(w.status)) {
        res->exit_code = WEXITSTATUS(w.status);
    } else {
        res->exit_code = -1;
        res->signal = WIFSIGNALED(w.status) ? WTERMSIG(w.status) : 0;
    }
    if (!w.killed) {
        kill(-pid, SIGKILL); /* anything it left running in its group */
    }
}

enum sm_code conf_spawn(const char *cmd, char *const *args, size_t n_args, char *const *env,
                        unsigned limit_ms, size_t cap, struct conf_proc *res, struct sm_error *err)
{
    memset(res, 0, sizeof *res);
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    char **argv = NULL, **envp = NULL;
    char *script = NULL;
    struct sink out = {.fd = -1, .cap = cap}, errs = {.fd = -1, .cap = cap};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    bool fa_ok = false, attr_ok = false;
    enum sm_code rc = SM_OK;
    size_t sl = strlen(cmd) + 16;

    out.data = malloc(cap + 1);
    errs.data = malloc(cap + 1);
    argv = calloc(n_args + 5, sizeof *argv);
    envp = build_env(env);
    script = malloc(sl);
    if (out.data == NULL || errs.data == NULL || argv == NULL || envp == NULL || script == NULL) {
        rc = sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
        goto done;
    }
    (void)snprintf(script, sl, "%s \"$@\"", cmd);
    char a_sh[] = "/bin/sh", a_c[] = "-c", a_name[] = "adapter";
    argv[0] = a_sh;
    argv[1] = a_c;
    argv[2] = script;
    argv[3] = a_name;
    for (size_t i = 0; i < n_args; i++) {
        argv[4 + i] = args[i];
    }
    if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
        rc = sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "pipe: %s", strerror(errno));
        goto done;
    }
    fa_ok = posix_spawn_file_actions_init(&fa) == 0;
    attr_ok = posix_spawnattr_init(&attr) == 0;
    if (!fa_ok || !attr_ok ||
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, po[1], 1) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, pe[1], 2) != 0 ||
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK) != 0 ||
        posix_spawnattr_setpgroup(&attr, 0) != 0) {
        rc = sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "posix_spawn set-up failed");
        goto done;
    }
    sigset_t none;
    sigemptyset(&none);
    (void)posix_spawnattr_setsigmask(&attr, &none);
    double t0 = now_ms();
    pid_t pid = 0;
    int e = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, envp);
    if (e != 0) {
        rc = sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "cannot run %s: %s", cmd, strerror(e));
        goto done;
    }
    close(po[1]);
    close(pe[1]);
    po[1] = pe[1] = -1;
    out.fd = po[0];
    errs.fd = pe[0];
    collect(pid, &out, &errs, t0 + limit_ms, res);
    res->ms = now_ms() - t0;
done:
    for (int i = 0; i < 2; i++) {
        if (po[i] >= 0) {
            close(po[i]);
        }
        if (pe[i] >= 0) {
            close(pe[i]);
        }
    }
    if (fa_ok) {
        posix_spawn_file_actions_destroy(&fa);
    }
    if (attr_ok) {
        posix_spawnattr_destroy(&attr);
    }
    SMX_FREE_ALL(script, argv, envp);
    if (rc != SM_OK || out.data == NULL || errs.data == NULL) {
        free(out.data);
        free(errs.data);
        return rc != SM_OK ? rc : sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    out.data[out.len] = '\0';
    errs.data[errs.len] = '\0';
    res->out = out.data;
    res->out_len = out.len;
    res->err = errs.data;
    res->err_len = errs.len;
    return SM_OK;
}
