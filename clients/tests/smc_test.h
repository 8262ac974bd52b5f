/*
 * smc_test.h - helpers shared by the client tests: a scratch directory, a
 * file written from memory, a started server with a client pointed at it,
 * and journal counting. Static functions in a header, because each test
 * binary is one .c file plus the archives.
 */
#ifndef SMC_TEST_H
#define SMC_TEST_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tests/support/sm_test.h"
#include "../../tests/support/sm_http.h"
#include "stagemock/client.h"
#include "stagemock/parquet_format.h"
#include "stagemock/scenario.h"

struct fx {
    struct sm_server *srv;
    struct smc_client *c;
    char dir[64];
    uint8_t *pq; /* a valid parquet file */
    size_t pq_len;
};

static inline void fx_path(const struct fx *f, const char *name, char *out, size_t size)
{
    (void)snprintf(out, size, "%s/%s", f->dir, name);
}

static inline void fx_write(const struct fx *f, const char *name, const void *data, size_t len)
{
    char p[512];
    fx_path(f, name, p, sizeof p);
    FILE *fp = fopen(p, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static inline bool fx_exists(const struct fx *f, const char *name)
{
    char p[512];
    struct stat st;
    fx_path(f, name, p, sizeof p);
    return stat(p, &st) == 0;
}

static inline struct smc_client *fx_client(const char *url, const char *key)
{
    struct smc_options o;
    smc_options_init(&o);
    o.url = url;
    o.key = key;
    o.stall_timeout_s = 1;
    o.connect_timeout_s = 2;
    o.backoff_ms = 10;
    o.max_retry_wait_ms = 1500;
    struct smc_client *c = NULL;
    struct smc_error e;
    assert_int_equal(smc_client_new(&o, &c, &e), SMC_OK);
    return c;
}

static inline int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    (void)snprintf(f->dir, sizeof f->dir, "/tmp/smc-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->srv = sm_test_server_start(NULL);
    assert_non_null(f->srv);
    f->c = fx_client(sm_server_url(f->srv), "k1");
    f->pq = sm_test_parquet(SM_PQ_SNAPPY, 0, 1, &f->pq_len);
    assert_non_null(f->pq);
    *state = f;
    return 0;
}

static inline int fx_teardown(void **state)
{
    struct fx *f = *state;
    smc_client_free(f->c);
    sm_server_free(f->srv);
    free(f->pq);
    char cmd[128];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Journal entries for path (NULL: all). */
static inline int journal_count(struct sm_server *srv, const char *path)
{
    char *j = sm_server_journal_json(srv);
    cJSON *doc = cJSON_Parse(j);
    sm_free(j);
    const cJSON *e = NULL;
    int n = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "entries"))
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");
        if (path == NULL || (cJSON_IsString(p) && strcmp(p->valuestring, path) == 0)) {
            n++;
        }
    }
    cJSON_Delete(doc);
    return n;
}

/* journal_count once it reaches want, or after 2 s (a request whose
 * connection was reset is journaled when the server releases it, which may
 * come a moment after the client has moved on). */
static inline int journal_wait(struct sm_server *srv, const char *path, int want)
{
    int n = journal_count(srv, path);
    for (int i = 0; i < 100 && n < want; i++) {
        (void)usleep(20000);
        n = journal_count(srv, path);
    }
    return n;
}

/* journal_count after closing the client's connections and stopping the
 * server, which finishes every request in flight first: the exact count, for
 * the end of a test. */
static inline int journal_final(struct fx *f, const char *path)
{
    smc_client_free(f->c);
    f->c = NULL;
    sm_server_stop(f->srv);
    return journal_count(f->srv, path);
}

static inline void fault(struct fx *f, const char *spec)
{
    struct sm_error e;
    if (sm_server_add_fault(f->srv, spec, &e) != SM_OK) {
        fail_msg("fault '%s': %s", spec, e.message);
    }
}

static inline size_t stage_count(struct fx *f, const char *stage)
{
    struct sm_file_list l;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(f->srv, stage, &l, &e), SM_OK);
    size_t n = l.n;
    sm_file_list_cleanup(&l);
    return n;
}

#endif
