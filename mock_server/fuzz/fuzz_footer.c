/*
 * fuzz_footer.c - libFuzzer target: any bytes as a whole parquet file through
 * the verdict in deep mode (tail, footer, schema, codecs, page walk), then the
 * schema printer and comparator on whatever decoded. The reader must return
 * an error for garbage and never read out of bounds or leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "stagemock/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sm_pq_file *f = NULL;
    struct sm_error err;
    (void)sm_pq_check_buf(data, size, NULL, &f, &err);
    if (f != NULL) {
        const struct sm_pq_schema *s = sm_pq_file_schema(f);
        sm_free(sm_pq_schema_format(s));
        struct sm_pq_schema *copy = sm_pq_schema_dup(s);
        if (copy != NULL && sm_pq_schema_compare(s, copy, &err) != SM_OK) {
            __builtin_trap(); /* a schema must equal its own copy */
        }
        sm_pq_schema_free(copy);
        sm_pq_file_free(f);
    }
    return 0;
}
