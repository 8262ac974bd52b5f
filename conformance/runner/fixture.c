/*
 * fixture.c - the runner's own fixtures, written at start, and fixture lookup.
 *
 * What: a small corpus-independent set, named as the cases use them
 * (docs/CONFORMANCE.md lists it): valid files sharing one schema (valid-a ..
 * valid-d, valid-big), a file whose binary column holds all 256 byte values
 * and CRLF/PAR1/NUL look-alikes (bytes-all), schema variants (schema-retyped,
 * schema-renamed, schema-root, which only renames the root and is accepted),
 * rejected codecs (codec-gzip, codec-zstd, codec-lz4), broken files
 * (not-parquet, truncated, bad-magic, encrypted) and a valid parquet with a
 * .csv name (parquet-named-csv). A fixtures dir from `stagemock fixtures`
 * (--fixtures DIR) can stand in: lookup tries NAME.parquet, NAME, NAME.*.
 * Design: every file comes from fixtures/pqwrite (pqw_write_fd) with values
 * that depend only on the row number, so the set is byte-identical each run;
 * the broken ones are byte edits of valid-a.
 * Not here: the generator's full set (fixtures/gen, issue 6).
 */
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../fixtures/pqwrite/pqw.h"
#include "../../common/sm_file.h"
#include "../../common/sm_sha256.h"

struct gen_state {
    uint64_t base;
    bool all_bytes;
    char scratch[64];
};

static const uint8_t specials[][8] = {"\r\n", "PAR1", "\r\n\r\n--", "\n", "\r",
                                      "\"",   "PARE", "--",         "%00"};

static void gen_values(void *cls, size_t column, uint64_t row, struct pqw_value *v)
{
    struct gen_state *g = cls;
    memset(v, 0, sizeof *v);
    uint64_t x = g->base + row;
    if (g->all_bytes) {
        v->i = (int64_t)x;
        if (row < 256) {
            g->scratch[0] = (char)row;
            v->p = (const uint8_t *)g->scratch;
            v->n = 1;
        } else if (row - 256 < sizeof specials / sizeof specials[0]) {
            const uint8_t *s = specials[row - 256];
            v->p = s;
            v->n = strlen((const char *)s);
        } else {
            static const uint8_t nul3[3] = {0, 0, 0};
            v->p = nul3;
            v->n = sizeof nul3;
        }
        return;
    }
    switch (column) {
    case 0:
        v->i = (int64_t)(x * 7919u % 100003u);
        break;
    case 1: {
        v->null = row % 9 == 4;
        int n = snprintf(g->scratch, sizeof g->scratch, "row-%llu", (unsigned long long)x);
        v->p = (const uint8_t *)g->scratch;
        v->n = n > 0 ? (size_t)n : 0;
        break;
    }
    default:
        v->null = row % 11 == 5;
        v->d = (double)x / 4.0;
        break;
    }
}

struct spec {
    const char *file;
    uint64_t rows;
    uint64_t base;
    int codec;
    int variant; /* 0 base schema, 1 retyped, 2 renamed, 3 root renamed, 4 all bytes */
};

static const struct spec specs[] = {
    {"valid-a.parquet", 50, 0, SM_PQ_SNAPPY, 0},
    {"valid-b.parquet", 40, 1000, SM_PQ_UNCOMPRESSED, 0},
    {"valid-c.parquet", 30, 2000, SM_PQ_SNAPPY, 0},
    {"valid-d.parquet", 20, 3000, SM_PQ_SNAPPY, 0},
    {"valid-big.parquet", 60000, 5000, SM_PQ_UNCOMPRESSED, 0},
    {"bytes-all.parquet", 268, 0, SM_PQ_UNCOMPRESSED, 4},
    {"schema-retyped.parquet", 10, 100, SM_PQ_SNAPPY, 1},
    {"schema-renamed.parquet", 10, 200, SM_PQ_SNAPPY, 2},
    {"schema-root.parquet", 10, 300, SM_PQ_SNAPPY, 3},
    {"codec-gzip.parquet", 20, 400, SM_PQ_GZIP, 0},
    {"codec-zstd.parquet", 20, 500, SM_PQ_ZSTD, 0},
    {"codec-lz4.parquet", 20, 600, SM_PQ_LZ4_RAW, 0},
};

