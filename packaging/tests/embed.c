/*
 * embed.c - what a user's C test does with an installed stagemock, built by
 * packaging/tests/install_test.sh with nothing but
 * `pkg-config --cflags --libs stagemock`.
 *
 *   embed FILE.parquet
 *
 * Starts a server on port 0, uploads FILE with libstagemock-client, checks
 * that the stage holds it with the same size and that the journal recorded a
 * 200, then stops the server. Prints "embed: ok VERSION URL FILE_ID" and
 * exits 0; anything else exits 1 with the reason. Also checks that the
 * headers' SM_VERSION is the version both libraries report.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <stagemock/client.h>
#include <stagemock/server.h>

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "embed: %s: %s\n", what, why);
    return 1;
}

static int upload(const char *url, const char *path, char **file_id)
{
    struct smc_options opt;
    smc_options_init(&opt);
    opt.url = url;
    opt.key = "k1";
    struct smc_client *c = NULL;
    struct smc_error ce;
    if (smc_client_new(&opt, &c, &ce) != SMC_OK) {
        return fail("smc_client_new", ce.message);
    }
    enum smc_code rc = smc_upload(c, "s1", path, "a.parquet", file_id, &ce);
    smc_client_free(c);
    return rc == SMC_OK ? 0 : fail("smc_upload", ce.message);
}

static int check_stage(struct sm_server *srv, const char *path)
{
    struct stat st;
    struct sm_file_list list;
    struct sm_error err;
    if (stat(path, &st) != 0) {
        return fail(path, "cannot stat");
    }
    if (sm_server_get_files(srv, "s1", &list, &err) != SM_OK) {
        return fail("sm_server_get_files", err.message);
    }
    int bad = list.n != 1 || strcmp(list.files[0].name, "a.parquet") != 0 ||
              list.files[0].size != (uint64_t)st.st_size;
    sm_file_list_cleanup(&list);
    char *journal = sm_server_journal_json(srv);
    bad = bad || journal == NULL || strstr(journal, "\"status\":200") == NULL;
    sm_free(journal);
    return bad ? fail("stage s1", "does not hold the uploaded file, or no 200 in the journal") : 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        return fail("usage", "embed FILE.parquet");
    }
    if (strcmp(sm_version(), SM_VERSION) != 0 || strcmp(smc_version(), SM_VERSION) != 0) {
        return fail("version", "the libraries and the headers disagree");
    }
    struct sm_server_config cfg;
    sm_server_config_init(&cfg);
    struct sm_server *srv = NULL;
    struct sm_error err;
    if (sm_server_new(&cfg, &srv, &err) != SM_OK || sm_server_add_stage(srv, "s1", &err) != SM_OK ||
        sm_server_add_key(srv, "k1", NULL, 0, &err) != SM_OK ||
        sm_server_start(srv, &err) != SM_OK) {
        sm_server_free(srv);
        return fail("server", err.message);
    }
    char *file_id = NULL;
    int rc = upload(sm_server_url(srv), argv[1], &file_id);
    if (rc == 0) {
        rc = check_stage(srv, argv[1]);
    }
    if (rc == 0) {
        printf("embed: ok %s %s %s\n", sm_version(), sm_server_url(srv), file_id);
    }
    smc_free(file_id);
    sm_server_stop(srv);
    sm_server_free(srv);
    return rc;
}
