/*
 * client.c - the client handle of libstagemock-client: options and their
 * defaults, creation and release, error helpers, and small shared utilities
 * (form bodies, base names).
 *
 * How: the options are copied, strings included, so the caller's may go away;
 * a CA file is checked to be readable here, so a wrong path is named at once.
 * One curl easy handle lives as long as the client, so consecutive requests
 * reuse the connection. curl_global_init is called per client; libcurl
 * counts the calls, so many clients in one process are fine.
 * Not here: HTTP exchanges and retries (http.c), the three operations
 * (upload.c, download.c, list.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smc_internal.h"
#include "../../common/sm_mem.h"

void smc_options_init(struct smc_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->connect_timeout_s = 10;
    opt->stall_timeout_s = 30;
    opt->max_retries = 3;
    opt->backoff_ms = 200;
    opt->max_retry_wait_ms = 10000;
}

static char *dup_or_null(const char *s, bool *failed)
{
    if (s == NULL) {
        return NULL;
    }
    char *d = strdup(s);
    if (d == NULL) {
        *failed = true;
    }
    return d;
}

enum smc_code smc_client_new(const struct smc_options *opt, struct smc_client **out,
                             struct smc_error *err)
{
    smc_err_clear(err);
    *out = NULL;
    if (opt == NULL || opt->url == NULL || opt->url[0] == '\0') {
        return smc_err_set(err, SMC_E_ARG, "no API URL given");
    }
    if (strncmp(opt->url, "http://", 7) != 0 && strncmp(opt->url, "https://", 8) != 0) {
        return smc_err_set(err, SMC_E_ARG, "API URL '%s' is not http:// or https://", opt->url);
    }
    if (opt->ca_file != NULL && access(opt->ca_file, R_OK) != 0) {
        return smc_err_set(err, SMC_E_ARG, "CA file '%s': %s", opt->ca_file, strerror(errno));
    }
    struct smc_client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return smc_err_set(err, SMC_E_NOMEM, "out of memory");
    }
    c->opt = *opt;
    bool failed = false;
    c->url = dup_or_null(opt->url, &failed);
    c->key = dup_or_null(opt->key, &failed);
    c->user_agent =
        dup_or_null(opt->user_agent ? opt->user_agent : "libstagemock-client/1.0", &failed);
    c->ca_file = dup_or_null(opt->ca_file, &failed);
    if (!failed && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) {
        c->curl = curl_easy_init();
        if (c->curl == NULL) {
            curl_global_cleanup();
        }
    }
    if (failed || c->curl == NULL) {
        c->curl = NULL;
        smc_client_free(c);
        return smc_err_set(err, SMC_E_NOMEM, "out of memory (client)");
    }
    /* drop trailing slashes so base + "/path" has exactly one */
    size_t ul = strlen(c->url);
    while (ul > 0 && c->url[ul - 1] == '/') {
        c->url[--ul] = '\0';
    }
    c->opt.url = c->url;
    c->opt.key = c->key;
    c->opt.user_agent = c->user_agent;
    c->opt.ca_file = c->ca_file;
    if (c->opt.connect_timeout_s == 0) {
        c->opt.connect_timeout_s = 10;
    }
    if (c->opt.stall_timeout_s == 0) {
        c->opt.stall_timeout_s = 30;
    }
    *out = c;
    return SMC_OK;
}

void smc_client_free(struct smc_client *c)
{
    if (c == NULL) {
        return;
    }
    if (c->curl != NULL) {
        curl_easy_cleanup(c->curl);
        curl_global_cleanup();
    }
    SMX_FREE_ALL(c->url, c->key, c->user_agent, c->ca_file, c);
}

enum smc_code smc_err_set(struct smc_error *err, enum smc_code code, const char *fmt, ...)
{
    if (err != NULL) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

void smc_err_clear(struct smc_error *err)
{
    if (err != NULL) {
        memset(err, 0, sizeof *err);
    }
}

const char *smc_strerror(enum smc_code code)
{
#define CODE_NAME(c) [c] = #c
    static const char *const names[] = {CODE_NAME(SMC_OK),          CODE_NAME(SMC_E_ARG),
                                        CODE_NAME(SMC_E_NOMEM),     CODE_NAME(SMC_E_IO),
                                        CODE_NAME(SMC_E_REJECTED),  CODE_NAME(SMC_E_PROTOCOL),
                                        CODE_NAME(SMC_E_TRANSPORT), CODE_NAME(SMC_E_TIMEOUT)};
#undef CODE_NAME
    return (unsigned)code < sizeof names / sizeof names[0] ? names[code] : "SMC_E_UNKNOWN";
}

void smc_free(void *ptr)
{
    free(ptr);
}

const char *smc_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static bool append_field(CURL *curl, char **buf, size_t *len, const char *field, const char *value)
{
    char *esc = curl_easy_escape(curl, value, 0);
    if (esc == NULL) {
        return false;
    }
    size_t need = *len + strlen(field) + strlen(esc) + 3;
    char *nb = realloc(*buf, need);
    if (nb == NULL) {
        curl_free(esc);
        return false;
    }
    int n = snprintf(nb + *len, need - *len, "%s%s=%s", *len > 0 ? "&" : "", field, esc);
    curl_free(esc);
    *buf = nb;
    *len += n > 0 ? (size_t)n : 0;
    return true;
}

char *smc_form(CURL *curl, const char *stage, const char *file_name)
{
    char *buf = NULL;
    size_t len = 0;
    if (!append_field(curl, &buf, &len, "stage_id", stage) ||
        (file_name != NULL && !append_field(curl, &buf, &len, "file_name", file_name))) {
        free(buf);
        return NULL;
    }
    return buf;
}
