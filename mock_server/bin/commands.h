/*
 * commands.h - the subcommands that live in mock_server/bin/. Each takes the
 * arguments after `stagemock` (argv[0] is the subcommand's name) and the
 * streams to write to, and returns the process exit status.
 */
#ifndef SM_BIN_COMMANDS_H
#define SM_BIN_COMMANDS_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

int srv_serve_main(int argc, char **argv, FILE *out, FILE *err);
int srv_inspect_main(int argc, char **argv, FILE *out, FILE *err);
int srv_record_main(int argc, char **argv, FILE *out, FILE *err);

/* Write data to path through a temporary file beside it, synced and renamed
 * over it, so no reader sees it half written (atomic_write.c); false with
 * errno set on failure, the target untouched. */
bool srv_write_file_atomic(const char *path, const char *data, size_t len);

/* Block SIGINT and SIGTERM (in this thread and every thread it starts
 * after) and ignore SIGPIPE; call before starting threads. Then wait for
 * one of them: returns the signal (stop_signals.c). */
void srv_stop_signals_block(sigset_t *stop);
int srv_stop_signals_wait(const sigset_t *stop);

/* The compiled-in conformance cases directory ("" when none; datadir.c). */
const char *srv_cases_dir(void);

#endif
