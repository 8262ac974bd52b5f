/*
 * fuzz_http.h - what the HTTP fuzz targets (fuzz_fields.c, fuzz_upload.c)
 * share: one in-process server per fuzzing process (stage "s", key "k"),
 * a loopback connection to it, a write that finishes, and the check that
 * every request is answered with a status line (abort() otherwise, which
 * libFuzzer reports). Header-only: fuzz.mk builds each fuzz_*.c as a target
 * of its own.
 */
#ifndef FUZZ_HTTP_H
#define FUZZ_HTTP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stagemock/server.h"

/* The process's server, started on the first call (max_upload 0: default);
 * who names the target in the message when it cannot start. */
static inline struct sm_server *fuzz_server(uint64_t max_upload, const char *who)
{
    static struct sm_server *srv; /* one per fuzzing process */
    if (srv == NULL) {
        struct sm_server_config cfg;
        sm_server_config_init(&cfg);
        cfg.max_upload = max_upload;
        struct sm_error e;
        if (sm_server_new(&cfg, &srv, &e) != SM_OK || sm_server_add_stage(srv, "s", &e) != SM_OK ||
            sm_server_add_key(srv, "k", NULL, 0, &e) != SM_OK ||
            sm_server_start(srv, &e) != SM_OK) {
            fprintf(stderr, "%s: %s\n", who, e.message);
            abort();
        }
    }
    return srv;
}

/* A connection to srv over 127.0.0.1, or -1. */
static inline int fuzz_dial(struct sm_server *srv)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(sm_server_port(srv))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* All n bytes, or -1. */
static inline int fuzz_send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w <= 0) {
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read the answer to its end; abort() when it does not start with a status
 * line (an empty answer, the server closing first, is allowed). */
static inline void fuzz_expect_status_line(int fd)
{
    char buf[4096];
    ssize_t got;
    bool first = true;
    while ((got = read(fd, buf, sizeof buf)) > 0) {
        if (first && got >= 9 && memcmp(buf, "HTTP/1.1 ", 9) != 0) {
            abort(); /* every request gets a status line */
        }
        first = false;
    }
}

#endif