static enum sm_code write_spec(const char *dir, const struct spec *s, struct sm_error *err)
{
    struct pqw_column cols[3] = {
        {"id", SM_PQ_INT64, 0, SM_PQ_REQUIRED, -1, SM_PQ_LT_NONE},
        {"name", SM_PQ_BYTE_ARRAY, 0, SM_PQ_OPTIONAL, SM_PQ_CT_UTF8, SM_PQ_LT_STRING},
        {"score", SM_PQ_DOUBLE, 0, SM_PQ_OPTIONAL, -1, SM_PQ_LT_NONE},
    };
    size_t n_cols = 3;
    struct pqw_options opt = {.codec = s->codec, .rows_per_page = 1000};
    if (s->variant == 1) {
        cols[0].type = SM_PQ_INT32;
    } else if (s->variant == 2) {
        cols[0].name = "ident";
    } else if (s->variant == 3) {
        opt.root_name = "spark_schema";
    } else if (s->variant == 4) {
        cols[1] =
            (struct pqw_column){"blob", SM_PQ_BYTE_ARRAY, 0, SM_PQ_REQUIRED, -1, SM_PQ_LT_NONE};
        n_cols = 2;
    }
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/%s", dir, s->file);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "%s: %s", path, strerror(errno));
    }
    struct gen_state g = {.base = s->base, .all_bytes = s->variant == 4};
    enum sm_code rc = pqw_write_fd(fd, cols, n_cols, s->rows, &opt, gen_values, &g, err);
    if (close(fd) != 0 && rc == SM_OK) {
        rc = sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "%s: %s", path, strerror(errno));
    }
    return rc;
}

static enum sm_code spit(const char *dir, const char *name, const void *data, size_t len,
                         struct sm_error *err)
{
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "%s: cannot write", path);
    }
    return SM_OK;
}

static void put_magic(uint8_t *at, const char *magic)
{
    for (size_t i = 0; i < 4; i++) {
        at[i] = (uint8_t)magic[i];
    }
}

/* The broken ones: byte edits of valid-a. */
static enum sm_code write_edits(const char *dir, struct sm_error *err)
{
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/valid-a.parquet", dir);
    size_t len = 0;
    uint8_t *a = smx_file_read(path, SIZE_MAX, &len, NULL);
    if (a == NULL || len < 64) {
        free(a);
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "%s: cannot read back", path);
    }
    static const char csv[] = "id,name,score\n1,row-1,0.25\n2,row-2,0.5\n";
    enum sm_code rc = spit(dir, "not-parquet.parquet", csv, sizeof csv - 1, err);
    if (rc == SM_OK) {
        rc = spit(dir, "truncated.parquet", a, len - 37, err);
    }
    if (rc == SM_OK) {
        rc = spit(dir, "parquet-named-csv.csv", a, len, err);
    }
    if (rc == SM_OK) {
        put_magic(a + len - 4, "PAR2");
        rc = spit(dir, "bad-magic.parquet", a, len, err);
    }
    if (rc == SM_OK) {
        put_magic(a, "PARE");
        put_magic(a + len - 4, "PARE");
        rc = spit(dir, "encrypted.parquet", a, len, err);
    }
    free(a);
    return rc;
}

enum sm_code conf_fixtures_write(const char *dir, struct sm_error *err)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "%s: %s", dir, strerror(errno));
    }
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        enum sm_code rc = write_spec(dir, &specs[i], err);
        if (rc != SM_OK) {
            return rc;
        }
    }
    return write_edits(dir, err);
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool conf_fixture_path(const char *dir, const char *name, char *out, size_t cap)
{
    if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0') {
        return false;
    }
    int n = snprintf(out, cap, "%s/%s.parquet", dir, name);
    if (n > 0 && (size_t)n < cap && is_file(out)) {
        return true;
    }
    n = snprintf(out, cap, "%s/%s", dir, name);
    if (n > 0 && (size_t)n < cap && is_file(out)) {
        return true;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return false;
    }
    bool found = false;
    size_t nl = strlen(name);
    for (struct dirent *e; !found && (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, name, nl) == 0 && e->d_name[nl] == '.') {
            n = snprintf(out, cap, "%s/%s", dir, e->d_name);
            found = n > 0 && (size_t)n < cap && is_file(out);
        }
    }
    closedir(d);
    return found;
}

bool conf_sha256_file(const char *path, char hex[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    bool ok = smx_sha256_fd(fd, hex, NULL);
    close(fd);
    return ok;
}
