/*
 * cli.h - stagectl's entry point, callable from tests, and what its files
 * share: the exit codes and the output helpers (out.c).
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stagemock/client.h"

/* Exit codes (docs/CLIENTS.md). When files fail in different ways, the
 * largest code wins. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_REJECTED = 1,  /* the server said no, or answered outside the API */
    CLI_EXIT_USAGE = 2,     /* bad command line or environment */
    CLI_EXIT_TRANSPORT = 3, /* no complete answer: refused, reset, stalled, timed out */
    CLI_EXIT_LOCAL = 4,     /* a local file could not be read or written */
};

/* Run stagectl with argv; returns the exit status. */
int cli_main(int argc, char **argv, FILE *out, FILE *err);

/* The exit code for a library result. */
enum cli_exit cli_exit_for(enum smc_code code);

/* One upload/download result, as a JSON line (json) or a human line. */
void cli_print_ok(FILE *out, bool json, const char *file, const char *file_id, uint64_t size,
                  const char *verb);
void cli_print_fail(FILE *out, FILE *err, bool json, const char *key, const char *file,
                    const struct smc_error *e);
/* One listed file. */
void cli_print_file(FILE *out, bool json, const struct smc_file *f);

/* A progress bar on err for transfers of at least 1 MiB (only used on a TTY). */
struct cli_progress {
    FILE *err;
    int last_permille;
    bool drawn;
};
void cli_progress_draw(void *cls, const char *name, uint64_t done, uint64_t total);
void cli_progress_end(struct cli_progress *p);

#endif
