/*
 * main.c - the `stagemock` program: picks a subcommand and hands it the rest
 * of the command line. Each subcommand is a thin function in its component
 * (inspect and serve here in bin/, fixtures in fixtures/gen/, conform and probe
 * in conformance/runner/), written as cmd(argc, argv, out, err) so tests can
 * call it with memory streams. `stagemock --version` prints the version of
 * stagemock/version.h through sm_version(), the library's own copy of it.
 * The program reaches the other components through their public headers
 * only (include/stagemock/: conform.h, fixtures.h, server.h...), never a
 * component's private header (ci/check-include-cycles.py).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "stagemock/conform.h"
#include "stagemock/fixtures.h"
#include "stagemock/version.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv, FILE *out, FILE *err);
    const char *summary;
};

/* conform gets the compiled-in cases dir (datadir.c) as its last resort. */
static int conform_main(int argc, char **argv, FILE *out, FILE *err)
{
    return conf_main(argc, argv, out, err, srv_cases_dir());
}

static const struct command commands[] = {
    {"serve", srv_serve_main, "run the mock stage server"},
    {"inspect", srv_inspect_main, "judge parquet files as a stage would"},
    {"fixtures", pqw_fixtures_main, "write the generated parquet fixtures and their manifest"},
    {"conform", conform_main, "run the conformance suite against a client adapter"},
    {"probe", conf_probe_main, "find which rules a live stage API enforces"},
    {"record", srv_record_main, "proxy a stage API, write the session as HAR and a scenario"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: stagemock COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(f, "\n`stagemock COMMAND --help` describes each one; `stagemock --version` prints\n"
               "the version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("stagemock %s\n", sm_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1, stdout, stderr);
        }
    }
    fprintf(stderr, "stagemock: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
