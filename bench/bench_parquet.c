/*
 * bench_parquet.c - how fast the parquet verdict is, beside references
 * measured in the same run over the same bytes.
 *
 * What: (1) footer-only verdict time on a 1 KiB and a 64 MiB file (it must
 * not grow with the file: only the tail and footer are read); (2) deep-mode
 * throughput on a 64 MiB SNAPPY file without page CRCs, next to libsnappy's
 * own snappy_validate_compressed_buffer over exactly the same page bodies
 * (the writer reports where it put them) and a plain memcpy of the file;
 * (3) the same file with page CRCs, to show what CRC checking costs.
 * Design: files are generated into a temp dir by the fixture writer, read
 * into memory once, and judged from memory (sm_pq_check_buf) so that every
 * contender sees the same bytes with no I/O; an fd-based pass is shown too.
 * Each figure is the median of several passes. Output: Markdown rows on
 * stdout, for bench/run.sh to put into docs/BENCHMARKS.md.
 * Not here: any pass/fail judgement (bench/run.sh states the targets).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <snappy-c.h>

#include "../fixtures/pqwrite/pqw.h"
#include "bench_time.h"
#include "stagemock/parquet.h"
#include "../common/sm_mem.h"

#define PASSES 7

struct pages {
    int64_t *off;
    size_t *len;
    size_t n, cap;
};

static void on_page(void *cls, int64_t off, size_t len)
{
    struct pages *p = cls;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        int64_t *no = realloc(p->off, cap * sizeof *no);
        size_t *nl = realloc(p->len, cap * sizeof *nl);
        if (no == NULL || nl == NULL) {
            free(no);
            free(nl);
            fprintf(stderr, "bench: out of memory\n");
            exit(1);
        }
        p->off = no;
        p->len = nl;
        p->cap = cap;
    }
    p->off[p->n] = off;
    p->len[p->n] = len;
    p->n++;
}

static const struct pqw_column cols[] = {
    {"id", SM_PQ_INT64, 0, SM_PQ_REQUIRED, -1, SM_PQ_LT_NONE},
    {"label", SM_PQ_BYTE_ARRAY, 0, SM_PQ_OPTIONAL, SM_PQ_CT_UTF8, SM_PQ_LT_STRING},
    {"amount", SM_PQ_DOUBLE, 0, SM_PQ_OPTIONAL, -1, SM_PQ_LT_NONE},
};

static void gen(void *cls, size_t col, uint64_t row, struct pqw_value *v)
{
    char *scratch = cls;
    uint64_t x = row * 0x9e3779b97f4a7c15ull;
    v->null = col > 0 && (x >> 60) == 0;
    v->i = (int64_t)(row + (x >> 50));
    v->d = (double)(x >> 40) / 1024.0;
    int n = snprintf(scratch, 48, "customer-%llu-%s", (unsigned long long)((x >> 32) % 5000),
                     (x & 1) ? "gold" : "standard");
    v->p = (const uint8_t *)scratch;
    v->n = n > 0 ? (size_t)n : 0;
}

/* Write a file; returns its bytes (and size) in memory. */
static uint8_t *make_file(const char *path, uint64_t rows, bool crc, struct pages *pages,
                          size_t *size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    char scratch[48];
    struct pqw_options opt = {.codec = SM_PQ_SNAPPY,
                              .page_crc = crc,
                              .rows_per_page = 20000,
                              .rows_per_group = 1000000,
                              .on_page = on_page,
                              .page_cls = pages};
    struct sm_error e;
    if (pqw_write_fd(fd, cols, 3, rows, &opt, gen, scratch, &e) != SM_OK) {
        fprintf(stderr, "bench: %s\n", e.message);
        exit(1);
    }
    struct stat st;
    fstat(fd, &st);
    *size = (size_t)st.st_size;
    uint8_t *buf = malloc(*size);
    if (buf == NULL || pread(fd, buf, *size, 0) != (ssize_t)*size) {
        fprintf(stderr, "bench: cannot read back %s\n", path);
        exit(1);
    }
    close(fd);
    return buf;
}

/* Median seconds of one verdict on path's size bytes, footer-only or deep,
 * read from buf when it is not NULL, else from path's descriptor; a pass
 * times reps verdicts (a footer verdict is too quick to time alone). */
