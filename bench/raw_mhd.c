/*
 * raw_mhd.c - the ceilings this stack allows: a minimal libmicrohttpd server
 * that parses the multipart upload with MHD's PostProcessor and answers a
 * JSON file id, validating nothing, and answers a download with one file
 * through MHD's fd response (sendfile). Same threading as stagemock
 * (internal thread pool of 2 on epoll). For benchmarks only.
 *
 *   raw_mhd PORT DOWNLOAD_FILE [--keep] [--small FILE]
 *
 * Without --keep it discards the file part (the parse-only ceiling). With
 * --keep it does the least any mock must do: copy each file part into a
 * heap buffer sized from Content-Length and keep it, up to 4 GiB in all
 * (then the oldest are freed); POST /_stagemock/reset frees them all, as
 * stagemock's reset empties its stages between passes. --small serves FILE
 * from memory for a download whose body names it (file_name=4k...), so 4 KiB
 * downloads can be measured beside stagemock serving the same bytes.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include <microhttpd.h>

#define KEEP_MAX ((size_t)4 << 30)

struct kept {
    struct kept *next;
    size_t size;
    unsigned char bytes[];
};

struct raw {
    const char *download;
    int keep;
    unsigned char *small;
    size_t small_size;
    pthread_mutex_t lock;
    struct kept *oldest, *newest;
    size_t kept_bytes;
};

struct req {
    struct raw *raw;
    struct MHD_PostProcessor *pp;
    size_t bytes;
    struct kept *copy;
    size_t room;
    int small;
};

static void keep_file(struct raw *raw, struct kept *k)
{
    pthread_mutex_lock(&raw->lock);
    k->next = NULL;
    if (raw->newest != NULL) {
        raw->newest->next = k;
    } else {
        raw->oldest = k;
    }
    raw->newest = k;
    raw->kept_bytes += k->size;
    while (raw->kept_bytes > KEEP_MAX && raw->oldest != k) {
        struct kept *old = raw->oldest;
        raw->oldest = old->next;
        raw->kept_bytes -= old->size;
        free(old);
    }
    pthread_mutex_unlock(&raw->lock);
}

static void keep_reset(struct raw *raw)
{
    pthread_mutex_lock(&raw->lock);
    while (raw->oldest != NULL) {
        struct kept *k = raw->oldest;
        raw->oldest = k->next;
        free(k);
    }
    raw->newest = NULL;
    raw->kept_bytes = 0;
    pthread_mutex_unlock(&raw->lock);
}

static enum MHD_Result iter(void *cls, enum MHD_ValueKind kind, const char *key,
                            const char *filename, const char *ct, const char *te, const char *data,
                            uint64_t off, size_t size)
{
    (void)kind;
    (void)filename;
    (void)ct;
    (void)te;
    (void)off;
    struct req *r = cls;
    r->bytes += size;
    if (strcmp(key, "file_name") == 0 && size >= 2 && memcmp(data, "4k", 2) == 0) {
        r->small = 1;
    }
    if (r->copy != NULL && strcmp(key, "file") == 0 && size > 0) {
        if (r->copy->size + size > r->room) { /* a body longer than it said: grow */
            size_t room = (r->copy->size + size) * 2;
            struct kept *k = realloc(r->copy, sizeof *k + room);
            if (k == NULL) {
                return MHD_NO;
            }
            r->copy = k;
            r->room = room;
        }
        memcpy(r->copy->bytes + r->copy->size, data, size);
        r->copy->size += size;
    }
    return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **req_cls)
{
    (void)method;
    (void)version;
    struct raw *raw = cls;
    struct req *r = *req_cls;
    if (r == NULL) {
        r = calloc(1, sizeof *r);
        if (r == NULL) {
            return MHD_NO;
        }
        r->raw = raw;
        *req_cls = r;
        if (strcmp(url, "/upload-to-stage") == 0 || strcmp(url, "/download-from-stage") == 0) {
            r->pp = MHD_create_post_processor(c, 65536, iter, r);
        }
        const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (raw->keep && strcmp(url, "/upload-to-stage") == 0) {
            r->room = len != NULL ? strtoul(len, NULL, 10) : 65536;
            r->copy = malloc(sizeof *r->copy + r->room);
            if (r->copy == NULL) {
                return MHD_NO;
            }
            r->copy->size = 0;
        }
        if (strcmp(url, "/_stagemock/reset") == 0) {
            keep_reset(raw);
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
    if (r->copy != NULL) {
        keep_file(raw, r->copy);
        r->copy = NULL;
    }
    if (strcmp(url, "/download-from-stage") == 0 && r->small && raw->small != NULL) {
        resp = MHD_create_response_from_buffer(raw->small_size, raw->small, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
    } else if (strcmp(url, "/download-from-stage") == 0) {
        int fd = open(raw->download, O_RDONLY);
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
        free(r->copy);
        free(r);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: raw_mhd PORT DOWNLOAD_FILE [--keep] [--small FILE]\n");
        return 2;
    }
    static struct raw raw = {.lock = PTHREAD_MUTEX_INITIALIZER};
    raw.download = argv[2];
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--keep") == 0) {
            raw.keep = 1;
        } else if (strcmp(argv[i], "--small") == 0 && i + 1 < argc) {
            FILE *f = fopen(argv[++i], "rb");
            struct stat st;
            if (f == NULL || fstat(fileno(f), &st) != 0 ||
                (raw.small = malloc((size_t)st.st_size)) == NULL ||
                fread(raw.small, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
                fprintf(stderr, "raw_mhd: cannot read %s\n", argv[i]);
                return 2;
            }
            raw.small_size = (size_t)st.st_size;
            fclose(f);
        }
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD, (uint16_t)strtoul(argv[1], NULL, 10), NULL, NULL, handler,
        &raw, MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_THREAD_POOL_SIZE, 2u,
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
    keep_reset(&raw);
    free(raw.small);
    return 0;
}
