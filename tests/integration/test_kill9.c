/*
 * test_kill9.c - durability of `stagemock serve --data-dir`: 50 times, start
 * the real program, upload files in a loop into three stages (every 7th
 * file over 1 MiB, so both the inline log records and the separate data
 * files are killed mid-write), kill -9 it at a random moment, restart it and
 * check that every acknowledged upload is there, in its stage, in order and
 * byte-identical, that nothing partial is listed, and that nothing partial
 * is left on disk (the stage directories hold their log and exactly one
 * data file per listed large file). An upload that was committed but whose
 * answer the kill swallowed may appear (at most one per kill, after the
 * acknowledged ones, complete); anything else is a failure.
 * The loop is bounded (50 kills, a few hundred uploads at most) and every
 * network call goes to 127.0.0.1.
 */
#include "../support/sm_test.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../support/sm_http.h"

#define KILLS     50
#define POOL      5 /* four small files and, last, one over 1 MiB */
#define BIG       (POOL - 1)
#define STAGES    3
#define MAX_FILES 4000

static const char *const stage_names[STAGES] = {"s1", "s2", "s3"};

struct sent {
    char name[48];
    int pool;  /* which source file */
    int stage; /* which stage */
};

struct world {
    const char *bin;
    char dir[64];
    uint8_t *pool[POOL];
    size_t pool_len[POOL];
    struct sent acked[MAX_FILES];
    size_t n_acked;
    unsigned next_name;
    unsigned big_acked;
};

/* File number n: its name, source and stage. */
static struct sent sent_of(unsigned n)
{
    struct sent s;
    (void)snprintf(s.name, sizeof s.name, "f-%05u.parquet", n);
    s.pool = n % 7 == 0 ? BIG : (int)(n % 4);
    s.stage = (int)(n % STAGES);
    return s;
}

struct server_proc {
    pid_t pid;
    char url[128];
};

