/*
 * fuzz_upload.c - libFuzzer target for the whole upload path: the input is
 * the body of a multipart/form-data POST /upload-to-stage sent over
 * 127.0.0.1 to one in-process server (started on the first input), so MHD's
 * PostProcessor, our part handling, the spool, the parquet verdict and the
 * commit all see hostile bytes. The server must answer every input with a
 * status line, never crash, leak or read out of bounds.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stagemock/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sm_server *server(void)
{
    static struct sm_server *srv; /* one per fuzzing process */
    if (srv == NULL) {
        struct sm_server_config cfg;
        sm_server_config_init(&cfg);
        cfg.max_upload = 1u << 20;
        struct sm_error e;
        if (sm_server_new(&cfg, &srv, &e) != SM_OK || sm_server_add_stage(srv, "s", &e) != SM_OK ||
            sm_server_add_key(srv, "k", NULL, 0, &e) != SM_OK ||
            sm_server_start(srv, &e) != SM_OK) {
            fprintf(stderr, "fuzz_upload: %s\n", e.message);
            abort();
        }
    }
    return srv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sm_server *srv = server();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(sm_server_port(srv))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return 0;
    }
    char head[256];
    int n = snprintf(head, sizeof head,
                     "POST /upload-to-stage HTTP/1.1\r\nHost: f\r\nAuthorization: Key k\r\n"
                     "Connection: close\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     size);
    if (write(fd, head, (size_t)n) == n && (size == 0 || write(fd, data, size) >= 0)) {
        char buf[4096];
        ssize_t got, total = 0;
        while ((got = read(fd, buf, sizeof buf)) > 0) {
            total += got;
        }
        if (total > 0 && memcmp(buf, "HTTP/1.1 ", 9) != 0 && total < (ssize_t)sizeof buf) {
            abort(); /* every request gets a status line */
        }
    }
    close(fd);
    sm_server_reset(srv); /* keep the stage and journal from growing */
    return 0;
}
