/*
 * bench_datadir.c - what a data-dir commit costs (store.c), printed as
 * key=value lines for bench/sections/datadir.sh.
 *
 *   bench_datadir DIR [--files N] [--seconds S] [--passes P] [--clients C]
 *
 * 1. Commit latency against stage size: one stage is filled with N files
 *    (default 10,000; filled by 32 threads, which group commit makes quick),
 *    another holds 10; then single commits (sm_server_preload of a ~4 KiB
 *    file: spool, deep check, append, fdatasync) alternate between the two,
 *    200 each, and the medians are compared; then the time a restart takes
 *    to read that data dir back.
 * 2. Throughput: C (default 32) keep-alive HTTP clients upload 4 KiB files
 *    under fresh names for S seconds into a data-dir server, beside a
 *    single thread doing write(4 KiB) + fdatasync on a file in the same
 *    directory, and beside the same clients against a memory-only server.
 *    P passes, alternated; every figure is printed per pass.
 * The servers run in this process on 127.0.0.1; DIR must be on the disk to
 * measure (not a tmpfs).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../common/sm_iov.h"
#include "bench_data.h"
#include "bench_time.h"
#include "stagemock/server.h"

#define LAT_ROUNDS 200

/* A ~4 KiB parquet file in memory. */
static uint8_t *small_file(size_t *len)
{
    char scratch[64];
    struct pqw_options opt = {.codec = SM_PQ_UNCOMPRESSED, .rows_per_page = 20000};
    struct sm_error e;
    return pqw_write_mem(bench_cols, BENCH_N_COLS, 60, &opt, bench_gen, scratch, len, &e);
}

struct filler {
    struct sm_server *srv;
    const char *stage;
    const uint8_t *data;
    size_t len;
    unsigned from, to, step;
    int failures;
};

static void *fill(void *cls)
{
    struct filler *f = cls;
    for (unsigned i = f->from; i < f->to; i += f->step) {
        char name[64];
        (void)snprintf(name, sizeof name, "fill-%07u.parquet", i);
        struct sm_error e;
        f->failures += sm_server_preload(f->srv, f->stage, name, f->data, f->len, &e) != SM_OK;
    }
    return NULL;
}

static int fill_stage(struct sm_server *srv, const char *stage, unsigned n, const uint8_t *data,
                      size_t len)
{
    enum { T = 32 };
    pthread_t th[T];
    struct filler fs[T];
    int failures = 0;
    for (unsigned t = 0; t < T; t++) {
        fs[t] = (struct filler){srv, stage, data, len, t, n, T, 0};
        if (pthread_create(&th[t], NULL, fill, &fs[t]) != 0) {
            return -1;
        }
    }
    for (unsigned t = 0; t < T; t++) {
        pthread_join(th[t], NULL);
        failures += fs[t].failures;
    }
    return failures;
}

static struct sm_server *server(const char *data_dir, const char *const *stages, size_t n)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.data_dir = data_dir;
    struct sm_server *srv = NULL;
    struct sm_error e;
    if (sm_server_new(&cfg, &srv, &e) != SM_OK) {
        fprintf(stderr, "server: %s\n", e.message);
        return NULL;
    }
    bool ok = sm_server_add_key(srv, "k", NULL, 0, &e) == SM_OK;
    for (size_t i = 0; ok && i < n; i++) {
        ok = sm_server_add_stage(srv, stages[i], &e) == SM_OK;
    }
    if (!ok || sm_server_start(srv, &e) != SM_OK) {
        fprintf(stderr, "server: %s\n", e.message);
        sm_server_free(srv);
        return NULL;
    }
    return srv;
}

/* ---- 1. latency at 10 vs N files ------------------------------------------ */

