/*
 * fuzz_upload.c - libFuzzer target for the whole upload path: the input is
 * the body of a multipart/form-data POST /upload-to-stage sent over
 * 127.0.0.1 to one in-process server (started on the first input), so MHD's
 * PostProcessor, our part handling, the spool, the parquet verdict and the
 * commit all see hostile bytes. The server must answer every input with a
 * status line, never crash, leak or read out of bounds.
 */
#include "fuzz_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sm_server *srv = fuzz_server(1u << 20, "fuzz_upload");
    int fd = fuzz_dial(srv);
    if (fd < 0) {
        return 0;
    }
    char head[256];
    int n = snprintf(head, sizeof head,
                     "POST /upload-to-stage HTTP/1.1\r\nHost: f\r\nAuthorization: Key k\r\n"
                     "Connection: close\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     size);
    if (fuzz_send_all(fd, head, (size_t)n) == 0 && fuzz_send_all(fd, data, size) == 0) {
        fuzz_expect_status_line(fd);
    }
    close(fd);
    sm_server_reset(srv); /* keep the stage and journal from growing */
    return 0;
}
