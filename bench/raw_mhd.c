/*
 * raw_mhd.c - the ceiling this stack allows: a minimal libmicrohttpd server
 * that parses the multipart upload with MHD's PostProcessor and answers a
 * JSON file id, validating and storing nothing, and answers a download with
 * one file through MHD's fd response (sendfile). Same threading as
 * stagemock (internal thread pool of 2 on epoll). For benchmarks only.
 *
 *   raw_mhd PORT DOWNLOAD_FILE
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

struct req {
    struct MHD_PostProcessor *pp;
    size_t bytes;
};

static enum MHD_Result iter(void *cls, enum MHD_ValueKind kind, const char *key,
                            const char *filename, const char *ct, const char *te, const char *data,
                            uint64_t off, size_t size)
{
    (void)kind;
    (void)key;
    (void)filename;
    (void)ct;
    (void)te;
    (void)data;
    (void)off;
    ((struct req *)cls)->bytes += size;
    return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **req_cls)
{
    (void)method;
    (void)version;
    const char *file = cls;
    struct req *r = *req_cls;
    if (r == NULL) {
        r = calloc(1, sizeof *r);
        *req_cls = r;
        if (strcmp(url, "/upload-to-stage") == 0) {
            r->pp = MHD_create_post_processor(c, 65536, iter, r);
        }
        return MHD_YES;
    }
    if (*size > 0) {
        if (r->pp != NULL) {
            MHD_post_process(r->pp, data, *size);
        }
        *size = 0;
        return MHD_YES;
    }
    struct MHD_Response *resp;
    if (strcmp(url, "/download-from-stage") == 0) {
        int fd = open(file, O_RDONLY);
        struct stat st;
        fstat(fd, &st);
        resp = MHD_create_response_from_fd((size_t)st.st_size, fd);
        MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
    } else {
        static const char body[] = "{\"file_id\":\"f_0000000000000000\"}";
        resp = MHD_create_response_from_buffer(sizeof body - 1, (void *)(uintptr_t)body,
                                               MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Content-Type", "application/json");
    }
    enum MHD_Result ret = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void done(void *cls, struct MHD_Connection *c, void **req_cls,
                 enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct req *r = *req_cls;
    if (r != NULL) {
        if (r->pp != NULL) {
            MHD_destroy_post_processor(r->pp);
        }
        free(r);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: raw_mhd PORT DOWNLOAD_FILE\n");
        return 2;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD, (uint16_t)strtoul(argv[1], NULL, 10), NULL, NULL, handler,
        argv[2], MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_THREAD_POOL_SIZE, 2u,
        MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_END);
    if (d == NULL) {
        perror("MHD_start_daemon");
        return 1;
    }
    printf("raw_mhd listening\n");
    fflush(stdout);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigprocmask(SIG_BLOCK, &s, NULL);
    int sig;
    sigwait(&s, &sig);
    MHD_stop_daemon(d);
    return 0;
}
