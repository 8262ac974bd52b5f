/*
 * test_hostile_parquet.c - parquet files built to cost the mock memory,
 * uploaded over loopback to an in-process server (issue 13, item 1): the
 * 1 MiB group name with 1000 children (refused by max_name_length, and
 * accepted with the limit raised: the stage keeps its names once, never a
 * path per element), a schema of 1e6 columns, a 24 MB snappy page that
 * expands to 512 MiB on a repeated column, a footer list of 4M empty
 * structs. Each is answered 400 parquet-only naming the limit, or 200, and
 * the process's RSS is measured: growth retained after the answer (after
 * malloc_trim, with a fixed mmap threshold, so freed heap is not counted)
 * and the peak while judging
 * (VmHWM, reset through /proc/self/clear_refs). The figures are printed;
 * the bounds asserted are generous (16 MiB retained for the long-name file
 * as the issue asks, 2 x size + 16 MiB plus curl's copy for peaks).
 */
#include "../support/sm_test.h"

#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../fixtures/gen/gen_int.h"
#include "../support/sm_http.h"
#include "stagemock/server.h"

#define MIB (1024.0 * 1024.0)

/* Under ASan freed memory sits in quarantine and every byte has a shadow:
 * RSS says nothing about the mock there, so only the answers are checked. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_MEANINGFUL false
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_MEANINGFUL false
#endif
#endif
#ifndef RSS_MEANINGFUL
#define RSS_MEANINGFUL true
#endif

/* A field of /proc/self/status in KiB ("VmRSS:", "VmHWM:"); -1 if absent. */
static long status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) {
        return -1;
    }
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, n) == 0) {
            v = strtol(line + n, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* Reset the peak (VmHWM) to the current RSS; false where the kernel says no. */
static bool reset_peak(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    bool ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok;
}

struct rss {
    double base, peak, retained; /* MiB: before, peak growth, growth kept */
    bool have_peak;
};

/* The bounds: retained growth under 16 MiB; peak growth (when the kernel
 * lets us reset VmHWM) under 2 x size + 16 MiB. */
static void assert_retained(const struct rss *m)
{
    if (RSS_MEANINGFUL) {
        assert_true(m->retained < 16.0);
    }
}

static void assert_peak(const struct rss *m, size_t size)
{
    if (RSS_MEANINGFUL && m->have_peak) {
        assert_true(m->peak < 2.0 * (double)size / MIB + 16.0);
    }
}

/* Upload b as name to s1 and expect status/rule; measure RSS around it. */
static struct rss upload_measured(struct sm_server *srv, const char *label, const char *name,
                                  const struct pqw_buf *b, long status, const char *rule,
                                  const char *words)
{
    struct rss m = {0};
    (void)malloc_trim(0);
    long base = status_kib("VmRSS:");
    m.have_peak = reset_peak();
    struct sm_resp r;
    sm_http_upload(sm_server_url(srv), "k1", "s1", name, b->p, b->len, &r);
    long hwm = status_kib("VmHWM:");
    if (r.status != status || (rule != NULL && strcmp(r.rule, rule) != 0) ||
        (words != NULL && (r.body == NULL || strstr(r.body, words) == NULL))) {
        fail_msg("%s: expected %ld %s '%s', got %ld %s %s", label, status, rule ? rule : "",
                 words ? words : "", r.status, r.rule, r.body ? r.body : "");
    }
    sm_resp_cleanup(&r);
    (void)malloc_trim(0);
    long after = status_kib("VmRSS:");
    m.base = (double)base / 1024.0;
    m.retained = (double)(after - base) / 1024.0;
    m.peak = m.have_peak ? (double)(hwm - base) / 1024.0 : -1;
    printf("hostile %-28s %6.1f MiB file: base %6.1f MiB, peak +%6.1f MiB%s, retained "
           "+%5.1f MiB\n",
           label, (double)b->len / MIB, m.base, m.peak, m.have_peak ? "" : " (no VmHWM reset)",
           m.retained);
    return m;
}

static struct sm_server *server(void)
{
    struct sm_server *srv = sm_test_server_start(NULL);
    assert_non_null(srv);
    return srv;
}

static void load(struct sm_server *srv, const char *json)
{
    struct sm_error e;
    if (sm_server_load_profile(srv, json, strlen(json), &e) != SM_OK) {
        fail_msg("profile: %s", e.message);
    }
}

static void long_path_file_costs_little_and_keeps_less(void **state)
{
    (void)state;
    struct pqw_buf b, twin;
    pqw_buf_init(&b);
    pqw_buf_init(&twin);
    gen_long_name_file(&b, 1u << 20, 1000);
    gen_long_name_file(&twin, 1u << 20, 999); /* one column fewer: another schema */
    assert_true(pqw_buf_ok(&b) && pqw_buf_ok(&twin));
    struct sm_server *srv = server();
    struct rss m = upload_measured(srv, "long path (default limits)", "long.parquet", &b, 400,
                                   "parquet-only", "(max_name_length)");
    assert_retained(&m);
    load(srv, "{\"limits\": {\"max_name_length\": 2097152}}");
    m = upload_measured(srv, "long path (limit raised)", "long.parquet", &b, 200, NULL, NULL);
    /* the stage keeps the file (1 MiB in memory) and its schema (names once) */
    assert_retained(&m);
    assert_peak(&m, b.len);
    m = upload_measured(srv, "long path, other schema", "twin.parquet", &twin, 400, "same-schema",
                        "...");
    assert_retained(&m);
    sm_server_free(srv);
    pqw_buf_cleanup(&b);
    pqw_buf_cleanup(&twin);
}

static void million_columns_refused_before_they_cost(void **state)
{
    (void)state;
    struct pqw_buf b;
    pqw_buf_init(&b);
    gen_many_columns_file(&b, 1000000);
    assert_true(pqw_buf_ok(&b));
    struct sm_server *srv = server();
    struct rss m = upload_measured(srv, "1e6 columns", "wide.parquet", &b, 400, "parquet-only",
                                   "schema has 1000001 elements");
    assert_retained(&m);
    for (int i = 0; i < 3; i++) {
        m = upload_measured(srv, "1e6 columns again", "wide.parquet", &b, 400, "parquet-only",
                            "schema has 1000001 elements");
        assert_retained(&m); /* refusals keep nothing, however often */
    }
    assert_peak(&m, b.len);
    sm_server_free(srv);
    pqw_buf_cleanup(&b);
}

static void expanding_page_judged_in_bounded_memory(void **state)
{
    (void)state;
    struct pqw_buf b;
    pqw_buf_init(&b);
    gen_expanding_page_file(&b, 512u << 20);
    assert_true(pqw_buf_ok(&b));
    struct sm_server *srv = server();
    struct rss m =
        upload_measured(srv, "expanding page (512 MiB)", "big.parquet", &b, 200, NULL, NULL);
    assert_peak(&m, b.len);
    load(srv, "{\"limits\": {\"max_page_uncompressed\": 268435456}}");
    m = upload_measured(srv, "expanding page over limit", "big2.parquet", &b, 400, "parquet-only",
                        "(max_page_uncompressed)");
    assert_retained(&m);
    sm_server_free(srv);
    pqw_buf_cleanup(&b);
}

static void empty_structs_footer_is_the_clients_fault(void **state)
{
    (void)state;
    struct pqw_buf b;
    pqw_buf_init(&b);
    gen_empty_structs_file(&b, 4u << 20);
    assert_true(pqw_buf_ok(&b));
    struct sm_server *srv = server();
    struct rss m = upload_measured(srv, "4M empty structs", "structs.parquet", &b, 400,
                                   "parquet-only", "16 MiB");
    assert_retained(&m);
    assert_peak(&m, b.len);
    sm_server_free(srv);
    pqw_buf_cleanup(&b);
}

int main(void)
{
    /* A fixed mmap threshold: glibc otherwise raises it after the first big
     * free, and then keeps freed 13 MiB buffers in its arenas; retained RSS
     * should measure what the mock keeps, not malloc's caching policy. */
    (void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_path_file_costs_little_and_keeps_less),
        cmocka_unit_test(million_columns_refused_before_they_cost),
        cmocka_unit_test(expanding_page_judged_in_bounded_memory),
        cmocka_unit_test(empty_structs_footer_is_the_clients_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