static int latency(const char *dir, unsigned n_big, const uint8_t *data, size_t len)
{
    char dd[4096];
    (void)snprintf(dd, sizeof dd, "%s/lat", dir);
    static const char *const stages[] = {"ten", "many"};
    struct sm_server *srv = server(dd, stages, 2);
    if (srv == NULL) {
        return 1;
    }
    double t0 = bench_now_s();
    int bad = fill_stage(srv, "many", n_big, data, len) + fill_stage(srv, "ten", 10, data, len);
    double fill_s = bench_now_s() - t0;
    if (bad != 0) {
        fprintf(stderr, "fill: %d failures\n", bad);
        sm_server_free(srv);
        return 1;
    }
    double ten[LAT_ROUNDS] = {0}, many[LAT_ROUNDS] = {0};
    for (int i = 0; i < LAT_ROUNDS && bad == 0; i++) {
        char name[64];
        struct sm_error e;
        (void)snprintf(name, sizeof name, "lat-%04d.parquet", i);
        double a = bench_now_s();
        bad += sm_server_preload(srv, "ten", name, data, len, &e) != SM_OK;
        double b = bench_now_s();
        bad += sm_server_preload(srv, "many", name, data, len, &e) != SM_OK;
        double c = bench_now_s();
        ten[i] = (b - a) * 1e6;
        many[i] = (c - b) * 1e6;
    }
    sm_server_free(srv);
    if (bad != 0) {
        fprintf(stderr, "latency: %d failures\n", bad);
        return 1;
    }
    /* a restart reads every log back (the files' bytes into memory) */
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.data_dir = dd;
    struct sm_error e;
    double r0 = bench_now_s();
    if (sm_server_new(&cfg, &srv, &e) != SM_OK) {
        fprintf(stderr, "restart: %s\n", e.message);
        return 1;
    }
    double restart_s = bench_now_s() - r0;
    sm_server_free(srv);
    printf("restart_files=%u\nrestart_ms=%.0f\n", n_big + 10 + 2 * LAT_ROUNDS, restart_s * 1e3);
    double mt = bench_median(ten, LAT_ROUNDS), mm = bench_median(many, LAT_ROUNDS);
    printf("file_bytes=%zu\n", len);
    printf("fill_files=%u\nfill_s=%.2f\nfill_per_s=%.0f\n", n_big, fill_s, n_big / fill_s);
    printf("lat_rounds=%d\n", LAT_ROUNDS);
    printf("lat_ten_us=%.0f\nlat_ten_p90_us=%.0f\n", mt, ten[LAT_ROUNDS * 9 / 10]);
    printf("lat_many_us=%.0f\nlat_many_p90_us=%.0f\n", mm, many[LAT_ROUNDS * 9 / 10]);
    printf("lat_ratio=%.2f\n", mt > 0 ? mm / mt : 0);
    return 0;
}

/* ---- 2. throughput -------------------------------------------------------- */

struct client {
    uint16_t port;
    int id, pass;
    const char *stage;
    uint8_t *data; /* shared, only read (iovec wants it writable) */
    size_t len;
    double until;
    unsigned long done, failed;
};

static bool send_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w <= 0) {
            return false;
        }
        smx_iov_advance(&iov, &n, (size_t)w);
    }
    return true;
}

/* Read one response; its status, or 0. */
static int read_response(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    char *end = NULL;
    while (end == NULL) {
        ssize_t r = read(fd, buf + got, cap - 1 - got);
        if (r <= 0) {
            return 0;
        }
        got += (size_t)r;
        buf[got] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end == NULL && got >= cap - 1) {
            return 0;
        }
    }
    int status = (int)strtol(buf + 9, NULL, 10);
    const char *cl = strstr(buf, "Content-Length:");
    size_t want = cl != NULL && cl < end ? (size_t)strtoul(cl + 15, NULL, 10) : 0;
    size_t have = got - (size_t)(end + 4 - buf);
    while (have < want) {
        ssize_t r = read(fd, buf, cap < want - have ? cap : want - have);
        if (r <= 0) {
            return 0;
        }
        have += (size_t)r;
    }
    return status;
}

static void *client_run(void *cls)
{
    struct client *c = cls;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(c->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        c->failed++;
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char tail[] = "\r\n--smbenchB--\r\n";
    char head[512], pre[512], resp[4096];
    for (unsigned long n = 0; bench_now_s() < c->until; n++) {
        int pl = snprintf(pre, sizeof pre,
                          "--smbenchB\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\n"
                          "%s\r\n--smbenchB\r\nContent-Disposition: form-data; name=\"file\"; "
                          "filename=\"p%d-c%02d-%08lu.parquet\"\r\n"
                          "Content-Type: application/octet-stream\r\n\r\n",
                          c->stage, c->pass, c->id, n);
        size_t body = (size_t)pl + c->len + sizeof tail - 1;
        int hl = snprintf(head, sizeof head,
                          "POST /upload-to-stage HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Authorization: Key k\r\n"
                          "Content-Type: multipart/form-data; boundary=smbenchB\r\n"
                          "Content-Length: %zu\r\n\r\n",
                          body);
        struct iovec iov[4] = {
            {head, (size_t)hl}, {pre, (size_t)pl}, {c->data, c->len}, {tail, sizeof tail - 1}};
        if (!send_all(fd, iov, 4)) {
            c->failed++;
            break;
        }
        int st = read_response(fd, resp, sizeof resp);
        if (st == 200) {
            c->done++;
        } else {
            c->failed++;
            if (st == 0) {
                break;
            }
        }
    }
    close(fd);
    return NULL;
}

/* Uploads per second of `clients` clients into stage for secs; -1 on failure. */
static double upload_rate(struct sm_server *srv, const char *stage, int clients, int pass,
                          double secs, uint8_t *data, size_t len)
{
    pthread_t th[256];
    struct client cs[256];
    double until = bench_now_s() + secs;
    double t0 = bench_now_s();
    for (int i = 0; i < clients; i++) {
        cs[i] = (struct client){sm_server_port(srv), i, pass, stage, data, len, until, 0, 0};
        if (pthread_create(&th[i], NULL, client_run, &cs[i]) != 0) {
            return -1;
        }
    }
    unsigned long done = 0, failed = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(th[i], NULL);
        done += cs[i].done;
        failed += cs[i].failed;
    }
    double el = bench_now_s() - t0;
    if (failed > 0) {
        fprintf(stderr, "upload: %lu failed requests\n", failed);
        return -1;
    }
    return (double)done / el;
}

