/*
 * bench_data.h - the benchmarks' one table shape: an int64 id and a 48-byte
 * incompressible-ish text payload per row, so every file bench_files writes
 * and every file bench_datadir generates in memory fits one stage's schema.
 * Header-only: each bench .c file is a program of its own.
 */
#ifndef BENCH_DATA_H
#define BENCH_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "../fixtures/pqwrite/pqw.h"

static const struct pqw_column bench_cols[] = {
    {"id", SM_PQ_INT64, 0, SM_PQ_REQUIRED, -1, SM_PQ_LT_NONE},
    {"payload", SM_PQ_BYTE_ARRAY, 0, SM_PQ_OPTIONAL, SM_PQ_CT_UTF8, SM_PQ_LT_STRING},
};
#define BENCH_N_COLS (sizeof bench_cols / sizeof bench_cols[0])

/* pqw's value callback: cls is a 64-byte scratch buffer for the text. */
static inline void bench_gen(void *cls, size_t col, uint64_t row, struct pqw_value *v)
{
    char *scratch = cls;
    uint64_t x = (row + 1) * 0x9e3779b97f4a7c15ull;
    v->i = (int64_t)x;
    for (int i = 0; i < 48; i++) { /* xorshift: incompressible-ish text */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        scratch[i] = (char)('a' + (x % 26));
    }
    v->p = (const uint8_t *)scratch;
    v->n = 48;
    (void)col;
}

#endif
