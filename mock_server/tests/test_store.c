/*
 * test_store.c - the data dir's append-only stage log (store.c), through the
 * embedding API: what a restart finds after a torn append (the log cut at
 * every byte of its last record), after damage that is not a torn tail,
 * with leftover files, with an old-format dir, after a reset, and after
 * concurrent commits that shared group fdatasyncs. fdatasync is wrapped
 * (module.mk: -Wl,--wrap=fdatasync) to count the calls, slow them down so
 * that commits pile up behind one, and fail them.
 */
#include "../../tests/support/sm_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "../../tests/support/sm_http.h"

/* the fdatasync seam: a test's knobs (read by the server's threads) */
static int sync_calls, sync_delay_ms, sync_fail;

int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);
int __wrap_fdatasync(int fd)
{
    __atomic_add_fetch(&sync_calls, 1, __ATOMIC_RELAXED);
    int delay = __atomic_load_n(&sync_delay_ms, __ATOMIC_RELAXED);
    if (delay > 0) {
        struct timespec ts = {0, (long)delay * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (__atomic_load_n(&sync_fail, __ATOMIC_RELAXED)) {
        errno = EIO;
        return -1;
    }
    return __real_fdatasync(fd);
}

struct fixture {
    char dir[64];
    char stage_dir[512];
};

static struct sm_server *open_dir(const char *dir, struct sm_error *e)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.data_dir = dir;
    struct sm_server *srv = NULL;
    if (sm_server_new(&cfg, &srv, e) != SM_OK) {
        return NULL;
    }
    if (sm_server_add_stage(srv, "s1", e) != SM_OK) {
        sm_server_free(srv);
        return NULL;
    }
    return srv;
}

/* A fresh data dir in fx->dir (removed by the test). */
static void make_dir(struct fixture *fx)
{
    (void)snprintf(fx->dir, sizeof fx->dir, "/tmp/sm-store-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
}

/* A running server (stage s1, key k1) over data dir dir. */
static struct sm_server *serve_dir(const char *dir)
{
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.data_dir = dir;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    return srv;
}

/* The one stage directory under DIR/stages. */
static void find_stage_dir(struct fixture *fx)
{
    char root[128];
    (void)snprintf(root, sizeof root, "%s/stages", fx->dir);
    DIR *d = opendir(root);
    assert_non_null(d);
    struct dirent *de;
    fx->stage_dir[0] = '\0';
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.') {
            (void)snprintf(fx->stage_dir, sizeof fx->stage_dir, "%s/%s", root, de->d_name);
        }
    }
    closedir(d);
    assert_true(fx->stage_dir[0] != '\0');
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static void write_all(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
}

/* Names in dir other than "log". */
static int other_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
             strcmp(de->d_name, "log") != 0;
    }
    closedir(d);
    return n;
}

static void preload(struct sm_server *srv, const char *name, const uint8_t *data, size_t len)
{
    struct sm_error e;
    if (sm_server_preload(srv, "s1", name, data, len, &e) != SM_OK) {
        fprintf(stderr, "preload %s: %s\n", name, e.message);
        fail();
    }
}

/* The stage's files as "name:size:sha256;" in order. */
static char *listing(struct sm_server *srv)
{
    struct sm_file_list list;
    struct sm_error e;
    assert_int_equal(sm_server_get_files(srv, "s1", &list, &e), SM_OK);
    size_t cap = 64 + list.n * 1200, used = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    for (size_t i = 0; i < list.n; i++) {
        used += (size_t)snprintf(out + used, cap - used, "%s:%llu:%s;", list.files[i].name,
                                 (unsigned long long)list.files[i].size, list.files[i].sha256);
    }
    sm_file_list_cleanup(&list);
    return out;
}

/* Open dir (the server is not running): its listing is want. */
static void reopen_lists(const char *dir, const char *want)
{
    struct sm_error e;
    struct sm_server *srv = open_dir(dir, &e);
    assert_non_null(srv);
    char *got = listing(srv);
    assert_string_equal(got, want);
    free(got);
    sm_server_free(srv);
}