static double check_time(const char *path, const uint8_t *buf, size_t size, bool deep, int reps)
{
    struct sm_pq_options opt;
    sm_pq_options_init(&opt);
    opt.deep = false;
    const struct sm_pq_options *o = deep ? NULL : &opt;
    int fd = buf == NULL ? open(path, O_RDONLY) : -1;
    double t[PASSES];
    for (int p = 0; p < PASSES; p++) {
        double t0 = bench_now_s();
        for (int i = 0; i < reps; i++) {
            struct sm_error e;
            enum sm_code rc = buf != NULL ? sm_pq_check_buf(buf, size, o, NULL, &e)
                                          : sm_pq_check_fd(fd, size, o, NULL, &e);
            if (rc != SM_OK) {
                fprintf(stderr, "bench: %s rejected: %s\n", path, e.message);
                exit(1);
            }
        }
        t[p] = (bench_now_s() - t0) / reps;
    }
    if (fd >= 0) {
        close(fd);
    }
    return bench_median(t, PASSES);
}

static double snappy_ref_time(const uint8_t *buf, const struct pages *pg)
{
    double t[PASSES];
    for (int p = 0; p < PASSES; p++) {
        double t0 = bench_now_s();
        for (size_t i = 0; i < pg->n; i++) {
            if (snappy_validate_compressed_buffer((const char *)buf + pg->off[i], pg->len[i]) !=
                SNAPPY_OK) {
                fprintf(stderr, "bench: page %zu is not valid snappy\n", i);
                exit(1);
            }
        }
        t[p] = bench_now_s() - t0;
    }
    return bench_median(t, PASSES);
}

static double memcpy_time(const uint8_t *buf, size_t size)
{
    uint8_t *dst = malloc(size);
    double t[PASSES];
    memset(dst, 0, size);
    for (int p = 0; p < PASSES; p++) {
        double t0 = bench_now_s();
        memcpy(dst, buf, size);
        t[p] = bench_now_s() - t0;
        __asm__ volatile("" : : "r"(dst) : "memory");
    }
    free(dst);
    return bench_median(t, PASSES);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    char small_path[4096], big_path[4096], crc_path[4096];
    (void)snprintf(small_path, sizeof small_path, "%s/bench-1k.parquet", dir);
    (void)snprintf(big_path, sizeof big_path, "%s/bench-64m.parquet", dir);
    (void)snprintf(crc_path, sizeof crc_path, "%s/bench-64m-crc.parquet", dir);

    struct pages small_pages = {0}, big_pages = {0}, crc_pages = {0};
    size_t small_size, big_size, crc_size;
    uint8_t *small = make_file(small_path, 40, false, &small_pages, &small_size);
    /* 4.5M rows of three columns come to about 64 MiB with snappy */
    uint64_t rows = 4500000;
    if (argc > 2) {
        rows = strtoull(argv[2], NULL, 10);
    }
    uint8_t *big = make_file(big_path, rows, false, &big_pages, &big_size);
    uint8_t *crc = make_file(crc_path, rows, true, &crc_pages, &crc_size);

    double f_small = check_time(small_path, NULL, small_size, false, 2000);
    double f_big = check_time(big_path, NULL, big_size, false, 2000);
    double deep = check_time(big_path, big, big_size, true, 1);
    double deep_fd = check_time(big_path, NULL, big_size, true, 1);
    double ref = snappy_ref_time(big, &big_pages);
    double mc = memcpy_time(big, big_size);
    double deep_crc = check_time(crc_path, crc, crc_size, true, 1);
    double ref_crc = snappy_ref_time(crc, &crc_pages);
    const double mb = 1e6;

    printf("footer_small_bytes=%zu\nfooter_small_us=%.2f\n", small_size, f_small * 1e6);
    printf("footer_big_bytes=%zu\nfooter_big_us=%.2f\n", big_size, f_big * 1e6);
    printf("pages=%zu\n", big_pages.n);
    printf("deep_mbs=%.0f\ndeep_fd_mbs=%.0f\nsnappy_ref_mbs=%.0f\nmemcpy_mbs=%.0f\n",
           (double)big_size / deep / mb, (double)big_size / deep_fd / mb,
           (double)big_size / ref / mb, (double)big_size / mc / mb);
    printf("deep_crc_mbs=%.0f\nsnappy_ref_crc_mbs=%.0f\n", (double)crc_size / deep_crc / mb,
           (double)crc_size / ref_crc / mb);
    unlink(small_path);
    unlink(big_path);
    unlink(crc_path);
    SMX_FREE_ALL(small, big, crc, small_pages.off, small_pages.len, big_pages.off, big_pages.len,
                 crc_pages.off, crc_pages.len);
    return 0;
}
