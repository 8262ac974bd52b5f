/*
 * sm_http.h - test helpers for talking to a stage API over loopback with
 * libcurl, for starting an in-process server with stages and keys, and for
 * making small parquet files in memory with the fixture writer.
 */
#ifndef SM_HTTP_H
#define SM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stagemock/server.h"

struct sm_resp {
    long status;   /* 0: no response (transport error) */
    int curl_code; /* CURLcode */
    char *body;
    size_t len;
    char rule[64];  /* X-Stagemock-Rule */
    char ctype[96]; /* Content-Type */
};
void sm_resp_cleanup(struct sm_resp *r);

/* One file part for sm_http_upload_parts; data NULL means no part. */
struct sm_part {
    const char *name;     /* form field name ("file") */
    const char *filename; /* NULL: a text field */
    const void *data;
    size_t len;
};

/* POST multipart parts to base/path. key NULL sends no Authorization; auth_raw
 * overrides the whole header value when not NULL. */
void sm_http_multipart(const char *base, const char *path, const char *auth_raw, const char *key,
                       const struct sm_part *parts, size_t n, struct sm_resp *out);
/* Upload one file as stage_id + file. */
void sm_http_upload(const char *base, const char *key, const char *stage, const char *filename,
                    const void *data, size_t len, struct sm_resp *out);
/* POST body with the given Content-Type (NULL: none); method NULL: POST. */
void sm_http_request(const char *base, const char *method, const char *path, const char *key,
                     const char *ctype, const char *body, struct sm_resp *out);

/* A started in-process server with stage "s1" and key "k1" (sees all), and
 * key "k2" that sees only stage "s2". Asserts on failure. */
struct sm_server *sm_test_server_start(const struct sm_server_config *cfg);

/* Upload a small parquet file (sm_test_parquet(1, 0, seed)) named name to
 * stage "s1" of srv as key "k1"; returns the response's status (0: no
 * response). Asserts the file could be made. */
long sm_test_upload(struct sm_server *srv, const char *name, unsigned seed);

/* A small valid parquet file (SNAPPY unless codec says otherwise); variant
 * changes the schema: 0 base (id int64, name string), 1 name is int64,
 * 2 extra column, 3 columns reordered. seed changes the values. */
uint8_t *sm_test_parquet(int codec, int variant, unsigned seed, size_t *len);
/* The same with `rows` rows instead of 120 (codec 0, 60000 rows: about 1.3 MiB). */
uint8_t *sm_test_parquet_rows(int codec, int variant, unsigned seed, uint64_t rows, size_t *len);

#endif