/* write(len) + fdatasync per iteration, appending to a file in dir. */
static double fdatasync_rate(const char *dir, const uint8_t *data, size_t len, double secs)
{
    char path[4200];
    (void)snprintf(path, sizeof path, "%s/fdatasync-loop", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (fd < 0) {
        return -1;
    }
    unsigned long n = 0;
    double t0 = bench_now_s(), until = t0 + secs;
    while (bench_now_s() < until) {
        if (write(fd, data, len) != (ssize_t)len || fdatasync(fd) != 0) {
            close(fd);
            return -1;
        }
        n++;
    }
    double el = bench_now_s() - t0;
    close(fd);
    (void)unlink(path);
    return (double)n / el;
}

static int throughput(const char *dir, int clients, double secs, int passes, uint8_t *data,
                      size_t len)
{
    char dd[4096];
    (void)snprintf(dd, sizeof dd, "%s/tp", dir);
    static const char *const stages[] = {"tp"};
    struct sm_server *disk = server(dd, stages, 1);
    struct sm_server *mem = server(NULL, stages, 1);
    if (disk == NULL || mem == NULL) {
        sm_server_free(disk);
        sm_server_free(mem);
        return 1;
    }
    double fs[16] = {0}, dk[16] = {0}, mm[16] = {0}, ratio[16] = {0};
    for (int p = 0; p < passes; p++) {
        fs[p] = fdatasync_rate(dd, data, len, secs);
        dk[p] = upload_rate(disk, "tp", clients, p, secs, data, len);
        mm[p] = upload_rate(mem, "tp", clients, p, secs, data, len);
        sm_server_reset(mem); /* keep the memory server's stage and journal small */
        if (fs[p] <= 0 || dk[p] <= 0 || mm[p] <= 0) {
            sm_server_free(disk);
            sm_server_free(mem);
            return 1;
        }
        ratio[p] = dk[p] / fs[p];
        printf("pass%d_fdatasync_per_s=%.0f\npass%d_datadir_per_s=%.0f\npass%d_memory_per_s=%.0f\n",
               p + 1, fs[p], p + 1, dk[p], p + 1, mm[p]);
    }
    struct sm_file_list list;
    struct sm_error e;
    if (sm_server_get_files(disk, "tp", &list, &e) == SM_OK) {
        printf("tp_files=%zu\n", list.n);
        sm_file_list_cleanup(&list);
    }
    sm_server_free(disk);
    sm_server_free(mem);
    double lo = ratio[0], hi = ratio[0];
    for (int p = 1; p < passes; p++) {
        lo = ratio[p] < lo ? ratio[p] : lo;
        hi = ratio[p] > hi ? ratio[p] : hi;
    }
    printf("clients=%d\nseconds=%.0f\npasses=%d\n", clients, secs, passes);
    printf("fdatasync_per_s=%.0f\n", bench_median(fs, (size_t)passes));
    printf("datadir_per_s=%.0f\n", bench_median(dk, (size_t)passes));
    printf("memory_per_s=%.0f\n", bench_median(mm, (size_t)passes));
    printf("group_ratio=%.1f\ngroup_ratio_min=%.1f\ngroup_ratio_max=%.1f\n",
           bench_median(ratio, (size_t)passes), lo, hi);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_datadir DIR [--files N] [--seconds S] [--passes P] "
                        "[--clients C]\n");
        return 2;
    }
    unsigned files = 10000;
    double secs = 3;
    int passes = 3, clients = 32;
    for (int i = 2; i + 1 < argc; i += 2) {
        long v = strtol(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--files") == 0 && v > 0) {
            files = (unsigned)v;
        } else if (strcmp(argv[i], "--seconds") == 0 && v > 0) {
            secs = (double)v;
        } else if (strcmp(argv[i], "--passes") == 0 && v > 0 && v <= 16) {
            passes = (int)v;
        } else if (strcmp(argv[i], "--clients") == 0 && v > 0 && v <= 256) {
            clients = (int)v;
        } else {
            fprintf(stderr, "bench_datadir: bad option '%s %s'\n", argv[i], argv[i + 1]);
            return 2;
        }
    }
    size_t len = 0;
    uint8_t *data = small_file(&len);
    if (data == NULL) {
        fprintf(stderr, "bench_datadir: cannot make the test file\n");
        return 1;
    }
    int rc = latency(argv[1], files, data, len);
    if (rc == 0) {
        rc = throughput(argv[1], clients, secs, passes, data, len);
    }
    free(data);
    return rc;
}
