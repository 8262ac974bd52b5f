/*
 * fuzz_fields.c - libFuzzer target for the text fields of download and list
 * bodies (form.c's streaming path): the input after its first byte is the
 * body of a POST /download-from-stage or /list-stage-files sent over
 * 127.0.0.1 to one in-process server (started on the first input) with an
 * empty stage "s" and key "k", so MHD's PostProcessor, our field collection
 * (repeated fields, runs split across chunks, the 2 KiB cap), the JSON body
 * and the name checks all see hostile bytes. The first byte picks the
 * endpoint (bit 0) and the Content-Type (bits 1-2: urlencoded, multipart
 * with boundary XyZ, JSON, none); bit 3 sends the body with chunked
 * transfer encoding in pieces of at most 7 bytes. The server must answer
 * every input with a status line, never crash, leak or read out of bounds.
 * Not here: the upload's file part (fuzz_upload.c).
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
        struct sm_error e;
        if (sm_server_new(&cfg, &srv, &e) != SM_OK || sm_server_add_stage(srv, "s", &e) != SM_OK ||
            sm_server_add_key(srv, "k", NULL, 0, &e) != SM_OK ||
            sm_server_start(srv, &e) != SM_OK) {
            fprintf(stderr, "fuzz_fields: %s\n", e.message);
            abort();
        }
    }
    return srv;
}

static int send_all(int fd, const void *p, size_t n)
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

static int send_chunked(int fd, const uint8_t *body, size_t size)
{
    for (size_t off = 0; off < size;) {
        size_t n = size - off < 7 ? size - off : 7;
        char head[16];
        int h = snprintf(head, sizeof head, "%zx\r\n", n);
        if (send_all(fd, head, (size_t)h) != 0 || send_all(fd, body + off, n) != 0 ||
            send_all(fd, "\r\n", 2) != 0) {
            return -1;
        }
        off += n;
    }
    return send_all(fd, "0\r\n\r\n", 5);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ctypes[] = {
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "Content-Type: multipart/form-data; boundary=XyZ\r\n",
        "Content-Type: application/json\r\n",
        "",
    };
    if (size == 0 || size > 70000) {
        return 0;
    }
    struct sm_server *srv = server();
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    bool chunked = (data[0] & 8) != 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(sm_server_port(srv))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return 0;
    }
    char head[512];
    char length[48];
    if (chunked) {
        (void)snprintf(length, sizeof length, "Transfer-Encoding: chunked\r\n");
    } else {
        (void)snprintf(length, sizeof length, "Content-Length: %zu\r\n", len);
    }
    int n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: f\r\nAuthorization: Key k\r\n"
                     "Connection: close\r\n%s%s\r\n",
                     (data[0] & 1) ? "/download-from-stage" : "/list-stage-files",
                     ctypes[(data[0] >> 1) & 3], length);
    int sent = send_all(fd, head, (size_t)n);
    if (sent == 0) {
        sent = chunked ? send_chunked(fd, body, len) : send_all(fd, body, len);
    }
    if (sent == 0) {
        char buf[4096];
        ssize_t got, total = 0;
        bool first = true;
        while ((got = read(fd, buf, sizeof buf)) > 0) {
            if (first && got >= 9 && memcmp(buf, "HTTP/1.1 ", 9) != 0) {
                abort(); /* every request gets a status line */
            }
            first = false;
            total += got;
        }
        (void)total;
    }
    close(fd);
    return 0;
}