/* Free srv, open dir again: the same listing, n_files files in it. */
static void restart_lists_the_same(struct sm_server *srv, const char *dir, size_t n_files)
{
    char *want = listing(srv);
    sm_server_free(srv);
    struct sm_error e;
    srv = open_dir(dir, &e);
    assert_non_null(srv);
    char *got = listing(srv);
    assert_string_equal(got, want);
    size_t n = 0;
    for (const char *p = got; (p = strchr(p, ';')) != NULL; p++) {
        n++;
    }
    assert_int_equal(n, n_files);
    free(got);
    free(want);
    sm_server_free(srv);
}

/* Three files: a large one (its own data file; a small one when !big), then
 * two small (inline). */
static void make_three(struct fixture *fx, bool big_first, char **after2, char **after3,
                       long *size2, long *size3)
{
    make_dir(fx);
    struct sm_error e;
    struct sm_server *srv = open_dir(fx->dir, &e);
    assert_non_null(srv);
    size_t lb, l1, l2;
    uint8_t *big = sm_test_parquet_rows(0, 0, 9, big_first ? 60000 : 100, &lb);
    uint8_t *a = sm_test_parquet(1, 0, 1, &l1);
    uint8_t *b = sm_test_parquet(1, 0, 2, &l2);
    assert_true(!big_first || lb > (1u << 20));
    preload(srv, "big.parquet", big, lb);
    preload(srv, "a.parquet", a, l1);
    find_stage_dir(fx);
    char log[600];
    (void)snprintf(log, sizeof log, "%s/log", fx->stage_dir);
    *size2 = file_size(log);
    *after2 = listing(srv);
    preload(srv, "b with ünïcode, \"quotes\" & spaces.parquet", b, l2);
    *size3 = file_size(log);
    *after3 = listing(srv);
    sm_server_free(srv);
    free(big);
    free(a);
    free(b);
}

static void torn_last_record_leaves_exactly_the_records_before_it(void **state)
{
    (void)state;
    struct fixture fx = {0};
    char *after2, *after3;
    long size2, size3;
    make_three(&fx, false, &after2, &after3, &size2, &size3); /* listing hashes every file */
    assert_true(size3 > size2 + 1000); /* the record holds the file's bytes */
    char log[600];
    (void)snprintf(log, sizeof log, "%s/log", fx.stage_dir);
    size_t len;
    uint8_t *whole = sm_test_read_file(log, &len);
    assert_non_null(whole);
    assert_int_equal(len, (size_t)size3);
    struct sm_error e;
    /* intact: all three */
    reopen_lists(fx.dir, after3);
    int checked = 0;
    for (long cut = size2; cut < size3; cut++) {
        write_all(log, whole, (size_t)cut);
        struct sm_server *srv = open_dir(fx.dir, &e);
        if (srv == NULL) {
            fprintf(stderr, "cut at %ld of %ld: %s\n", cut, size3, e.message);
            fail();
        }
        char *got = listing(srv);
        if (strcmp(got, after2) != 0) {
            fprintf(stderr, "cut at %ld: got %s\n", cut, got);
            fail();
        }
        free(got);
        sm_server_free(srv);
        assert_int_equal(file_size(log), size2); /* the torn tail is gone */
        checked++;
    }
    assert_int_equal(checked, size3 - size2);
    /* after a recovery the log takes new records where the old ones ended */
    write_all(log, whole, (size_t)(size2 + (size3 - size2) / 2));
    struct sm_server *srv = open_dir(fx.dir, &e);
    assert_non_null(srv);
    size_t lc;
    uint8_t *c = sm_test_parquet(1, 0, 3, &lc);
    preload(srv, "c.parquet", c, lc);
    char *want = listing(srv);
    assert_non_null(strstr(want, "c.parquet"));
    sm_server_free(srv);
    reopen_lists(fx.dir, want);
    free(want);
    free(c);
    free(whole);
    free(after2);
    free(after3);
    assert_int_equal(smx_tree_remove(fx.dir), 0);
}

