/*
 * bench_files.c - writes the benchmark's parquet files with the fixture
 * writer: DIR/4k.parquet (about 4 KiB), DIR/1m.parquet (about 1 MiB),
 * DIR/64m.parquet (about 64 MiB) and, with --large, DIR/1g.parquet (about
 * 1 GiB, streamed). All share one schema so a stage accepts them all.
 *
 *   bench_files DIR [--large]
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench_data.h"

static int write_file(const char *dir, const char *name, uint64_t rows, int codec)
{
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    char scratch[64];
    struct pqw_options opt = {.codec = codec, .rows_per_page = 20000, .rows_per_group = 1000000};
    struct sm_error e;
    enum sm_code rc =
        pqw_write_fd(fd, bench_cols, BENCH_N_COLS, rows, &opt, bench_gen, scratch, &e);
    close(fd);
    if (rc != SM_OK) {
        fprintf(stderr, "%s: %s\n", path, e.message);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_files DIR [--large]\n");
        return 2;
    }
    int rc = write_file(argv[1], "4k.parquet", 60, SM_PQ_UNCOMPRESSED);
    rc |= write_file(argv[1], "1m.parquet", 17000, SM_PQ_UNCOMPRESSED);
    rc |= write_file(argv[1], "64m.parquet", 1100000, SM_PQ_UNCOMPRESSED);
    if (argc > 2 && strcmp(argv[2], "--large") == 0) {
        rc |= write_file(argv[1], "1g.parquet", 17600000, SM_PQ_UNCOMPRESSED);
    }
    return rc;
}
