/*
 * gen_big_parquet.c - write a valid parquet file of about N bytes for the
 * 1 GiB transfer test (clients/tests/big_test.sh): `gen_big_parquet PATH BYTES`.
 *
 * How: two columns, an INT64 row number and a 1000-byte BYTE_ARRAY whose
 * bytes cycle through every value (CR LF and NUL included), UNCOMPRESSED, so
 * the size is predictable (~1012 bytes a row) and the mock's deep validation
 * has real pages to check. The writer streams rows from the callback, so
 * memory stays flat whatever the size.
 * Not here: anything the clients do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../../fixtures/pqwrite/pqw.h"

#define PAYLOAD 1000

struct gen {
    uint8_t buf[PAYLOAD];
};

static void value(void *cls, size_t column, uint64_t row, struct pqw_value *v)
{
    struct gen *g = cls;
    v->null = false;
    if (column == 0) {
        v->i = (int64_t)row;
        return;
    }
    for (size_t i = 0; i < PAYLOAD; i++) {
        g->buf[i] = (uint8_t)(row + i);
    }
    v->p = g->buf;
    v->n = PAYLOAD;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gen_big_parquet PATH BYTES\n");
        return 2;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long bytes = strtoull(argv[2], &end, 10);
    if (errno != 0 || *end != '\0' || bytes < 4096) {
        fprintf(stderr, "gen_big_parquet: BYTES must be a number >= 4096\n");
        return 2;
    }
    static const struct pqw_column cols[] = {
        {"id", SM_PQ_INT64, 0, SM_PQ_REQUIRED, -1, SM_PQ_LT_NONE},
        {"payload", SM_PQ_BYTE_ARRAY, 0, SM_PQ_REQUIRED, -1, SM_PQ_LT_NONE},
    };
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    struct gen g;
    struct pqw_options opt = {
        .codec = SM_PQ_UNCOMPRESSED, .rows_per_page = 1000, .rows_per_group = 100000};
    struct sm_error e;
    uint64_t rows = bytes / (PAYLOAD + 12);
    enum sm_code rc = pqw_write_fd(fd, cols, 2, rows, &opt, value, &g, &e);
    if (close(fd) != 0 || rc != SM_OK) {
        fprintf(stderr, "gen_big_parquet: %s\n", rc != SM_OK ? e.message : "close failed");
        (void)unlink(argv[1]);
        return 1;
    }
    return 0;
}