static void damage_before_intact_records_refuses_to_load(void **state)
{
    (void)state;
    struct fixture fx = {0};
    char *after2, *after3;
    long size2, size3;
    make_three(&fx, true, &after2, &after3, &size2, &size3);
    char log[600];
    (void)snprintf(log, sizeof log, "%s/log", fx.stage_dir);
    size_t len;
    uint8_t *whole = sm_test_read_file(log, &len);
    assert_non_null(whole);
    whole[size2 - 10] ^= 0x40; /* inside the second record, the third still intact */
    write_all(log, whole, len);
    struct sm_error e;
    struct sm_server *srv = open_dir(fx.dir, &e);
    assert_null(srv);
    assert_non_null(strstr(e.message, "damaged record"));
    assert_int_equal(file_size(log), size3); /* nothing was cut */
    /* the same damage in the last record is a torn tail: two files */
    whole[size2 - 10] ^= 0x40;
    whole[size3 - 10] ^= 0x40;
    write_all(log, whole, len);
    reopen_lists(fx.dir, after2);
    free(whole);
    free(after2);
    free(after3);
    assert_int_equal(smx_tree_remove(fx.dir), 0);
}

/* A log that names one file twice was never written by a commit (the stage
 * refuses a repeated name): it refuses to load, naming the record. */
static void repeated_name_in_a_log_refuses_to_load(void **state)
{
    (void)state;
    struct fixture fx = {0};
    char *after2, *after3;
    long size2, size3;
    make_three(&fx, false, &after2, &after3, &size2, &size3);
    char log[600];
    (void)snprintf(log, sizeof log, "%s/log", fx.stage_dir);
    size_t len;
    uint8_t *whole = sm_test_read_file(log, &len);
    assert_non_null(whole);
    uint8_t *twice = malloc(len + (size_t)(size3 - size2));
    assert_non_null(twice);
    memcpy(twice, whole, len);
    memcpy(twice + len, whole + size2, (size_t)(size3 - size2)); /* the third record again */
    write_all(log, twice, len + (size_t)(size3 - size2));
    struct sm_error e;
    struct sm_server *srv = open_dir(fx.dir, &e);
    assert_null(srv);
    char want[64];
    (void)snprintf(want, sizeof want, "record at offset %ld repeats the file name", size3);
    if (strstr(e.message, want) == NULL) {
        fprintf(stderr, "got: %s\n", e.message);
        fail();
    }
    assert_int_equal(e.code, SM_E_IO);
    free(twice);
    free(whole);
    free(after2);
    free(after3);
    assert_int_equal(smx_tree_remove(fx.dir), 0);
}

/* Open descriptors of this process whose path starts with prefix. */
static int fds_under(const char *prefix)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char link[300], target[4096];
        (void)snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
        ssize_t got = readlink(link, target, sizeof target - 1);
        if (got > 0) {
            target[got] = '\0';
            n += strncmp(target, prefix, strlen(prefix)) == 0;
        }
    }
    closedir(d);
    return n;
}

/* A large file committed to a data dir is served from its data file, as it
 * is after a restart: the spool's temp file is closed at commit, not kept
 * (twice the disk) until a reset. */
