/*
 * download.c - download one stage file to a path, safely: the bytes stream
 * into PATH.part, and only a complete 200 turns it into PATH.
 *
 * How: POST /download-from-stage with `stage_id` and `file_name` urlencoded.
 * http.c hands only 2xx bytes to the sink here; an error body stays in
 * memory for its message, so it is never written as data. The .part file is
 * opened on the first byte of a 2xx answer (or at the end, for an empty
 * file), written with a retry on short writes, and on success fsynced,
 * checked against Content-Length, renamed over PATH and the folder fsynced.
 * A text/... answer is taken as base64 of the file (RULES.md: a deployment may
 * send the bytes "encoded"; the mock's download_encoding profile key) and
 * decoded as it streams (common/base64.c), so the file is the stored bytes either way.
 * On any failure, and before every retry, the .part is closed and unlinked,
 * so nothing is left behind. Memory does not grow with the file: libcurl's
 * receive buffer goes straight to write(2).
 * Not here: retries (http.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "smc_internal.h"

#define B64_CHUNK 16384

struct part_file {
    char *path;        /* PATH.part */
    int fd;            /* -1 while not open */
    uint64_t written;  /* bytes in the file */
    uint64_t received; /* body bytes as sent (base64 text counts here) */
    int saved_errno;   /* of the failed open or write */
    const struct smc_response *resp;
    bool decided; /* whether the body is base64 text, known from its Content-Type */
    bool base64;
    bool bad_base64;
    struct smx_base64_dec dec;
};

static bool part_open(struct part_file *pf)
{
    if (pf->fd < 0) {
        pf->fd = open(pf->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (pf->fd < 0) {
            pf->saved_errno = errno;
            return false;
        }
    }
    return true;
}

static bool write_all(struct part_file *pf, const char *p, size_t n)
{
    if (!part_open(pf)) {
        return false;
    }
    while (n > 0) {
        ssize_t w = write(pf->fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            pf->saved_errno = w < 0 ? errno : EIO;
            return false;
        }
        p += w;
        n -= (size_t)w;
        pf->written += (uint64_t)w;
    }
    return true;
}

/* A text body is base64 of the file (a profile's download_encoding). */
static bool part_write(void *cls, const char *p, size_t n)
{
    struct part_file *pf = cls;
    if (!pf->decided) {
        pf->base64 = strncasecmp(pf->resp->content_type, "text/", 5) == 0;
        pf->decided = true;
    }
    pf->received += n;
    if (!pf->base64) {
        return write_all(pf, p, n);
    }
    while (n > 0) {
        char out[B64_CHUNK / 4 * 3 + 3];
        size_t take = n < B64_CHUNK ? n : B64_CHUNK;
        size_t o = smx_base64_decode(&pf->dec, p, take, (uint8_t *)out);
        if (pf->dec.bad) {
            pf->bad_base64 = true;
            return false;
        }
        if (!write_all(pf, out, o)) {
            return false;
        }
        p += take;
        n -= take;
    }
    return true;
}

static void part_discard(void *cls)
{
    struct part_file *pf = cls;
    if (pf->fd >= 0) {
        (void)close(pf->fd);
        pf->fd = -1;
        (void)unlink(pf->path);
    }
    pf->written = 0;
    pf->received = 0;
    pf->decided = false;
    pf->base64 = false;
    memset(&pf->dec, 0, sizeof pf->dec);
}

static void sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (slash == NULL) {
        (void)snprintf(dir, sizeof dir, ".");
    } else if (slash == path) {
        (void)snprintf(dir, sizeof dir, "/");
    } else {
        (void)snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        (void)close(fd);
    }
}

/* Make PATH.part into PATH after a complete answer. */
static enum smc_code part_commit(struct smc_client *c, struct part_file *pf, const char *out,
                                 struct smc_error *err)
{
    curl_off_t cl = -1;
    (void)curl_easy_getinfo(c->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    if (cl >= 0 && (uint64_t)cl != pf->received) {
        return smc_err_set(err, SMC_E_TRANSPORT, "answer declared %lld bytes, %llu arrived",
                           (long long)cl, (unsigned long long)pf->received);
    }
    if (pf->base64) {
        uint8_t tail[3];
        size_t n = 0;
        if (!smx_base64_finish(&pf->dec, tail, &n)) {
            return smc_err_set(err, SMC_E_PROTOCOL, "download answered text that is not base64");
        }
        if (n > 0 && !write_all(pf, (const char *)tail, n)) {
            return smc_err_set(err, SMC_E_IO, "%s: %s", pf->path, strerror(pf->saved_errno));
        }
    }
    if (!part_open(pf)) {
        return smc_err_set(err, SMC_E_IO, "%s: %s", pf->path, strerror(pf->saved_errno));
    }
    if (fsync(pf->fd) != 0 || close(pf->fd) != 0) {
        int e = errno;
        pf->fd = -1;
        (void)unlink(pf->path);
        return smc_err_set(err, SMC_E_IO, "%s: %s", pf->path, strerror(e));
    }
    pf->fd = -1;
    if (rename(pf->path, out) != 0) {
        int e = errno;
        (void)unlink(pf->path);
        return smc_err_set(err, SMC_E_IO, "rename to %s: %s", out, strerror(e));
    }
    sync_dir_of(out);
    return SMC_OK;
}

enum smc_code smc_download(struct smc_client *c, const char *stage, const char *name,
                           const char *out_path, uint64_t *size, struct smc_error *err)
{
    smc_err_clear(err);
    if (c == NULL || stage == NULL || name == NULL || out_path == NULL || out_path[0] == '\0') {
        return smc_err_set(err, SMC_E_ARG, "download needs a client, a stage, a name and a path");
    }
    size_t plen = strlen(out_path) + sizeof ".part";
    struct part_file pf = {.path = malloc(plen), .fd = -1};
    char *form = smc_form(c->curl, stage, name);
    if (pf.path == NULL || form == NULL) {
        free(pf.path);
        free(form);
        return smc_err_set(err, SMC_E_NOMEM, "out of memory (download)");
    }
    (void)snprintf(pf.path, plen, "%s.part", out_path);
    struct smc_response resp;
    pf.resp = &resp;
    struct smc_sink sink = {.write = part_write, .reset = part_discard, .cls = &pf};
    struct smc_request rq = {
        .path = "/download-from-stage", .name = name, .form = form, .sink = &sink};
    enum smc_code rc = smc_http_call(c, &rq, &resp, err);
    if (rc == SMC_E_IO && pf.bad_base64) {
        rc = smc_err_set(err, SMC_E_PROTOCOL, "download answered text that is not base64");
    } else if (rc == SMC_E_IO && pf.saved_errno != 0) {
        rc = smc_err_set(err, SMC_E_IO, "%s: %s", pf.path, strerror(pf.saved_errno));
    } else if (rc == SMC_OK && resp.status != 200) {
        rc = smc_err_set(err, SMC_E_PROTOCOL, "download answered HTTP %ld, not 200", resp.status);
    } else if (rc == SMC_OK) {
        rc = part_commit(c, &pf, out_path, err);
    }
    if (rc == SMC_OK && size != NULL) {
        *size = pf.written;
    }
    part_discard(&pf);
    smc_response_cleanup(&resp);
    free(form);
    free(pf.path);
    return rc;
}
