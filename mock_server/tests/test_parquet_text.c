/*
 * test_parquet_text.c - sm_pq_logical_format, the one formatter of logical
 * types that the reader's schema text and the generator's manifests share:
 * each kind's spelling, a CRS kept when short and hashed (sha1:, 10 hex
 * digits) when over 64 bytes, an unknown algorithm or kind, a buffer too
 * small for the text.
 */
#include "../../tests/support/sm_test.h"

#include <string.h>

#include "stagemock/parquet.h"

#define LONG_CRS                                        \
    "PROJCS[\"NAD83 / Conus Albers\",GEOGCS[\"NAD83\"," \
    "DATUM[\"North_American_Datum_1983\"]]]" /* 81 bytes; sha1 0eab2e6e34... (python3 hashlib) */
#define CRS_64 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

struct text_case {
    struct sm_pq_logical_desc lt;
    const char *want;
};

static const struct text_case cases[] = {
    {{.kind = SM_PQ_LT_NONE}, ""},
    {{.kind = SM_PQ_LT_STRING}, "STRING"},
    {{.kind = SM_PQ_LT_UUID}, "UUID"},
    {{.kind = SM_PQ_LT_VARIANT}, "VARIANT"},
    {{.kind = 9}, "LOGICAL(9)"}, /* a hole in the enum: no name */
    {{.kind = 99}, "LOGICAL(99)"},
    {{.kind = -2}, "LOGICAL(-2)"},
    {{.kind = SM_PQ_LT_DECIMAL, .precision = 9, .scale = 2}, "DECIMAL(9,2)"},
    {{.kind = SM_PQ_LT_TIMESTAMP, .unit = 1, .utc = true}, "TIMESTAMP(MILLIS,utc)"},
    {{.kind = SM_PQ_LT_TIME, .unit = 3}, "TIME(NANOS,local)"},
    {{.kind = SM_PQ_LT_TIME, .unit = 7}, "TIME(?,local)"},
    {{.kind = SM_PQ_LT_INTEGER, .bit_width = 8, .is_signed = true}, "INT(8,signed)"},
    {{.kind = SM_PQ_LT_INTEGER, .bit_width = 64}, "INT(64,unsigned)"},
    {{.kind = SM_PQ_LT_GEOMETRY}, "GEOMETRY()"},
    {{.kind = SM_PQ_LT_GEOMETRY, .crs = "srid:5070"}, "GEOMETRY(srid:5070)"},
    {{.kind = SM_PQ_LT_GEOMETRY, .crs = CRS_64}, "GEOMETRY(" CRS_64 ")"},
    {{.kind = SM_PQ_LT_GEOMETRY, .crs = LONG_CRS}, "GEOMETRY(sha1:0eab2e6e34)"},
    {{.kind = SM_PQ_LT_GEOGRAPHY, .crs = LONG_CRS}, "GEOGRAPHY(sha1:0eab2e6e34,SPHERICAL)"},
    {{.kind = SM_PQ_LT_GEOGRAPHY, .algorithm = 4}, "GEOGRAPHY(,KARNEY)"},
    {{.kind = SM_PQ_LT_GEOGRAPHY, .algorithm = 5}, "GEOGRAPHY(,)"},
    {{.kind = SM_PQ_LT_GEOGRAPHY, .algorithm = -1}, "GEOGRAPHY(,)"},
};

static void each_kind_prints_as_the_notation_spells_it(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[160];
        (void)memset(buf, 'x', sizeof buf); /* junk: the text must end itself */
        sm_pq_logical_format(&cases[i].lt, buf, sizeof buf);
        if (strcmp(buf, cases[i].want) != 0) {
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, buf, cases[i].want);
        }
    }
}

static void small_buffer_is_cut_and_terminated(void **state)
{
    (void)state;
    char buf[8];
    (void)memset(buf, 'x', sizeof buf);
    const struct sm_pq_logical_desc lt = {.kind = SM_PQ_LT_TIMESTAMP, .unit = 2};
    sm_pq_logical_format(&lt, buf, sizeof buf);
    assert_string_equal(buf, "TIMESTA");
    char one[1] = {'x'};
    sm_pq_logical_format(&lt, one, sizeof one);
    assert_int_equal(one[0], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_kind_prints_as_the_notation_spells_it),
        cmocka_unit_test(small_buffer_is_cut_and_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