static void large_commit_is_served_from_its_data_file(void **state)
{
    (void)state;
    char dir[64], tmp[64];
    (void)snprintf(dir, sizeof dir, "/tmp/sm-store-XXXXXX");
    (void)snprintf(tmp, sizeof tmp, "/tmp/sm-spool-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_non_null(mkdtemp(tmp));
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    cfg.data_dir = dir;
    cfg.tmp_dir = tmp;
    struct sm_server *srv = sm_test_server_start(&cfg);
    assert_non_null(srv);
    size_t lb;
    uint8_t *big = sm_test_parquet_rows(0, 0, 9, 60000, &lb);
    assert_true(lb > (1u << 20));
    struct sm_resp r;
    sm_http_upload(sm_server_url(srv), "k1", "s1", "big.parquet", big, lb, &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    preload(srv, "big2.parquet", big, lb);
    char stages[128];
    (void)snprintf(stages, sizeof stages, "%s/stages/", dir);
    assert_int_equal(fds_under(tmp), 0);    /* no temp file held */
    assert_int_equal(fds_under(stages), 3); /* the log and two data files... */
    sm_http_request(sm_server_url(srv), NULL, "/download-from-stage", "k1",
                    "application/x-www-form-urlencoded", "stage_id=s1&file_name=big.parquet", &r);
    assert_int_equal(r.status, 200); /* ...which serve the bytes */
    assert_int_equal(r.len, lb);
    assert_memory_equal(r.body, big, lb);
    sm_resp_cleanup(&r);
    sm_server_free(srv);
    free(big);
    assert_int_equal(smx_tree_remove(dir), 0);
    assert_int_equal(smx_tree_remove(tmp), 0);
}

static void leftover_files_are_removed_and_stored_ones_kept(void **state)
{
    (void)state;
    struct fixture fx = {0};
    char *after2, *after3;
    long size2, size3;
    make_three(&fx, true, &after2, &after3, &size2, &size3);
    assert_int_equal(other_files(fx.stage_dir), 1); /* the large file's data file */
    char p[1024];
    (void)snprintf(p, sizeof p, "%s/.tmp-e00000000000000ff.parquet", fx.stage_dir);
    write_all(p, (const uint8_t *)"half", 4);
    (void)snprintf(p, sizeof p, "%s/e00000000000000fe.parquet", fx.stage_dir);
    write_all(p, (const uint8_t *)"never committed", 15);
    (void)snprintf(p, sizeof p, "%s/log.tmp", fx.stage_dir);
    write_all(p, (const uint8_t *)"SMLOG", 5);
    assert_int_equal(other_files(fx.stage_dir), 4);
    struct sm_error e;
    struct sm_server *srv = open_dir(fx.dir, &e);
    assert_non_null(srv);
    char *got = listing(srv);
    assert_string_equal(got, after3);
    free(got);
    assert_int_equal(other_files(fx.stage_dir), 1);
    /* a new large file gets a data file of its own beside the stored one */
    size_t lb;
    uint8_t *big = sm_test_parquet_rows(0, 0, 10, 60000, &lb);
    preload(srv, "big2.parquet", big, lb);
    assert_int_equal(other_files(fx.stage_dir), 2);
    sm_server_free(srv);
    /* a stored data file gone missing is an error naming it, not a silent loss */
    DIR *d = opendir(fx.stage_dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == 'e') {
            (void)snprintf(p, sizeof p, "%s/%s", fx.stage_dir, de->d_name);
        }
    }
    closedir(d);
    assert_int_equal(unlink(p), 0);
    srv = open_dir(fx.dir, &e);
    assert_null(srv);
    assert_non_null(strstr(e.message, "missing stored file"));
    free(big);
    free(after2);
    free(after3);
    assert_int_equal(smx_tree_remove(fx.dir), 0);
}

static void old_index_json_dir_is_refused_with_a_reason(void **state)
{
    (void)state;
    struct fixture fx = {0};
    make_dir(&fx);
    char p[1024];
    (void)snprintf(p, sizeof p, "%s/stages", fx.dir);
    assert_int_equal(mkdir(p, 0700), 0);
    (void)snprintf(p, sizeof p, "%s/stages/abc", fx.dir);
    assert_int_equal(mkdir(p, 0700), 0);
    (void)snprintf(p, sizeof p, "%s/stages/abc/index.json", fx.dir);
    write_all(p, (const uint8_t *)"{\"stage\":\"s1\",\"files\":[]}", 25);
    struct sm_error e;
    struct sm_server *srv = open_dir(fx.dir, &e);
    assert_null(srv);
    assert_non_null(strstr(e.message, "old format"));
    assert_non_null(strstr(e.message, "index.json"));
    assert_int_equal(file_size(p), 25); /* left alone */
    assert_int_equal(smx_tree_remove(fx.dir), 0);
}

static void reset_empties_the_log_and_removes_data_files(void **state)
{
    (void)state;
    struct fixture fx = {0};
    char *after2, *after3;
    long size2, size3;
    make_three(&fx, true, &after2, &after3, &size2, &size3);
    struct sm_error e;
    struct sm_server *srv = open_dir(fx.dir, &e);
    assert_non_null(srv);
    sm_server_reset(srv);
    assert_int_equal(other_files(fx.stage_dir), 0);
    size_t la;
    uint8_t *a = sm_test_parquet(1, 2, 5, &la); /* another schema: the reset forgot the old */
    preload(srv, "after-reset.parquet", a, la);
    char *want = listing(srv);
    sm_server_free(srv);
    srv = open_dir(fx.dir, &e);
    assert_non_null(srv);
    char *got = listing(srv);
    assert_string_equal(got, want);
    assert_null(strstr(got, "big.parquet"));
    free(got);
    free(want);
    sm_server_free(srv);
    free(a);
    free(after2);
    free(after3);
    assert_int_equal(smx_tree_remove(fx.dir), 0);
}

struct racer {
    struct sm_server *srv;
    int id;
    const uint8_t *data;
    size_t len;
    int failures;
};

static void *race(void *cls)
{
    struct racer *r = cls;
    for (int i = 0; i < 40; i++) {
        char name[64];
        (void)snprintf(name, sizeof name, "t%d-%02d.parquet", r->id, i);
        struct sm_error e;
        r->failures += sm_server_preload(r->srv, "s1", name, r->data, r->len, &e) != SM_OK;
    }
    return NULL;
}

static void concurrent_commits_all_survive_in_commit_order(void **state)
{
    (void)state;
    struct fixture fx = {0};
    make_dir(&fx);
    struct sm_error e;
    struct sm_server *srv = open_dir(fx.dir, &e);
    assert_non_null(srv);
    size_t len;
    uint8_t *data = sm_test_parquet(1, 0, 4, &len);
    struct racer rs[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        rs[i] = (struct racer){.srv = srv, .id = i, .data = data, .len = len};
        assert_int_equal(pthread_create(&th[i], NULL, race, &rs[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].failures, 0);
    }
    restart_lists_the_same(srv, fx.dir, 8 * 40);
    free(data);
    assert_int_equal(smx_tree_remove(fx.dir), 0);
}

struct http_racer {
    const char *url;
    int id;
    const uint8_t *data;
    size_t len;
    int failures;
    const int *stopping; /* upload_until_refused: stop starting uploads */
};

static void *http_race(void *cls)
{
    struct http_racer *r = cls;
    for (int i = 0; i < 20; i++) {
        char name[64];
        (void)snprintf(name, sizeof name, "h%d-%02d.parquet", r->id, i);
        struct sm_resp resp;
        sm_http_upload(r->url, "k1", "s1", name, r->data, r->len, &resp);
        r->failures += resp.status != 200;
        sm_resp_cleanup(&resp);
    }
    return NULL;
}

/* Eight clients upload 20 files each over HTTP; every one answered 200. */
static void http_race_all(struct sm_server *srv, const uint8_t *data, size_t len)
{
    struct http_racer rs[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        rs[i] = (struct http_racer){.url = sm_server_url(srv), .id = i, .data = data, .len = len};
        assert_int_equal(pthread_create(&th[i], NULL, http_race, &rs[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].failures, 0);
    }
}

/* HTTP uploads wait for their fdatasync with the connection suspended (two
 * MHD threads serve all of them); every one is answered, and stored. */
static void http_uploads_in_parallel_are_durable_when_answered(void **state)
{
    (void)state;
    struct fixture fx = {0};
    make_dir(&fx);
    struct sm_server *srv = serve_dir(fx.dir);
    size_t len;
    uint8_t *data = sm_test_parquet(1, 0, 6, &len);
    http_race_all(srv, data, len);
    restart_lists_the_same(srv, fx.dir, 8 * 20);
    free(data);
    assert_int_equal(smx_tree_remove(fx.dir), 0);
}

/* Upload over one keep-alive connection until it fails (2 s socket
 * timeouts: a connection queued on a stopped listener gives up). */
static void *upload_until_refused(void *cls)
{
    struct http_racer *r = cls;
    const char *port = strrchr(r->url, ':');
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)strtol(port + 1, NULL, 10))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {2, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return NULL;
    }
    for (int i = 0; i < 500 && !__atomic_load_n(r->stopping, __ATOMIC_ACQUIRE); i++) {
        char pre[512], head[256], resp[2048];
        int pl =
            snprintf(pre, sizeof pre,
                     "--smtestB\r\nContent-Disposition: form-data; name=\"stage_id\"\r\n\r\ns1\r\n"
                     "--smtestB\r\nContent-Disposition: form-data; name=\"file\"; "
                     "filename=\"x%d-%03d.parquet\"\r\n\r\n",
                     r->id, i);
        static const char tail[] = "\r\n--smtestB--\r\n";
        int hl = snprintf(head, sizeof head,
                          "POST /upload-to-stage HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Authorization: Key k1\r\nContent-Type: multipart/form-data; "
                          "boundary=smtestB\r\nContent-Length: %zu\r\n\r\n",
                          (size_t)pl + r->len + sizeof tail - 1);
        if (write(fd, head, (size_t)hl) != hl || write(fd, pre, (size_t)pl) != pl ||
            write(fd, r->data, r->len) != (ssize_t)r->len ||
            write(fd, tail, sizeof tail - 1) != (ssize_t)(sizeof tail - 1)) {
            break;
        }
        ssize_t got = read(fd, resp, sizeof resp - 1); /* the short answer comes in one read */
        if (got <= 0) {
            break;
        }
        resp[got] = '\0';
        if (strncmp(resp, "HTTP/1.1 200", 12) != 0) {
            break;
        }
        r->failures--; /* counts answered uploads (negative) */
    }
    close(fd);
    return NULL;
}

/* Stopping while uploads wait for their fdatasync: they are answered (or
 * refused at the socket) and the stop neither hangs nor crashes. */
static void stop_while_uploads_wait_is_clean(void **state)
{
    (void)state;
    struct fixture fx = {0};
    make_dir(&fx);
    struct sm_server *srv = serve_dir(fx.dir);
    size_t len;
    uint8_t *data = sm_test_parquet(1, 0, 7, &len);
    struct http_racer rs[4];
    pthread_t th[4];
    int stopping = 0;
    for (int i = 0; i < 4; i++) {
        rs[i] = (struct http_racer){
            .url = sm_server_url(srv), .id = i, .data = data, .len = len, .stopping = &stopping};
        assert_int_equal(pthread_create(&th[i], NULL, upload_until_refused, &rs[i]), 0);
    }
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    __atomic_store_n(&stopping, 1, __ATOMIC_RELEASE); /* uploads in flight finish meanwhile */
    sm_server_stop(srv);
    int answered = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        answered -= rs[i].failures;
    }
    sm_server_free(srv);
    /* every answered upload is stored (and maybe one more per connection) */
    struct sm_error e;
    srv = open_dir(fx.dir, &e);
    assert_non_null(srv);
    struct sm_file_list list;
    assert_int_equal(sm_server_get_files(srv, "s1", &list, &e), SM_OK);
    assert_true(answered > 0);
    assert_true(list.n >= (size_t)answered && list.n <= (size_t)answered + 4);
    sm_file_list_cleanup(&list);
    sm_server_free(srv);
    free(data);
    assert_int_equal(smx_tree_remove(fx.dir), 0);
}

