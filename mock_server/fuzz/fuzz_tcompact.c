/*
 * fuzz_tcompact.c - libFuzzer target: any bytes as a bare FileMetaData footer
 * (no file around it), so the fuzzer spends its time inside the Thrift
 * decoder and the schema tree check rather than on magic bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "../src/parquet/parquet_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sm_arena arena;
    sm_arena_init(&arena, size * SM_PQ_ARENA_FACTOR + (1u << 20));
    struct sm_pq_file_meta md;
    struct sm_error err;
    if (sm_pq_footer_parse(data, size, 0, &arena, &md, &err) == SM_OK) {
        struct sm_pq_schema *s = NULL;
        if (sm_pq_schema_build(&md, &s, &err) == SM_OK) {
            sm_free(sm_pq_schema_format(s));
            sm_pq_schema_free(s);
        }
    }
    sm_arena_cleanup(&arena);
    return 0;
}