static bool start_server(struct world *w, struct server_proc *sp)
{
    int fds[2];
    if (pipe(fds) != 0) {
        return false;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(w->bin, w->bin, "serve", "--port", "0", "--stage", "s1", "--stage", "s2", "--stage",
              "s3", "--key", "k", "--data-dir", w->dir, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *out = fdopen(fds[0], "r");
    char line[256];
    bool ok = false;
    if (out != NULL && fgets(line, sizeof line, out) != NULL) {
        const char *at = strstr(line, "http://");
        if (at != NULL) {
            (void)snprintf(sp->url, sizeof sp->url, "%.*s", (int)strcspn(at, "\r\n"), at);
            ok = true;
        }
    }
    if (out != NULL) {
        fclose(out); /* the server writes nothing more unless logging */
    }
    sp->pid = pid;
    return ok;
}

static void kill9(struct server_proc *sp)
{
    kill(sp->pid, SIGKILL);
    int st;
    waitpid(sp->pid, &st, 0);
}

struct loop {
    struct world *w;
    const char *url;
    int stop; /* set by the main thread, read by the uploader: atomic */
};

static void *upload_loop(void *cls)
{
    struct loop *l = cls;
    struct world *w = l->w;
    for (int i = 0;
         i < 200 && !__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE) && w->n_acked < MAX_FILES; i++) {
        struct sent s = sent_of(w->next_name++);
        struct sm_resp r;
        sm_http_upload(l->url, "k", stage_names[s.stage], s.name, w->pool[s.pool],
                       w->pool_len[s.pool], &r);
        long status = r.status;
        sm_resp_cleanup(&r);
        if (status != 200) {
            break; /* killed (or refused): stop this round */
        }
        w->acked[w->n_acked] = s;
        w->big_acked += s.pool == BIG;
        __atomic_store_n(&w->n_acked, w->n_acked + 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

static cJSON *list_files(const char *url, int stage)
{
    char body[64];
    (void)snprintf(body, sizeof body, "stage_id=%s", stage_names[stage]);
    struct sm_resp r;
    sm_http_request(url, NULL, "/list-stage-files", "k", NULL, body, &r);
    cJSON *j = r.status == 200 ? cJSON_Parse(r.body) : NULL;
    sm_resp_cleanup(&r);
    return j;
}

static bool download_equals(const char *url, int stage, const char *name, const uint8_t *want,
                            size_t len)
{
    char body[128];
    (void)snprintf(body, sizeof body, "stage_id=%s&file_name=%s", stage_names[stage], name);
    struct sm_resp r;
    sm_http_request(url, NULL, "/download-from-stage", "k", NULL, body, &r);
    bool ok = r.status == 200 && r.len == len && memcmp(r.body, want, len) == 0;
    sm_resp_cleanup(&r);
    return ok;
}

/* Check each stage against what was acknowledged; count problems. A file
 * listed after the acknowledged ones (committed, answer lost) goes to
 * *extra (at most one is expected per kill). */
static int verify(struct world *w, const char *url, size_t from, size_t *extras, struct sent *extra,
                  unsigned *big_listed)
{
    int problems = 0;
    *extras = 0;
    *big_listed = 0;
    for (int stage = 0; stage < STAGES; stage++) {
        cJSON *j = list_files(url, stage);
        const cJSON *files = cJSON_GetObjectItemCaseSensitive(j, "files");
        if (!cJSON_IsArray(files)) {
            fprintf(stderr, "cannot list stage %s\n", stage_names[stage]);
            problems++;
        }
        size_t n = (size_t)cJSON_GetArraySize(files);
        size_t k = 0; /* index into acked */
        size_t want = 0;
        for (size_t a = 0; a < w->n_acked; a++) {
            want += w->acked[a].stage == stage;
        }
        for (size_t i = 0; i < n; i++) {
            const char *name =
                cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(files, (int)i), "name")
                    ->valuestring;
            while (k < w->n_acked && w->acked[k].stage != stage) {
                k++;
            }
            if (k < w->n_acked && strcmp(name, w->acked[k].name) == 0) {
                const struct sent *s = &w->acked[k];
                *big_listed += s->pool == BIG;
                if (k >= from &&
                    !download_equals(url, stage, name, w->pool[s->pool], w->pool_len[s->pool])) {
                    fprintf(stderr, "changed: %s\n", name);
                    problems++;
                }
                k++;
                want--;
                continue;
            }
            /* committed, answer lost: must be the next file, complete */
            unsigned num = (unsigned)strtoul(name + 2, NULL, 10);
            struct sent s = sent_of(num);
            if (num + 1 != w->next_name || strcmp(s.name, name) != 0 || s.stage != stage ||
                !download_equals(url, stage, name, w->pool[s.pool], w->pool_len[s.pool])) {
                fprintf(stderr, "partial, foreign or misplaced file: %s in %s\n", name,
                        stage_names[stage]);
                problems++;
            }
            *big_listed += s.pool == BIG;
            *extra = s;
            (*extras)++;
        }
        if (want != 0) {
            fprintf(stderr, "lost: %zu acknowledged files of stage %s missing or out of order\n",
                    want, stage_names[stage]);
            problems++;
        }
        cJSON_Delete(j);
    }
    return problems;
}

/* Files left in the stage directories besides each stage's log: only the
 * data files of listed large files may be there (a temp file or the data
 * file of an upload that never committed is partial). */
static int partial_files(const struct world *w, unsigned big_listed)
{
    char root[128];
    (void)snprintf(root, sizeof root, "%s/stages", w->dir);
    DIR *d = opendir(root);
    if (d == NULL) {
        return 1;
    }
    unsigned data = 0, other = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char sub[512];
        (void)snprintf(sub, sizeof sub, "%s/%s", root, de->d_name);
        DIR *s = opendir(sub);
        struct dirent *f;
        while (s != NULL && (f = readdir(s)) != NULL) {
            const char *n = f->d_name;
            if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || strcmp(n, "log") == 0) {
                continue;
            }
            bool is_data = n[0] == 'e' && strstr(n, ".parquet") != NULL;
            data += is_data;
            other += !is_data;
            if (!is_data) {
                fprintf(stderr, "left on disk: %s/%s\n", sub, n);
            }
        }
        if (s != NULL) {
            closedir(s);
        }
    }
    closedir(d);
    if (data != big_listed) {
        fprintf(stderr, "%u data files on disk for %u listed large files\n", data, big_listed);
    }
    return (int)other + (data != big_listed);
}

static void kill9_loses_no_acknowledged_upload(void **state)
{
    (void)state;
    static struct world w;
    char bin[4096];
    (void)snprintf(bin, sizeof bin, "%s/%s/stagemock", sm_test_top_dir(), sm_test_build_dir());
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "no %s\n", bin);
        fail();
    }
    w.bin = bin;
    (void)snprintf(w.dir, sizeof w.dir, "/tmp/sm-kill9-XXXXXX");
    assert_non_null(mkdtemp(w.dir));
    for (int p = 0; p < POOL; p++) {
        w.pool[p] = p == BIG ? sm_test_parquet_rows(0, 0, 77, 60000, &w.pool_len[p])
                             : sm_test_parquet(1, 0, (unsigned)p * 31u, &w.pool_len[p]);
        assert_non_null(w.pool[p]);
    }
    assert_true(w.pool_len[BIG] > (1u << 20));
    srand((unsigned)time(NULL));
    int problems = 0, kills = 0;
    size_t extras_total = 0;
    unsigned big_listed = 0;
    for (int round = 0; round < KILLS; round++) {
        struct server_proc sp;
        assert_true(start_server(&w, &sp));
        size_t before = w.n_acked;
        struct loop l = {.w = &w, .url = sp.url};
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, upload_loop, &l), 0);
        /* let the round make progress first (bounded: 5 s), so that a loaded
         * machine still kills mid-stream rather than mid-start */
        struct timespec tick = {0, 10 * 1000000L};
        for (int t = 0; t < 500 && __atomic_load_n(&w.n_acked, __ATOMIC_ACQUIRE) == before; t++) {
            nanosleep(&tick, NULL);
        }
        struct timespec ts = {0, (long)(rand() % 30) * 1000000L};
        nanosleep(&ts, NULL);
        kill9(&sp);
        kills++;
        __atomic_store_n(&l.stop, 1, __ATOMIC_RELEASE);
        pthread_join(th, NULL);
        /* restart and check: the acknowledged files of this round byte for
         * byte, and the disk holds nothing partial */
        assert_true(start_server(&w, &sp));
        size_t extras = 0;
        struct sent extra;
        problems += verify(&w, sp.url, before, &extras, &extra, &big_listed);
        problems += partial_files(&w, big_listed);
        extras_total += extras;
        if (extras > 1) {
            fprintf(stderr, "round %d: %zu unacknowledged files (at most 1 expected)\n", round,
                    extras);
            problems++;
        }
        kill9(&sp);
        if (extras == 1) { /* a lost answer: that file is in its stage from now on */
            w.acked[w.n_acked++] = extra;
            w.big_acked += extra.pool == BIG;
        }
        if (problems > 0) {
            break;
        }
    }
    /* last: a clean start shows everything, every byte */
    struct server_proc sp;
    assert_true(start_server(&w, &sp));
    size_t extras = 0;
    struct sent extra;
    problems += verify(&w, sp.url, 0, &extras, &extra, &big_listed);
    problems += extras != 0;
    int partial = partial_files(&w, big_listed);
    problems += partial;
    kill(sp.pid, SIGTERM);
    int st;
    waitpid(sp.pid, &st, 0);
    fprintf(stderr,
            "kill9: %d kills, %zu acknowledged uploads in %d stages (%u over 1 MiB), %zu answers "
            "lost after commit, %d partial files left, %d problems (lost, changed or partial)\n",
            kills, w.n_acked, STAGES, w.big_acked, extras_total, partial, problems);
    assert_int_equal(kills, KILLS);
    assert_true(w.n_acked > KILLS / 2); /* the loop really uploaded */
    assert_true(w.big_acked > 0);
    assert_int_equal(problems, 0);
    for (int p = 0; p < POOL; p++) {
        free(w.pool[p]);
    }
    char cmd[128];
    (void)snprintf(cmd, sizeof cmd, "rm -rf %s", w.dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kill9_loses_no_acknowledged_upload),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