/* 160 uploads from 8 clients while each fdatasync takes 20 ms: they share
 * the syncs (a sync per upload would take over 3 s), and all are stored. */
static void concurrent_uploads_share_fdatasyncs(void **state)
{
    (void)state;
    struct fixture fx = {0};
    make_dir(&fx);
    struct sm_server *srv = serve_dir(fx.dir);
    size_t len;
    uint8_t *data = sm_test_parquet(1, 0, 8, &len);
    __atomic_store_n(&sync_calls, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&sync_delay_ms, 20, __ATOMIC_RELAXED);
    http_race_all(srv, data, len);
    int calls = __atomic_load_n(&sync_calls, __ATOMIC_RELAXED);
    __atomic_store_n(&sync_delay_ms, 0, __ATOMIC_RELAXED);
    fprintf(stderr, "160 uploads, %d fdatasync calls\n", calls);
    assert_true(calls >= 1);
    assert_true(calls <= 160 / 2);
    sm_server_free(srv);
    free(data);
    assert_int_equal(smx_tree_remove(fx.dir), 0);
}

/* A failed fdatasync: the upload waiting on it is not acknowledged (500),
 * and the log takes no more commits until a restart. */
static void failed_fdatasync_is_not_acknowledged(void **state)
{
    (void)state;
    struct fixture fx = {0};
    make_dir(&fx);
    struct sm_server *srv = serve_dir(fx.dir);
    size_t len;
    uint8_t *data = sm_test_parquet(1, 0, 9, &len);
    struct sm_resp r;
    sm_http_upload(sm_server_url(srv), "k1", "s1", "ok.parquet", data, len, &r);
    assert_int_equal(r.status, 200);
    sm_resp_cleanup(&r);
    __atomic_store_n(&sync_fail, 1, __ATOMIC_RELAXED);
    sm_http_upload(sm_server_url(srv), "k1", "s1", "lost.parquet", data, len, &r);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body, "cannot sync"));
    sm_resp_cleanup(&r);
    __atomic_store_n(&sync_fail, 0, __ATOMIC_RELAXED);
    sm_http_upload(sm_server_url(srv), "k1", "s1", "after.parquet", data, len, &r);
    assert_int_equal(r.status, 500); /* what reached the disk is unknown: restart */
    assert_non_null(strstr(r.body, "unusable"));
    sm_resp_cleanup(&r);
    struct sm_error e;
    assert_int_not_equal(sm_server_preload(srv, "s1", "pre.parquet", data, len, &e), SM_OK);
    sm_server_free(srv);
    srv = open_dir(fx.dir, &e); /* a restart takes commits again */
    assert_non_null(srv);
    preload(srv, "after-restart.parquet", data, len);
    char *got = listing(srv);
    assert_non_null(strstr(got, "ok.parquet"));
    assert_non_null(strstr(got, "after-restart.parquet"));
    free(got);
    sm_server_free(srv);
    free(data);
    assert_int_equal(smx_tree_remove(fx.dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(torn_last_record_leaves_exactly_the_records_before_it),
        cmocka_unit_test(damage_before_intact_records_refuses_to_load),
        cmocka_unit_test(repeated_name_in_a_log_refuses_to_load),
        cmocka_unit_test(large_commit_is_served_from_its_data_file),
        cmocka_unit_test(leftover_files_are_removed_and_stored_ones_kept),
        cmocka_unit_test(old_index_json_dir_is_refused_with_a_reason),
        cmocka_unit_test(reset_empties_the_log_and_removes_data_files),
        cmocka_unit_test(concurrent_commits_all_survive_in_commit_order),
        cmocka_unit_test(http_uploads_in_parallel_are_durable_when_answered),
        cmocka_unit_test(stop_while_uploads_wait_is_clean),
        cmocka_unit_test(concurrent_uploads_share_fdatasyncs),
        cmocka_unit_test(failed_fdatasync_is_not_acknowledged),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
