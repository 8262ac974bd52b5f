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
#include <stdbool.h>

#include "fuzz_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int send_chunked(int fd, const uint8_t *body, size_t size)
{
    for (size_t off = 0; off < size;) {
        size_t n = size - off < 7 ? size - off : 7;
        char head[16];
        int h = snprintf(head, sizeof head, "%zx\r\n", n);
        if (fuzz_send_all(fd, head, (size_t)h) != 0 || fuzz_send_all(fd, body + off, n) != 0 ||
            fuzz_send_all(fd, "\r\n", 2) != 0) {
            return -1;
        }
        off += n;
    }
    return fuzz_send_all(fd, "0\r\n\r\n", 5);
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
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    bool chunked = (data[0] & 8) != 0;
    int fd = fuzz_dial(fuzz_server(0, "fuzz_fields"));
    if (fd < 0) {
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
    int sent = fuzz_send_all(fd, head, (size_t)n);
    if (sent == 0) {
        sent = chunked ? send_chunked(fd, body, len) : fuzz_send_all(fd, body, len);
    }
    if (sent == 0) {
        fuzz_expect_status_line(fd);
    }
    close(fd);
    return 0;
}
